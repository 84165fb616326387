"""`/tech poll`: a poll in a channel. `/tech poll "Question?" "A" "B" [multiple] [anonymous] [for 2h]`
posts it at once; `/tech poll` alone opens a form. Votes are stored in the click's ack; the
poll's message shows the counts through the due ledger, at most once a second (storage.polls)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, CloseForm, DirectMessage, FollowUp, OpenForm, Reply, Request, SendDue
from core.views.polls import poll_message
from handlers._common import field_choice, field_choices, field_moment, field_text, malformed, payload_id, refusal
from storage import polls
from storage.clock import now
from storage.errors import DomainError
from storage.forms import InvalidFields

if TYPE_CHECKING:
    from core.services import Services

USAGE = (
    "*Polls*\n"
    f"`{polls.USAGE_EXAMPLE}`  posts a poll in this channel: the question and each option in quotes, then "
    "`multiple` to allow several picks, `anonymous` to hide who voted, `for 2h` or `closes 2025-03-20 17:00` "
    "(open for a day otherwise)\n"
    "`/tech poll`  the same in a form"
)


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("poll", owner=__name__)
    def poll_command(request: Request) -> Reply:
        words = request.words.strip()
        if not words:
            return OpenForm(poll_form(request.where.conversation or ""))
        if words.lower() == "help":
            return Answer(ui.note(USAGE))
        moment = now()
        try:
            draft = polls.parse_command(words, now=moment, tz=runtime.settings.tz)
            with runtime.db.transaction() as session:
                poll_id = polls.create(session, request.actor, draft, conversation=request.where.conversation or "",
                                       now=moment).id
        except DomainError as e:
            return Answer(ui.message([ui.section(f":no_entry: {escape(e.message)}"), ui.section(USAGE)]))
        return [Answer(ui.note(":bar_chart: Posting your poll…")),
                FollowUp(lambda: post_poll(runtime, request, poll_id))]

    @routes.form(ids.POLL_MODAL)
    def poll_submitted(request: Request) -> Reply:
        given = request.values
        options = [line.strip() for line in (field_text(given, ids.POLL_OPTIONS) or "").splitlines() if line.strip()]
        draft = polls.PollDraft(question=(field_text(given, ids.POLL_QUESTION) or "").strip(), options=tuple(options),
                                multiple=field_choice(given, ids.POLL_CHOICE) == "multiple",
                                anonymous="anonymous" in field_choices(given, ids.POLL_ANONYMOUS),
                                closes_at=field_moment(given, ids.POLL_CLOSES))
        try:
            with runtime.db.transaction() as session:
                poll_id = polls.create(session, request.actor, draft, conversation=request.metadata, now=now()).id
        except InvalidFields as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.POLL_QUESTION: e.message})
        return [CloseForm(), FollowUp(lambda: post_poll(runtime, request, poll_id))]

    @routes.action(ids.POLL_VOTE)
    def voted(request: Request) -> Reply:
        poll_id, option = _vote_value(request.value)
        moment = now()
        try:
            with runtime.db.transaction() as session:
                picked = polls.vote(session, request.actor, poll_id, option, now=moment)
        except DomainError as e:
            return Answer(refusal(e))
        # A second transaction: the refresh is planned from what was committed (storage.polls.claim_refresh).
        with runtime.db.transaction() as session:
            planned = polls.plan_refresh(session, poll_id, now=moment)
        said = ", ".join(f"*{escape(p)}*" for p in picked)
        answer = Answer(ui.note(f":ballot_box_with_ballot: Your vote: {said}. You can change it until the poll closes."
                                if picked else ":ballot_box_with_ballot: You have no vote in this poll now."))
        # Due now: sent after the ack. Due in a moment (the message was updated within the last second): the tick.
        return [answer, SendDue((planned[0],))] if planned and planned[1] else answer

    @routes.action(ids.POLL_CLOSE)
    def close_pressed(request: Request) -> Reply:
        poll_id = payload_id(request.value, "the poll to close")
        try:
            with runtime.db.transaction() as session:
                due = polls.close_early(session, request.actor, poll_id, now=now())
        except DomainError as e:
            return Answer(refusal(e))
        return [Answer(ui.note(":lock: Closing the poll…")), *([SendDue((due,))] if due else [])]


def _vote_value(value: str) -> tuple[int, int]:
    poll, _, option = value.partition(":")
    if not option.isascii() or not option.isdigit() or len(option) > 3:
        raise malformed(f"a poll vote's option: {value[:40]!r}")
    return payload_id(poll, "a poll vote's poll"), int(option)


def post_poll(runtime: Services, request: Request, poll_id: int) -> Reply:
    """After the ack: post the poll where it was started, and plan its close."""
    with runtime.db.reading() as session:
        info = polls.info(session, poll_id, now=now())
    assert info is not None
    try:
        ref = runtime.delivery.post(info.conversation, poll_message(info, runtime.settings.tz))
    except DeliveryError as e:
        with runtime.db.transaction() as session:
            polls.forget(session, poll_id)
        text = (f":warning: I couldn't post your poll here ({escape(e.reason)}). Invite me to the channel "
                "(`/invite @technet`) and try again.")
        return DirectMessage(request.actor.member_id, ui.note(text))
    with runtime.db.transaction() as session:
        polls.posted(session, poll_id, ref)
    return None


def poll_form(conversation: str) -> ui.Form:
    choices = (ui.option("Pick one", "single"), ui.option("Pick several", "multiple"))
    body: list[ui.Block] = [
        ui.Field(id=ids.POLL_QUESTION, label="Question", max_length=polls.QUESTION_LIMIT),
        ui.Field(id=ids.POLL_OPTIONS, label="Options", multiline=True, hint="One a line: 2 to 10 options"),
        ui.Field(id=ids.POLL_CHOICE, label="Choice", kind=ui.FieldKind.RADIO, options=choices, initial=choices[0]),
        ui.Field(id=ids.POLL_ANONYMOUS, label="Anonymous", kind=ui.FieldKind.CHECKBOXES, required=False,
                 options=(ui.option("Don't show who voted for what", "anonymous"),)),
        ui.Field(id=ids.POLL_CLOSES, label="Closes", kind=ui.FieldKind.DATETIME, required=False,
                 hint="A day from now if you leave it empty"),
    ]
    return ui.Form(id=ids.POLL_MODAL, title="New poll", submit="Post", metadata=conversation, blocks=tuple(body))
