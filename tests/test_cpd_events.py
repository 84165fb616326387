""""Did you attend? Log it as CPD" after an event a member said they were going to (signed HTTP,
the stand-in, the events feature's storage, freezegun; SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from digests import careers
from digests.runner import run_due
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import cpd, events
from storage.clock import now
from storage.members import actor_for, upsert_member
from storage.models import DueItem
from storage.models.careers import CpdEntry
from tests.harness import MEMBER, ORGANISER, OTHER, PANEL, Harness, all_text

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)


def event(technet: Harness, *, kind: str = "network_meeting", title: str = "Network meeting: sustainable labs",
          starts: datetime = STARTS, ends: datetime = ENDS, going: tuple[str, ...] = (MEMBER,),
          maybe: tuple[str, ...] = (OTHER,)) -> int:
    """An event the organiser creates, with RSVPs, through the events feature's own services."""
    rules = events.ReminderRules()
    with technet.db.transaction() as session:
        people = {u: upsert_member(session, slack_identity(u), member_details(technet.standin.state.users[u]),
                                   now=now())
                  for u in (ORGANISER, *going, *maybe)}
        grants = role_grants(organisers=frozenset({ORGANISER}))
        [info] = events.create_event(session, actor_for(session, people[ORGANISER], grants), events.EventForm(
            title=title, kind=kind, starts_at=starts, ends_at=ends, location="Room 101"), now=now(),
            tz="Europe/London", rules=rules)
        for user, choice in [(u, events.GOING) for u in going] + [(u, events.MAYBE) for u in maybe]:
            events.rsvp(session, actor_for(session, people[user], grants), info.id, choice, now=now(), rules=rules)
        return info.id


def tick(technet: Harness) -> Any:
    """What the scheduler does each tick, for this feature: plan the prompts, post what is due."""
    careers.plan(technet.runtime, now())
    return run_due(technet.runtime, now())


def prompts_to(technet: Harness, user: str) -> list[Any]:
    return [c for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == user and "Did you attend" in all_text(c.args)]


def prompt_rows(technet: Harness) -> list[tuple[str, str]]:
    with technet.db.reading() as session:
        return [(r.occurrence, r.status) for r in session.scalars(
            select(DueItem).where(DueItem.kind == cpd.EVENT_PROMPT).order_by(DueItem.id))]


def test_going_members_are_asked_once_after_the_event_with_the_time_prefilled(technet: Harness):
    with freeze_time(T0) as frozen:
        event_id = event(technet)
        frozen.move_to(ENDS - timedelta(minutes=1))
        tick(technet)
        assert prompt_rows(technet) == []
        frozen.move_to(ENDS + timedelta(minutes=1))
        tick(technet)
        for minutes in (2, 30, 600):
            frozen.move_to(ENDS + timedelta(minutes=minutes))
            tick(technet)
        [prompt] = prompts_to(technet, MEMBER)
        assert prompts_to(technet, OTHER) == [], "only those who said they were going are asked"
        assert prompt_rows(technet) == [(f"member:{MEMBER}", "done")]
        text = all_text(prompt.args)
        assert "You said you were going to *Network meeting: sustainable labs* on Wednesday 5 March" in text
        assert "(2 hours)" in text
        [button] = [e for b in prompt.blocks() if b["type"] == "actions" for e in b["elements"]]
        assert button["action_id"] == ids.CPD_LOG_DRAFT and button["text"]["text"] == "Log it as CPD"

        technet.action(MEMBER, ids.CPD_LOG_DRAFT, button["value"])
        view = technet.opened_view()
        initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        assert initial[ids.CPD_ACTIVITY]["initial_value"] == "Network meeting: sustainable labs"
        assert initial[ids.CPD_AMOUNT]["initial_value"] == "2"
        assert initial[ids.CPD_UNIT]["initial_option"]["value"] == cpd.HOURS
        assert initial[ids.CPD_DONE_ON]["initial_date"] == "2025-03-05"
        assert initial[ids.CPD_CATEGORY]["initial_option"]["value"] == "network_event"
        reply = technet.submit(MEMBER, view, {ids.CPD_DONE_ON: "2025-03-05", ids.CPD_ACTIVITY:
                                              "Network meeting: sustainable labs", ids.CPD_CATEGORY: "network_event",
                                              ids.CPD_AMOUNT: "2", ids.CPD_UNIT: cpd.HOURS})
        assert reply.json()["response_action"] == "update"
    with technet.db.reading() as session:
        [entry] = session.scalars(select(CpdEntry)).all()
        assert (entry.source, entry.source_ref, entry.minutes) == ("event", f"event:{event_id}", 120)


def test_cancelled_events_team_meetings_and_those_who_did_not_come_get_no_prompt(technet: Harness):
    with freeze_time(T0) as frozen:
        cancelled = event(technet, title="Cancelled workshop", kind="workshop")
        event(technet, title="Team meeting", kind="team_meeting")
        recorded = event(technet, title="Showcase", kind="showcase", going=(MEMBER, PANEL), maybe=())
        with technet.db.transaction() as session:
            organiser = actor_for(session, upsert_member(session, slack_identity(ORGANISER),
                                                         member_details(technet.standin.state.users[ORGANISER]),
                                                             now=now()), role_grants(organisers=frozenset({ORGANISER})))
            events.cancel_event(session, organiser, cancelled, reason="Room flooded", now=now())
        frozen.move_to(ENDS + timedelta(minutes=5))
        with technet.db.transaction() as session:
            # The organiser records who came: PANEL did, MEMBER (who said going) did not.
            events.record_attendance(session, organiser, recorded, [PANEL], now=now())
        tick(technet)
    assert prompts_to(technet, MEMBER) == []
    assert len(prompts_to(technet, PANEL)) == 1 and "Showcase" in all_text(prompts_to(technet, PANEL)[0].args)


def test_a_prompt_not_posted_for_days_is_dropped_and_an_old_event_is_never_asked_about(technet: Harness):
    with freeze_time(T0) as frozen:
        event(technet)
        frozen.move_to(ENDS + careers.EVENT_LOOKBACK + timedelta(minutes=1))
        tick(technet)
    assert prompt_rows(technet) == [] and prompts_to(technet, MEMBER) == []


def test_a_conference_over_days_is_prefilled_in_days(technet: Harness):
    starts = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    with freeze_time(T0) as frozen:
        event(technet, title="Technicians' conference", kind="conference", starts=starts,
              ends=starts + timedelta(days=1, hours=8))
        frozen.move_to(starts + timedelta(days=2))
        tick(technet)
    [prompt] = prompts_to(technet, MEMBER)
    assert "on Monday 10 March" in all_text(prompt.args) and "(2 days)" in all_text(prompt.args)
    [button] = [e for b in prompt.blocks() if b["type"] == "actions" for e in b["elements"]]
    draft = cpd.CpdDraft.from_json(button["value"])
    assert draft is not None and (draft.amount, draft.unit, draft.category) == (2, cpd.DAYS, "conference")


def test_no_prompt_for_what_is_logged_already(technet: Harness):
    with freeze_time(T0) as frozen:
        event_id = event(technet)
        with technet.db.transaction() as session:
            member = upsert_member(session, slack_identity(MEMBER),
                                   member_details(technet.standin.state.users[MEMBER]), now=now())
            cpd.log_entry(session, actor_for(session, member, role_grants()), cpd.EntryForm(
                done_on=T0.date(), activity="Logged by hand", category="network_event", amount="2"),
                rules=cpd.CpdRules(), today=T0.date(), now=now(), source=cpd.EVENT, source_ref=f"event:{event_id}")
        frozen.move_to(ENDS + timedelta(minutes=1))
        tick(technet)
    assert prompts_to(technet, MEMBER) == [] and prompt_rows(technet) == [(f"member:{MEMBER}", "skipped")]
