"""Skills and equipment tags: "HPLC", " hplc " and "ＨＰＬＣ" are one tag, shown as first written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.models.profiles import ProfileTag, ProfileTagLink

SKILL, EQUIPMENT = "skill", "equipment"
TAG_KINDS = (SKILL, EQUIPMENT)
# Slack shows an option's text in at most 75 characters; a tag is a few words, not a sentence.
MAX_TAG_LENGTH = 60
# Enough for anyone's real expertise, and what one menu and one card can show.
MAX_TAGS = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def normalise_label(text: str) -> str:
    """How a tag is written: Unicode-normalised, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub(" ", text)
    # Emoji keep their variation selectors (U+FE0F), which NFKC leaves alone.
    return " ".join(text.split())


def tag_key(label: str) -> str:
    """What makes two tags one: the normalised label, casefolded."""
    return normalise_label(label).casefold()


def clean_tags(values: Iterable[str], *, noun: str) -> list[str]:
    """Normalised labels without duplicates (first spelling wins), within the limits."""
    labels: list[str] = []
    seen: set[str] = set()
    for value in values:
        label = normalise_label(value)
        if not label:
            continue
        if len(label) > MAX_TAG_LENGTH:
            raise DomainError(f"“{label[:40]}…” is too long for a tag: keep each {noun} under {MAX_TAG_LENGTH} "
                              "characters (a few words).")
        key = tag_key(label)
        if key not in seen:
            seen.add(key)
            labels.append(label)
    if len(labels) > MAX_TAGS:
        raise DomainError(f"That is {len(labels)} {noun}s; keep the {MAX_TAGS} you would most like to be asked "
                          "about.")
    return labels


def tags_for(session: Session, labels: Sequence[str]) -> list[ProfileTag]:
    """The tags for these labels, created if new. A tag first written elsewhere keeps its spelling."""
    keys = [tag_key(label) for label in labels]
    existing = {t.key: t for t in session.scalars(select(ProfileTag).where(ProfileTag.key.in_(keys)))} if keys else {}
    result = []
    for label, key in zip(labels, keys, strict=True):
        tag = existing.get(key)
        if tag is None:
            tag = ProfileTag(key=key, label=label)
            try:
                with session.begin_nested():
                    session.add(tag)
            except IntegrityError:
                # Another member saved the same new tag at the same moment.
                tag = session.scalars(select(ProfileTag).where(ProfileTag.key == key)).one()
            existing[key] = tag
        result.append(tag)
    return result


def suggest_tags(session: Session, kind: str, typed: str, *, limit: int = 20) -> list[str]:
    """Labels for a menu as the member types: the typed text (if new) first, then matching tags in use,
    the most used as this kind first (a skill that is also someone's equipment is offered too)."""
    label = normalise_label(typed)[:MAX_TAG_LENGTH]
    key = tag_key(label)
    uses_as_kind = func.sum(case((ProfileTagLink.kind == kind, 1), else_=0))
    query = (
        select(ProfileTag.label, ProfileTag.key)
        .join(ProfileTagLink, ProfileTagLink.tag_id == ProfileTag.id)
        .group_by(ProfileTag.id, ProfileTag.label, ProfileTag.key)
        .order_by(uses_as_kind.desc(), func.count().desc(), ProfileTag.key)
        .limit(limit)
    )
    if key:
        query = query.where(ProfileTag.key.contains(key, autoescape=True))
    found = [(row.label, row.key) for row in session.execute(query)]
    labels = [lab for lab, _ in found]
    if label and key not in {k for _, k in found}:
        labels = [label, *labels[: limit - 1]]
    return labels
