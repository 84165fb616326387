"""Events in storage: series, validation, permissions, RSVPs with capacity and a waitlist,
cancelling, moving, attendance and calendar files, on SQLite and PostgreSQL."""

import threading
from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.slack_refs import role_grants, slack_identity, slack_ref
from storage import events, ledger
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.members import Actor, actor_for, ensure_member, find_member, members_by_ids
from storage.models import DueItem
from storage.models.events import EventNotice, Rsvp

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
RULES = events.ReminderRules.from_labels(["1d", "1h"])
ORGANISER, OTHER_ORGANISER, ADMIN = "U0ORGANISE", "U0ORGANIS2", "U0ADMIN001"
GRANTS = role_grants(organisers=frozenset({ORGANISER, OTHER_ORGANISER}))


def told(session: Session, notice: EventNotice) -> list[str]:
    """The user ids of the members a notice record says were told (it keeps their member ids)."""
    people = members_by_ids(session, notice.recipients)
    return [people[member_id].user_id for member_id in notice.recipients]


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def actor(db: Database, user_id: str, *, admin: bool = False, left: bool = False) -> Actor:
    with db.transaction() as session:
        member = ensure_member(session, slack_identity(user_id), fallback_name=user_id.title(), now=NOW)
        member.email = f"{user_id.lower()}@example.ac.uk"
        if admin:
            member.roles = ["admin"]
        member.deactivated = left
        session.flush()
        return actor_for(session, member, GRANTS)


def form(**changes: Any) -> events.EventForm:
    values: dict[str, Any] = dict(
        title="Quarterly network meeting", kind="network_meeting", starts_at=local(2026, 7, 15, 10),
        ends_at=local(2026, 7, 15, 12), location="Room 1.02, Life Sciences", online_link=None, capacity=None,
        description="Agenda: updates from each faculty.")
    values.update(changes)
    return events.EventForm(**values)


def create(db: Database, **changes) -> events.EventInfo:
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        return events.create_event(session, organiser, form(**changes), now=NOW, tz="Europe/London", rules=RULES)[0]


def answer(db: Database, who: Actor, event_id: int, choice: str, now: datetime = NOW) -> events.RsvpOutcome:
    with db.transaction() as session:
        return events.rsvp(session, who, event_id, choice, now=now, rules=RULES)


def invalid(db: Database, **changes) -> dict[str, str]:
    with pytest.raises(events.InvalidEvent) as caught:
        create(db, **changes)
    return caught.value.errors


def pending(db: Database, kind: str = events.REMINDER) -> list[DueItem]:
    with db.transaction() as session:
        return list(session.scalars(select(DueItem).where(DueItem.kind == kind, DueItem.status == ledger.PENDING)
                                    .order_by(DueItem.due_at, DueItem.occurrence)))


# Series -------------------------------------------------------------------------------------

def test_a_quarterly_series_keeps_its_local_time_across_the_clock_changes(db: Database):
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        created = events.create_event(session, organiser, form(repeat="quarterly", repeat_until=date(2027, 4, 30)),
                                      now=NOW, tz="Europe/London", rules=RULES)
    assert [e.starts_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") for e in created] == [
        "2026-07-15 10:00 BST", "2026-10-15 10:00 BST", "2027-01-15 10:00 GMT", "2027-04-15 10:00 BST"]
    # The same local time is a different UTC time in winter.
    assert {e.starts_at.astimezone(UTC).hour for e in created} == {9, 10}
    assert len({e.uid for e in created}) == 4 and all(e.series_frequency == "quarterly" for e in created)
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in created)


def test_a_monthly_series_on_the_31st_falls_on_each_months_last_day(db: Database):
    created_times = events.occurrences(local(2027, 1, 31, 18), LONDON, "monthly", date(2027, 4, 30))
    assert [t.astimezone(LONDON).date().isoformat() for t in created_times] == [
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_fortnightly_and_weekly_series(db: Database):
    fortnightly = events.occurrences(local(2026, 7, 1, 14), LONDON, "fortnightly", date(2026, 8, 1))
    assert [t.astimezone(LONDON).day for t in fortnightly] == [1, 15, 29]
    assert len(events.occurrences(local(2026, 7, 1, 14), LONDON, "weekly", date(2026, 7, 29))) == 5


def test_one_occurrence_is_moved_and_another_cancelled_without_touching_the_rest(db: Database):
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        first, second, third = events.create_event(
            session, organiser, form(repeat="monthly", repeat_until=date(2026, 9, 20)), now=NOW, tz="Europe/London",
            rules=RULES)
    with db.transaction() as session:
        events.edit_event(session, organiser, second.id, form(starts_at=local(2026, 8, 20, 14),
                                                              ends_at=local(2026, 8, 20, 16)), now=NOW, rules=RULES)
        events.cancel_event(session, organiser, third.id, reason="Room flooded", now=NOW)
    with db.reading() as session:
        after = [events.get_event(session, e.id) for e in (first, second, third)]
    assert after[0].starts_at == first.starts_at and after[0].status == events.SCHEDULED
    assert after[1].starts_at == local(2026, 8, 20, 14) and after[1].status == events.SCHEDULED
    assert after[2].status == events.CANCELLED and after[2].cancel_reason == "Room flooded"


def test_the_same_submission_twice_creates_the_series_once(db: Database):
    organiser = actor(db, ORGANISER)
    results = []
    for _ in range(2):
        with db.transaction() as session:
            weekly = form(repeat="weekly", repeat_until=date(2026, 7, 29))
            results.append(events.create_event(session, organiser, weekly,
                                               now=NOW, tz="Europe/London", rules=RULES, source_key="V0FORM"))
    assert [e.id for e in results[0]] == [e.id for e in results[1]]
    with db.reading() as session:
        assert len(events.upcoming_events(session, NOW)) == 3


# Validation, each message by its field --------------------------------------------------------

def test_end_before_start_is_refused_by_the_end_field(db: Database):
    errors = invalid(db, ends_at=local(2026, 7, 15, 9))
    assert errors == {"ends": "It ends before it starts: the end must be after Wed 15 Jul 10:00 BST."}


def test_a_start_in_the_past_is_refused(db: Database):
    errors = invalid(db, starts_at=NOW - timedelta(minutes=1), ends_at=NOW + timedelta(hours=1))
    assert errors == {"starts": "That start is in the past: choose a time from now on."}


@pytest.mark.parametrize("link", ["teams.example.ac.uk/meet", "https://", "javascript:alert(1)",
                                  "https://example.ac.uk/a b", "https://x.ac.uk/<!channel>", "ftp://files.ac.uk/x"])
def test_a_malformed_link_is_refused(db: Database, link: str):
    assert set(invalid(db, online_link=link)) == {"link"}


def test_a_good_link_alone_is_enough_without_a_place(db: Database):
    created = create(db, location=None, online_link="https://teams.example.ac.uk/meet/123?pwd=a|b".split("|")[0])
    assert created.online_link == "https://teams.example.ac.uk/meet/123?pwd=a" and created.location is None


def test_no_place_and_no_link_is_refused(db: Database):
    assert invalid(db, location=" ", online_link=None) == {"location": "Give a place, an online link, or both."}


def test_several_problems_are_reported_together(db: Database):
    errors = invalid(db, title="", kind="party", capacity="ten", rsvp_deadline=local(2026, 7, 16, 9))
    assert set(errors) == {"title", "kind", "capacity", "deadline"}
    assert errors["capacity"].startswith("The capacity is a whole number")
    assert errors["deadline"] == "RSVPs must close before the event starts."


def test_a_3000_character_description_is_kept_whole_and_3001_refused(db: Database):
    text = ("Hands-on HPLC troubleshooting & <method> *development*. " * 60)[:2999] + "."
    assert create(db, description=text).description == text
    assert "3,001" in invalid(db, description=text + "x")["description"]


def test_repeating_needs_a_last_date_and_a_sensible_number(db: Database):
    assert set(invalid(db, repeat="weekly")) == {"until"}
    assert "more than 60" in invalid(db, repeat="weekly", repeat_until=date(2028, 1, 1))["until"]
    assert set(invalid(db, repeat_until=date(2026, 9, 1))) == {"repeat"}


def test_capacity_below_the_number_going_is_refused(db: Database):
    event = create(db, capacity="5")
    for n in range(3):
        answer(db, actor(db, f"U0GOING{n:03d}"), event.id, events.GOING)
    organiser = actor(db, ORGANISER)
    with pytest.raises(events.InvalidEvent) as caught, db.transaction() as session:
        events.edit_event(session, organiser, event.id, form(capacity="2"), now=NOW, rules=RULES)
    assert caught.value.errors == {
        "capacity": "3 people are going already: the capacity can't be below 3 (leave it as it is or raise it)."}


# Permissions --------------------------------------------------------------------------------

def test_members_cannot_create_events(db: Database):
    member = actor(db, "U0MEMBER01")
    with pytest.raises(PermissionDenied, match="Only network organisers can create events"), \
            db.transaction() as session:
        events.create_event(session, member, form(), now=NOW, tz="Europe/London", rules=RULES)


def test_only_the_events_organiser_or_an_admin_may_change_it(db: Database):
    event = create(db)
    member, other = actor(db, "U0MEMBER01"), actor(db, OTHER_ORGANISER)
    for who in (member, other):
        with pytest.raises(PermissionDenied), db.transaction() as session:
            events.edit_event(session, who, event.id, form(title="Hijacked"), now=NOW, rules=RULES)
        with pytest.raises(PermissionDenied), db.transaction() as session:
            events.cancel_event(session, who, event.id, reason=None, now=NOW)
    with db.transaction() as session:
        done = events.edit_event(session, actor(db, ADMIN, admin=True), event.id, form(title="Renamed"), now=NOW,
                                 rules=RULES)
    assert done.event.title == "Renamed" and done.changed == ("title",)


# RSVPs ----------------------------------------------------------------------------------------

def test_answering_twice_keeps_one_rsvp(db: Database):
    event = create(db)
    member = actor(db, "U0MEMBER01")
    first = answer(db, member, event.id, events.GOING)
    again = answer(db, member, event.id, events.GOING)
    assert (first.changed, again.changed) == (True, False)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 1
    assert len(pending(db)) == 2  # the day before and an hour before, once


def test_simultaneous_clicks_on_separate_connections_make_one_rsvp(database_url: str):
    setup = Database(database_url)
    event = create(setup)
    member = actor(setup, "U0MEMBER01")
    setup.dispose()
    start = threading.Barrier(4)
    errors: list[Exception] = []

    def click() -> None:
        db = Database(database_url)
        try:
            start.wait()
            answer(db, member, event.id, events.GOING)
        except Exception as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)
        finally:
            db.dispose()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = Database(database_url)
    with check.reading() as session:
        rows = [(r.status, r.generation) for r in session.scalars(select(Rsvp))]
        reminders = session.scalar(select(func.count()).select_from(DueItem).where(DueItem.kind == events.REMINDER))
    check.dispose()
    assert errors == []
    assert rows == [(events.GOING, 1)]
    assert reminders == 2


def test_a_full_event_puts_members_on_the_waitlist_in_order_and_promotes_the_first(db: Database):
    event = create(db, capacity="2")
    a, b, c, d = (actor(db, f"U0MEMBER0{n}") for n in range(1, 5))
    assert [answer(db, m, event.id, events.GOING).status for m in (a, b, c, d)] == [
        events.GOING, events.GOING, events.WAITLIST, events.WAITLIST]
    with db.reading() as session:
        assert events.get_event(session, event.id, viewer=d.member_id).viewer_position == 2
    # A waitlisted member pressing Going again keeps their place.
    assert answer(db, c, event.id, events.GOING).changed is False
    # Maybe never takes a place.
    dropped = answer(db, a, event.id, events.MAYBE)
    assert dropped.promoted == ("U0MEMBER03",)
    assert dropped.event.counts == events.Counts(going=2, maybe=1, waitlist=1)
    with db.reading() as session:
        notices = [(n.kind, told(session, n)) for n in session.scalars(select(EventNotice))]
        assert events.get_event(session, event.id, viewer=d.member_id).viewer_position == 1
    assert notices == [(events.NOTICE_PROMOTED, ["U0MEMBER03"])]
    # The promoted member now has their reminders.
    assert {i.payload["member"] for i in pending(db)} == {"U0MEMBER01", "U0MEMBER02", "U0MEMBER03"}


def test_raising_the_capacity_promotes_from_the_waitlist(db: Database):
    event = create(db, capacity="1")
    a, b, c = (actor(db, f"U0MEMBER0{n}") for n in range(1, 4))
    for m in (a, b, c):
        answer(db, m, event.id, events.GOING)
    with db.transaction() as session:
        outcome = events.edit_event(session, actor(db, ORGANISER), event.id, form(capacity="2"), now=NOW, rules=RULES,
                                    source_key="V0EDIT")
    assert outcome.promoted == ("U0MEMBER02",) and outcome.event.counts.waitlist == 1


@pytest.mark.parametrize("moment, message", [
    (local(2026, 7, 15, 10, 30), "“Quarterly network meeting” started at Wed 15 Jul 10:00 BST: RSVPs are closed."),
    (local(2026, 7, 15, 13), "“Quarterly network meeting” is over."),
    (local(2026, 7, 14, 18), "RSVPs for “Quarterly network meeting” closed at Tue 14 Jul 17:00 BST."),
])
def test_past_started_or_closed_events_take_no_rsvps(db: Database, moment: datetime, message: str):
    event = create(db, rsvp_deadline=local(2026, 7, 14, 17))
    with pytest.raises(DomainError) as caught:
        answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING, now=moment)
    assert caught.value.message == message


def test_cancelling_keeps_the_history_tells_everyone_and_stops_reminders(db: Database):
    event = create(db, capacity="1")
    going, waiting, maybe, no = (actor(db, f"U0MEMBER0{n}") for n in range(1, 5))
    answer(db, going, event.id, events.GOING)
    answer(db, waiting, event.id, events.GOING)
    answer(db, maybe, event.id, events.MAYBE)
    answer(db, no, event.id, events.NOT_GOING)
    assert len(pending(db)) == 2 and len(pending(db, events.MORNING)) == 1
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        done = events.cancel_event(session, organiser, event.id, reason="Speaker ill", now=NOW)
    with db.transaction() as session:
        again = events.cancel_event(session, organiser, event.id, reason=None, now=NOW)
    assert (done.told, again.already, again.told) == (3, True, 0)
    with db.reading() as session:
        notices = [(n.kind, sorted(told(session, n)), n.details) for n in session.scalars(select(EventNotice))]
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 4
    assert notices == [
        (events.NOTICE_CANCELLED, ["U0MEMBER01", "U0MEMBER02", "U0MEMBER03"], {"reason": "Speaker ill"})]
    assert pending(db) == [] and pending(db, events.MORNING) == []
    with pytest.raises(DomainError, match="was cancelled"):
        answer(db, maybe, event.id, events.GOING)


def test_moving_an_event_tells_going_and_waitlisted_and_reschedules_reminders(db: Database):
    event = create(db, capacity="1")
    going, waiting, maybe = (actor(db, f"U0MEMBER0{n}") for n in range(1, 4))
    answer(db, going, event.id, events.GOING)
    answer(db, waiting, event.id, events.GOING)
    answer(db, maybe, event.id, events.MAYBE)
    before = [i.due_at for i in pending(db)]
    with db.transaction() as session:
        outcome = events.edit_event(session, actor(db, ORGANISER), event.id,
                                    form(starts_at=local(2026, 7, 16, 14), ends_at=local(2026, 7, 16, 16),
                                         location="Room 2.01", capacity="1"), now=NOW, rules=RULES,
                                    source_key="V0MOVE")
    assert outcome.changed == ("time", "place") and outcome.told == 2
    after = [i.due_at for i in pending(db)]
    assert before == [local(2026, 7, 14, 10), local(2026, 7, 15, 9)]
    assert after == [local(2026, 7, 15, 14), local(2026, 7, 16, 13)]
    with db.transaction() as session:
        notice = session.scalar(select(EventNotice))
        recipients = told(session, notice) if notice else []
    assert notice is not None and sorted(recipients) == ["U0MEMBER01", "U0MEMBER02"]
    assert notice.details["what"] == ["time", "place"] and notice.details["before"]["location"] == \
        "Room 1.02, Life Sciences"


def test_an_edit_that_changes_nothing_tells_nobody(db: Database):
    event = create(db)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    with db.transaction() as session:
        outcome = events.edit_event(session, actor(db, ORGANISER), event.id, form(), now=NOW, rules=RULES)
    assert (outcome.changed, outcome.told) == ((), 0)


def test_a_member_who_left_the_workspace_frees_their_place_and_hears_nothing(db: Database):
    event = create(db, capacity="1")
    leaver, waiting = actor(db, "U0LEAVER01"), actor(db, "U0MEMBER02")
    answer(db, leaver, event.id, events.GOING)
    answer(db, waiting, event.id, events.GOING)
    actor(db, "U0LEAVER01", left=True)
    with db.transaction() as session:
        reminder, why = events.reminder_to_send(session, pending(db)[0].payload, now=NOW)
    assert reminder is None and why == "the member left the workspace"
    # The next answer to the event gives the freed place to the waitlist.
    outcome = answer(db, actor(db, "U0MEMBER03"), event.id, events.MAYBE)
    assert outcome.promoted == ("U0MEMBER02",) and outcome.event.counts.going == 1
    with db.transaction() as session:
        cancelled = events.cancel_event(session, actor(db, ORGANISER), event.id, reason=None, now=NOW)
    assert cancelled.told == 2  # the member who came off the waitlist, and the maybe; not the leaver
    with db.reading() as session:
        found = events.attendees(session, actor(db, ORGANISER), event.id)
    assert [(a.user_id, a.left) for a in found.going] == [("U0LEAVER01", True), ("U0MEMBER02", False)]


# Reading ------------------------------------------------------------------------------------

def test_upcoming_events_are_soonest_first_within_the_horizon(db: Database):
    later = create(db, title="Showcase", kind="showcase", starts_at=local(2026, 9, 1, 10),
                   ends_at=local(2026, 9, 1, 12))
    sooner = create(db, title="Workshop", kind="workshop", starts_at=local(2026, 6, 10, 10),
                    ends_at=local(2026, 6, 10, 12))
    create(db, title="Past", starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=2))
    gone = create(db, title="Cancelled", starts_at=local(2026, 6, 20, 10), ends_at=local(2026, 6, 20, 11))
    with db.transaction() as session:
        events.cancel_event(session, actor(db, ORGANISER), gone.id, reason=None, now=NOW)
    with db.reading() as session:
        in_eight_weeks = events.upcoming_events(session, NOW + timedelta(hours=3), NOW + events.DEFAULT_HORIZON)
        meetings = events.upcoming_events(session, NOW, kinds=["workshop"])
    assert [e.id for e in in_eight_weeks] == [sooner.id]
    assert [e.id for e in meetings] == [sooner.id]
    assert later.id not in [e.id for e in in_eight_weeks]


def hourly_events(db: Database, count: int) -> Actor:
    """`count` half-hour events an hour apart from tomorrow, "Event 000" on, by the organiser (returned)."""
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        for n in range(count):
            start = NOW + timedelta(days=1, hours=n)
            events.create_event(session, organiser, form(title=f"Event {n:03d}", starts_at=start,
                                                         ends_at=start + timedelta(minutes=30)),
                                now=NOW, tz="Europe/London", rules=RULES)
    return organiser


def test_pages_of_200_events_cover_each_once(db: Database):
    organiser = hourly_events(db, 200)
    seen: list[str] = []
    offset = 0
    while True:
        page = events.events_page(db, now=NOW, until=None, viewer=organiser.member_id, offset=offset, limit=10)
        seen += [e.title for e in page.items]
        if not page.has_more:
            break
        offset += page.limit
    assert seen == [f"Event {n:03d}" for n in range(200)] and page.total == 200


def test_a_page_past_the_end_shows_the_last_event_and_the_true_total(db: Database):
    """A Next pressed after events were removed asks past the end: the page is the last event,
    with the list's size; past the end of an empty list, an empty page at 0."""
    organiser = hourly_events(db, 12)
    page = events.events_page(db, now=NOW, until=None, viewer=organiser.member_id, offset=30, limit=10)
    assert ([e.title for e in page.items], page.total, page.offset) == (["Event 011"], 12, 11)
    nobody = actor(db, "U0MEMBER01")
    mine = events.events_page(db, now=NOW, until=None, viewer=nobody.member_id, offset=30, mine=True)
    assert (mine.items, mine.total, mine.offset) == ([], 0, 0)


def test_every_shape_of_the_page_statement_selects_the_same_columns():
    """A page's rows are read by their columns' names, whatever its shape."""
    from storage.events import listing

    shapes = {tuple(listing._page_statement(bounded, mine).selected_columns.keys())
              for bounded in (False, True) for mine in (False, True)}
    assert len(shapes) == 1 and "total" in next(iter(shapes))


def test_mine_lists_what_the_member_is_going_to(db: Database):
    a, b = create(db, title="A"), create(db, title="B")
    member = actor(db, "U0MEMBER01")
    answer(db, member, a.id, events.GOING)
    answer(db, member, b.id, events.NOT_GOING)
    page = events.events_page(db, now=NOW, until=None, viewer=member.member_id, mine=True)
    assert [(e.title, e.viewer_status) for e in page.items] == [("A", events.GOING)]



def test_a_page_tells_each_event_as_it_is_told_alone(db: Database):
    """The page's one statement agrees with get_event: counts of active members only, the
    viewer's place on the waitlist, the organiser, the series, a cancelled event, an announcement."""
    full = create(db, title="Full", capacity="1")
    series = create(db, title="Series", repeat="weekly", repeat_until=date(2026, 8, 5))
    gone = create(db, title="Gone", starts_at=local(2026, 6, 20, 10), ends_at=local(2026, 6, 20, 11))
    first, second, viewer, leaver = (actor(db, u) for u in ("U0MEMBER01", "U0MEMBER02", "U0MEMBER03", "U0LEAVER01"))
    for who in (first, leaver, second, viewer):
        answer(db, who, full.id, events.GOING)
    answer(db, viewer, series.id, events.MAYBE)
    answer(db, first, gone.id, events.NOT_GOING)
    with db.transaction() as session:
        events.cancel_event(session, actor(db, ORGANISER), gone.id, reason="Room flooded", now=NOW)
        events.record_announcement(session, series.id, slack_ref("C0NETWORK1", "1700000000.000100"))
    actor(db, "U0LEAVER01", left=True)  # ahead of the viewer on the waitlist, no longer counted
    page = events.events_page(db, now=NOW, until=None, viewer=viewer.member_id, limit=50)
    with db.reading() as session:
        alone = [events.get_event(session, e.id, viewer=viewer.member_id) for e in page.items]
    assert page.items == alone
    told = {e.id: e for e in page.items}
    assert told[full.id].viewer_position == 2 and told[full.id].counts == events.Counts(going=1, waitlist=2)
    assert told[gone.id].cancelled and told[series.id].series_frequency == "weekly"
    assert told[series.id].announce is not None and told[series.id].viewer_status == events.MAYBE
    # Full, Gone and the series' four (15 July to 5 August), each once.
    assert {e.organiser_user for e in page.items} == {ORGANISER} and page.total == len(told) == 6

# Attendance ---------------------------------------------------------------------------------

def test_attendance_counts_going_until_an_organiser_records_who_came(db: Database):
    meeting = create(db)
    workshop = create(db, title="Workshop", kind="workshop")
    a, b, c = (actor(db, f"U0MEMBER0{n}") for n in range(1, 4))
    for m in (a, b):
        answer(db, m, meeting.id, events.GOING)
    answer(db, c, workshop.id, events.GOING)
    period = (local(2026, 7, 1), local(2026, 8, 1))
    with db.reading() as session:
        assert events.attendance_count(session, *period) == 2
        assert events.attendance_count(session, *period, kinds=None) == 3
        assert events.attendance_count(session, local(2026, 8, 1), local(2026, 9, 1)) == 0
    organiser = actor(db, ORGANISER)
    with pytest.raises(DomainError, match="hasn't started"), db.transaction() as session:
        events.record_attendance(session, organiser, meeting.id, ["U0MEMBER01"], now=NOW)
    # Morgan did not come after all; a walk-in who never answered did.
    with db.transaction() as session:
        came = events.record_attendance(session, organiser, meeting.id, ["U0MEMBER01", "U0WALKIN01"],
                                        now=local(2026, 7, 15, 12))
    with db.reading() as session:
        summary = events.attendance(session, *period)
        found = events.attendees(session, organiser, meeting.id)
    assert came == 2 and summary == events.AttendanceSummary(events=1, attendances=2, members=2)
    assert {(a.user_id, a.attended) for a in found.going} == {
        ("U0MEMBER01", True), ("U0MEMBER02", False), ("U0WALKIN01", True)}


def test_attendees_and_their_csv_are_for_organisers(db: Database):
    event = create(db, capacity="1")
    a, b = actor(db, "U0MEMBER01"), actor(db, "U0MEMBER02")
    with db.transaction() as session:
        member = find_member(session, slack_identity("U0MEMBER01"))
        assert member is not None
        member.display_name = "=HYPERLINK(\"http://evil\")"
    answer(db, a, event.id, events.GOING)
    answer(db, b, event.id, events.GOING)
    with pytest.raises(PermissionDenied), db.reading() as session:
        events.attendees(session, a, event.id)
    with db.reading() as session:
        filename, data, rows = events.attendees_csv(session, actor(db, ORGANISER), event.id)
    lines = data.decode().splitlines()
    assert filename == f"attendees-{event.id}-2026-07-15.csv" and rows == 2
    assert lines[0] == ",".join(events.CSV_COLUMNS)
    assert lines[1].startswith("\"'=HYPERLINK(\"\"http://evil\"\")\",U0MEMBER01,u0member01@example.ac.uk,,going,")
    assert ",waitlist,1," in lines[2]


# Calendar files -----------------------------------------------------------------------------

def test_the_ics_file_has_the_local_time_zone_and_a_stable_uid(db: Database):
    event = create(db, title="Meeting <!channel> *bold*", online_link="https://teams.example.ac.uk/meet/1")
    filename, first = events.calendar_file(event, now=NOW)
    with db.transaction() as session:
        moved = events.edit_event(session, actor(db, ORGANISER), event.id,
                                  form(title=event.title, online_link=event.online_link,
                                       starts_at=local(2026, 10, 26, 10), ends_at=local(2026, 10, 26, 11)),
                                  now=NOW, rules=RULES).event
    _, second = events.calendar_file(moved, now=NOW)
    one, two = (Calendar.from_ical(data).walk("VEVENT")[0] for data in (first, second))
    assert filename == "meeting-channel-bold-2026-07-15.ics"
    assert str(one["UID"]) == str(two["UID"]) == event.uid
    assert (int(str(one["SEQUENCE"])), int(str(two["SEQUENCE"]))) == (0, 1)
    assert str(one["SUMMARY"]) == "Meeting <!channel> *bold*"
    assert one.decoded("DTSTART") == local(2026, 7, 15, 10) and one["DTSTART"].params["TZID"] == "Europe/London"
    # After the October change: 10:00 GMT, 10:00 UTC.
    assert two.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 26, 10, tzinfo=UTC)
    assert b"BEGIN:VTIMEZONE" in second and b"TZID:Europe/London" in second
    assert "https://teams.example.ac.uk/meet/1" in str(one["LOCATION"])


# Notices --------------------------------------------------------------------------------------

def notices(db: Database) -> list[tuple[str, str]]:
    """The notice rows in the ledger: (occurrence, status), in the order written."""
    with db.reading() as session:
        return [(i.occurrence, i.status) for i in session.scalars(
            select(DueItem).where(DueItem.kind == events.NOTICE).order_by(DueItem.id))]


def to_send(db: Database, occurrence: str, now: datetime = NOW) -> tuple[events.Notice | None, str]:
    with db.reading() as session:
        row = session.scalar(select(DueItem).where(DueItem.kind == events.NOTICE, DueItem.occurrence == occurrence))
        assert row is not None, occurrence
        return events.notice_to_send(session, row.payload, now=now)


def move(db: Database, event_id: int, start: datetime, *, source_key: str,
         **changes: str) -> events.EditOutcome:
    with db.transaction() as session:
        return events.edit_event(session, actor(db, ORGANISER), event_id,
                                 form(starts_at=start, ends_at=start + timedelta(hours=2), **changes), now=NOW,
                                 rules=RULES, source_key=source_key)


def test_each_notice_is_a_due_row_per_person_keyed_by_the_change(db: Database):
    event = create(db, capacity="1")
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    answer(db, actor(db, "U0MEMBER02"), event.id, events.GOING)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.NOT_GOING)
    assert notices(db) == [("promoted:U0MEMBER02.1", ledger.PENDING)]
    organiser = actor(db, ORGANISER)
    for _ in range(2):
        with db.transaction() as session:
            events.cancel_event(session, organiser, event.id, reason="Room flooded", now=NOW)
    assert notices(db)[1:] == [("cancelled:U0MEMBER02", ledger.PENDING)]
    with db.reading() as session:
        row = session.scalar(select(DueItem).where(DueItem.occurrence == "cancelled:U0MEMBER02"))
        assert row is not None and (row.due_at, row.subject) == (NOW, f"event:{event.id}")
        assert row.payload == {"event": event.id, "notice": events.NOTICE_CANCELLED, "member": "U0MEMBER02",
                               "reason": "Room flooded"}


def test_a_change_and_its_notices_commit_together(db: Database):
    event = create(db)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    organiser = actor(db, ORGANISER)
    with pytest.raises(RuntimeError), db.transaction() as session:
        events.cancel_event(session, organiser, event.id, reason=None, now=NOW)
        raise RuntimeError("the unit of work fails after the change")
    assert notices(db) == []
    with db.reading() as session:
        assert not events.get_event(session, event.id).cancelled


def test_a_notice_is_what_is_true_when_it_is_sent(db: Database):
    event = create(db, capacity="1")
    first, second, third = (actor(db, f"U0MEMBER0{n}") for n in range(1, 4))
    answer(db, first, event.id, events.GOING)
    answer(db, second, event.id, events.GOING)
    answer(db, first, event.id, events.NOT_GOING)
    promoted, why = to_send(db, "promoted:U0MEMBER02.1")
    assert promoted is not None and (promoted.kind, promoted.member, why) == (events.NOTICE_PROMOTED, "U0MEMBER02", "")
    # Said Can't go before the DM went: no "you're going" any more.
    answer(db, second, event.id, events.NOT_GOING)
    assert to_send(db, "promoted:U0MEMBER02.1") == (None, "the member answered again since")
    # Going again is their own answer, not a promotion.
    answer(db, second, event.id, events.GOING)
    assert to_send(db, "promoted:U0MEMBER02.1") == (None, "the member answered again since")
    # A move: told to those still going; not to one who left the workspace since.
    answer(db, third, event.id, events.GOING)
    move(db, event.id, local(2026, 7, 16, 10), source_key="V0MOVE1")
    moved, _ = to_send(db, "changed:U0MEMBER02#1")
    assert moved is not None and moved.what == ("time",) and moved.was is not None
    assert moved.was.starts_at == local(2026, 7, 15, 10) and moved.event.starts_at == local(2026, 7, 16, 10)
    actor(db, "U0MEMBER03", left=True)
    assert to_send(db, "changed:U0MEMBER03#1") == (None, "the member left the workspace")
    # Cancelled since: the cancellation's notice tells them, not the move's.
    with db.transaction() as session:
        events.cancel_event(session, actor(db, ORGANISER), event.id, reason=None, now=NOW)
    assert to_send(db, "changed:U0MEMBER02#1") == (None, "the event was cancelled since (its own notice tells them)")
    cancelled, _ = to_send(db, "cancelled:U0MEMBER02")
    assert cancelled is not None and cancelled.event.cancelled
    assert to_send(db, "cancelled:U0MEMBER02", now=local(2026, 7, 16, 12)) == (None, "the event is over")


def test_two_moves_before_the_first_is_sent_fold_into_one_notice_from_what_was_heard(db: Database):
    event = create(db)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    move(db, event.id, local(2026, 7, 16, 10), source_key="V0MOVE1")
    move(db, event.id, local(2026, 7, 17, 14), source_key="V0MOVE2", location="Room 2.01")
    assert notices(db) == [("changed:U0MEMBER01#1", ledger.CANCELLED), ("changed:U0MEMBER01#2", ledger.PENDING)]
    notice, _ = to_send(db, "changed:U0MEMBER01#2")
    assert notice is not None and notice.was is not None and notice.what == ("time", "place")
    assert (notice.was.starts_at, notice.was.location) == (local(2026, 7, 15, 10), "Room 1.02, Life Sciences")
    assert (notice.event.starts_at, notice.event.location) == (local(2026, 7, 17, 14), "Room 2.01")
    # Moved back where it was before anyone heard: nothing to tell.
    move(db, event.id, local(2026, 7, 15, 10), source_key="V0MOVE3")
    assert notices(db)[-1] == ("changed:U0MEMBER01#3", ledger.PENDING)
    assert to_send(db, "changed:U0MEMBER01#3") == (None, "the event is back where the member last heard it was")


def test_a_move_whose_first_notice_is_being_sent_starts_the_next_from_the_change(db: Database):
    event = create(db)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    move(db, event.id, local(2026, 7, 16, 10), source_key="V0MOVE1")
    [claim] = ledger.claim_due(db, now=NOW, worker="sending")
    move(db, event.id, local(2026, 7, 17, 10), source_key="V0MOVE2")
    assert notices(db) == [("changed:U0MEMBER01#1", ledger.PENDING), ("changed:U0MEMBER01#2", ledger.PENDING)]
    notice, _ = to_send(db, "changed:U0MEMBER01#2")
    assert notice is not None and notice.was is not None and notice.was.starts_at == local(2026, 7, 16, 10)
    assert claim.occurrence == "changed:U0MEMBER01#1"


def test_remind_now_queues_once_a_minute(db: Database):
    event = create(db)
    answer(db, actor(db, "U0MEMBER01"), event.id, events.GOING)
    organiser = actor(db, ORGANISER)
    with db.transaction() as session:
        first = events.remind_now(session, organiser, event.id, now=NOW)
    with db.transaction() as session:
        second = events.remind_now(session, organiser, event.id, now=NOW + timedelta(seconds=20))
    assert (first, second) == (1, 0)
    with pytest.raises(PermissionDenied), db.transaction() as session:
        events.remind_now(session, actor(db, "U0MEMBER01"), event.id, now=NOW)
