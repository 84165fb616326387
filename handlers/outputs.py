"""`/tech output`: log a research output (paper, dataset, software, patent) that credits
technicians, as authors or acknowledged; each confirms or declines by DM (digests/outputs.py),
and only confirmed credit is shown anywhere. `/tech output mine` lists yours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, OpenForm, Reply, Request, SendDue, UpdateForm
from handlers._common import field_choice, field_ids, field_text, not_known, payload_id, refusal
from storage import ledger, outputs
from storage.clock import now
from storage.errors import DomainError
from storage.forms import InvalidFields
from storage.outputs import OutputInfo
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

USAGE = ("*Credit on research outputs*\n"
         "`/tech output`: log a paper, dataset, software or patent that credits technicians (as authors or "
         "acknowledged); each is asked by DM to confirm\n"
         "`/tech output mine`: outputs you are credited on or logged, and who confirmed")


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("output", owner=__name__)
    def output_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            if verb == "" and not argument:
                return [Answer(ui.note(":pencil: Opening the research output form…")), OpenForm(output_form())]
            if verb == "help":
                return Answer(ui.note(USAGE))
            if verb == "mine" and not argument:
                with runtime.db.reading() as session:
                    found = outputs.mine(session, request.actor)
                return Answer(ui.message(mine_blocks(found, request.actor.member_id)))
        except DomainError as e:
            return Answer(refusal(e))
        return Answer(ui.message([ui.section(not_known("output", request.words)), ui.section(USAGE)]))

    @routes.form(ids.OUTPUT_MODAL)
    def logged(request: Request) -> Reply:
        given = request.values
        form = outputs.OutputForm(
            title=field_text(given, ids.OUTPUT_TITLE), link=field_text(given, ids.OUTPUT_LINK),
            year=field_text(given, ids.OUTPUT_YEAR), kind=field_choice(given, ids.OUTPUT_KIND),
            credited=tuple(field_ids(given, ids.OUTPUT_CREDITED)), credit=field_choice(given, ids.OUTPUT_CREDIT))
        try:
            with runtime.db.transaction() as session:
                info = outputs.log_output(session, request.actor, form, now=now(),
                                          submission_id=request.submission or None)
                due = ledger.scheduled_in(session)
        except InvalidFields as e:
            return ui.FieldErrors(e.errors)
        people = plural(len(info.credits), "technician", "technicians")
        text = (f":raised_hands: *{escape(info.title)}* is logged. {people.capitalize()} credited on it get a DM "
                "to confirm; it shows on their profiles once they do (`/tech output mine` shows where it stands).")
        reply: list[UpdateForm | SendDue] = [
            UpdateForm(ui.Form(id="", title="Output logged", close="Close", blocks=(ui.section(text),)))]
        if due:
            reply.append(SendDue(due))
        return reply

    @routes.action(ids.OUTPUT_CONFIRM, ids.OUTPUT_DECLINE)
    def answered(request: Request) -> Reply:
        output_id = payload_id(request.value, f"{request.action_id}'s output")
        confirm = request.action_id == ids.OUTPUT_CONFIRM
        try:
            with runtime.db.transaction() as session:
                info = outputs.answer(session, request.actor, output_id, confirm=confirm, now=now())
        except DomainError as e:
            return Answer(refusal(e))
        if confirm:
            text = (f":white_check_mark: Thank you: *{escape(info.title)}* is on your profile card now. "
                    "Pressed by mistake? Decline below.")
        else:
            text = (f"Declined: *{escape(info.title)}* will not be shown as yours. "
                    "Changed your mind? Confirm below.")
        buttons = ui.actions(ui.button("Confirm", ids.OUTPUT_CONFIRM, str(info.id), style="primary"),
                             ui.button("Decline", ids.OUTPUT_DECLINE, str(info.id)))
        return Answer(ui.message([ui.section(text), buttons]), replace=True)


# Views ------------------------------------------------------------------------------------------

def output_form() -> ui.Form:
    return ui.Form(id=ids.OUTPUT_MODAL, title="Log a research output", submit="Log it", blocks=(
        ui.context("A paper, dataset, software or patent that credits technicians. Each person credited is "
                   "asked by DM to confirm; nothing is shown until they do."),
        ui.Field(id=ids.OUTPUT_TITLE, label="Title", max_length=outputs.TITLE_LIMIT),
        ui.Field(id=ids.OUTPUT_LINK, label="DOI or link", max_length=outputs.LINK_LIMIT,
                 hint="A DOI like 10.1234/abcd.5678, or an https:// address"),
        ui.Field(id=ids.OUTPUT_YEAR, label="Year", max_length=4, placeholder="e.g. 2026"),
        ui.Field(id=ids.OUTPUT_KIND, label="Kind", kind=ui.FieldKind.RADIO,
                 options=tuple(ui.option(label, key) for key, label in outputs.KINDS.items())),
        ui.Field(id=ids.OUTPUT_CREDITED, label="Technicians credited", kind=ui.FieldKind.MEMBERS),
        ui.Field(id=ids.OUTPUT_CREDIT, label="Credited as", kind=ui.FieldKind.RADIO,
                 options=(ui.option("Authors", "author"), ui.option("Acknowledged", "acknowledged"))),
    ))


def mine_blocks(found: list[OutputInfo], member_id: int) -> list[ui.Block]:
    if not found:
        return [ui.section("No research outputs credit you yet: `/tech output` logs one.")]
    lines = []
    for o in found:
        own = o.credit_of(member_id)
        yours = f"you: {outputs.CREDITS.get(own.credit, own.credit).lower()}, {own.status}" if own else "logged by you"
        confirmed = ", ".join(escape(c.name) for c in o.confirmed) or "nobody yet"
        lines.append(f"• *{escape(o.title)}* ({o.kind_label.lower()}, {o.year}; {yours})\n"
                     f"   {escape(o.url)}\n   _Confirmed:_ {confirmed}")
    return [ui.section("*Your research outputs*\n" + "\n".join(lines))]
