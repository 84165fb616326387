"""The areas a mentor can offer, and which one a member means by what they type."""

from __future__ import annotations

import re
from collections import Counter

# The areas a mentor can offer; "registration" is professional registration (RSciTech, EngTech ...).
AREAS: dict[str, str] = {
    "registration": "Professional registration",
    "career": "Career progression and pathways",
    "leadership": "Leadership and management",
    "technical": "Technical skills and techniques",
    "teaching": "Supporting teaching and learning",
    "research": "Supporting research",
    "safety": "Health, safety and compliance",
    "sustainability": "Sustainable labs and workshops",
    "early_career": "Starting out (apprentices, new technicians)",
    "returning": "Returning to work",
    "edi": "Equality, diversity and inclusion",
    "wellbeing": "Confidence and wellbeing",
}
# Other words members type for an area (`/tech mentor find rsci`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "registration": ("register", "registered", "registering", "rscitech", "rsci", "csci", "engtech", "ieng",
                     "ceng", "icttech", "rittech", "chartered", "chartership", "professional", "accreditation"),
    "career": ("careers", "progression", "promotion", "pathway", "pathways", "job", "jobs", "cv", "interview"),
    "leadership": ("leader", "lead", "leading", "management", "manager", "managing", "supervising", "team"),
    "technical": ("technique", "techniques", "skills", "skill", "equipment", "instrument", "instruments", "methods"),
    "teaching": ("teach", "students", "learning", "practicals", "demonstrating"),
    "research": ("researchers", "grants", "projects", "publications"),
    "safety": ("health", "coshh", "compliance", "risk", "hazards"),
    "sustainability": ("sustainable", "green", "leaf", "energy", "waste"),
    "early_career": ("early", "apprentice", "apprentices", "apprenticeship", "new", "starting", "graduate"),
    "returning": ("return", "break", "parental", "leave"),
    "edi": ("equality", "diversity", "inclusion", "inclusive"),
    "wellbeing": ("confidence", "stress", "resilience", "balance"),
}


def area_label(key: str | None) -> str:
    return AREAS.get(key or "", key or "Mentoring")


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def resolve_area(text: str) -> str | None:
    """The area key a member means by `text` ("rsci", "Leadership", "professional registration"), or None."""
    wanted = " ".join(words_of(text))
    if not wanted:
        return None
    for key, label in AREAS.items():
        if wanted in (key.replace("_", " "), key, " ".join(words_of(label))) or wanted in SYNONYMS.get(key, ()):
            return key
    scores: Counter[str] = Counter()
    for word in wanted.split():
        for key, label in AREAS.items():
            vocabulary = {key, *SYNONYMS.get(key, ()), *(w for w in words_of(label) if len(w) > 3)}
            if word in vocabulary:
                scores[key] += 1
    if not scores:
        return None
    return scores.most_common(1)[0][0]
