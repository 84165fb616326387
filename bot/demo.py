"""Sample data for the local shell and for newcomers: `technet demo-data` (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.db import Database
from bot.slack_refs import member_details, role_grants, slack_identity
from storage.members import Actor, Role, RoleGrants, actor_for, find_member, upsert_member


@dataclass(frozen=True)
class Persona:
    user_id: str
    name: str
    title: str
    department: str
    role: Role = Role.MEMBER


PERSONAS = (
    Persona("U0DEMOALEX", "Alex Morgan", "Senior Technician", "Chemistry"),
    Persona("U0DEMOPRIY", "Priya Shah", "Technical Services Manager", "Biosciences", Role.ORGANISER),
    Persona("U0DEMOJORD", "Jordan Lee", "Research Technician", "Physics", Role.PANEL),
    Persona("U0DEMOSAMI", "Sami Okafor", "IT Technician", "Computer Science", Role.ADMIN),
    Persona("U0DEMOROSA", "Rosa Evans", "Workshop Technician", "Engineering"),
    Persona("U0DEMOTOMK", "Tom Kowalski", "Teaching Laboratory Technician", "Biosciences"),
)


# Priya organises the demo's awards, events and news.
ORGANISER_GRANTS = role_grants(organisers=["U0DEMOPRIY"])


def persona_for(role: Role) -> Persona:
    return next(p for p in PERSONAS if p.role == role)


def slack_user(persona: Persona) -> dict[str, object]:
    """The users.info object Slack would give for a persona (the shell's stand-in serves it)."""
    login = persona.name.lower().replace(" ", ".")
    return {
        "id": persona.user_id, "name": login, "real_name": persona.name, "tz": "Europe/London",
        "is_bot": False, "deleted": False,
        "profile": {"display_name": persona.name, "real_name": persona.name, "title": persona.title,
                    "email": f"{login}@example.ac.uk"},
    }


def load_demo_data(db: Database, *, now: datetime) -> int:
    """Add the sample members that are missing; returns how many were added."""
    added = 0
    with db.transaction() as session:
        for persona in PERSONAS:
            if find_member(session, slack_identity(persona.user_id)) is not None:
                continue
            member = upsert_member(session, slack_identity(persona.user_id), member_details(slack_user(persona)),
                                   now=now)
            member.department = persona.department
            if persona.role == Role.ADMIN:
                member.roles = [Role.ADMIN.value]
            added += 1
        _demo_profiles(session, now=now)
        _demo_awards(session, now=now)
        _demo_careers(session, now=now)
        _demo_mentoring(session, now=now)
        _demo_events(session, now=now)
        _demo_news(session, now=now)
    return added


def _actor(session: Session, user_id: str, grants: RoleGrants = RoleGrants()) -> Actor | None:
    """A persona acting, or None when their member is missing."""
    member = find_member(session, slack_identity(user_id))
    return None if member is None else actor_for(session, member, grants)


# Profiles for the skills directory: (skills, equipment, bio, listed, spotlight). Tom is not
# listed, to show that only those who opt in can be found.
DEMO_PROFILES = {
    "U0DEMOALEX": (["HPLC", "GC-MS", "NMR spectroscopy", "COSHH assessments"],
                   ["Agilent 1260 HPLC", "Bruker 400 MHz NMR"],
                   "Analytical chemistry technician; ask me about method development and column care.", True, True),
    "U0DEMOPRIY": (["Cell culture", "Flow cytometry", "Confocal microscopy", "Lab management"],
                   ["BD FACSAria", "Zeiss LSM 880 confocal"],
                   "I look after the Biosciences teaching and research labs.", True, False),
    "U0DEMOJORD": (["Cleanroom fabrication", "Vacuum systems", "LabVIEW"], ["E-beam evaporator"],
                   "Thin films, vacuum and anything that needs a cleanroom.", True, False),
    "U0DEMOSAMI": (["Python", "Linux", "HPC"], [], "Research computing for the technical teams.", True, False),
    "U0DEMOROSA": (["TIG welding", "CNC machining", "3D printing"], ["Haas VF-2 CNC mill"],
                   "Workshop technician: if it has to be made, I can probably make it.", True, True),
    "U0DEMOTOMK": (["Teaching lab preparation", "Microscopy", "Cell culture"], ["Zeiss Axio microscope"],
                   "", False, False),
}


def _demo_profiles(session: Session, *, now: datetime) -> None:
    """Sample profiles for members who have none yet (a profile someone saved is left alone)."""
    from storage import profiles

    for persona in PERSONAS:
        member = find_member(session, slack_identity(persona.user_id))
        if member is None or profiles.find_profile(session, member.id) is not None:
            continue
        skills, equipment, bio, listed, spotlight = DEMO_PROFILES[persona.user_id]
        changes = profiles.ProfileChanges(
            job_title=member.job_title, department_other=member.department, fte=member.fte, skills=skills,
            equipment=equipment, bio=bio, listed=listed, spotlight_opt_in=spotlight)
        profiles.save_profile(session, actor_for(session, member, RoleGrants()), changes, now=now)


def _demo_awards(session: Session, *, now: datetime) -> None:
    """An award open for nominations, and a closed one with nominations for Jordan's panel to review."""
    from datetime import timedelta

    from sqlalchemy import select

    from storage import awards
    from storage.models.awards import Award

    organiser = _actor(session, "U0DEMOPRIY", ORGANISER_GRANTS)
    panel = ["U0DEMOJORD"]
    if organiser is None or session.scalar(select(Award.id).limit(1)) is not None:
        return
    awards.open_cycle(session, organiser, name="Outstanding Contribution", label="Demo",
                      description="For a technician whose work has lifted the whole network.",
                      now=now - timedelta(days=40), closes_at=now - timedelta(days=10),
                      default_panel=map(slack_identity, panel))
    closed = awards.all_cycles(session, now)[0]
    for nominator, nominee, citation in (
        ("U0DEMOALEX", "U0DEMOROSA", "Rosa redesigned the workshop's booking system and cut waiting times for "
                                     "student projects from three weeks to four days."),
        ("U0DEMOPRIY", "U0DEMOROSA", "Rosa trained twelve apprentices this year and wrote the safety induction "
                                     "every new technician now follows."),
        ("U0DEMOSAMI", "U0DEMOTOMK", "Tom kept every teaching lab running through the building move, without a "
                                     "single practical cancelled."),
    ):
        author = _actor(session, nominator)
        if author is not None:
            awards.submit_nomination(session, author, awards.NominationForm(closed.id, nominee, citation=citation),
                                     submission_id=f"demo-{nominator}-{nominee}", now=now - timedelta(days=20))
    awards.open_cycle(session, organiser, name="Technician of the Year", label=str(now.year),
                      description="Recognising a technician whose skill and care made a difference this year.",
                      now=now - timedelta(days=1), closes_at=now + timedelta(days=21),
                      default_panel=map(slack_identity, panel),
                      notify_nominees=awards.NOTIFY_AT_CLOSE)
    # One still to open, so the shell's `:later` shows the opening post as well as the close.
    from datetime import time
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/London")
    opens = datetime.combine(now.astimezone(tz).date() + timedelta(days=5), time(9), tzinfo=tz)
    awards.open_cycle(session, organiser, name="Papin Prize for sustainability", label=str(opens.year),
                      description="For a technician who made a lab greener: less waste, water or energy.",
                      now=now, opens_at=opens, closes_at=opens + timedelta(days=35), default_panel=map(slack_identity,
                                                                                                       panel))


def _demo_careers(session: Session, *, now: datetime) -> None:
    """Development opportunities (dated from today) and a few CPD entries for Alex; each added once."""
    from datetime import timedelta

    from sqlalchemy import select

    from storage import cpd, opportunities
    from storage.models.careers import Opportunity

    today = now.date()
    samples = [
        ("HPLC troubleshooting masterclass", "course", "A day on diagnosing pressure, peak shape and baseline "
         "problems, with hands-on time on three instruments.", "Chromatography Society", "£180", 21, 9,
         "hplc, chromatography"),
        ("Leadership for technical managers", "workshop", "Two half days on leading a technical team, delegation "
         "and difficult conversations.", "Staff Development", "Free", 30, 12, "leadership, management"),
        ("Electron microscopy facility secondment", "secondment", "Three months in the EM facility learning "
         "sample preparation and TEM operation; backfill funded.", "Faculty of Science", "Free", 60, 4,
         "microscopy, secondment"),
        ("Technician development fund: spring round", "funding_call", "Up to £1,000 towards a course, a "
         "conference or professional registration fees.", "Technician Commitment steering group", None, None, 20,
         "funding, registration"),
    ]
    zone = now.tzinfo
    assert zone is not None  # the clock's time is aware
    for title, kind, description, provider, cost, starts_in, deadline_in, tags in samples:
        if session.scalar(select(Opportunity.id).where(Opportunity.title == title)) is not None:
            continue
        form = opportunities.OpportunityForm(
            title=title, kind=kind, description=description, provider=provider, cost=cost, tags=tags,
            link="https://example.ac.uk/development",
            starts_on=today + timedelta(days=starts_in) if starts_in else None,
            deadline=today + timedelta(days=deadline_in))
        opportunities.save_opportunity(session, None, form, now=now, tz=zone)
    actor = _actor(session, "U0DEMOALEX")
    if actor is None:
        return
    for i, (days_ago, activity, category, amount, unit) in enumerate([
            (40, "COSHH assessor refresher", "course", "3", cpd.HOURS),
            (25, "Network meeting: sustainable labs", "network_event", "1.5", cpd.HOURS),
            (10, "Shadowing the NMR facility manager", "secondment", "1", cpd.DAYS)]):
        entry = cpd.EntryForm(done_on=today - timedelta(days=days_ago), activity=activity, category=category,
                              amount=amount, unit=unit)
        # The submission id makes each sample entry once, however often this runs.
        cpd.log_entry(session, actor, entry, rules=cpd.CpdRules(), today=today, now=now, submission_id=f"demo-{i}")


def _demo_mentoring(session: Session, *, now: datetime) -> None:
    """Mentors (Jordan full with Tom), Tom's request to Priya, registration statuses, a forwarded question."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from storage import faq, mentoring, registration
    from storage.models.mentoring import AskedQuestion, MentoringRequest, RegistrationStatus

    people = {p.user_id: find_member(session, slack_identity(p.user_id)) for p in PERSONAS}
    if any(m is None for m in people.values()):
        return
    actor = {user_id: actor_for(session, m, RoleGrants()) for user_id, m in people.items() if m is not None}
    today = now.astimezone(ZoneInfo("Europe/London")).date()
    for user_id, areas, capacity, specialisms in (
            ("U0DEMOROSA", ["registration", "technical", "early_career"], 2,
             "EngTech application, CNC machining, TIG welding"),
            ("U0DEMOPRIY", ["leadership", "career", "registration"], 3,
             "RSciTech and RSci applications, leading a lab team"),
            ("U0DEMOJORD", ["research", "technical"], 1, "Cleanroom work, vacuum systems")):
        if mentoring.find_mentor_profile(session, actor[user_id].member_id) is None:
            mentoring.save_mentor_profile(session, actor[user_id], mentoring.MentorForm(
                areas=areas, capacity=capacity, specialisms=specialisms), today=today, now=now)

    def asked(mentee: str, mentor: str) -> bool:
        return session.scalar(select(MentoringRequest.id).where(
            MentoringRequest.mentee_id == actor[mentee].member_id,
            MentoringRequest.mentor_id == actor[mentor].member_id)) is not None

    if not asked("U0DEMOTOMK", "U0DEMOJORD"):
        # Accepted 20 days ago: its first monthly check-in is still ahead, for `:later` in the shell.
        started = now - timedelta(days=20)
        outcome = mentoring.request_mentor(session, actor["U0DEMOTOMK"], "U0DEMOJORD", "research",
                                           "Help planning my first research-support project.", today=today, now=started)
        mentoring.accept_request(session, actor["U0DEMOJORD"], outcome.request.id, now=started,
                                 tz=ZoneInfo("Europe/London"))
    if not asked("U0DEMOTOMK", "U0DEMOPRIY"):
        mentoring.request_mentor(session, actor["U0DEMOTOMK"], "U0DEMOPRIY", "registration",
                                 "I'd like to apply for RSciTech this year and don't know where to start.",
                                 today=today, now=now)
    guide = registration.load_guide()
    for user_id, status, register in (("U0DEMOALEX", "preparing", "rscitech"), ("U0DEMOROSA", "registered", "engtech"),
                                      ("U0DEMOTOMK", "not_started", None)):
        if session.get(RegistrationStatus, actor[user_id].member_id) is None:
            registration.record_status(session, actor[user_id], status=status, register=register, guide=guide, now=now)
    if session.scalar(select(AskedQuestion.id).limit(1)) is None:
        question = faq.record_unmatched(session, actor["U0DEMOROSA"], "Can apprentices come to the quarterly "
                                        "network meeting, or is it only for permanent staff?", now=now)
        faq.forward(session, actor["U0DEMOROSA"], question.id, now=now)


def _demo_events(session: Session, *, now: datetime) -> None:
    """Priya's events, dated from today: a quarterly network meeting series, a fortnightly team
    meeting, the conference, and a full workshop (Alex, Rosa and Tom going; Jordan waiting), so
    Alex pressing Can't go in the shell shows Jordan's promotion DM. Each is created once."""
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from storage import events

    organiser = _actor(session, "U0DEMOPRIY", ORGANISER_GRANTS)
    if organiser is None:
        return
    tz = ZoneInfo("Europe/London")
    today = now.astimezone(tz).date()
    rules = events.ReminderRules()

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=tz)

    samples = [
        ("demo:network-meeting", [], events.EventForm(
            title="Quarterly technicians' network meeting", kind="network_meeting", starts_at=at(10, 10),
            ends_at=at(10, 12), location="Council Chamber, Foundation Building",
            online_link="https://teams.example.ac.uk/l/meetup-join/technet", capacity=60,
            description="Updates from each faculty, the Technician Commitment action plan, and a talk on "
                        "sustainable labs. Tea and cake from 09:45.",
            repeat="quarterly", repeat_until=today + timedelta(days=370))),
        ("demo:team-meeting", [], events.EventForm(
            title="Teaching labs team meeting", kind="team_meeting", starts_at=at(3, 9, 30), ends_at=at(3, 10),
            online_link="https://teams.example.ac.uk/l/meetup-join/teaching-labs",
            repeat="fortnightly", repeat_until=today + timedelta(days=90))),
        ("demo:workshop", ["U0DEMOALEX", "U0DEMOROSA", "U0DEMOTOMK", "U0DEMOJORD"], events.EventForm(
            title="Soldering and electronics workshop", kind="workshop", starts_at=at(6, 14), ends_at=at(6, 16),
            location="Electronics workshop, Engineering B12", capacity=3,
            description="Hands-on: through-hole and surface-mount soldering, rework, and safe use of the fume "
                        "extraction. Bring safety glasses.")),
        ("demo:conference", [], events.EventForm(
            title="Technical staff conference", kind="conference", starts_at=at(45, 9), ends_at=at(45, 17),
            location="Great Hall", capacity=150,
            description="The annual conference: talks, posters, the Technician of the Year award and a "
                        "showcase of the network's work.")),
    ]
    for key, going, form in samples:
        if events.created_by(session, key):
            continue  # made already; leave whatever people answered since
        created = events.create_event(session, organiser, form, now=now, tz="Europe/London",
                                      rules=rules, source_key=key)
        for user_id in going:
            person = _actor(session, user_id)
            if person is not None:
                events.rsvp(session, person, created[0].id, events.GOING, now=now, rules=rules)
    _demo_past_events(session, organiser, at, now=now)


def _demo_past_events(session: Session, organiser: Actor, at: Callable[[int, int], datetime], *,
                      now: datetime) -> None:
    """Events already held, for attendance, the report's event figures and the CPD prompt:
    last quarter's network meeting with who came recorded, a team meeting a fortnight ago,
    and yesterday's workshop, whose CPD prompt the shell's first tick sends (`:later 1m`).

    Each is made and answered a minute before it started, as if the organiser and members
    had done so then: no reminder or morning post falls due for them afterwards."""
    from datetime import timedelta

    from storage import events

    everyone = [p.user_id for p in PERSONAS]
    rules = events.ReminderRules()
    samples = [
        ("demo:past-network-meeting", everyone, [u for u in everyone if u != "U0DEMOJORD"], events.EventForm(
            title="Technicians' network meeting: sustainable labs", kind="network_meeting",
            starts_at=at(-98, 10), ends_at=at(-98, 12), location="Council Chamber, Foundation Building",
            description="LEAF in practice: three labs on what they changed and what it saved.")),
        ("demo:past-team-meeting", ["U0DEMOALEX", "U0DEMOPRIY", "U0DEMOROSA", "U0DEMOTOMK", "U0DEMOSAMI"], None,
         events.EventForm(title="Teaching labs team meeting", kind="team_meeting", starts_at=at(-14, 9),
                          ends_at=at(-14, 10), online_link="https://teams.example.ac.uk/l/meetup-join/teaching-labs")),
        # Five or more at each, so the report's attendance chart is drawn: a month of fewer
        # than TECHNET_REPORT_MIN_GROUP (5) would be withheld.
        ("demo:past-workshop", ["U0DEMOALEX", "U0DEMOROSA", "U0DEMOTOMK", "U0DEMOJORD", "U0DEMOSAMI"], None,
         events.EventForm(title="Fume cupboard testing and LEV checks", kind="workshop", starts_at=at(-1, 14),
                          ends_at=at(-1, 16), location="Chemistry teaching lab 2", capacity=12,
                          description="How to test a fume cupboard's face velocity and read a LEV report.")),
    ]
    for key, going, came, form in samples:
        if events.created_by(session, key):
            continue
        assert form.starts_at is not None
        then = form.starts_at - timedelta(minutes=1)
        created = events.create_event(session, organiser, form, now=then, tz="Europe/London", rules=rules,
                                      source_key=key)
        for user_id in going:
            person = _actor(session, user_id)
            if person is not None:
                events.rsvp(session, person, created[0].id, events.GOING, now=then, rules=rules)
        if came is not None:
            events.record_attendance(session, organiser, created[0].id, came, now=now)


def _demo_news(session: Session, *, now: datetime) -> None:
    """News for the e-zine: one approved (it waits for the next issue), one for Priya to review."""
    from storage import news

    samples = [
        ("demo-news-rosa", "U0DEMOROSA", "Rosa is a Registered Engineering Technician",
         "Rosa Evans (Engineering workshop) is now EngTech registered with the IMechE. Ask her about the "
         "application: she is happy to mentor anyone thinking of applying.", "registration", True),
        ("demo-news-tom", "U0DEMOTOMK", "The teaching labs have moved",
         "The first-year teaching labs are now on the ground floor of the Life Sciences building, with "
         "step-free access and two new fume cupboards.", "event_report", False),
    ]
    organiser = _actor(session, "U0DEMOPRIY", ORGANISER_GRANTS)
    for key, author, title, body, category, approve in samples:
        writer = _actor(session, author, ORGANISER_GRANTS)
        if writer is None or organiser is None:
            continue
        item, created = news.submit(session, writer, news.NewsForm(title, body, None, category),
                                    submission_key=key, now=now)
        if created and approve:
            news.approve(session, organiser, item.id, now=now)
