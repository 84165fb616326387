"""Sessions led by technicians over signed HTTP: a member proposes a workshop, an organiser
approves it into an event with the proposer as host that members then RSVP to; another proposal
is declined with a reason that reaches the proposer; the report counts the session (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from bot.slack_refs import member_details, slack_identity
from core import ids
from storage import events, report
from storage.clock import now
from storage.members import upsert_member
from storage.models.events import Event, Rsvp
from storage.models.proposals import SessionProposal
from storage.report import ReportOptions
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons
from tests.test_events_slack import click, dms, epoch, local

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
PROPOSAL = {ids.PROPOSE_TITLE: "Glassblowing for beginners", ids.PROPOSE_FORMAT: "workshop",
            ids.PROPOSE_LENGTH: "90", ids.PROPOSE_DATES: "Any Wednesday afternoon in November",
            ids.PROPOSE_ABSTRACT: "Pull your first capillary; bring <safety glasses>."}


def known(technet: Harness, *users: str) -> dict[str, int]:
    found = {}
    with technet.db.transaction() as session:
        for user in users:
            details = member_details(technet.standin.state.users[user])
            found[user] = upsert_member(session, slack_identity(user), details, now=now()).id
    return found


def propose(technet: Harness, user: str, **answers: Any) -> str:
    reply = technet.command(user, "propose")
    assert "Opening the proposal form" in reply.text
    view = technet.opened_view()
    assert view["callback_id"] == ids.PROPOSE_MODAL
    return technet.submit(user, view, {**PROPOSAL, **answers}).body


def waiting(technet: Harness) -> list[dict[str, Any]]:
    return technet.command(ORGANISER, "propose list").json()["blocks"]


def test_a_proposal_becomes_an_event_members_rsvp_to_and_another_is_declined(technet: Harness):
    members = known(technet, MEMBER, OTHER, ORGANISER)
    with freeze_time(T0):
        refused = propose(technet, MEMBER, **{ids.PROPOSE_ABSTRACT: ""})
        assert "Say in a few lines what people will learn" in refused
        assert "is with the organisers" in propose(technet, MEMBER)
        assert "Only network organisers" in technet.command(MEMBER, "propose list").text
        blocks = waiting(technet)
        assert "Glassblowing for beginners" in all_text(blocks)
        assert "bring &lt;safety glasses&gt;" in all_text(blocks)
        approve = buttons(blocks, ids.PROPOSE_APPROVE)[0]
        technet.action(ORGANISER, ids.PROPOSE_APPROVE, approve["value"])
        view = technet.opened_view()
        assert view["callback_id"] == ids.PROPOSE_SCHEDULE_MODAL
        done = technet.submit(ORGANISER, view, {ids.PROPOSE_STARTS: epoch(local(2026, 11, 11, 14)),
                                                ids.PROPOSE_LOCATION: "Glass workshop, B12", ids.PROPOSE_LINK: None})
        assert done.status == 200 and "hosted by Morgan Member" in done.text
        told = dms(technet, MEMBER)
        assert any("was approved" in t and "with you as host" in t for t in told)
    with technet.db.reading() as session:
        event = session.scalars(select(Event)).one()
        assert (event.title, event.kind, event.organiser_id) == ("Glassblowing for beginners", "workshop",
                                                                  members[MEMBER])
        assert (event.ends_at - event.starts_at).total_seconds() == 90 * 60
        assert session.scalars(select(SessionProposal.event_id)).one() == event.id
        event_id = event.id

    # Members RSVP to it as to any event.
    with freeze_time(T0):
        listing = technet.command(OTHER, f"event {event_id}").json()["blocks"]
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
        click(technet, ORGANISER, technet.command(ORGANISER, f"event {event_id}").json()["blocks"],
              ids.EVENTS_GOING, event_id)
    with technet.db.reading() as session:
        going = set(session.scalars(select(Rsvp.member_id).where(Rsvp.event_id == event_id,
                                                                 Rsvp.status == events.GOING)))
    assert going == {members[OTHER], members[ORGANISER]}

    # A second proposal, declined: the reason reaches the proposer; nothing waits any more.
    with freeze_time(T0):
        propose(technet, OTHER, **{ids.PROPOSE_TITLE: "Fume cupboards <the sequel>", ids.PROPOSE_FORMAT: "talk",
                                   ids.PROPOSE_LENGTH: "45"})
        decline = buttons(waiting(technet), ids.PROPOSE_DECLINE)[0]
        technet.action(ORGANISER, ids.PROPOSE_DECLINE, decline["value"])
        view = technet.opened_view()
        assert view["callback_id"] == ids.PROPOSE_REASON_MODAL
        assert "Give the proposer a reason" in technet.submit(ORGANISER, view, {ids.PROPOSE_REASON: " "}).body
        technet.submit(ORGANISER, view, {ids.PROPOSE_REASON: "We ran <one> in May; next year?"})
        told = [t for t in dms(technet, OTHER) if "not taken up" in t]
        assert len(told) == 1 and "We ran &lt;one&gt; in May; next year?" in told[0]
        assert "No session proposals are waiting" in all_text(waiting(technet))
        mine = technet.command(OTHER, "propose mine").text
        assert "declined" in mine and "the sequel" in mine

    with technet.db.reading() as session:
        options = ReportOptions()
        moment = datetime(2026, 12, 1, tzinfo=UTC)
        built = report.build_report(session, None, report.parse_period("this year", now=moment, options=options),
                                    now=moment, options=options, only=["actions"])
    led = next(f for f in built.figures if f.key == "actions.sessions_led")
    with technet.db.reading() as session:
        approved = session.scalars(select(SessionProposal).where(SessionProposal.event_id.is_not(None))).all()
    assert led.current.value == len(approved) == 1
