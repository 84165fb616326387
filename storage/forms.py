"""What several services do alike with what people type in, and with what they take out as CSV.

- A form reports every wrong field at once (`FieldErrors`, `InvalidFields`), so a modal
  marks each one instead of one per submission.
- A web link is checked the same way wherever a form takes one (`check_link`).
- A CSV cell never runs as a spreadsheet formula (`csv_safe`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from storage.errors import DomainError

T = TypeVar("T")

LINK_LIMIT = 500
# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list, and the
# full-width forms some spreadsheets accept too).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


class InvalidFields(DomainError):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong.

    The message and `field` are the first one's, for a surface that shows a single error.
    """

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = errors


class FieldErrors(dict[str, str]):
    """The wrong fields of one form, gathered while checking it: field name -> what is wrong."""

    def check(self, name: str, parse: Callable[[], T]) -> T | None:
        """What `parse()` returns; or None, noting its DomainError under the field it names (else `name`)."""
        try:
            return parse()
        except DomainError as e:
            self[e.field or name] = e.message
            return None


def check_link(link: str | None, *, field_name: str = "link") -> str | None:
    """A web address as typed, or None when empty; a DomainError on `field_name` when it is not one."""
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > LINK_LIMIT:
        raise DomainError(f"Keep the link under {LINK_LIMIT} characters.", field=field_name)
    # No spaces or Slack's control characters: the link is put inside <url|title> as it is.
    if not re.fullmatch(r"https?://[^\s<>|]+\.[^\s<>|]+", link):
        raise DomainError("Give a web address starting with https:// (or leave it empty).", field=field_name)
    return link


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text and never runs: a formula start gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text
