"""The e-zine's sections from other features' services: spotlight, events, opportunities, awards, attendance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.slack_refs import role_grants, slack_identity
from core import ids
from storage import awards, events, ezine, members, opportunities, profiles
from storage.db import Database
from tests.harness import NETWORK_CHANNEL, ORGANISER, Harness
from tests.test_ezine_slack import DUE, PERIOD, T0, channel_posts, tick

LONDON = ZoneInfo("Europe/London")
SCHEDULE = ezine.Schedule("0 9 1-7 * mon", LONDON)
GRANTS = role_grants(organisers=frozenset({ORGANISER}))


def actor(db: Database, user_id: str, name: str, *, at: datetime = T0) -> members.Actor:
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity(user_id), fallback_name=name, now=at)
        return members.actor_for(session, member, GRANTS)


def opt_in(db: Database, user_id: str, name: str, *, spotlight: bool = True) -> None:
    who = actor(db, user_id, name)
    with db.transaction() as session:
        profiles.save_profile(session, who, profiles.ProfileChanges(
            job_title="Technician", fte=1, skills=["HPLC"], bio=f"I am {name}.", listed=True,
            spotlight_opt_in=spotlight), now=T0)


def sections(db: Database, due: datetime = DUE) -> dict[str, list[dict[str, Any]]]:
    with db.transaction() as session:
        info = ezine.plan(session, SCHEDULE, now=due - timedelta(days=1), approval_lead=timedelta(0))
        content = ezine.compile_issue(session, ezine.period_of(info, LONDON), now=due)
    return {s["key"]: s["items"] for s in content["sections"]}


def post_issue(db: Database, period: str) -> None:
    """Record an issue as posted, as digests/ezine.py does when it starts posting."""
    with db.transaction() as session:
        ezine.freeze(session, period, LONDON, now=T0)
        ezine.begin_posting(session, period, [("issue", [])], surface="slack", conversation="C1", html="", now=T0)


def test_the_spotlight_rotates_so_nobody_repeats_until_everyone_has_appeared(db: Database):
    for user_id, name in (("U0AAA", "Ann"), ("U0BBB", "Ben"), ("U0CCC", "Cat")):
        opt_in(db, user_id, name)
    opt_in(db, "U0DDD", "Dan", spotlight=False)
    due, featured = DUE, []
    for _ in range(5):
        [item] = sections(db, due)["spotlight"]
        featured.append(item["name"])
        period = due.astimezone(LONDON).date().isoformat()
        post_issue(db, period)
        if len(featured) == 3:
            opt_in(db, "U0EEE", "Eve")  # a newcomer goes next
        due = SCHEDULE.next_due(due + timedelta(days=1))
    assert featured[:3] == ["Ann", "Ben", "Cat"]
    assert featured[3] == "Eve" and featured[4] == "Ann"
    assert "Dan" not in featured


def test_the_spotlight_shows_only_what_the_member_makes_public(db: Database):
    who = actor(db, "U0AAA", "Ann")
    with db.transaction() as session:
        profiles.save_profile(session, who, profiles.ProfileChanges(
            job_title="Senior Technician", fte=1, bio="Secret bio", skills=["NMR"], listed=True, spotlight_opt_in=True,
            public_fields=["job_title", "skills"]), now=T0)
    [item] = sections(db)["spotlight"]
    assert item["job_title"] == "Senior Technician" and item["skills"] == ["NMR"] and item["bio"] is None


def test_upcoming_events_and_meeting_attendance(db: Database):
    organiser = actor(db, ORGANISER, "Orla")
    goer = actor(db, "U0GOER", "Gail")
    rules = events.ReminderRules()
    with db.transaction() as session:
        past = events.create_event(session, organiser, events.EventForm(
            title="November network meeting", kind="network_meeting", starts_at=DUE - timedelta(days=10),
            ends_at=DUE - timedelta(days=10, hours=-1), location="Council Chamber"),
            now=T0, tz="Europe/London", rules=rules)[0]
        events.rsvp(session, goer, past.id, events.GOING, now=T0, rules=rules)
        events.rsvp(session, organiser, past.id, events.GOING, now=T0, rules=rules)
    # Two people: a figure about fewer than 5 is left out of a post to the whole network.
    assert "figures" not in sections(db)
    goers = [actor(db, f"U0GOER{i}", f"Goer {i}") for i in range(3)]
    with db.transaction() as session:
        for other in goers:
            events.rsvp(session, other, past.id, events.GOING, now=T0, rules=rules)
        events.create_event(session, organiser, events.EventForm(
            title="Soldering <workshop>", kind="workshop", starts_at=DUE + timedelta(days=3),
            ends_at=DUE + timedelta(days=3, hours=2), location="B12", capacity=10),
            now=T0, tz="Europe/London", rules=rules)
        events.create_event(session, organiser, events.EventForm(
            title="Far away", kind="workshop", starts_at=DUE + timedelta(days=60),
            ends_at=DUE + timedelta(days=60, hours=2), location="B12"), now=T0, tz="Europe/London", rules=rules)
    found = sections(db)
    assert [e["title"] for e in found["events"]] == ["Soldering <workshop>"]
    assert found["events"][0]["when"] == "Thu 10 Dec, 09:00" and found["events"][0]["capacity_note"] == "10 places left"
    attendance = next(f for f in found["figures"] if f["key"] == "meeting_attendance")
    assert attendance["value"] == 5 and "1 network and team meeting (5 different people)" in attendance["label"]


def test_opportunities_closing_before_the_next_issue(db: Database):
    with db.transaction() as session:
        for title, days in (("Soon", 10), ("Later", 60)):
            opportunities.save_opportunity(session, None, opportunities.OpportunityForm(
                title=title, kind="course", description="A course.", deadline=(DUE + timedelta(days=days)).date()),
                now=T0, tz=LONDON)
    [item] = sections(db)["opportunities"]
    assert (item["title"], item["deadline_label"]) == ("Soon", "Thu 17 Dec")


def test_awards_open_and_winners_announced(db: Database):
    organiser = actor(db, ORGANISER, "Orla")
    with db.transaction() as session:
        awards.open_cycle(session, organiser, name="Technician of the Year", label="2026",
                          closes_at=DUE + timedelta(days=14), now=T0, default_panel=[slack_identity("U0PANELIST")])
    [item] = sections(db)["awards"]
    assert item == {"kind": "open", "title": "Technician of the Year 2026", "closes_label": "Mon 21 Dec, 09:00"}


def test_events_in_the_posted_issue_have_the_events_features_going_button(technet: Harness):
    with technet.db.transaction() as session:
        organiser = members.actor_for(session, members.ensure_member(session, slack_identity(ORGANISER), now=T0),
                                      GRANTS)
        workshop = events.create_event(session, organiser, events.EventForm(
            title="Soldering workshop", kind="workshop", starts_at=DUE + timedelta(days=3),
            ends_at=DUE + timedelta(days=3, hours=2), location="B12", capacity=10),
            now=T0, tz="Europe/London", rules=events.ReminderRules())[0]
    tick(technet, DUE)
    [post] = channel_posts(technet)
    [going] = [b["accessory"] for b in post.blocks() if b.get("accessory", {}).get("action_id") == ids.EVENTS_GOING]
    assert going["value"] == str(workshop.id)
    with freeze_time(DUE + timedelta(hours=1)):
        technet.action("U0MEMBER01", ids.EVENTS_GOING, going["value"], channel_id=NETWORK_CHANNEL,
                       container={"type": "message", "channel_id": NETWORK_CHANNEL, "message_ts": post.result["ts"]},
                       message={"ts": post.result["ts"], "blocks": post.blocks()})
    with technet.db.reading() as session:
        assert events.get_event(session, workshop.id).counts.going == 1
    [confirmed] = technet.standin.calls_to("response_url")
    assert confirmed.args["response_type"] == "ephemeral" and confirmed.args.get("replace_original") in (None, False)
    assert "going to “Soldering workshop”" in confirmed.args["text"]
    # The issue itself is left as it was posted.
    assert [c for c in technet.standin.calls_to("chat.update") if c.args.get("ts") == post.result["ts"]] == []
    with technet.db.reading() as session:
        assert ezine.get(session, PERIOD).status == ezine.POSTED


def test_refreshing_a_frozen_issue_applies_facts_and_names_each_change(db: Database):
    """storage.ezine.refreshed: a moved deadline and a renamed event are applied without asking again."""
    organiser = actor(db, ORGANISER, "Orla")
    rules = events.ReminderRules()
    with db.transaction() as session:
        course = opportunities.save_opportunity(session, None, opportunities.OpportunityForm(
            title="Soon", kind="course", description="A course.", deadline=(DUE + timedelta(days=10)).date()),
            now=T0, tz=LONDON)
        workshop = events.create_event(session, organiser, events.EventForm(
            title="Soldering", kind="workshop", starts_at=DUE + timedelta(days=3),
            ends_at=DUE + timedelta(days=3, hours=2), location="B12"), now=T0, tz="Europe/London", rules=rules)[0]
        info = ezine.plan(session, SCHEDULE, now=T0, approval_lead=timedelta(days=1))
        ezine.freeze(session, info.period, LONDON, now=T0)
    with db.transaction() as session:
        opportunities.save_opportunity(session, None, opportunities.OpportunityForm(
            title="Soon", kind="course", description="A course.", deadline=(DUE + timedelta(days=12)).date()),
            now=T0, tz=LONDON, opportunity_id=course.id)
        events.edit_event(session, organiser, workshop.id, events.EventForm(
            title="Soldering for beginners", kind="workshop", starts_at=DUE + timedelta(days=3),
            ends_at=DUE + timedelta(days=3, hours=2), location="B12"), now=T0, rules=rules)
    with db.reading() as session:
        fresh = ezine.refreshed(session, PERIOD, LONDON, now=T0)
    found = {s["key"]: s["items"] for s in fresh.content["sections"]}
    assert found["opportunities"][0]["deadline_label"] == "Sat 19 Dec"
    assert found["events"][0]["title"] == "Soldering for beginners"
    assert [(c.note, c.asks) for c in fresh.changes] == [
        ("“Soldering for beginners” was renamed by its organiser", False), ("“Soon” now closes Sat 19 Dec", False)]
    assert not fresh.asks
    with db.reading() as session:
        # Reading only: the frozen issue is as it was until the posting keeps the refreshed one.
        assert ezine.content_for(session, PERIOD, LONDON, now=T0) != fresh.content
