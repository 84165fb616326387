"""A survey's questions: kinds, how an organiser writes them (one a line), and checking an answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storage.errors import DomainError

SINGLE, MULTIPLE, SCALE, YESNO, TEXT = "single", "multiple", "scale", "yesno", "text"
KINDS = {SINGLE: "one choice", MULTIPLE: "several choices", SCALE: "a 1-5 scale", YESNO: "yes or no",
         TEXT: "free text"}
SCALE_POINTS = ("1", "2", "3", "4", "5")
MOST_QUESTIONS = 20
QUESTION_LIMIT = 300
OPTION_LIMIT = 75
TEXT_LIMIT = 2000

HOW_TO_WRITE = ("One question a line, starting with its kind: `scale:`, `yesno:`, `text:`, `single:` or "
                "`multiple:`; choices after the question, each after a `|`. E.g. "
                "`scale: How supported do you feel?` or `single: Which site? | North | South`.")


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "options": list(self.options)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        return cls(str(data.get("kind", TEXT)), str(data.get("text", "")),
                   tuple(str(o) for o in data.get("options") or ()))

    @property
    def choices(self) -> tuple[str, ...]:
        """What may be picked: the options, the scale's points, yes and no; nothing for free text."""
        if self.kind == SCALE:
            return SCALE_POINTS
        if self.kind == YESNO:
            return ("yes", "no")
        return self.options


def parse(text: str) -> list[Question]:
    """The organiser's lines as questions; a DomainError saying which line is wrong."""
    questions = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise DomainError("Add at least one question. " + HOW_TO_WRITE)
    if len(lines) > MOST_QUESTIONS:
        raise DomainError(f"A survey has at most {MOST_QUESTIONS} questions.")
    for number, line in enumerate(lines, 1):
        kind, colon, rest = line.partition(":")
        kind = kind.strip().lower().replace("-", "").replace(" ", "")
        kind = {"yes/no": YESNO, "yesorno": YESNO, "choice": SINGLE, "one": SINGLE, "several": MULTIPLE,
                "rating": SCALE, "15": SCALE}.get(kind, kind)
        if not colon or kind not in KINDS:
            raise DomainError(f"Line {number} does not start with a kind of question. " + HOW_TO_WRITE)
        words, *options = [part.strip() for part in rest.split("|")]
        options = [o for o in options if o]
        if not words:
            raise DomainError(f"Line {number} has no question.")
        if len(words) > QUESTION_LIMIT:
            raise DomainError(f"Line {number}: keep a question to {QUESTION_LIMIT} characters.")
        if kind in (SINGLE, MULTIPLE):
            if len(options) < 2:
                raise DomainError(f"Line {number}: give at least two choices, each after a `|`.")
            if len(options) > 10 or any(len(o) > OPTION_LIMIT for o in options):
                raise DomainError(f"Line {number}: at most 10 choices of {OPTION_LIMIT} characters each.")
            if len({o.casefold() for o in options}) < len(options):
                raise DomainError(f"Line {number}: two choices are the same.")
        elif options:
            raise DomainError(f"Line {number}: only `single:` and `multiple:` questions take choices.")
        questions.append(Question(kind, words, tuple(options)))
    return questions


def check_answers(questions: Sequence[Question], given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers to keep, by question number, and what is wrong, by the form's field (q0, q1, ...).

    Every question but free text needs an answer; free text may be left empty."""
    kept: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for index, q in enumerate(questions):
        key, value = str(index), given.get(str(index))
        if q.kind == TEXT:
            text = (value or "").strip() if isinstance(value, str) else ""
            if len(text) > TEXT_LIMIT:
                errors[f"q{index}"] = f"Keep it to {TEXT_LIMIT} characters."
            elif text:
                kept[key] = text
            continue
        if q.kind == MULTIPLE:
            picked = [v for v in (value or []) if v in q.choices] if isinstance(value, list | tuple) else []
            if not picked:
                errors[f"q{index}"] = "Pick at least one."
            kept[key] = picked
            continue
        if value not in q.choices:
            errors[f"q{index}"] = "Pick one."
        elif q.kind == SCALE:
            kept[key] = int(value)
        else:
            kept[key] = value
    return kept, errors
