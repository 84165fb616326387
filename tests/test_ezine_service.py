"""The e-zine store: its schedule, one issue per period, sections as plain data, posting progress."""

from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.slack_refs import role_grants, slack_identity
from storage import ezine, ledger, members, news
from storage.db import Database
from storage.errors import DomainError
from storage.models import DueItem

LONDON = ZoneInfo("Europe/London")
DEFAULT = ezine.Schedule("0 9 1-7 * mon", LONDON)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ORGANISER, MEMBER = "U0ORGANISE", "U0MEMBER01"


@pytest.mark.parametrize(("now", "due"), [
    (NOW, DUE),
    # In summer the first Monday's 09:00 is 08:00 UTC.
    (datetime(2026, 5, 10, tzinfo=UTC), datetime(2026, 6, 1, 8, 0, tzinfo=UTC)),
    # Exactly at its time, the issue is still the next one.
    (DUE, DUE),
    (DUE + timedelta(seconds=1), datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
])
def test_the_default_schedule_is_the_first_monday_at_nine_local(now: datetime, due: datetime):
    assert DEFAULT.next_due(now) == due
    assert due.astimezone(LONDON).weekday() == 0 and due.astimezone(LONDON).day <= 7
    assert due.astimezone(LONDON).hour == 9


def test_the_period_starts_at_the_issue_before():
    assert DEFAULT.previous_due(DUE) == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    weekly = ezine.Schedule("30 8 * * fri", LONDON)
    friday = weekly.next_due(NOW)
    assert friday == datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert weekly.previous_due(friday) == friday - timedelta(days=7)


def actors(db: Database) -> tuple[members.Actor, members.Actor]:
    grants = role_grants(organisers=frozenset({ORGANISER}))
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity(MEMBER), fallback_name="Morgan", now=NOW)
        organiser = members.ensure_member(session, slack_identity(ORGANISER), fallback_name="Orla", now=NOW)
        return members.actor_for(session, member, grants), members.actor_for(session, organiser, grants)


def plan(db: Database, now: datetime = NOW, lead: timedelta = timedelta(hours=24)) -> ezine.IssueInfo:
    with db.transaction() as session:
        return ezine.plan(session, DEFAULT, now=now, approval_lead=lead)


def due_rows(db: Database) -> list[tuple[str, str, datetime]]:
    with db.reading() as session:
        rows = session.scalars(select(DueItem).where(DueItem.subject == ezine.SUBJECT)).all()
        return sorted((r.kind, r.occurrence, r.due_at) for r in rows)


def test_planning_is_idempotent_one_issue_and_its_two_due_rows(db: Database):
    first, again = plan(db), plan(db, NOW + timedelta(hours=1))
    assert first.id == again.id and first.period == "2026-12-07"
    assert first.period_start == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert due_rows(db) == [(ezine.APPROVAL, "2026-12-07", DUE - timedelta(hours=24)),
                            (ezine.ISSUE, "2026-12-07", DUE)]


def test_without_an_approval_step_only_the_issue_is_due(db: Database):
    plan(db, lead=timedelta(0))
    assert [kind for kind, _, _ in due_rows(db)] == [ezine.ISSUE]


def test_planned_late_the_approval_request_is_due_at_once(db: Database):
    late = DUE - timedelta(hours=2)
    plan(db, late)
    assert (ezine.APPROVAL, "2026-12-07", late) in due_rows(db)


def test_empty_sections_are_left_out_and_an_empty_issue_is_empty(db: Database):
    issue = plan(db, DUE + timedelta(days=1))  # January's period: nobody joined in it
    with db.reading() as session:
        content = ezine.compile_issue(session, ezine.period_of(issue, LONDON), now=NOW)
    assert content["sections"] == [] and ezine.is_empty(content)


def test_the_issue_holds_approved_news_not_yet_published_and_new_members(db: Database):
    member, organiser = actors(db)
    with db.transaction() as session:
        members.ensure_member(session, slack_identity("U0BOT0001"), now=NOW).is_bot = True
        kept, _ = news.submit(session, member, news.NewsForm("Approved", "Yes.", None, "other"), submission_key="a",
                              now=NOW)
        news.submit(session, member, news.NewsForm("Pending", "Not yet.", None, "other"), submission_key="b", now=NOW)
        news.approve(session, organiser, kept.id, now=NOW)
    issue = plan(db)
    with db.reading() as session:
        content = ezine.compile_issue(session, ezine.period_of(issue, LONDON), now=NOW)
    # Two new members: a figure about fewer than 5 people is left out (storage.privacy).
    assert [s["key"] for s in content["sections"]] == ["news"]
    assert [i["title"] for i in content["sections"][0]["items"]] == ["Approved"]
    assert content["date_label"] == "Monday 7 December 2026" and ezine.item_count(content) == 1
    with db.transaction() as session:
        for i in range(3):
            members.ensure_member(session, slack_identity(f"U0NEW000{i}"), now=NOW)
    with db.reading() as session:
        content = ezine.compile_issue(session, ezine.period_of(issue, LONDON), now=NOW)
    assert content["sections"][1]["items"] == [{"key": "new_members", "label": "new members joined the network",
                                                "value": 5}]


def test_the_frozen_issue_is_what_is_posted_and_planning_its_messages_happens_once(db: Database):
    member, organiser = actors(db)
    with db.transaction() as session:
        item, _ = news.submit(session, member, news.NewsForm("First", "One.", None, "other"), submission_key="a",
                              now=NOW)
        news.approve(session, organiser, item.id, now=NOW)
    plan(db)
    with db.transaction() as session:
        frozen = ezine.freeze(session, "2026-12-07", LONDON, now=NOW)
        late, _ = news.submit(session, member, news.NewsForm("Late", "Two.", None, "other"), submission_key="b",
                              now=NOW)
        news.approve(session, organiser, late.id, now=NOW)
    with db.transaction() as session:
        assert ezine.content_for(session, "2026-12-07", LONDON, now=NOW) == frozen
        messages = [("one", [{"type": "divider"}]), ("two", [{"type": "divider"}])]
        assert ezine.begin_posting(session, "2026-12-07", messages, surface="slack", conversation="C1", html="<p>",
                                   now=DUE)
    with db.transaction() as session:
        assert not ezine.begin_posting(session, "2026-12-07", messages, surface="slack", conversation="C1",
                                       html="<p>", now=DUE)
        # The published item is taken; the late one waits for the next issue.
        assert [n.title for n in news.waiting_for_issue(session)] == ["Late"]


def test_messages_are_claimed_in_order_and_a_dead_claim_expires(db: Database):
    plan(db)
    with db.transaction() as session:
        ezine.begin_posting(session, "2026-12-07", [("one", []), ("two", [])], surface="slack", conversation="C1",
                            html="", now=DUE)
    with db.transaction() as session:
        first = ezine.claim_next_message(session, "2026-12-07", now=DUE)
    assert first and first.position == 0
    with db.transaction() as session:
        # Another process: the first message is held, so it waits rather than skipping ahead.
        assert ezine.claim_next_message(session, "2026-12-07", now=DUE + ezine.MESSAGE_LEASE / 2) is False
    with db.transaction() as session:
        again = ezine.claim_next_message(session, "2026-12-07", now=DUE + ezine.MESSAGE_LEASE)
    assert again and again.position == 0
    with db.transaction() as session:
        ezine.message_posted(session, "2026-12-07", 0, "1.1", now=DUE)
        second = ezine.claim_next_message(session, "2026-12-07", now=DUE)
        assert second and second.position == 1
        ezine.release_message(session, "2026-12-07", 1)
    with db.transaction() as session:
        retry = ezine.claim_next_message(session, "2026-12-07", now=DUE)
        assert retry and retry.position == 1
        ezine.message_posted(session, "2026-12-07", 1, "1.2", now=DUE)
    with db.transaction() as session:
        assert ezine.claim_next_message(session, "2026-12-07", now=DUE) is None
        info = ezine.finish(session, "2026-12-07", now=DUE, permalink=None)
    assert (info.status, info.messages_posted) == (ezine.POSTED, 2)


def test_decisions_are_for_organisers_and_end_when_posting_begins(db: Database):
    member, organiser = actors(db)
    plan(db)
    with pytest.raises(DomainError), db.transaction() as session:
        ezine.decide(session, member, "2026-12-07", ezine.APPROVED, now=NOW)
    with db.transaction() as session:
        info, changed = ezine.decide(session, organiser, "2026-12-07", ezine.HELD, now=NOW)
        assert changed and info.decision == ezine.HELD
        assert ezine.decide(session, organiser, "2026-12-07", ezine.HELD, now=NOW)[1] is False
        ezine.begin_posting(session, "2026-12-07", [("one", [])], surface="slack", conversation="C1", html="", now=DUE)
    with pytest.raises(DomainError) as caught, db.transaction() as session:
        ezine.set_intro(session, organiser, "2026-12-07", "Hello", now=NOW)
    assert "posted already" in caught.value.message


def test_publishing_now_replaces_the_scheduled_rows(db: Database):
    _, organiser = actors(db)
    plan(db)
    with db.transaction() as session:
        ezine.publish_now(session, organiser, "2026-12-07", now=NOW)
    with db.reading() as session:
        rows = session.scalars(select(DueItem).where(DueItem.subject == ezine.SUBJECT)).all()
        states = sorted((r.kind, r.status, ezine.is_publish(r.occurrence)) for r in rows)
    assert states == [(ezine.APPROVAL, ledger.CANCELLED, False), (ezine.ISSUE, ledger.CANCELLED, False),
                      (ezine.ISSUE, ledger.PENDING, True)]


def test_the_smallest_group_shown_is_the_networks_setting(db: Database):
    # TECHNET_REPORT_MIN_GROUP reaches the e-zine as it does every summary: at 2, two new members show.
    actors(db)
    issue = plan(db)
    with db.reading() as session:
        assert ezine.is_empty(ezine.content_for(session, issue.period, LONDON, now=NOW))
        for content in (ezine.content_for(session, issue.period, LONDON, now=NOW, min_group=2),
                        ezine.refreshed(session, issue.period, LONDON, now=NOW, min_group=2).content):
            assert content["sections"][0]["items"] == [{"key": "new_members", "value": 2,
                                                        "label": "new members joined the network"}]
    with db.transaction() as session:
        frozen = ezine.freeze(session, issue.period, LONDON, now=NOW, min_group=2)
    assert ezine.item_count(frozen) == 1
