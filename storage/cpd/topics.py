"""What a piece of CPD was about (wellbeing and mental health, leadership ...): topics from
content/cpd_topics.yaml (or the deployment's copy), so the plans' percentage targets can be
counted per topic."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from content import ContentError, load_yaml

TOPIC_LIMIT = 48
LABEL_LIMIT = 75  # what a Slack menu option shows
_KEY = re.compile(r"[a-z0-9_]{1,48}")


@lru_cache(maxsize=8)
def topics(content_dir: str | None = None) -> tuple[tuple[str, str], ...]:
    """(key, label) pairs in the file's order; checked once per content directory."""
    data = load_yaml("cpd_topics.yaml", Path(content_dir) if content_dir else None) or {}
    found = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(found, dict):
        raise ContentError("cpd_topics.yaml: expected a mapping under 'topics' (key: label)")
    pairs = []
    for key, label in found.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ContentError(f"cpd_topics.yaml: {key!r} is not a key (lower case letters, digits, underscores)")
        if not isinstance(label, str) or not label.strip() or len(label) > LABEL_LIMIT:
            raise ContentError(f"cpd_topics.yaml: give {key!r} a label of 1 to {LABEL_LIMIT} characters")
        pairs.append((key, label.strip()))
    return tuple(pairs)
