"""Search: current opportunities ranked by BM25 over their title, tags, kind, provider and description."""

from __future__ import annotations

import math
import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.models.careers import Opportunity
from storage.opportunities.catalogue import current_condition, listing_order, reminded_ids
from storage.opportunities.values import KINDS, OpportunityInfo, info

STOPWORDS = frozenset(
    "a an and are as at be by for from i in into is it me my of on or our the to with about any anything "
    "there what which who how find show".split())
# How much a match counts, by where it is.
WEIGHTS = {"title": 3.0, "tags": 2.5, "kind": 1.5, "provider": 1.0, "description": 1.0}
K1 = 1.2
B = 0.5


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def query_terms(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS))


def _fields(o: Opportunity) -> dict[str, list[str]]:
    return {"title": words(o.title), "tags": words(" ".join(o.tags or ())),
            "kind": words(KINDS.get(o.kind, o.kind)), "provider": words(o.provider or ""),
            "description": words(o.description)}


def _matches(term: str, tokens: list[str]) -> float:
    """Whole words count 1, a word the term begins (microscop- in microscopy) 0.7."""
    score = 0.0
    for token in tokens:
        if token == term:
            score += 1.0
        elif len(term) >= 3 and token.startswith(term):
            score += 0.7
    return score


def search(session: Session, text: str, *, today: date, member_id: int | None = None,
           limit: int = 10) -> list[OpportunityInfo]:
    """Current opportunities matching the words, best first (BM25 over title, tags, kind, provider, description)."""
    terms = query_terms(text)
    if not terms:
        raise DomainError("Search with a word or two, e.g. `/tech dev microscopy` or `/tech dev funding`.")
    rows = session.scalars(select(Opportunity).where(current_condition(today)).order_by(*listing_order())).all()
    docs = [(row, _fields(row)) for row in rows]
    if not docs:
        return []
    average = {name: (sum(len(f[name]) for _, f in docs) / len(docs)) or 1.0 for name in WEIGHTS}
    containing = {t: sum(1 for _, f in docs if any(_matches(t, tokens) for tokens in f.values())) for t in terms}
    scored = []
    for position, (row, fields) in enumerate(docs):
        score, matched = 0.0, 0
        for term in terms:
            term_score = 0.0
            for name, weight in WEIGHTS.items():
                tf = _matches(term, fields[name])
                if tf:
                    norm = 1 - B + B * len(fields[name]) / average[name]
                    term_score += weight * tf * (K1 + 1) / (tf + K1 * norm)
            if term_score:
                n = containing[term]
                idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
                score += idf * term_score
                matched += 1
        if matched:
            scored.append((-matched, -score, position, row))
    scored.sort(key=lambda s: s[:3])
    found = [s[3] for s in scored[:limit]]
    reminded = reminded_ids(session, member_id, [r.id for r in found])
    return [info(r, reminder_set=r.id in reminded) for r in found]
