"""`/tech propose`: any member proposes a talk, demo or workshop for the peer-to-peer series;
organisers approve it into an event with the proposer as host, ask for changes, or decline it
with a reason that reaches the proposer by DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, DirectMessage, Effect, OpenForm, Reply, Request, SendDue, UpdateForm
from digests.reminders import reminder_rules
from handlers._common import field_choice, field_moment, field_text, not_known, payload_id, refusal
from storage import ledger, proposals
from storage.clock import now
from storage.errors import DomainError
from storage.events.constants import InvalidEvent
from storage.forms import InvalidFields
from storage.members import Role
from storage.proposals import ProposalInfo

if TYPE_CHECKING:
    from core.services import Services

USAGE = ("*Sessions led by technicians*\n"
         "`/tech propose`: propose a talk, demonstration or workshop for the network's peer-to-peer series\n"
         "`/tech propose mine`: your proposals and what was decided")
ORGANISER_USAGE = "`/tech propose list`: proposals waiting for a decision (approve, ask for changes, decline)"


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("propose", owner=__name__)
    def propose_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        usage = USAGE + ("\n" + ORGANISER_USAGE if request.actor.has(Role.ORGANISER) else "")
        try:
            if verb == "" and not argument:
                return [Answer(ui.note(":pencil: Opening the proposal form…")), OpenForm(proposal_form())]
            if verb == "help":
                return Answer(ui.note(usage))
            if verb == "mine" and not argument:
                with runtime.db.reading() as session:
                    found = proposals.mine(session, request.actor)
                return Answer(ui.message(mine_blocks(found)))
            if verb == "list" and not argument:
                with runtime.db.reading() as session:
                    waiting = proposals.pending(session, request.actor)
                return Answer(ui.message(pending_blocks(waiting)))
        except DomainError as e:
            return Answer(refusal(e))
        return Answer(ui.message([ui.section(not_known("propose", request.words)), ui.section(usage)]))

    @routes.form(ids.PROPOSE_MODAL)
    def proposed(request: Request) -> Reply:
        given = request.values
        form = proposals.ProposalForm(
            title=field_text(given, ids.PROPOSE_TITLE), abstract=field_text(given, ids.PROPOSE_ABSTRACT),
            format=field_choice(given, ids.PROPOSE_FORMAT), minutes=field_choice(given, ids.PROPOSE_LENGTH),
            preferred_dates=field_text(given, ids.PROPOSE_DATES))
        try:
            with runtime.db.transaction() as session:
                info = proposals.propose(session, request.actor, form, now=now(),
                                         submission_id=request.submission or None)
        except InvalidFields as e:
            return ui.FieldErrors(e.errors)
        text = (f":raised_hands: Thank you: *{escape(info.title)}* is with the organisers. You'll hear by DM "
                "when they decide (`/tech propose mine` shows where it stands).")
        return UpdateForm(ui.Form(id="", title="Proposal sent", close="Close", blocks=(ui.section(text),)))

    @routes.action(ids.PROPOSE_APPROVE)
    def approve_pressed(request: Request) -> Reply:
        return _decision_form(runtime, request, schedule_form)

    @routes.action(ids.PROPOSE_CHANGES, ids.PROPOSE_DECLINE)
    def reason_pressed(request: Request) -> Reply:
        decline = request.action_id == ids.PROPOSE_DECLINE
        return _decision_form(runtime, request, lambda p: reason_form(p, decline=decline))

    @routes.form(ids.PROPOSE_SCHEDULE_MODAL)
    def scheduled(request: Request) -> Reply:
        proposal_id = payload_id(request.metadata, "the scheduling form's proposal")
        given = request.values
        try:
            with runtime.db.transaction() as session:
                info, event = proposals.approve(
                    session, request.actor, proposal_id, starts_at=field_moment(given, ids.PROPOSE_STARTS),
                    location=field_text(given, ids.PROPOSE_LOCATION), online_link=field_text(given, ids.PROPOSE_LINK),
                    now=now(), tz=runtime.settings.timezone, rules=reminder_rules(runtime.settings),
                    source_key=f"proposal:{proposal_id}")
                due = ledger.scheduled_in(session)
        except InvalidEvent as e:
            return ui.FieldErrors({ids.PROPOSE_STARTS if k in ("starts", "ends") else k: v
                                   for k, v in e.errors.items()
                                   if k in ("starts", "ends", ids.PROPOSE_LOCATION, ids.PROPOSE_LINK)}
                                  or {ids.PROPOSE_STARTS: e.message})
        except DomainError as e:
            return ui.FieldErrors({ids.PROPOSE_STARTS: e.message})
        when = event.starts_at.astimezone(runtime.settings.tz)
        told = (f":tada: Your proposal *{escape(info.title)}* was approved: it is on the calendar for "
                f"{when:%A %-d %B %Y at %H:%M}, with you as host, and announced in the network channel "
                f"(`/tech event {event.id}`). Thank you for sharing what you know.")
        done = (f":white_check_mark: *{escape(info.title)}* is event {event.id}, {when:%A %-d %B %Y at %H:%M}, "
                f"hosted by {escape(info.proposer)}.")
        effects: list[Effect] = [UpdateForm(ui.Form(id="", title="Approved", close="Close",
                                                    blocks=(ui.section(done),))),
                                 DirectMessage(info.proposer_id, ui.note(told))]
        if due:
            effects.append(SendDue(due))
        return effects

    @routes.form(ids.PROPOSE_REASON_MODAL)
    def reasoned(request: Request) -> Reply:
        verb, _, number = request.metadata.partition(":")
        proposal_id = payload_id(number, "the reason form's proposal")
        decline = verb == "decline"
        try:
            with runtime.db.transaction() as session:
                info = proposals.decide(session, request.actor, proposal_id, decline=decline,
                                        reason=field_text(request.values, ids.PROPOSE_REASON), now=now())
        except DomainError as e:
            return ui.FieldErrors({ids.PROPOSE_REASON: e.message})
        reason = escape(info.reason or "")
        if decline:
            told = (f"Your proposal *{escape(info.title)}* was not taken up this time. The organisers said:\n"
                    f">{reason}")
        else:
            told = (f":pencil2: The organisers would like some changes to your proposal *{escape(info.title)}*:\n"
                    f">{reason}\nSend a new version with `/tech propose` when it's ready.")
        done = f"Told {escape(info.proposer)}: *{escape(info.title)}* is {info.status}."
        return [UpdateForm(ui.Form(id="", title="Sent", close="Close", blocks=(ui.section(done),))),
                DirectMessage(info.proposer_id, ui.note(told))]


def _decision_form(runtime: Services, request: Request, build: Callable[[ProposalInfo], ui.Form]) -> Reply:
    proposal_id = payload_id(request.value, f"{request.action_id}'s proposal")
    try:
        with runtime.db.reading() as session:
            info = proposals.to_decide(session, request.actor, proposal_id)
    except DomainError as e:
        return Answer(refusal(e))
    return OpenForm(build(info))


# Views ------------------------------------------------------------------------------------------

def proposal_form() -> ui.Form:
    return ui.Form(id=ids.PROPOSE_MODAL, title="Propose a session", submit="Send", blocks=(
        ui.context("A talk, demonstration or workshop you would lead for colleagues: the network's peer-to-peer "
                   "series."),
        ui.Field(id=ids.PROPOSE_TITLE, label="Title", max_length=proposals.TITLE_LIMIT),
        ui.Field(id=ids.PROPOSE_ABSTRACT, label="Abstract", multiline=True, max_length=proposals.ABSTRACT_LIMIT,
                 hint="What people will learn or see, and who it is for"),
        ui.Field(id=ids.PROPOSE_FORMAT, label="Format", kind=ui.FieldKind.RADIO,
                 options=tuple(ui.option(label, key) for key, label in proposals.FORMATS.items())),
        ui.Field(id=ids.PROPOSE_LENGTH, label="Length", kind=ui.FieldKind.SELECT,
                 options=tuple(ui.option(_length(m), str(m)) for m in proposals.LENGTHS)),
        ui.Field(id=ids.PROPOSE_DATES, label="Preferred dates", required=False, max_length=proposals.DATES_LIMIT,
                 hint="e.g. any Wednesday afternoon in March"),
    ))


def schedule_form(p: ProposalInfo) -> ui.Form:
    return ui.Form(id=ids.PROPOSE_SCHEDULE_MODAL, title="Approve and schedule", submit="Approve",
                   metadata=str(p.id), blocks=(
                       ui.section(f"*{escape(p.title)}* by {escape(p.proposer)}: {p.format_label.lower()}, "
                                  f"{_length(p.minutes)}. Preferred: {escape(p.preferred_dates or 'any time')}."),
                       ui.Field(id=ids.PROPOSE_STARTS, label="Starts", kind=ui.FieldKind.DATETIME),
                       ui.Field(id=ids.PROPOSE_LOCATION, label="Where", required=False, max_length=200),
                       ui.Field(id=ids.PROPOSE_LINK, label="Online link", kind=ui.FieldKind.URL, required=False)))


def reason_form(p: ProposalInfo, *, decline: bool) -> ui.Form:
    return ui.Form(id=ids.PROPOSE_REASON_MODAL, title="Decline" if decline else "Ask for changes",
                   submit="Send", metadata=f"{'decline' if decline else 'changes'}:{p.id}", blocks=(
                       ui.section(f"*{escape(p.title)}* by {escape(p.proposer)}"),
                       ui.Field(id=ids.PROPOSE_REASON, label="Reason (sent to the proposer)", multiline=True,
                                max_length=proposals.REASON_LIMIT)))


def _length(minutes: int) -> str:
    return f"{minutes} minutes" if minutes < 60 else f"{minutes / 60:g} hour" + ("" if minutes == 60 else "s")


def pending_blocks(waiting: list[ProposalInfo]) -> list[ui.Block]:
    if not waiting:
        return [ui.section("No session proposals are waiting for a decision.")]
    blocks: list[ui.Block] = [ui.header("Session proposals")]
    for p in waiting:
        blocks += [ui.section(f"*{escape(p.title)}* by {escape(p.proposer)} ({p.format_label.lower()}, "
                              f"{_length(p.minutes)}; {p.status})\n{escape(p.abstract)}\n"
                              f"_Preferred dates:_ {escape(p.preferred_dates or 'any')}"),
                   ui.actions(ui.button("Approve", ids.PROPOSE_APPROVE, str(p.id), style="primary"),
                              ui.button("Ask for changes", ids.PROPOSE_CHANGES, str(p.id)),
                              ui.button("Decline", ids.PROPOSE_DECLINE, str(p.id), style="danger"))]
    return blocks


def mine_blocks(found: list[ProposalInfo]) -> list[ui.Block]:
    if not found:
        return [ui.section("You haven't proposed a session yet: `/tech propose` opens the form.")]
    lines = [f"• *{escape(p.title)}*: {p.status}" + (f" (event {p.event_id})" if p.event_id else "")
             + (f": {escape(p.reason)}" if p.reason else "") for p in found]
    return [ui.section("*Your session proposals*\n" + "\n".join(lines))]
