"""storage/mentoring/ on a real database (SQLite and PostgreSQL): profiles, finding, requests,
pairings, check-ins through the due ledger, and the organisers' figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.slack_refs import member_details, role_grants, slack_identity
from storage import ledger, mentoring
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.members import Actor, actor_for, get_member, upsert_member
from storage.mentoring import MentorForm
from storage.models import DueItem

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2025, 3, 3)
ORGANISERS = role_grants(organisers=frozenset({"U0ORG"}))


def person(session, user_id: str, name: str, *, department: str | None = None, deleted: bool = False) -> Actor:
    user = {"id": user_id, "name": name.lower(), "real_name": name, "deleted": deleted, "tz": "Europe/London",
            "profile": {"display_name": name, "real_name": name, "title": "Technician"}}
    member = upsert_member(session, slack_identity(user_id), member_details(user), now=T0)
    member.department = department
    return actor_for(session, member, ORGANISERS)


def mentor(session, actor: Actor, areas=("registration",), capacity: int = 1, **extra):
    return mentoring.save_mentor_profile(session, actor, MentorForm(areas=list(areas), capacity=capacity, **extra),
                                         today=TODAY, now=T0)


@pytest.fixture
def people(db: Database):
    with db.transaction() as session:
        return {key: person(session, uid, name) for key, uid, name in (
            ("ann", "U0ANN", "Ann Analyst"), ("ben", "U0BEN", "Ben Bench"), ("cat", "U0CAT", "Cat Cleanroom"),
            ("dev", "U0DEV", "Dev Desk"), ("org", "U0ORG", "Orla Organiser"))}


def pair(session, mentee: Actor, mentor_actor: Actor, area: str = "registration", when: datetime = T0):
    request = mentoring.request_mentor(session, mentee, mentor_actor.user_id, area, today=when.date(), now=when)
    return mentoring.accept_request(session, mentor_actor, request.request.id, now=when, tz=LONDON).pairing


# Profiles -----------------------------------------------------------------------------------------

def test_joining_as_a_mentor_and_changing_the_profile(db: Database, people):
    with db.transaction() as session:
        info = mentor(session, people["ann"], ("registration", "leadership"), 2, specialisms="  RSciTech   forms ")
        assert (info.areas, info.capacity, info.free, info.specialisms) == (["registration", "leadership"], 2, 2,
                                                                             "RSciTech forms")
        again = mentor(session, people["ann"], ("technical",), 0)
        assert (again.areas, again.capacity, again.free) == (["technical"], 0, 0)


@pytest.mark.parametrize(("form", "field", "message"), [
    (MentorForm(areas=[], capacity=1), "areas", "at least one area"),
    (MentorForm(areas=["astrology"], capacity=1), "areas", "from the list"),
    (MentorForm(areas=["career"], capacity="-1"), "capacity", "can't be negative"),
    (MentorForm(areas=["career"], capacity="11"), "capacity", "At most 10"),
    (MentorForm(areas=["career"], capacity="two"), "capacity", "not a whole number"),
    (MentorForm(areas=["career"], capacity=""), "capacity", "how many mentees"),
    (MentorForm(areas=["career"], capacity=1, paused_until="2025-03-02"), "paused_until", "has passed"),
    (MentorForm(areas=["career"], capacity=1, paused_until="2027-01-01"), "paused_until", "at most a year"),
    (MentorForm(areas=["career"], capacity=1, paused_until="soon"), "paused_until", "not a date"),
    (MentorForm(areas=["career"], capacity=1, intro="x" * 1001), "intro", "1000 characters"),
])
def test_a_bad_profile_names_the_field(db: Database, people, form, field, message):
    with db.transaction() as session, pytest.raises(mentoring.InvalidMentorProfile) as refused:
        mentoring.save_mentor_profile(session, people["ann"], form, today=TODAY, now=T0)
    assert message in refused.value.errors[field]


def test_areas_are_found_by_what_members_type():
    assert mentoring.resolve_area("registration") == "registration"
    assert mentoring.resolve_area("RSci") == "registration"
    assert mentoring.resolve_area("Professional registration") == "registration"
    assert mentoring.resolve_area("leadership and management") == "leadership"
    assert mentoring.resolve_area("early career") == "early_career"
    assert mentoring.resolve_area("HPLC") is None
    assert mentoring.resolve_area("!!!") is None
    assert mentoring.parse_find("registration —again") == ("registration", True)
    assert mentoring.parse_find("registration --again") == ("registration", True)
    assert mentoring.parse_find("leadership") == ("leadership", False)


# Finding ------------------------------------------------------------------------------------------

def test_find_offers_mentors_with_a_free_place_and_never_the_member(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], ("registration",), 2)
        mentor(session, people["ben"], ("registration",), 1, specialisms="EngTech, CNC")
        mentor(session, people["cat"], ("leadership",), 1)
        mentor(session, people["dev"], ("registration",), 1, paused_until="2025-03-10")
    with db.reading() as session:
        found = mentoring.find_mentors(session, people["ann"], "registration", today=TODAY)
        names = [c.mentor.name for c in found.mentors]
        assert names == ["Ben Bench"]  # not Ann herself, not Cat (other area), not Dev (paused)
        assert found.area == "registration" and found.full == 1
        by_specialism = mentoring.find_mentors(session, people["cat"], "cnc", today=TODAY)
        assert [c.mentor.name for c in by_specialism.mentors] == ["Ben Bench"] and by_specialism.area is None
        everyone = mentoring.find_mentors(session, people["cat"], "", today=TODAY)
        assert [c.mentor.name for c in everyone.mentors] == ["Ann Analyst", "Ben Bench"]  # most free places first


def test_a_mentor_at_capacity_is_not_offered_and_cannot_be_asked(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=1)
        pair(session, people["ben"], people["ann"])
    with db.transaction() as session:
        assert mentoring.find_mentors(session, people["cat"], "registration", today=TODAY).mentors == []
        with pytest.raises(DomainError, match=r"Ann Analyst has no free place just now \(1 of 1 taken\)"):
            mentoring.request_mentor(session, people["cat"], "U0ANN", "registration", today=TODAY, now=T0)


def test_a_mentor_who_left_is_not_offered_and_cannot_be_asked(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=3)
        get_member(session, slack_identity("U0ANN")).deactivated = True
    with db.transaction() as session:
        assert mentoring.find_mentors(session, people["ben"], "registration", today=TODAY).mentors == []
        with pytest.raises(DomainError, match="Ann Analyst has left the workspace"):
            mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", today=TODAY, now=T0)


def test_a_previous_mentor_is_left_out_unless_asked_for_again(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=2)
        pairing = pair(session, people["ben"], people["ann"])
    with db.reading() as session:
        # While paired: not offered at all (she is his mentor already).
        assert mentoring.find_mentors(session, people["ben"], "registration --again", today=TODAY).mentors == []
    with db.transaction() as session:
        mentoring.end_pairing(session, people["ben"], pairing.id, now=T0 + timedelta(days=60))
    with db.reading() as session:
        plain = mentoring.find_mentors(session, people["ben"], "registration", today=TODAY)
        assert plain.mentors == [] and plain.left_out_previous == 1
        again = mentoring.find_mentors(session, people["ben"], "registration --again", today=TODAY)
        assert [c.mentor.name for c in again.mentors] == ["Ann Analyst"] and again.mentors[0].paired_before
        assert [c.mentor.name for c in mentoring.find_mentors(session, people["cat"], "registration",
                                                                today=TODAY).mentors] == ["Ann Analyst"]


# Requests -----------------------------------------------------------------------------------------

def test_asking_twice_makes_one_request(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"])
        first = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", "RSciTech help",
                                         today=TODAY, now=T0)
        second = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", "again", today=TODAY,
                                          now=T0)
    assert first.created and not second.created and first.request.id == second.request.id
    assert second.request.message == "RSciTech help"


def test_nobody_can_ask_themselves(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"])
        with pytest.raises(DomainError, match="can't be your own mentor"):
            mentoring.request_mentor(session, people["ann"], "U0ANN", "registration", today=TODAY, now=T0)


def test_only_the_mentor_accepts_and_accepting_twice_makes_one_pairing(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=2)
        request = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", today=TODAY, now=T0)
        with pytest.raises(PermissionDenied):
            mentoring.accept_request(session, people["ben"], request.request.id, now=T0, tz=LONDON)
        first = mentoring.accept_request(session, people["ann"], request.request.id, now=T0, tz=LONDON)
        second = mentoring.accept_request(session, people["ann"], request.request.id, now=T0, tz=LONDON)
    assert first.created and not second.created and first.pairing.id == second.pairing.id
    with db.reading() as session:
        checkins = session.scalars(select(DueItem).where(DueItem.kind == mentoring.CHECKIN)).all()
        # One check-in scheduled, 30 days on (Wednesday 2 April 2025), at 10:00 London time.
        assert [(c.subject, c.occurrence, c.due_at) for c in checkins] == [
            (f"pairing:{first.pairing.id}", "v1:2025-04-02", datetime(2025, 4, 2, 9, 0, tzinfo=UTC))]


def test_accepting_beyond_capacity_is_refused(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=1)
        one = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", today=TODAY, now=T0)
        two = mentoring.request_mentor(session, people["cat"], "U0ANN", "registration", today=TODAY, now=T0)
        mentoring.accept_request(session, people["ann"], one.request.id, now=T0, tz=LONDON)
        with pytest.raises(DomainError, match="You are mentoring 1 of the 1 you offered"):
            mentoring.accept_request(session, people["ann"], two.request.id, now=T0, tz=LONDON)


def test_decline_withdraw_and_a_mentee_who_left(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], capacity=3)
        declined = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", today=TODAY, now=T0)
        info, changed = mentoring.decline_request(session, people["ann"], declined.request.id, now=T0)
        assert changed and info.status == "declined"
        assert mentoring.decline_request(session, people["ann"], declined.request.id, now=T0)[1] is False
        with pytest.raises(DomainError, match="declined this request already"):
            mentoring.accept_request(session, people["ann"], declined.request.id, now=T0, tz=LONDON)
        # Declined, Ben may ask again (a new request).
        again = mentoring.request_mentor(session, people["ben"], "U0ANN", "registration", today=TODAY, now=T0)
        assert again.created and again.request.id != declined.request.id
        withdrawn, changed = mentoring.withdraw_request(session, people["ben"], again.request.id, now=T0)
        assert changed and withdrawn.status == "withdrawn"
        with pytest.raises(DomainError, match="Ben Bench withdrew this request"):
            mentoring.accept_request(session, people["ann"], again.request.id, now=T0, tz=LONDON)
        leaving = mentoring.request_mentor(session, people["cat"], "U0ANN", "registration", today=TODAY, now=T0)
        get_member(session, slack_identity("U0CAT")).deactivated = True
        with pytest.raises(DomainError, match="Cat Cleanroom has left the workspace"):
            mentoring.accept_request(session, people["ann"], leaving.request.id, now=T0, tz=LONDON)
    with db.reading() as session:
        assert mentoring.my_mentoring(session, people["ann"]).incoming == []


# Pairings and check-ins ----------------------------------------------------------------------------

def test_either_side_ends_a_pairing_once_and_its_checkins_stop(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"])
        pairing = pair(session, people["ben"], people["ann"])
        with pytest.raises(DomainError, match="not one of yours"):
            mentoring.end_pairing(session, people["cat"], pairing.id, now=T0)
        ended, changed = mentoring.end_pairing(session, people["ben"], pairing.id, now=T0 + timedelta(days=5))
        again, changed_again = mentoring.end_pairing(session, people["ann"], pairing.id, now=T0 + timedelta(days=6))
    assert changed and not changed_again and ended.ended_by_user == "U0BEN" == again.ended_by_user
    with db.reading() as session:
        statuses = session.scalars(select(DueItem.status).where(DueItem.kind == mentoring.CHECKIN)).all()
        assert statuses == [ledger.CANCELLED]
        # The place is free again.
        assert [c.mentor.name for c in mentoring.find_mentors(session, people["cat"], "registration",
                                                                today=TODAY).mentors] == ["Ann Analyst"]


def test_each_checkin_schedules_the_next_and_a_new_cadence_replaces_the_pending_one(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"])
        pairing = pair(session, people["ben"], people["ann"])
        first = session.scalars(select(DueItem).where(DueItem.kind == mentoring.CHECKIN)).one()
        sent = mentoring.checkin_to_send(session, pairing.id, first.occurrence, due_at=first.due_at, tz=LONDON)
        assert sent is not None
        # Sent twice (a retried post): still one next row.
        mentoring.checkin_to_send(session, pairing.id, first.occurrence, due_at=first.due_at, tz=LONDON)
        pending = session.scalars(select(DueItem).where(DueItem.kind == mentoring.CHECKIN,
                                                        DueItem.occurrence != first.occurrence)).all()
        assert [p.occurrence for p in pending] == ["v1:2025-05-02"]
        changed, due = mentoring.set_cadence(session, people["ann"], pairing.id, 14, now=T0 + timedelta(days=31),
                                             tz=LONDON)
        assert changed.cadence_label == "every two weeks"
        # Two weeks after the last check-in (2 April) is 16 April.
        assert due == datetime(2025, 4, 16, 9, 0, tzinfo=UTC)
        assert mentoring.checkin_to_send(session, pairing.id, "v1:2025-05-02", due_at=due, tz=LONDON) is None
        with pytest.raises(DomainError, match="from the list"):
            mentoring.set_cadence(session, people["ann"], pairing.id, 3, now=T0, tz=LONDON)
    with db.reading() as session:
        rows = session.execute(select(DueItem.occurrence, DueItem.status).where(DueItem.kind == mentoring.CHECKIN)
                               .order_by(DueItem.id)).all()
        # (The first row was never claimed by the runner here, so it was still pending and is cancelled too.)
        assert [tuple(r) for r in rows] == [("v1:2025-04-02", "cancelled"), ("v1:2025-05-02", "cancelled"),
                                            ("v2:2025-04-16", "pending")]


def test_checkins_fall_on_weekdays():
    saturday = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    # 30 days after Sat 1 March is Mon 31 March; 14 days after is Sat 15 March, moved to Monday 17th.
    assert mentoring.checkin_day(saturday, 30, LONDON) == date(2025, 3, 31)
    assert mentoring.checkin_day(saturday, 14, LONDON) == date(2025, 3, 17)


def test_a_pairing_whose_member_left_ends_at_its_next_checkin(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"])
        pairing = pair(session, people["ben"], people["ann"])
        due = session.scalars(select(DueItem).where(DueItem.kind == mentoring.CHECKIN)).one()
        get_member(session, slack_identity("U0BEN")).deactivated = True
        assert mentoring.checkin_to_send(session, pairing.id, due.occurrence, due_at=due.due_at, tz=LONDON) is None
    with db.reading() as session:
        ended = mentoring.get_pairing(session, pairing.id)
        assert ended is not None and ended.ended_at is not None


# Organisers ---------------------------------------------------------------------------------------

def test_the_summary_counts_active_pairs_for_organisers_only(db: Database, people):
    with db.transaction() as session:
        mentor(session, people["ann"], ("registration", "career"), 3)
        mentor(session, people["cat"], ("leadership",), 1)
        pair(session, people["ben"], people["ann"], "registration")
        ended = pair(session, people["dev"], people["ann"], "career")
        mentoring.end_pairing(session, people["dev"], ended.id, now=T0 + timedelta(days=1))
        pair(session, people["dev"], people["cat"], "leadership")
        mentoring.request_mentor(session, people["org"], "U0ANN", "registration", today=TODAY, now=T0)
    with db.reading() as session:
        with pytest.raises(PermissionDenied):
            mentoring.summary(session, people["ben"], today=TODAY, now=T0, min_group=5)
        # The arithmetic, with no group too small to show (a threshold of 1).
        figures = mentoring.summary(session, people["org"], today=TODAY, now=T0 + timedelta(days=2), min_group=1)
        small = mentoring.summary(session, people["org"], today=TODAY, now=T0 + timedelta(days=2), min_group=5)
    assert [s.value for s in (figures.active_pairs, figures.mentors, figures.mentors_with_room,
                              figures.places_free)] == [2, 2, 1, 2]
    assert [s.value for s in (figures.pending_requests, figures.started_this_year, figures.ended_this_year)] == [
        1, 3, 1]
    assert [(label, s.value) for label, s in figures.by_area] == [
        ("Leadership and management", 1), ("Professional registration", 1)]
    assert figures.registration_mentors.value == 1
    # With the network's threshold of 5 every one of these is a small group, and one mentor's free
    # places are not shown as the scheme's.
    assert {s.text for s in (small.active_pairs, small.mentors, small.mentors_with_room, small.pending_requests,
                             small.started_this_year, small.ended_this_year, small.registration_mentors)} == {
        "fewer than 5"}
    assert small.places_free.text == "withheld"
    assert [s.text for _, s in small.by_area] == ["fewer than 5", "fewer than 5"]
