"""Counted nouns in what people read, on every surface: one helper, so nothing says "1 nominees".

It sits in storage (which imports nothing above it) because services' messages count things
too; handlers, digests, the CLI and the Jinja templates (the `plural` filter) use it alike.
"""

from __future__ import annotations


def noun(count: float, one: str, many: str | None = None) -> str:
    """The word alone for `count` things: `one` for exactly 1, else `many` (default `one` + "s")."""
    return one if count == 1 else many if many is not None else one + "s"


def plural(count: float, one: str, many: str | None = None, *, shown: str | None = None) -> str:
    """'1 nominee', '0 nominees', '3 people' (`many` where an s is wrong). `shown` is the count
    as the caller formats it ('1.5' days); the noun agrees with what is shown, so 0.999 days
    shown as '1' is '1 day'."""
    if shown is None:
        return f"{count} {noun(count, one, many)}"
    return f"{shown} {noun(1 if shown == '1' else 2, one, many)}"
