"""The e-zine: one issue per period, compiled from what the store holds, as plain data.

An issue is a list of sections; each section collects plain data (dicts of str, int,
bool and lists, so the compiled issue can be frozen as JSON) from one storage service.
Empty sections are left out; an issue with no section is not posted.

Exactly once (DESIGN decision 3): the issue row is unique per period; when posting
starts, the messages are planned once and each is claimed, posted and recorded on its
own, so a restart or a second process continues with the next message, never repeats one.

The modules: `issues.py` (the schedule, planning, an issue as shown, the organisers'
decisions), `sections.py` (compiling and freezing the content) and `posting.py` (posting
message by message, and the archive). Callers import from `storage.ezine`, which names
everything public below.
"""

from storage.ezine.issues import (
    APPROVAL, APPROVED, AWAITING, CHANGED, EMPTY, F_INTRO, HELD, INTRO_LIMIT, ISSUE, PLANNED, POSTED, POSTING,
    PUBLISH_SUFFIX, SKIPPED, SUBJECT, IssueInfo, Period, Schedule, approval_sent, ask_again, decide, get,
    is_answer_by, is_publish, mark, next_issue, period_of, period_of_occurrence, plan, publish_now, set_intro, warn,
)
from storage.ezine.posting import (
    MESSAGE_LEASE, Archived, PlannedMessage, archive, archived_content, archived_html, begin_posting,
    claim_next_message, finish, first_message_id, message_posted, release_message,
)
from storage.ezine.sections import (
    SECTIONS, Change, Collect, Context, Refresh, Refreshed, Section, compile_issue, content_for, freeze, is_empty,
    item_count, keep, refreeze, refreshed,
)

__all__ = [
    "APPROVAL", "APPROVED", "AWAITING", "CHANGED", "Change", "Refresh", "Refreshed", "ask_again", "is_answer_by",
    "keep", "refreshed", "EMPTY", "F_INTRO", "HELD", "INTRO_LIMIT", "ISSUE", "MESSAGE_LEASE", "PLANNED",
    "POSTED", "POSTING", "PUBLISH_SUFFIX", "SECTIONS", "SKIPPED", "SUBJECT", "Archived", "Collect", "Context",
    "IssueInfo", "Period", "PlannedMessage", "Schedule", "Section", "approval_sent", "archive", "archived_content",
    "archived_html", "begin_posting", "claim_next_message", "compile_issue", "content_for", "decide", "finish",
    "first_message_id", "freeze", "get", "is_empty", "is_publish", "item_count", "mark", "message_posted",
    "next_issue", "period_of", "period_of_occurrence", "plan", "publish_now", "refreeze",
    "release_message", "set_intro", "warn",
]
