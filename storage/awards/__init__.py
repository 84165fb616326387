"""Awards: cycles, nominations, panel review, figures. Every rule and permission lives here.

Confidentiality is the first rule: a nomination is read only by the panel of its cycle
(members stored on the cycle; defaulting to TECHNET_AWARDS_PANEL, which callers
pass in as plain values) and by the nominator who wrote it. Organisers and admins are
not the panel unless they sit on it, and they get counts only once a cycle has closed,
so nobody can work out who was nominated by watching a number change. Every panel read
or export, and every refused attempt, is written to the audit log the chair reads.

A panel member is recused from every nominee they have a conflict of interest with
(themselves, a team they are in, anyone they nominated): to them those nominations do not
exist (not in the review, the export or the audit log; reading, scoring, shortlisting or
marking one is refused exactly as for a nominee who does not exist), and they cannot
approve an announcement naming one. The chair sees the panel's recusals in the review.

Public reads for other features (the e-zine): `open_cycles(session, now)` and
`announced_winners(session, since, until)`; both return plain frozen dataclasses.

The modules: values (settings, states, refusals, the plain values handed out), cycles,
audit (who may read, and the log of who did), nominating, recusals (who has a conflict of
interest with whom), reviewing (grouping, scores, what the chair sees of the recusals),
results (shortlist, winner, announcement), export (CSV), counts (figures, through
storage.privacy) and posts (what the scheduled posts read). Callers import from `storage.awards` itself.
"""

from __future__ import annotations

from storage.awards.audit import audit_log, panel_cycle, record_refusal
from storage.awards.counts import figures
from storage.awards.cycles import all_cycles, close_cycle, get_cycle, open_cycle, open_cycles, state_of
from storage.awards.export import CSV_HEADER, export_csv
from storage.awards.nominating import (
    check_can_edit,
    claim_submission_dm,
    member_by_name,
    my_nomination,
    my_nominations,
    release_submission_dm,
    submission_key,
    submit_nomination,
    withdraw_if_ineligible,
    withdraw_nomination,
)
from storage.awards.posts import cycle_for_post, nominated_people, schedule_nominee_notices, still_nominated
from storage.awards.results import (
    abandon_announcement,
    announced_winners,
    announcement_draft,
    announcement_people,
    approve_announcement,
    begin_announcement_post,
    finish_announcement_post,
    mark_winner,
    set_shortlisted,
)
from storage.awards.reviewing import nominee_detail, review, score_nominee
from storage.awards.values import (
    ACTIVE,
    ANNOUNCED,
    ANNOUNCEMENT_MAX,
    CITATION_MAX,
    CITATION_MIN,
    CLOSED,
    CLOSING,
    CREATED,
    DEFAULT_CRITERIA,
    EXAMPLE_MAX,
    LINK_MAX,
    MAX_EXAMPLES,
    NOMINEE_NOTICE,
    NOTIFY_AT_CLOSE,
    NOTIFY_NEVER,
    OPEN,
    OPENING,
    RECUSED_NOMINATOR,
    RECUSED_NOMINEE,
    REFUSED_CLOSED,
    REMINDER,
    REMINDER_BEFORE,
    SHORTEST_CYCLE,
    TEAM_MAX,
    TEAM_NAME_MAX,
    UPCOMING,
    UPDATED,
    WITHDRAWN,
    AnnouncedWinner,
    AnnouncementDraft,
    AuditLine,
    CycleClosed,
    CycleInfo,
    DmClaim,
    FigureRow,
    NominationCopy,
    NominationForm,
    NomineeRef,
    NomineeSummary,
    PanelRefusal,
    Recusal,
    Review,
    SubmissionResult,
)

__all__ = [
    # values
    "ACTIVE", "ANNOUNCED", "ANNOUNCEMENT_MAX", "CITATION_MAX", "CITATION_MIN", "CLOSED", "CLOSING", "CREATED",
    "DEFAULT_CRITERIA", "EXAMPLE_MAX", "LINK_MAX", "MAX_EXAMPLES", "NOMINEE_NOTICE", "NOTIFY_AT_CLOSE",
    "NOTIFY_NEVER", "OPEN", "OPENING", "RECUSED_NOMINATOR", "RECUSED_NOMINEE", "REFUSED_CLOSED", "REMINDER",
    "REMINDER_BEFORE", "SHORTEST_CYCLE", "TEAM_MAX", "TEAM_NAME_MAX", "UPCOMING", "UPDATED", "WITHDRAWN",
    "AnnouncedWinner", "AnnouncementDraft", "AuditLine", "CycleClosed", "CycleInfo", "DmClaim", "FigureRow",
    "NominationCopy", "NominationForm", "NomineeRef", "NomineeSummary", "PanelRefusal", "Recusal", "Review",
    "SubmissionResult",
    # cycles
    "all_cycles", "close_cycle", "get_cycle", "open_cycle", "open_cycles", "state_of",
    # audit
    "audit_log", "panel_cycle", "record_refusal",
    # nominating
    "check_can_edit", "claim_submission_dm", "member_by_name", "my_nomination", "my_nominations",
    "release_submission_dm", "submission_key", "submit_nomination", "withdraw_if_ineligible",
    "withdraw_nomination",
    # reviewing
    "nominee_detail", "review", "score_nominee",
    # results
    "abandon_announcement", "announced_winners", "announcement_draft", "announcement_people", "approve_announcement",
    "begin_announcement_post", "finish_announcement_post", "mark_winner", "set_shortlisted",
    # export, counts, posts
    "CSV_HEADER", "export_csv", "figures",
    "cycle_for_post", "nominated_people", "schedule_nominee_notices", "still_nominated",
]
