"""News for the e-zine as a service: what a submission must hold, who reviews, what waits for the next issue."""

from datetime import datetime, UTC
from typing import Any

import pytest

from bot.slack_refs import role_grants, slack_identity
from storage import members, news
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.models.news import EzineIssue

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ORGANISER, MEMBER = "U0ORGANISE", "U0MEMBER01"


def actor(db: Database, user_id: str) -> members.Actor:
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity(user_id), fallback_name=user_id.title(), now=NOW)
        return members.actor_for(session, member, role_grants(organisers=frozenset({ORGANISER})))


def form(**changes: Any) -> news.NewsForm:
    values: dict[str, Any] = dict(title="New starter in Physics", body="Jo joins the cleanroom team.", link=None,
                  category="new_starter")
    values.update(changes)
    return news.NewsForm(**values)


def submit(db: Database, key: str = "V1", **changes) -> news.NewsInfo:
    member = actor(db, MEMBER)
    with db.transaction() as session:
        item, _ = news.submit(session, member, form(**changes), submission_key=key, now=NOW)
        return item


@pytest.mark.parametrize(("changes", "field", "words"), [
    (dict(title="   "), news.F_TITLE, "Give the news a title"),
    (dict(title="x" * 151), news.F_TITLE, "keep it to 150"),
    (dict(body=""), news.F_BODY, "Write the news"),
    (dict(body="x" * 2001), news.F_BODY, "2,001 characters"),
    (dict(link="javascript:alert(1)"), news.F_LINK, "web address"),
    (dict(link="https://exa mple.org"), news.F_LINK, "web address"),
    (dict(category="gossip"), news.F_CATEGORY, "what kind of news"),
    (dict(category=None), news.F_CATEGORY, "what kind of news"),
])
def test_a_submission_must_hold_a_title_text_and_kind(changes, field, words):
    with pytest.raises(DomainError) as caught:
        news.check_form(form(**changes))
    assert caught.value.field == field and words in caught.value.message


def test_control_characters_are_dropped_and_spaces_in_the_title_collapsed():
    clean = news.check_form(form(title="  A \t new\x07 starter ", body="Line one\r\nLine\x00 two"))
    assert clean.title == "A new starter"
    assert clean.body == "Line one\nLine two"


def test_the_same_submission_twice_is_one_item(db: Database):
    first = submit(db)
    member = actor(db, MEMBER)
    with db.transaction() as session:
        again, created = news.submit(session, member, form(), submission_key="V1", now=NOW)
        assert not created and again.id == first.id
        assert news.pending_count(session) == 1


def test_only_organisers_see_the_queue_and_decide(db: Database):
    item = submit(db)
    member = actor(db, MEMBER)
    with pytest.raises(PermissionDenied), db.reading() as session:
        news.queue(session, member)
    with pytest.raises(PermissionDenied), db.transaction() as session:
        news.approve(session, member, item.id, now=NOW)


def test_approving_twice_changes_it_once_and_it_waits_for_the_next_issue(db: Database):
    item = submit(db)
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        approved, changed = news.approve(session, organiser, item.id, now=NOW)
        again, changed_again = news.approve(session, organiser, item.id, now=NOW)
        assert (changed, changed_again) == (True, False)
        assert approved.reviewed_by == ORGANISER
        assert [n.id for n in news.waiting_for_issue(session)] == [item.id]
        assert news.queue(session, organiser) == []


def test_a_rejection_needs_a_reason_which_the_submitter_can_read(db: Database):
    item = submit(db)
    organiser = actor(db, ORGANISER)
    with pytest.raises(DomainError) as caught, db.transaction() as session:
        news.reject(session, organiser, item.id, "  ", now=NOW)
    assert caught.value.field == news.F_REASON
    with db.transaction() as session:
        rejected, changed = news.reject(session, organiser, item.id, "Please add who it is about.", now=NOW)
        assert changed and rejected.status == news.REJECTED
        assert news.waiting_for_issue(session) == []
    with db.reading() as session:
        [mine] = news.mine(session, actor(db, MEMBER))
        assert mine.reason == "Please add who it is about."


def test_an_organisers_edit_is_saved_and_approved(db: Database):
    item = submit(db)
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        edited, newly = news.edit_and_approve(session, organiser, item.id,
                                              form(title="Welcome, Jo", link="https://example.ac.uk/jo"), now=NOW)
    assert newly and edited.status == news.APPROVED
    assert (edited.title, edited.link) == ("Welcome, Jo", "https://example.ac.uk/jo")


def test_a_published_item_can_no_longer_change(db: Database):
    item = submit(db)
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        news.approve(session, organiser, item.id, now=NOW)
    with db.transaction() as session:
        issue = EzineIssue(period="2026-12-07", period_start=NOW, due_at=NOW, status="posted", approval_messages=[])
        session.add(issue)
        session.flush()
        news.mark_published(session, [item.id], issue.id)
    with pytest.raises(DomainError) as caught, db.transaction() as session:
        news.reject(session, organiser, item.id, "Too late", now=NOW)
    assert "published in the e-zine already" in caught.value.message
    with db.reading() as session:
        assert news.get(session, item.id).issue_period == "2026-12-07"
