"""Scheduled announcements as a service: local times, the skipped hour, repeats, the ledger rows."""

from datetime import date, datetime, time, timedelta, UTC
from zoneinfo import ZoneInfo
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack_refs import role_grants, slack_identity
from storage import announcements, ledger, members
from storage.announcements import AnnouncementForm
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.models import DueItem

LONDON = ZoneInfo("Europe/London")
# Monday 16 March 2026, 10:00 GMT. The clocks go forward on Sunday 29 March at 01:00 GMT.
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
ORGANISER, MEMBER = "U0ORGANISE", "U0MEMBER01"


def actor(db: Database, user_id: str = ORGANISER) -> members.Actor:
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity(user_id), fallback_name=user_id, now=NOW)
        return members.actor_for(session, member, role_grants(organisers=frozenset({ORGANISER})))


def form(**changes: Any) -> AnnouncementForm:
    values: dict[str, Any] = dict(
        text="Coffee morning in the atrium", channel_id="C0NETWORK1", day=date(2026, 3, 23), time="09:00",
        repeat=announcements.NONE, until=None)
    values.update(changes)
    return AnnouncementForm(**values)


def schedule(db: Database, the_form: AnnouncementForm, now: datetime = NOW) -> announcements.AnnouncementInfo:
    who = actor(db)
    with db.transaction() as session:
        draft = announcements.save_draft(session, who, the_form, now=now, tz=LONDON)
        return announcements.confirm(session, who, draft.id, now=now)


def pending(db: Database) -> list[tuple[str, datetime]]:
    with db.transaction() as session:
        rows = session.scalars(select(DueItem).where(DueItem.kind == announcements.KIND,
                                                     DueItem.status == ledger.PENDING)).all()
        return sorted((r.occurrence, r.due_at) for r in rows)


def refused(db: Database, the_form: AnnouncementForm, now: datetime = NOW) -> DomainError:
    who = actor(db)
    with pytest.raises(DomainError) as caught, db.transaction() as session:
        announcements.save_draft(session, who, the_form, now=now, tz=LONDON)
    return caught.value


def test_the_hour_skipped_in_march_does_not_exist():
    with pytest.raises(DomainError) as caught:
        announcements.local_moment(date(2026, 3, 29), time(1, 30), LONDON)
    assert caught.value.field == announcements.F_TIME
    assert "There is no 01:30 on Sunday 29 March 2026" in caught.value.message
    assert "clocks go forward" in caught.value.message


def test_the_hour_repeated_in_october_is_taken_the_first_time():
    moment = announcements.local_moment(date(2026, 10, 25), time(1, 30), LONDON)
    # 01:30 BST, the first of the two, is 00:30 UTC.
    assert moment == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_weekly_slot_keeps_its_local_time_across_the_clock_change():
    first = datetime(2026, 3, 23, 9, 0)
    utc = [announcements.to_utc(announcements.slot(first, announcements.WEEKLY, n), LONDON) for n in range(3)]
    assert [u.hour for u in utc] == [9, 8, 8]
    assert [u.astimezone(LONDON).hour for u in utc] == [9, 9, 9]


def test_a_monthly_slot_on_the_31st_falls_on_the_last_day_of_shorter_months():
    first = datetime(2026, 1, 31, 9, 0)
    days = [announcements.slot(first, announcements.MONTHLY, n).date() for n in range(4)]
    assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_saving_puts_only_the_first_slot_in_the_ledger(db: Database):
    info = schedule(db, form(repeat=announcements.WEEKLY, until=date(2026, 4, 20)))
    assert info.status == announcements.SCHEDULED
    assert info.next_at == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert pending(db) == [(info.next_at.isoformat(), info.next_at)]


def test_confirming_the_same_draft_twice_schedules_once(db: Database):
    who = actor(db)
    with db.transaction() as session:
        draft = announcements.save_draft(session, who, form(), now=NOW, tz=LONDON)
    with db.transaction() as session:
        announcements.confirm(session, who, draft.id, now=NOW)
    with db.transaction() as session:
        again = announcements.confirm(session, who, draft.id, now=NOW)
    assert again.status == announcements.SCHEDULED
    assert len(pending(db)) == 1


def test_delivering_a_slot_schedules_the_next_and_the_last_one_finishes(db: Database):
    info = schedule(db, form(repeat=announcements.WEEKLY, until=date(2026, 3, 30)))
    assert info.next_at is not None
    with db.transaction() as session:
        following = announcements.schedule_after(session, info.id, info.next_at)
    # 30 March is after the clock change: 09:00 BST is 08:00 UTC.
    assert following == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    with db.transaction() as session:
        assert announcements.schedule_after(session, info.id, following) is None
        assert announcements.get(session, info.id).status == announcements.FINISHED


@pytest.mark.parametrize(("changes", "field", "words"), [
    (dict(text="  "), announcements.F_TEXT, "Write the message"),
    (dict(text="x" * 3001), announcements.F_TEXT, "3,001 characters"),
    (dict(channel_id=None), announcements.F_CHANNEL, "Choose the channel"),
    (dict(day=date(2026, 3, 15)), announcements.F_DATE, "has passed"),
    (dict(day=date(2026, 3, 16), time="09:59"), announcements.F_TIME, "09:59 today has passed"),
    (dict(day=date(2026, 3, 29), time="01:15"), announcements.F_TIME, "There is no 01:15"),
    (dict(time="9 o'clock"), announcements.F_TIME, "is not a time"),
    (dict(repeat=announcements.WEEKLY), announcements.F_UNTIL, "last date it repeats"),
    (dict(repeat=announcements.MONTHLY, until=date(2026, 3, 1)), announcements.F_UNTIL, "before the first post"),
    (dict(day=date(2029, 1, 1)), announcements.F_DATE, "more than two years"),
])
def test_bad_forms_are_refused_with_the_field_named(db: Database, changes, field, words):
    error = refused(db, form(**changes))
    assert error.field == field
    assert words in error.message


def test_members_who_are_not_organisers_cannot_schedule(db: Database):
    member = actor(db, MEMBER)
    with pytest.raises(PermissionDenied), db.transaction() as session:
        announcements.save_draft(session, member, form(), now=NOW, tz=LONDON)


def test_an_edit_moves_the_slot_and_moving_it_back_revives_the_first(db: Database):
    who = actor(db)
    info = schedule(db, form())
    original = info.next_at
    assert original is not None
    for new_time in ("11:30", "09:00"):
        with db.transaction() as session:
            draft = announcements.save_draft(session, who, form(time=new_time), now=NOW, tz=LONDON, editing=info.id)
            announcements.confirm(session, who, draft.id, now=NOW)
    assert pending(db) == [(original.isoformat(), original)]
    with db.transaction() as session:
        assert announcements.get(session, info.id).status == announcements.SCHEDULED
        assert [i.id for i in announcements.scheduled(session)] == [info.id]


def test_cancelling_leaves_nothing_pending(db: Database):
    info = schedule(db, form(repeat=announcements.FORTNIGHTLY, until=date(2026, 6, 1)))
    who = actor(db)
    with db.transaction() as session:
        announcements.cancel(session, who, info.id, now=NOW)
        announcements.cancel(session, who, info.id, now=NOW)
        assert announcements.scheduled(session) == []
    assert pending(db) == []


def test_post_now_replaces_the_next_slot_and_a_double_click_is_one(db: Database):
    info = schedule(db, form(repeat=announcements.WEEKLY, until=date(2026, 4, 20)))
    later, who = NOW + timedelta(seconds=5), actor(db)
    with db.transaction() as session:
        announcements.post_now(session, who, info.id, now=NOW)
    with db.transaction() as session:
        announcements.post_now(session, who, info.id, now=later)
    rows = pending(db)
    assert len(rows) == 1
    occurrence, due = rows[0]
    assert announcements.is_post_now(occurrence) and due == NOW
