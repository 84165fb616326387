"""Questions: the FAQ (content/faq.yaml and answers added from the bot), ranked with BM25, and
the questions forwarded to the organisers.

`rank` and `best_answers` are pure functions over entries: no database, no Slack. A
match counts as good when it scores at least MIN_SCORE and covers enough of the question's
words; otherwise the member is offered to forward the question to the organisers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content import ContentError, load_yaml
from storage.identities import MessageRef
from storage.db import rowcount
from storage.errors import DomainError, NotFound
from storage.members import Actor, Role
from storage.models import Member
from storage.models.mentoring import AskedQuestion, FaqAddition

# BM25's usual parameters: term-frequency saturation and length normalisation.
K1, B = 1.2, 0.75
# Where a word appears weighs this much: a match in the question or the tags says more than one in the answer.
QUESTION_WEIGHT, TAGS_WEIGHT, ANSWER_WEIGHT = 2, 2, 1
MIN_SCORE = 1.0
# How many of the question's distinct words the best entry must contain: all of one or two, 60% of a
# few (but never more than MIN_MATCHED), and at least a quarter of a long question.
MIN_COVERAGE = 0.6
MIN_MATCHED = 4
LONG_COVERAGE = 0.25
RELATED = 2
RELATED_SHARE = 0.35
STEM_LENGTH = 6
QUESTION_LIMIT = 4000
ANSWER_LIMIT = 3000
FAQ_QUESTION_LIMIT = 500
TAG_LIMIT = 10

UNMATCHED, FORWARDED, ANSWERED = "unmatched", "forwarded", "answered"
# Field names: the reply form's block ids (core/ids.py uses the same).
F_ANSWER, F_TAGS = "answer", "tags"

STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing done don down during each else etc ever few for from further get gets getting got had
has have having he her here hers herself him himself his how i if in into is it its itself just let lets like me
might more most must my myself need needs no nor not now of off on once only or other our ours ourselves out
over own please same shall she should so some such than that the their theirs them themselves then there these they
this those through to too under until up upon us very via want was we were what whats when where which while who whom
whose why will with would yes yet you your yours yourself yourselves im ive id dont cant wont isnt arent tell know
anyone someone something anything thing things way ways take help make go use see ask
""".split())


# Words -----------------------------------------------------------------------------------------

def stem(word: str) -> str:
    """A light stemmer: plural and -ing/-ed endings off, then the first six letters.

    "registration", "registered" and "register" meet at "regist"; "mentoring" and "mentors"
    at "mentor"; "fees" at "fee". Crude, but the same on both sides of the match.
    """
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word[:STEM_LENGTH]


def tokens(text: str) -> list[str]:
    """The searchable words of `text`: any script, case-folded, stop words dropped, stemmed."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return [stem(w) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit()) and w != "_"]


# Entries and ranking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FaqEntry:
    key: str
    question: str
    answer: str
    tags: tuple[str, ...]
    # Shipped content is organiser-authored mrkdwn shown as written; additions are user text, escaped when shown.
    added: bool = False

    def terms(self) -> list[str]:
        return (tokens(self.question) * QUESTION_WEIGHT + tokens(" ".join(self.tags)) * TAGS_WEIGHT
                + tokens(self.answer) * ANSWER_WEIGHT)


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float
    # How many of the question's distinct words the entry contains.
    matched: int


def rank(query: str, entries: Sequence[FaqEntry]) -> list[Hit]:
    """Okapi BM25 of `query` over question, tags and answer of each entry, best first (only entries that match)."""
    wanted = list(dict.fromkeys(tokens(query)))
    if not wanted or not entries:
        return []
    documents = [Counter(e.terms()) for e in entries]
    lengths = [sum(d.values()) for d in documents]
    average = sum(lengths) / len(lengths) or 1.0
    count = len(entries)
    frequency = {t: sum(1 for d in documents if t in d) for t in wanted}
    hits = []
    for entry, document, length in zip(entries, documents, lengths, strict=True):
        score, matched = 0.0, 0
        for term in wanted:
            tf = document.get(term, 0)
            if not tf:
                continue
            matched += 1
            idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        if matched:
            hits.append(Hit(entry, score, matched))
    hits.sort(key=lambda h: (-h.score, h.entry.key))
    return hits


@dataclass(frozen=True)
class Answer:
    # The question's searchable words (empty for punctuation only).
    terms: tuple[str, ...]
    best: Hit | None
    related: tuple[Hit, ...]

    @property
    def good(self) -> bool:
        return self.best is not None


def words_needed(wanted: int) -> int:
    """How many of a question's `wanted` distinct words a good match contains."""
    if wanted <= 2:
        return wanted
    return max(min(math.ceil(MIN_COVERAGE * wanted), MIN_MATCHED), math.ceil(LONG_COVERAGE * wanted))


def is_good(hit: Hit, wanted: int) -> bool:
    return hit.score >= MIN_SCORE and hit.matched >= words_needed(wanted)


def best_answers(query: str, entries: Sequence[FaqEntry]) -> Answer:
    """The best entry for `query` if it is a good match, with up to two related ones."""
    terms = tuple(dict.fromkeys(tokens(query)))
    hits = rank(query, entries)
    if not hits or not is_good(hits[0], len(terms)):
        return Answer(terms, None, ())
    best = hits[0]
    related = tuple(h for h in hits[1:] if h.score >= RELATED_SHARE * best.score)[:RELATED]
    return Answer(terms, best, related)


def load_faq(override_dir: Path | None = None) -> tuple[FaqEntry, ...]:
    """content/faq.yaml (a deployment's copy in TECHNET_CONTENT_DIR wins), checked."""
    data = load_yaml("faq.yaml", override_dir)
    try:
        raw = data["entries"]
        entries = []
        for i, e in enumerate(raw, 1):
            question, answer = " ".join(str(e["question"]).split()), " ".join(str(e["answer"]).split())
            if not question or not answer:
                raise ContentError(f"faq.yaml: entry {i} needs a question and an answer")
            tags = tuple(str(t).strip() for t in e.get("tags") or () if str(t).strip())
            entries.append(FaqEntry(f"faq:{i}", question, answer, tags))
    except (KeyError, TypeError) as e:
        raise ContentError(f"faq.yaml: missing or malformed {e}") from None
    return tuple(entries)


def entries_with_additions(session: Session, shipped: Iterable[FaqEntry]) -> list[FaqEntry]:
    """The shipped FAQ and the answers organisers added from the bot."""
    added = session.scalars(select(FaqAddition).order_by(FaqAddition.id)).all()
    return [*shipped, *(FaqEntry(f"added:{a.id}", a.question, a.answer, tuple(a.tags or ()), added=True)
                        for a in added)]


# Forwarded questions -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionInfo:
    id: int
    asker_user: str
    asker_name: str
    question: str
    status: str
    answer: str | None
    answered_by: str | None
    answered_by_user: str | None
    organiser_messages: list[MessageRef]
    in_faq: bool
    created_at: datetime


def _question_info(session: Session, row: AskedQuestion) -> QuestionInfo:
    asker = session.get_one(Member, row.asker_id)
    by = session.get(Member, row.answered_by_id) if row.answered_by_id else None
    in_faq = session.scalar(select(FaqAddition.id).where(FaqAddition.question_id == row.id)) is not None
    return QuestionInfo(row.id, asker.user_id, asker.name, row.question, row.status, row.answer,
                        by.name if by else None, by.user_id if by else None,
                        [MessageRef.from_json(m) for m in row.organiser_messages or []], in_faq, row.created_at)


def clean_question(text: str) -> str:
    question = " ".join((text or "").split())
    if not question:
        raise DomainError("Ask a question, e.g. `/tech ask how do I log CPD`.")
    return question[:QUESTION_LIMIT]


def record_unmatched(session: Session, actor: Actor, question: str, *, now: datetime) -> QuestionInfo:
    """Keep a question the FAQ could not answer, so the member can forward it with one press."""
    row = AskedQuestion(asker_id=actor.member_id, question=clean_question(question), status=UNMATCHED,
                        organiser_messages=[], created_at=now)
    session.add(row)
    session.flush()
    return _question_info(session, row)


def get_question(session: Session, question_id: int) -> QuestionInfo:
    row = session.get(AskedQuestion, question_id)
    if row is None:
        raise NotFound("That question is no longer here.")
    return _question_info(session, row)


def forward(session: Session, actor: Actor, question_id: int, *, now: datetime) -> tuple[QuestionInfo, bool]:
    """The asker forwards their question to the organisers; True only the first time."""
    row = session.get(AskedQuestion, question_id)
    if row is None or row.asker_id != actor.member_id:
        raise NotFound("That question is not one of yours.")
    won = rowcount(session.execute(
        update(AskedQuestion).where(AskedQuestion.id == question_id, AskedQuestion.status == UNMATCHED)
        .values(status=FORWARDED, forwarded_at=now), execution_options={"synchronize_session": False}))
    session.refresh(row)
    return _question_info(session, row), won == 1


def record_organiser_messages(session: Session, question_id: int, messages: list[MessageRef]) -> None:
    row = session.get_one(AskedQuestion, question_id)
    row.organiser_messages = [*(row.organiser_messages or []), *(m.to_json() for m in messages)]


def unforward(session: Session, question_id: int) -> None:
    """No organiser could be reached: the question can be forwarded again later."""
    session.execute(update(AskedQuestion).where(AskedQuestion.id == question_id, AskedQuestion.status == FORWARDED)
                    .values(status=UNMATCHED, forwarded_at=None), execution_options={"synchronize_session": False})


def clean_tags(text: str | None) -> list[str]:
    tags = [" ".join(t.split()) for t in re.split(r"[,;\n]", text or "")]
    tags = list(dict.fromkeys(t for t in tags if t))
    if len(tags) > TAG_LIMIT or any(len(t) > 60 for t in tags):
        raise DomainError(f"Up to {TAG_LIMIT} tags, each under 60 characters, separated by commas.", field=F_TAGS)
    return tags


def answer_question(session: Session, actor: Actor, question_id: int, answer: str | None, *, add_faq: bool = False,
                    tags: str | None = None, now: datetime) -> QuestionInfo:
    """An organiser answers a forwarded question (once: a second answer is refused, naming the first)."""
    actor.require(Role.ORGANISER, "answer forwarded questions")
    text = (answer or "").strip()
    if not text:
        raise DomainError("Write the answer the member will receive.", field=F_ANSWER)
    if len(text) > ANSWER_LIMIT:
        raise DomainError(f"Keep the answer to {ANSWER_LIMIT} characters; it has {len(text)}.", field=F_ANSWER)
    tag_list = clean_tags(tags) if add_faq else []
    row = session.get(AskedQuestion, question_id)
    if row is None:
        raise NotFound("That question is no longer here.")
    if row.status == ANSWERED:
        by = session.get(Member, row.answered_by_id) if row.answered_by_id else None
        raise DomainError(f"{by.name if by else 'An organiser'} answered this already.", field=F_ANSWER)
    row.status, row.answer, row.answered_by_id, row.answered_at = ANSWERED, text, actor.member_id, now
    session.flush()
    if add_faq:
        add_to_faq(session, actor, question_id, tags=tag_list, now=now)
    return _question_info(session, row)


def add_to_faq(session: Session, actor: Actor, question_id: int, *, tags: Sequence[str] = (),
               now: datetime) -> tuple[QuestionInfo, bool]:
    """Store an answered question and its answer as an FAQ addition; adding it again adds nothing."""
    actor.require(Role.ORGANISER, "add to the FAQ")
    row = session.get(AskedQuestion, question_id)
    if row is None:
        raise NotFound("That question is no longer here.")
    if row.status != ANSWERED or not row.answer:
        raise DomainError("Answer the question first: the FAQ needs the answer too.")
    if session.scalar(select(FaqAddition.id).where(FaqAddition.question_id == question_id)) is not None:
        return _question_info(session, row), False
    addition = FaqAddition(question_id=question_id, question=row.question[:FAQ_QUESTION_LIMIT], answer=row.answer,
                           tags=list(tags), added_by_id=actor.member_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(addition)
    except IntegrityError:
        return _question_info(session, row), False
    return _question_info(session, row), True


def claim_reply(session: Session, question_id: int, *, now: datetime) -> QuestionInfo | None:
    """The answered question, for the one caller that DMs the answer to the asker."""
    won = rowcount(session.execute(
        update(AskedQuestion).where(AskedQuestion.id == question_id, AskedQuestion.status == ANSWERED,
                                    AskedQuestion.reply_sent_at.is_(None))
        .values(reply_sent_at=now), execution_options={"synchronize_session": False}))
    return get_question(session, question_id) if won == 1 else None


def release_reply(session: Session, question_id: int) -> None:
    session.execute(update(AskedQuestion).where(AskedQuestion.id == question_id).values(reply_sent_at=None),
                    execution_options={"synchronize_session": False})


def inbox(session: Session, actor: Actor, *, limit: int = 10) -> tuple[list[QuestionInfo], int]:
    """Forwarded questions nobody has answered, oldest first, and how many there are."""
    actor.require(Role.ORGANISER, "see forwarded questions")
    rows = session.scalars(select(AskedQuestion).where(AskedQuestion.status == FORWARDED)
                           .order_by(AskedQuestion.forwarded_at, AskedQuestion.id)).all()
    return [_question_info(session, r) for r in rows[:limit]], len(rows)
