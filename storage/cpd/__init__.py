"""The CPD record: each member's entries, this development year's total against the target
(10 days a year pro rata to FTE), the export for an appraisal, and organisers' aggregates.

The development year starts on the 1st of a configured month (August by default); a day
of CPD is a configured number of hours (7.5 by default). Organisers see aggregates only,
never a member's entries.

Other features add to the record through `CpdDraft`: an event a member attended, a
mentoring pairing that ended. The draft prefills the log form; `source` and `source_ref`
make each such entry one per member.

The modules: `rules.py` (the target, the development year, the settings), `record.py`
(a member's entries: logging, deleting, listing, the CSV export), `totals.py` (progress
and the organisers' aggregates) and `prompts.py` (drafts from other features, and the
prompt after an event). Callers import from `storage.cpd`, which names everything public below.
"""

from storage.cpd.prompts import (
    EVENT_CATEGORIES, EVENT_PROMPT, PROMPTED_EVENT_KINDS, CpdDraft, EventPrompt, event_prompt_to_send,
    schedule_event_prompts,
)
from storage.cpd.record import (
    EXPORT_COLUMNS, CleanEntry, EntryForm, EntryInfo, InvalidEntry, already_logged, check_entry, delete_entry, entries,
    export_csv, log_entry, parse_amount, parse_day,
)
from storage.cpd.topics import topics
from storage.cpd.rules import (
    ACTIVITY_LIMIT, CATEGORIES, DAYS, EVENT, HOURS, MANUAL, MAX_DAYS_PER_ENTRY, MENTORING, NOTE_LIMIT, OPPORTUNITY,
    SOURCES, TARGET_DAYS, CpdRules, DevelopmentYear, check_fte, development_year, number, target_days,
)
from storage.cpd.totals import Progress, Summary, progress, summary

__all__ = [
    "ACTIVITY_LIMIT", "CATEGORIES", "DAYS", "EVENT", "EVENT_CATEGORIES", "EVENT_PROMPT", "EXPORT_COLUMNS", "HOURS",
    "MANUAL", "MAX_DAYS_PER_ENTRY", "MENTORING", "NOTE_LIMIT", "OPPORTUNITY", "PROMPTED_EVENT_KINDS", "SOURCES",
    "TARGET_DAYS", "CleanEntry", "CpdDraft", "CpdRules", "DevelopmentYear", "EntryForm", "EntryInfo", "EventPrompt",
    "InvalidEntry", "Progress", "Summary", "already_logged", "check_entry", "check_fte", "delete_entry",
    "development_year", "entries", "event_prompt_to_send", "export_csv", "log_entry", "number", "parse_amount",
    "parse_day", "progress", "schedule_event_prompts", "summary", "target_days", "topics",
]
