"""The action plan: actions under the four pillars, their owners, RAG status and updates, the
reminders owners get and the steering group's monthly summary; a plan imported from CSV."""

from storage.actions.importing import ImportRefused, ImportReport, import_csv
from storage.actions.tracker import (AT_RISK, DONE, DUE_SOON, LATE, LATE_NOTICE, NOT_STARTED, NOTE_LIMIT, ON_TRACK,
                                     PILLARS, RAG, STATUSES, SUMMARY, SUMMARY_DM, ActionInfo, Summary, UpdateInfo,
                                     action, effective_status, has_actions, may_update, month_of, pillar_key, plan,
                                     post_update, rag_counts, reminder_to_send, require_update, schedule_reminders,
                                     schedule_summary, schedule_summary_dms, status_key, summary)

__all__ = ["AT_RISK", "DONE", "DUE_SOON", "LATE", "LATE_NOTICE", "NOT_STARTED", "NOTE_LIMIT", "ON_TRACK", "PILLARS",
           "RAG", "STATUSES", "SUMMARY", "SUMMARY_DM", "ActionInfo", "ImportRefused", "ImportReport", "Summary",
           "UpdateInfo", "action", "effective_status", "has_actions", "import_csv", "may_update", "month_of",
           "pillar_key", "plan", "post_update", "rag_counts", "reminder_to_send", "require_update",
           "schedule_reminders", "schedule_summary", "schedule_summary_dms", "status_key", "summary"]
