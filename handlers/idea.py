"""`/tech idea <text>`: an idea, suggestion or concern for the agenda, to the organisers
(`/tech idea anonymous <text>` hides who sent it, from them too); `/tech ideas` (organisers) lists
the open ones, each with a button to mark it taken into an agenda, answered or declined, with a
reply that reaches the person by DM (without telling the organisers who they are)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.markup import escape, truncate
from core.request import Answer, DirectMessage, OpenForm, Reply, Request, UpdateForm
from handlers._common import field_choice, field_text, payload_id, refusal
from storage import ideas
from storage.clock import now
from storage.errors import DomainError

if TYPE_CHECKING:
    from core.services import Services

USAGE = ("*Ideas for the agenda*\n"
         "`/tech idea <your idea>`  an idea, suggestion or concern for the network's meetings, to the organisers\n"
         "`/tech idea anonymous <your idea>`  the same without your name: the organisers' reply still reaches you\n"
         "`/tech ideas`  the ideas waiting for an answer (organisers)")


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("idea", owner=__name__)
    def idea_command(request: Request) -> Reply:
        first, rest = split(request.words)
        if first in ("", "help") and not rest:
            return Answer(ui.note(USAGE))
        anonymous = first in ("anonymous", "anon")
        text = rest if anonymous else request.words
        try:
            with runtime.db.transaction() as session:
                ideas.send(session, request.actor, text, anonymous=anonymous, now=now())
        except DomainError as e:
            return Answer(refusal(e))
        how = " without your name" if anonymous else ""
        return Answer(ui.note(f":bulb: Thank you: your idea has gone to the organisers{how}. Their answer will "
                              "come to you here."))

    @routes.command("ideas", owner=__name__)
    def ideas_command(request: Request) -> Reply:
        try:
            with runtime.db.reading() as session:
                found = ideas.open_ideas(session, request.actor)
        except DomainError as e:
            return Answer(refusal(e))
        if not found:
            return Answer(ui.note("No ideas are waiting for an answer."))
        blocks: list[ui.Block] = [ui.header("Ideas for the agenda")]
        for idea in found:
            who = "anonymous" if idea.anonymous else escape(idea.author or "a former member")
            blocks.append(ui.section(f"{escape(truncate(idea.text, 2500))}\n_{who}, "
                                     f"{idea.created_at.astimezone(runtime.settings.tz):%-d %b %Y}_",
                                     accessory=ui.button("Answer", ids.IDEA_DECIDE, str(idea.id))))
        return Answer(ui.message(blocks[:ui.MESSAGE_BLOCK_LIMIT]))

    @routes.action(ids.IDEA_DECIDE)
    def decide_pressed(request: Request) -> Reply:
        idea_id = payload_id(request.value, "the idea to answer")
        try:
            with runtime.db.reading() as session:
                idea = ideas.get(session, request.actor, idea_id)
        except DomainError as e:
            return Answer(refusal(e))
        options = tuple(ui.option(label[0].upper() + label[1:], key) for key, label in ideas.DECISIONS.items())
        form = ui.Form(id=ids.IDEA_MODAL, title="Answer an idea", submit="Send", metadata=str(idea.id), blocks=(
            ui.section(escape(truncate(idea.text, 2500))),
            ui.Field(id=ids.IDEA_DECISION, label="What became of it", kind=ui.FieldKind.RADIO, options=options),
            ui.Field(id=ids.IDEA_REPLY, label="Your reply", multiline=True, required=False, max_length=2000,
                     hint="Sent to whoever had the idea; an anonymous idea's author stays unknown to you."),
        ))
        return OpenForm(form)

    @routes.form(ids.IDEA_MODAL)
    def decided(request: Request) -> Reply:
        idea_id = payload_id(request.metadata, "the answered idea")
        decision = field_choice(request.values, ids.IDEA_DECISION) or ""
        reply = field_text(request.values, ids.IDEA_REPLY) or ""
        try:
            with runtime.db.transaction() as session:
                idea, author = ideas.decide(session, request.actor, idea_id, decision, reply, now=now())
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.IDEA_DECISION: e.message})
        done = UpdateForm(ui.Form(id="", title="Idea answered", close="Close", blocks=(ui.section(
            f":white_check_mark: Marked {ideas.DECISIONS[decision]}; the reply goes to whoever had the idea."),)))
        if author is None:
            return done
        text = (f":bulb: Your idea “{escape(truncate(idea.text, 300))}” has been {ideas.DECISIONS[decision]} by the "
                "network's organisers." + (f"\n>{escape(idea.reply)}" if idea.reply else ""))
        return [done, DirectMessage(author, ui.note(text))]
