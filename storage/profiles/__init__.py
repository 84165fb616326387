"""Profiles, the skills directory and welcomes: the rules, over a Session, with no surface.

- A member edits only their own profile. Job title, department and FTE are written to
  `Member` (the single source other features read); the rest to `Profile`.
- Tags are normalised: "HPLC", " hplc " and "ＨＰＬＣ" are one tag, shown as first written.
- Nobody appears in the directory, its export or the e-zine spotlight without opting
  in, and a deactivated account or a bot never does.
- Colleagues see, and can search, only the fields a member chose to show.

The modules: `tags.py` (skills and equipment tags), `editing.py` (a member's own profile,
the welcome, account changes), `colleagues.py` (cards, the directory, its search and
export) and `figures.py` (completeness for the Home tab, uptake for organisers). Callers
import from `storage.profiles`, which names everything public below.
"""

from storage.profiles.colleagues import (
    STOPWORDS, Card, DirectoryExport, Hit, NotListed, SearchResult, card_for, directory, export_directory,
    resolve_colleague, search, search_words, spotlight_candidates,
)
from storage.profiles.editing import (
    BIO_LIMIT, OTHER_DEPARTMENT, TITLE_LIMIT, InvalidProfile, ProfileChanges, claim_welcome, ensure_profile,
    find_profile, parse_fte, refresh_member, release_welcome, resolve_department, save_profile,
)
from storage.profiles.figures import Completeness, Figures, completeness, headline_figures
from storage.profiles.tags import (
    EQUIPMENT, MAX_TAG_LENGTH, MAX_TAGS, SKILL, TAG_KINDS, clean_tags, normalise_label, suggest_tags, tag_key, tags_for,
)

__all__ = [
    "BIO_LIMIT", "EQUIPMENT", "MAX_TAG_LENGTH", "MAX_TAGS", "OTHER_DEPARTMENT", "SKILL", "STOPWORDS", "TAG_KINDS",
    "TITLE_LIMIT", "Card", "Completeness", "DirectoryExport", "Figures", "Hit", "InvalidProfile", "NotListed",
    "ProfileChanges", "SearchResult", "card_for", "claim_welcome", "clean_tags", "completeness", "directory",
    "ensure_profile", "export_directory", "find_profile", "headline_figures", "normalise_label", "parse_fte",
    "refresh_member", "release_welcome", "resolve_colleague", "resolve_department", "save_profile", "search",
    "search_words", "spotlight_candidates", "suggest_tags", "tag_key", "tags_for",
]
