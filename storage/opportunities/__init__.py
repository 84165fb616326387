"""Development opportunities: the catalogue, search, deadline reminders, tag follows, CSV import.

Organisers add and edit opportunities (in a modal, or many at once from CSV at the
command line); members list and search the current ones, ask for a reminder two days
before a deadline, and follow tags to hear of new ones. Reminders and follow notices
are due rows in the ledger (storage/ledger.py), so each DM goes out once.

The modules: `values.py` (the form, its checks, an opportunity as shown), `catalogue.py`
(saving and listing), `ranking.py` (search, ranked), `alerts.py` (reminders and follows)
and `importing.py` (CSV import). Callers import from `storage.opportunities`, which names
everything public below.
"""

from storage.forms import check_link, csv_safe, looks_like_formula
from storage.opportunities.alerts import (
    DEADLINE_REMINDER, FOLLOWED_TAG, follow, follow_notice_to_send, follows, remind_me, reminder_to_send, unfollow,
)
from storage.opportunities.catalogue import closing_soon, current, get_opportunity, save_opportunity
from storage.opportunities.importing import (
    CSV_ALIASES, CSV_COLUMNS, IMPORT_ROW_LIMIT, ImportRefused, ImportReport, import_csv,
)
from storage.opportunities.ranking import B, K1, STOPWORDS, WEIGHTS, query_terms, search, words
from storage.opportunities.values import (
    COST_LIMIT, DESCRIPTION_LIMIT, FORM_FIELDS, KIND_ALIASES, KINDS, MAX_TAGS, PROVIDER_LIMIT, REMIND_AT,
    REMIND_DAYS_BEFORE, TAG_LIMIT, TITLE_LIMIT, Details, InvalidOpportunity, OpportunityForm, OpportunityInfo, Page,
    ReminderSet, check_form, info, is_current, natural_key, normalise_tag, parse_date, parse_kind, parse_tags,
    reminder_due_at,
)

__all__ = [
    "B", "COST_LIMIT", "CSV_ALIASES", "CSV_COLUMNS", "DEADLINE_REMINDER", "DESCRIPTION_LIMIT", "FOLLOWED_TAG",
    "FORM_FIELDS", "IMPORT_ROW_LIMIT", "K1", "KIND_ALIASES", "KINDS", "MAX_TAGS", "PROVIDER_LIMIT", "REMIND_AT",
    "REMIND_DAYS_BEFORE", "STOPWORDS", "TAG_LIMIT", "TITLE_LIMIT", "WEIGHTS", "Details", "ImportRefused",
    "ImportReport", "InvalidOpportunity", "OpportunityForm", "OpportunityInfo", "Page", "ReminderSet", "check_form",
    "check_link", "closing_soon", "csv_safe", "current", "follow", "follow_notice_to_send", "follows",
    "get_opportunity", "import_csv", "info", "is_current", "looks_like_formula", "natural_key", "normalise_tag",
    "parse_date", "parse_kind", "parse_tags", "query_terms", "remind_me", "reminder_due_at", "reminder_to_send",
    "save_opportunity", "search", "unfollow", "words",
]
