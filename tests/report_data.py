"""A generator of network data for the report's tests and the benches (bench/report.py, bench/network.py).

`generate()` makes plain Python records (deterministic for a seed): members, events and
RSVPs, award cycles and nominations, registration statuses, CPD entries, mentoring,
news, e-zine issues, announcements and opportunities. `load()` writes them with bulk
inserts (ids come back through RETURNING, in the order given). The tests work out the
figures they expect from these records in Python, never through storage/report/.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import DueItem, Member, MemberIdentity

UTC = UTC
LONDON = ZoneInfo("Europe/London")
# Departments and how likely a member is in each; SMALL_DEPARTMENT gets exactly SMALL_SIZE members.
DEPARTMENTS = {
    "Chemistry": 5, "Biosciences": 5, "Physics": 3, "Engineering": 4, "Earth and Environmental Sciences": 2,
    "Estates and Facilities": 1, None: 1,
}
SMALL_DEPARTMENT = "Glassblowing Unit"
SMALL_SIZE = 3
EVENT_KINDS = {"network_meeting": 5, "team_meeting": 3, "workshop": 3, "conference": 1, "showcase": 1,
               "outreach": 1, "other": 1}
RSVP_CHOICES = {"going": 6, "maybe": 2, "not_going": 2}
CPD_CATEGORIES = ("course", "workshop", "conference", "network_event", "self_study", "other")
STATUSES = {"not_started": 3, "preparing": 3, "submitted": 1, "registered": 3}
REGISTERS = ("rscitech", "engtech", "rsci", "icttech")
NEWS_CATEGORIES = ("achievement", "new_starter", "registration", "event_report", "opportunity", "other")


@dataclass(frozen=True)
class MemberRecord:
    slack_user_id: str
    department: str | None
    created_at: datetime
    updated_at: datetime
    last_active_at: datetime | None
    deactivated: bool = False
    is_bot: bool = False
    fte: float = 1.0

    def row(self) -> dict[str, Any]:
        return {
            "display_name": self.slack_user_id.lower(), "real_name": "",
            "department": self.department, "created_at": self.created_at, "updated_at": self.updated_at,
            "last_active_at": self.last_active_at, "deactivated": self.deactivated, "is_bot": self.is_bot,
            "fte": self.fte, "roles": [],
        }


@dataclass(frozen=True)
class EventRecord:
    uid: str
    kind: str
    starts_at: datetime
    organiser: int
    cancelled: bool = False
    # When an organiser recorded who came (None: "going" stands in for attendance).
    recorded: bool = False


@dataclass(frozen=True)
class RsvpRecord:
    event: int
    member: int
    status: str
    attended: bool | None = None


@dataclass(frozen=True)
class CycleRecord:
    award: str
    label: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class NominationRecord:
    cycle: int
    nominator: int
    nominee: int
    withdrawn: bool = False


@dataclass(frozen=True)
class RegistrationRecord:
    member: int
    status: str
    register: str | None
    updated_at: datetime


@dataclass(frozen=True)
class CpdRecord:
    member: int
    done_on: date
    minutes: int
    category: str


@dataclass(frozen=True)
class MentorRecord:
    member: int
    capacity: int
    paused_until: date | None = None


@dataclass(frozen=True)
class PairingRecord:
    mentor: int
    mentee: int
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class NewsRecord:
    author: int
    category: str
    status: str
    created_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class OpportunityRecord:
    title: str
    created_at: datetime


@dataclass(frozen=True)
class ReminderRecord:
    member: int
    opportunity: int
    created_at: datetime


@dataclass
class Dataset:
    """Records refer to each other by position in their lists (member 0 is `members[0]`)."""

    start: datetime
    now: datetime
    members: list[MemberRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    rsvps: list[RsvpRecord] = field(default_factory=list)
    cycles: list[CycleRecord] = field(default_factory=list)
    nominations: list[NominationRecord] = field(default_factory=list)
    registrations: list[RegistrationRecord] = field(default_factory=list)
    cpd: list[CpdRecord] = field(default_factory=list)
    mentors: list[MentorRecord] = field(default_factory=list)
    pairings: list[PairingRecord] = field(default_factory=list)
    news: list[NewsRecord] = field(default_factory=list)
    # When each e-zine issue and each scheduled announcement was posted.
    issues: list[datetime] = field(default_factory=list)
    announcements: list[datetime] = field(default_factory=list)
    opportunities: list[OpportunityRecord] = field(default_factory=list)
    reminders: list[ReminderRecord] = field(default_factory=list)

    def people(self) -> list[MemberRecord]:
        return [m for m in self.members if not m.is_bot]


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(max(seconds, 1)))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def generate(*, members: int = 300, seed: int = 9, start: datetime, now: datetime,
             small_since: datetime | None = None, rsvps: int | None = None, cpd_entries: int | None = None,
             features: bool = True) -> Dataset:
    """`members` people who joined between `start` and `now` (plus two bots): some active
    since, some never again, about one in twelve left; SMALL_SIZE of them, who joined after
    `small_since`, are the whole of SMALL_DEPARTMENT. With `features`, every feature's
    records too: about `rsvps` RSVPs and `cpd_entries` CPD entries (5 a member by default)."""
    rng = random.Random(seed)
    data = Dataset(start, now)
    names, weights = list(DEPARTMENTS), list(DEPARTMENTS.values())
    for i in range(members):
        created = _moment(rng, start, now)
        department = rng.choices(names, weights)[0]
        if i < SMALL_SIZE:
            department = SMALL_DEPARTMENT
            created = _moment(rng, small_since or start, now)
        last_active = None if rng.random() < 0.15 else _moment(rng, created, now)
        left = i >= SMALL_SIZE and rng.random() < 0.08
        # Slack told us of the deactivation some time after their last use (or their joining).
        updated = _moment(rng, last_active or created, now) if left else created
        data.members.append(MemberRecord(f"U{i:07d}", department, created, updated, last_active, left,
                                         fte=rng.choice((1.0, 1.0, 1.0, 0.8, 0.6, 0.5))))
    for j in range(2):
        moment = _moment(rng, start, now)
        data.members.append(MemberRecord(f"UBOT{j:05d}", None, moment, moment, moment, is_bot=True))
    if features:
        _features(rng, data, rsvps=members * 5 if rsvps is None else rsvps,
                  cpd_entries=members * 5 if cpd_entries is None else cpd_entries)
    return data


def _features(rng: random.Random, data: Dataset, *, rsvps: int, cpd_entries: int) -> None:
    start, now = data.start, data.now
    people = [i for i, m in enumerate(data.members) if not m.is_bot]
    # Events: about 20 answers each, some still to come (up to 60 days after now).
    kinds, kind_weights = list(EVENT_KINDS), list(EVENT_KINDS.values())
    for e in range(max(12, rsvps // 20)):
        begins = _moment(rng, start, now + timedelta(days=60))
        past = begins < now
        data.events.append(EventRecord(f"ev-{e}@technet", rng.choices(kinds, kind_weights)[0], begins,
                                       rng.choice(people), cancelled=rng.random() < 0.08,
                                       recorded=past and rng.random() < 0.4))
    choices, choice_weights = list(RSVP_CHOICES), list(RSVP_CHOICES.values())
    answered: set[tuple[int, int]] = set()
    for _ in range(rsvps):
        e = rng.randrange(len(data.events))
        m = rng.choice(people)
        if (e, m) in answered:
            continue
        answered.add((e, m))
        status = rng.choices(choices, choice_weights)[0]
        attended = (rng.random() < (0.85 if status == "going" else 0.1)) if data.events[e].recorded else None
        data.rsvps.append(RsvpRecord(e, m, status, attended))
    # Awards: two awards with a cycle closing in March of each year of the data, and one still open.
    for award in ("Technician of the Year", "Papin Prize"):
        for year in range(start.year + 1, now.year + 1):
            closes = datetime(year, 3, 14, 17, tzinfo=UTC)
            if closes < now:
                data.cycles.append(CycleRecord(award, str(year), datetime(year, 1, 10, 9, tzinfo=UTC), closes))
        data.cycles.append(CycleRecord(award, "next", now - timedelta(days=10), now + timedelta(days=20)))
    seen: set[tuple[int, int, int]] = set()
    for _ in range(len(people) // 2):
        c = rng.randrange(len(data.cycles))
        nominator, nominee = rng.choice(people), rng.choice(people)
        if nominator == nominee or (c, nominator, nominee) in seen:
            continue
        seen.add((c, nominator, nominee))
        data.nominations.append(NominationRecord(c, nominator, nominee, withdrawn=rng.random() < 0.1))
    # Registration: about half have recorded a status.
    statuses, status_weights = list(STATUSES), list(STATUSES.values())
    for m in people:
        if rng.random() < 0.5:
            status = rng.choices(statuses, status_weights)[0]
            register = rng.choice(REGISTERS) if status in ("registered", "submitted") else None
            if status == "registered" and rng.random() < 0.1:
                register = None
            joined = data.members[m].created_at
            data.registrations.append(RegistrationRecord(m, status, register, _moment(rng, joined, now)))
    # CPD: entries on days between joining and today.
    for _ in range(cpd_entries):
        m = rng.choice(people)
        day = _local_day(_moment(rng, data.members[m].created_at, now))
        data.cpd.append(CpdRecord(m, day, rng.choice((30, 60, 90, 120, 180, 225, 450, 900)),
                                  rng.choice(CPD_CATEGORIES)))
    # Mentoring: one in twelve offers to mentor; pairings between them and others.
    mentors = [m for m in people if rng.random() < 1 / 12]
    for m in mentors:
        paused = _local_day(now) + timedelta(days=rng.randrange(-60, 60)) if rng.random() < 0.2 else None
        data.mentors.append(MentorRecord(m, rng.choice((0, 1, 1, 2, 3)), paused))
    for _ in range(len(people) // 8 if mentors else 0):
        mentor, mentee = rng.choice(mentors), rng.choice(people)
        if mentor == mentee:
            continue
        begins = _moment(rng, start, now)
        ends = _moment(rng, begins, now) if rng.random() < 0.4 else None
        data.pairings.append(PairingRecord(mentor, mentee, begins, ends))
    # News, e-zine issues (monthly) and scheduled announcements (fortnightly).
    for _ in range(max(10, len(people) // 6)):
        created = _moment(rng, start, now)
        status = rng.choices(("approved", "pending", "rejected"), (6, 1, 1))[0]
        reviewed = None if status == "pending" else created + timedelta(hours=rng.randrange(1, 72))
        data.news.append(NewsRecord(rng.choice(people), rng.choice(NEWS_CATEGORIES), status, created,
                                    reviewed if reviewed is None or reviewed < now else None))
    moment = start + timedelta(days=6, hours=9)
    while moment < now:
        data.issues.append(moment)
        moment += timedelta(days=rng.choice((28, 35)))
    moment = start + timedelta(days=2, hours=8)
    while moment < now:
        data.announcements.append(moment)
        moment += timedelta(days=14)
    for o in range(max(10, len(people) // 10)):
        data.opportunities.append(OpportunityRecord(f"Opportunity {o}", _moment(rng, start, now)))
    asked: set[tuple[int, int]] = set()
    for _ in range(len(people) // 3):
        m, o = rng.choice(people), rng.randrange(len(data.opportunities))
        if (m, o) in asked:
            continue
        asked.add((m, o))
        data.reminders.append(ReminderRecord(m, o, _moment(rng, max(data.opportunities[o].created_at,
                                                                      data.members[m].created_at), now)))


def _insert(session: Session, model: Any, rows: list[dict[str, Any]], *, batch: int = 5000) -> list[int]:
    """Bulk-insert rows; their new ids, in the order given."""
    ids: list[int] = []
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        if chunk:
            ids += session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), chunk).all()
    return ids


def _insert_plain(session: Session, model: Any, rows: list[dict[str, Any]], *, batch: int = 5000) -> None:
    for i in range(0, len(rows), batch):
        if rows[i:i + batch]:
            session.execute(insert(model), rows[i:i + batch])


def load(session: Session, data: Dataset) -> None:
    """Write the records; features' tables only when there are records for them."""
    member_ids = _insert(session, Member, [m.row() for m in data.members])
    _insert_plain(session, MemberIdentity, [{"member_id": member_id, "surface": "slack", "tenant": "",
                                             "external_id": m.slack_user_id}
                                            for member_id, m in zip(member_ids, data.members, strict=True)])
    if data.events or data.cpd or data.cycles:
        _load_features(session, data, member_ids)
    session.flush()


def _load_features(session: Session, data: Dataset, ids: list[int]) -> None:
    from storage.models.awards import Award, AwardCycle, Nomination
    from storage.models.careers import CpdEntry, Opportunity, OpportunityReminder
    from storage.models.events import Event, Rsvp
    from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile, RegistrationStatus
    from storage.models.news import EzineIssue, NewsItem

    event_ids = _insert(session, Event, [{
        "uid": e.uid, "title": f"Event {e.uid}", "kind": e.kind, "starts_at": e.starts_at,
        "ends_at": e.starts_at + timedelta(hours=2), "timezone": "Europe/London", "organiser_id": ids[e.organiser],
        "status": "cancelled" if e.cancelled else "scheduled",
        "attendance_recorded_at": e.starts_at + timedelta(hours=3) if e.recorded else None,
    } for e in data.events])
    _insert_plain(session, Rsvp, [{"event_id": event_ids[r.event], "member_id": ids[r.member], "status": r.status,
                                   "attended": r.attended} for r in data.rsvps])
    awards = sorted({c.award for c in data.cycles})
    award_ids = dict(zip(awards, _insert(session, Award, [{"name": a, "criteria": ["Impact"]} for a in awards]),
                         strict=True))
    cycle_ids = _insert(session, AwardCycle, [{
        "award_id": award_ids[c.award], "label": c.label, "opens_at": c.opens_at, "closes_at": c.closes_at,
        # Who chairs and opened it plays no part in the report: the first member stands in.
        "panel": [], "chair_id": ids[0], "created_by_id": ids[0]} for c in data.cycles])
    _insert_plain(session, Nomination, [{
        "cycle_id": cycle_ids[n.cycle], "nominator_id": ids[n.nominator], "nominee_id": ids[n.nominee],
        "nominee_key": data.members[n.nominee].slack_user_id, "citation": "For all the help.",
        "status": "withdrawn" if n.withdrawn else "active"} for n in data.nominations])
    _insert_plain(session, RegistrationStatus, [{
        "member_id": ids[r.member], "status": r.status, "register": r.register, "created_at": r.updated_at,
        "updated_at": r.updated_at} for r in data.registrations])
    _insert_plain(session, CpdEntry, [{
        "member_id": ids[c.member], "done_on": c.done_on, "activity": "Training", "category": c.category,
        "minutes": c.minutes} for c in data.cpd])
    _insert_plain(session, MentorProfile, [{"member_id": ids[m.member], "areas": ["techniques"], "capacity": m.capacity,
                                            "paused_until": m.paused_until} for m in data.mentors])
    request_ids = _insert(session, MentoringRequest, [{
        "mentee_id": ids[p.mentee], "mentor_id": ids[p.mentor], "area": "techniques", "status": "accepted",
        "created_at": p.started_at, "decided_at": p.started_at} for p in data.pairings])
    _insert_plain(session, MentoringPairing, [{
        "request_id": request_ids[i], "mentor_id": ids[p.mentor], "mentee_id": ids[p.mentee], "area": "techniques",
        "started_at": p.started_at, "ended_at": p.ended_at} for i, p in enumerate(data.pairings)])
    _insert_plain(session, NewsItem, [{
        "submission_key": f"news-{i}", "author_id": ids[n.author], "title": f"News {i}", "body": "Body.",
        "category": n.category, "status": n.status, "created_at": n.created_at, "updated_at": n.created_at,
        "reviewed_at": n.reviewed_at} for i, n in enumerate(data.news)])
    _insert_plain(session, EzineIssue, [{
        "period": moment.date().isoformat(), "period_start": moment - timedelta(days=28), "due_at": moment,
        "status": "posted", "posted_at": moment} for moment in data.issues])
    _insert_plain(session, DueItem, [{
        "kind": "announcement", "subject": "announcement:1", "occurrence": moment.isoformat(), "due_at": moment,
        "not_before": moment, "status": "done", "done_at": moment} for moment in data.announcements])
    opportunity_ids = _insert(session, Opportunity, [{
        "natural_key": o.title.casefold(), "title": o.title, "kind": "course", "created_at": o.created_at,
        "updated_at": o.created_at} for o in data.opportunities])
    _insert_plain(session, OpportunityReminder, [{
        "member_id": ids[r.member], "opportunity_id": opportunity_ids[r.opportunity], "created_at": r.created_at}
        for r in data.reminders])
