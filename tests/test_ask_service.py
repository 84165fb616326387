"""storage/faq.py: BM25 ranking as a pure function, the shipped FAQ, and forwarded questions on a real database."""

from __future__ import annotations

import math
from datetime import datetime, UTC
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content import ContentError
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import faq, members
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.faq import FaqEntry, best_answers, load_faq, rank, tokens
from storage.members import actor_for, get_member, grant_role, upsert_member
from storage.members import Role

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SHIPPED = load_faq()


def entry(key: str, question: str, answer: str = "", tags: tuple[str, ...] = ()) -> FaqEntry:
    return FaqEntry(key, question, answer, tags)


# Words ---------------------------------------------------------------------------------------------

def test_tokens_fold_case_drop_stop_words_and_meet_at_a_stem():
    assert tokens("How do I log my CPD?") == ["log", "cpd"]
    assert tokens("Registration") == tokens("registered") == tokens("register") == ["regist"]
    assert tokens("mentoring mentors") == ["mentor", "mentor"]
    assert tokens("ＣＰＤ") == ["cpd"]  # full-width letters are the same word
    assert tokens("?!... — ¿¡") == [] and tokens("") == []
    assert tokens("10 days") == ["10", "day"]


# BM25 ----------------------------------------------------------------------------------------------

def test_bm25_matches_the_formula_on_a_tiny_corpus():
    docs = [entry("a", "fund", "fund fund"), entry("b", "travel", "")]
    [hit] = rank("fund", docs)
    # "fund": tf 2 (question, weighted 2) + 2 (answer) = 4 in a document of 4 words; the other has 2 words.
    tf, length, average, n, df = 4, 4, 3.0, 2, 1
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * tf * (faq.K1 + 1) / (tf + faq.K1 * (1 - faq.B + faq.B * length / average))
    assert hit.entry.key == "a" and hit.matched == 1
    assert hit.score == pytest.approx(expected)


def test_a_rare_word_outweighs_a_common_one():
    docs = [entry("1", "conference travel"), entry("2", "conference fund"), entry("3", "conference rooms"),
            entry("4", "parking permits")]
    hits = rank("conference travel", docs)
    assert [h.entry.key for h in hits][0] == "1"
    assert {h.entry.key for h in hits} == {"1", "2", "3"}


def test_question_and_tags_weigh_more_than_the_answer():
    # Documents of (almost) the same length, so only where the word is differs.
    docs = [entry("answer", "Working elsewhere", "Time in another team: a secondment."),
            entry("question", "A secondment elsewhere", "Time in another team, working."),
            entry("tags", "Working elsewhere", "Time in another team.", ("secondment",))]
    assert [h.entry.key for h in rank("secondment", docs)][-1] == "answer"


@pytest.mark.parametrize(("question", "expected"), [
    ("how do I log CPD", "How do I log CPD?"),
    ("Can the development fund pay for my travel to a conference?", "Can the development fund pay for travel"),
    ("which register should I apply for", "Which register should I apply for?"),
    ("who pays my registration fees", "Does the university pay my registration fees?"),
    ("how do i find a mentor", "How do I find a mentor?"),
    ("what is the technician commitment", "What is the Technician Commitment?"),
    ("export my cpd for my PDR", "How do I export my CPD record"),
    ("RSciTech vs RSci", "What is the difference between RSciTech, RSci and CSci?"),
])
def test_the_starter_faq_answers_common_questions(question: str, expected: str):
    answer = best_answers(question, SHIPPED)
    assert answer.good and answer.best is not None
    assert answer.best.entry.question.startswith(expected)
    assert len(answer.related) <= 2 and answer.best not in answer.related


@pytest.mark.parametrize("question", [
    "?!?!...", "Wie beantrage ich Urlaub?", "¿Dónde está la biblioteca?", "如何申请停车证", "Where do I park my bike?",
    "lorem ipsum dolor sit amet " * 80,
])
def test_no_good_match_for_punctuation_other_languages_and_off_topic(question: str):
    assert not best_answers(question, SHIPPED).good


def test_a_2000_character_question_is_answered_or_declined_without_fuss():
    question = ("I work part time and I'm not sure how many days of CPD I am expected to do this year. " * 30)[:2000]
    assert len(question) == 2000
    answer = best_answers(question, SHIPPED)
    assert answer.good and answer.best is not None and "part time" in answer.best.entry.question


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_ranks_without_error(text: str):
    answer = best_answers(text, SHIPPED)
    assert answer.best is None or answer.best.score >= faq.MIN_SCORE
    assert len(answer.related) <= 2


def test_the_shipped_faq_covers_the_topics_members_ask_about():
    assert len(SHIPPED) >= 25
    topics = " ".join(f"{e.question} {' '.join(e.tags)}" for e in SHIPPED).casefold()
    for topic in ("cpd", "registration", "technician commitment", "mentor", "development fund", "secondment",
                  "papin", "appraisal", "apprentice"):
        assert topic in topics


def test_a_broken_faq_says_what_is_wrong(tmp_path: Path):
    (tmp_path / "faq.yaml").write_text("entries:\n  - {question: '', answer: x}\n", encoding="utf-8")
    with pytest.raises(ContentError, match="entry 1 needs a question and an answer"):
        load_faq(tmp_path)
    (tmp_path / "faq.yaml").write_text("nothing: here\n", encoding="utf-8")
    with pytest.raises(ContentError, match="missing or malformed"):
        load_faq(tmp_path)


# Forwarded questions and additions (SQLite and PostgreSQL) ---------------------------------------------

def people(db: Database):
    grants = role_grants(organisers=frozenset({"U0ORG"}))
    with db.transaction() as session:
        made = {}
        for user_id in ("U0ASK", "U0ORG", "U0ORG2", "U0GONE"):
            user = {"id": user_id, "name": user_id.lower(), "real_name": user_id, "profile": {"display_name": user_id}}
            made[user_id] = actor_for(session, upsert_member(session, slack_identity(user_id), member_details(user),
                                                             now=T0), grants)
        grant_role(session, None, slack_identity("U0ORG2"), Role.ORGANISER)
        grant_role(session, None, slack_identity("U0GONE"), Role.ORGANISER)
        get_member(session, slack_identity("U0GONE")).deactivated = True
        made["U0ORG2"] = actor_for(session, get_member(session, slack_identity("U0ORG2")), grants)
    return made


def test_forwarding_answering_and_adding_to_the_faq(db: Database):
    p = people(db)
    with db.transaction() as session:
        asked = faq.record_unmatched(session, p["U0ASK"], "  Can I   bring an apprentice to the network meeting? ",
                                     now=T0)
        assert asked.question == "Can I bring an apprentice to the network meeting?" and asked.status == "unmatched"
        with pytest.raises(DomainError, match="not one of yours"):
            faq.forward(session, p["U0ORG"], asked.id, now=T0)
        forwarded, first = faq.forward(session, p["U0ASK"], asked.id, now=T0)
        assert first and forwarded.status == "forwarded"
        assert faq.forward(session, p["U0ASK"], asked.id, now=T0)[1] is False
        assert members.organiser_ids(session, {slack_identity("U0ORG"), slack_identity("U0GONE")}) == ["U0ORG",
                                                                                                       "U0ORG2"]
        assert [q.id for q in faq.inbox(session, p["U0ORG"])[0]] == [asked.id]
        with pytest.raises(PermissionDenied):
            faq.answer_question(session, p["U0ASK"], asked.id, "Yes", now=T0)
        with pytest.raises(DomainError, match="Write the answer") as empty:
            faq.answer_question(session, p["U0ORG"], asked.id, "  ", now=T0)
        assert empty.value.field == "answer"
        answered = faq.answer_question(session, p["U0ORG"], asked.id, "Yes: apprentices are very welcome.",
                                       add_faq=True, tags="apprentice, meetings", now=T0)
        assert answered.status == "answered" and answered.in_faq and answered.answered_by == "U0ORG"
        with pytest.raises(DomainError, match="U0ORG answered this already"):
            faq.answer_question(session, p["U0ORG2"], asked.id, "No", now=T0)
        assert faq.add_to_faq(session, p["U0ORG2"], asked.id, now=T0)[1] is False
        assert faq.inbox(session, p["U0ORG"]) == ([], 0)
        claimed = faq.claim_reply(session, asked.id, now=T0)
        assert claimed is not None and faq.claim_reply(session, asked.id, now=T0) is None
    with db.reading() as session:
        entries = faq.entries_with_additions(session, SHIPPED)
    added = [e for e in entries if e.added]
    assert [(e.question, e.tags) for e in added] == [("Can I bring an apprentice to the network meeting?",
                                                      ("apprentice", "meetings"))]
    answer = best_answers("can apprentices come to network meetings", entries)
    assert answer.best is not None and answer.best.entry.added


def test_an_unanswered_question_cannot_go_in_the_faq(db: Database):
    p = people(db)
    with db.transaction() as session:
        asked = faq.record_unmatched(session, p["U0ASK"], "Where is the cryostore key?", now=T0)
        with pytest.raises(DomainError, match="Answer the question first"):
            faq.add_to_faq(session, p["U0ORG"], asked.id, now=T0)
        with pytest.raises(DomainError, match="Ask a question"):
            faq.record_unmatched(session, p["U0ASK"], "   ", now=T0)
        with pytest.raises(DomainError, match="Up to 10 tags"):
            faq.answer_question(session, p["U0ORG"], asked.id, "In stores.", add_faq=True,
                                tags=",".join(str(i) for i in range(11)), now=T0)
