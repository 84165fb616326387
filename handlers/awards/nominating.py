"""Nominating in chat: `/tech nominate`, the message shortcut, Nominate buttons and the form.

The nominator's copy comes by DM, with Edit and Withdraw while the cycle is open.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import blocks
from core import ids
from core.delivery import DeliveryError
from core.views import moments
from core.commands import COMMAND
from bot.listeners import ack_only, after_ack
from core.markup import escape
from bot.runtime import Runtime
from handlers._common import (button_id, chosen, field_errors, is_user_id, malformed, member_tz, metadata,
                              payload_id, say, typed, user_picked, users_picked, values, words_after)
from handlers.awards import views
from storage import awards, members
from storage.awards import NominationForm
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor

log = logging.getLogger(__name__)

NOMINATE_USAGE = ("`/tech nominate` opens the nomination form; `/tech nominate @colleague` fills in who. "
                  "You can also use *Nominate for an award* in a message's menu (⋮ More actions).")


def register(app: App, runtime: Runtime) -> None:
    nominate = runtime.subcommands.matcher("nominate", owner=__name__)

    # /tech nominate [@colleague] -----------------------------------------------------
    def nominate_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        rest = words_after(body)
        if rest.lower() == "help":
            ack(**say(NOMINATE_USAGE))
            return
        with runtime.db.reading() as session:
            cycles = awards.open_cycles(session, now())
            nominee = _nominee_in_text(session, rest)
        if not cycles:
            ack(**say("No award is open for nominations right now. `/tech awards list` shows the cycles."))
            return
        if rest and nominee is None:
            ack(**say(f"I couldn't tell who “{escape(rest[:80])}” is. Type `/tech nominate` and choose "
                             "them in the form, or mention them: `/tech nominate @colleague`."))
            return
        ack()

    def nominate_open(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        rest = words_after(body)
        if rest.lower() == "help":
            return
        with runtime.db.reading() as session:
            cycles = awards.open_cycles(session, now())
            nominee = _nominee_in_text(session, rest)
        if cycles and (nominee or not rest):
            tz = member_tz(runtime, context["actor"])
            client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(
                views.nomination_modal(cycles, tz, nominee=nominee)))

    app.command(COMMAND, matchers=[nominate])(ack=nominate_ack, lazy=[nominate_open])

    # The message shortcut, and Nominate buttons (Home tab, channel posts) -------------
    def shortcut_open(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        message = body.get("message") or {}
        if not isinstance(message, dict) or not (message.get("user") is None or is_user_id(message["user"])):
            raise malformed("the message shortcut's message has no author's id")
        author = message.get("user")
        if message.get("bot_id") or not author or author == context.get("bot_user_id"):
            respond(**say("Bots and apps cannot be nominated: use the shortcut on a colleague's message."))
            return
        _open_form(runtime, client, context["actor"], body["trigger_id"], nominee=author, respond=respond)

    app.shortcut(ids.AWARDS_NOMINATE_SHORTCUT)(ack=ack_only, lazy=[shortcut_open])

    def nominate_button(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                        respond: Respond) -> None:
        _open_form(runtime, client, context["actor"], body["trigger_id"], selected=button_id(action, "cycle"),
                   respond=respond if body.get("response_url") else None)

    app.action(ids.AWARDS_NOMINATE_OPEN)(ack=ack_only, lazy=[nominate_button])

    # The nomination form ---------------------------------------------------------------
    def nomination_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                             context: BoltContext) -> None:
        """Answered from what the store knows; Slack is asked about the nominees after the ack."""
        actor: Actor = context["actor"]
        form = _form(view)
        try:
            with runtime.db.transaction() as session:
                met = _meet(session, form)
                result = awards.submit_nomination(session, actor, form, submission_id=_submission_id(view),
                                                   now=now())
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.AWARDS_AWARD: e.message}))
            return
        tz = member_tz(runtime, actor)
        if result.outcome == awards.REFUSED_CLOSED:
            assert result.cycle is not None
            reason = (f"Nominations for {result.cycle.title} closed at {moments.when(result.cycle.closes_at, tz)}. "
                      "I've sent you what you wrote in a direct message, so it is not lost.")
            ack(response_action="errors", errors=field_errors(view, {ids.AWARDS_AWARD: reason}))
        else:
            copy = result.nomination
            assert copy is not None
            said = "updated" if result.outcome == awards.UPDATED else "saved"
            # Someone the store had never seen has no name yet: Slack shows a mention as their name.
            nominee = views.nominee_label(copy) if copy.nominee_user in met else f"*{escape(copy.nominee_name)}*"
            ack(response_action="update", view=blocks.render_form(views.done_view(
                "Nomination " + said, f"Your nomination of {nominee} for *{escape(copy.cycle.title)}* is {said}. "
                "A copy is on its way to you by direct message.")))
        after_ack(runtime, body, client, context, lambda: nomination_dm(client, actor, form, result, met))

    def nomination_dm(client: WebClient, actor: Actor, form: NominationForm, result: awards.SubmissionResult,
                      met: set[str]) -> None:
        """Look the nominees up in Slack, withdraw a nomination of a bot or a departed account,
        and send the submission's one message (its confirmation, or the nominator's text back)."""
        _look_up(runtime, client, {form.nominee} | met if form.nominee else met)
        why = None
        if result.nomination is not None and result.outcome != awards.REFUSED_CLOSED:
            with runtime.db.transaction() as session:
                why = awards.withdraw_if_ineligible(session, result.nomination.id, now=now())
        with runtime.db.transaction() as session:
            claim = awards.claim_submission_dm(session, result.key, now=now())
        if claim is None:
            return  # a repeated delivery whose message has gone already
        try:
            _send_submission_dm(runtime, actor, claim, form, withdrawn=why)
        except DeliveryError:
            with runtime.db.transaction() as session:
                awards.release_submission_dm(session, result.key)
            raise

    app.view(ids.AWARDS_NOMINATE_MODAL)(nomination_submitted)
    # "OK" on a modal that only says what happened closes it.
    app.view(ids.AWARDS_DONE_MODAL)(ack_only)

    def edit_nomination(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                        context: BoltContext) -> None:
        actor = context["actor"]
        with runtime.db.reading() as session:
            copy = awards.check_can_edit(session, actor, button_id(action, "nomination"), now=now())
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.render_form(views.nomination_modal([], member_tz(runtime, actor), editing=copy)))

    def withdraw_nomination(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                            respond: Respond) -> None:
        actor = context["actor"]
        with runtime.db.transaction() as session:
            copy = awards.withdraw_nomination(session, actor, button_id(action, "nomination"), now=now())
        intro = f"You withdrew your nomination of {views.nominee_label(copy)} for *{escape(copy.cycle.title)}*."
        respond(replace_original=True,
                **blocks.message(views.nomination_blocks(copy, member_tz(runtime, actor), intro)))

    app.action(ids.AWARDS_NOMINATION_EDIT)(ack=ack_only, lazy=[edit_nomination])
    app.action(ids.AWARDS_NOMINATION_WITHDRAW)(ack=ack_only, lazy=[withdraw_nomination])


def _open_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str, *, selected: int | None = None,
               nominee: str | None = None, respond: Respond | None = None) -> None:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    if not cycles or selected is not None and selected not in {c.id for c in cycles}:
        text = "That award is not open for nominations any more." if cycles else \
            "No award is open for nominations right now."
        if respond is not None:
            respond(**say(text))
        else:
            runtime.delivery.dm(actor.slack_user_id, blocks.note(text))
        return
    form = views.nomination_modal(cycles, member_tz(runtime, actor), selected=selected, nominee=nominee)
    client.views_open(trigger_id=trigger_id, view=blocks.render_form(form))


def _nominee_in_text(session: Session, text: str) -> str | None:
    """`<@U123|name>` (escaped mentions) or `@name` (Slack sends names as typed when escaping is off)."""
    text = text.strip()
    if text.startswith("<@") and text.endswith(">"):
        return text[2:-1].split("|")[0] or None
    return awards.member_by_name(session, text) if text else None


def _submission_id(view: dict[str, Any]) -> str:
    """Slack's id of the opened modal: a retried delivery repeats it; a new modal gets a new one.

    (The local shell's submissions carry none; the content alone then tells repeats apart.)
    """
    return str(view.get("id") or "")


def _form(view: dict[str, Any]) -> NominationForm:
    given = values(view)
    editing = metadata(view).get("nomination")
    award = chosen(given, ids.AWARDS_AWARD)
    return NominationForm(
        cycle_id=payload_id(award, "the nomination form's award") if award else None,
        nominee=user_picked(given, ids.AWARDS_NOMINEE),
        team_members=tuple(users_picked(given, ids.AWARDS_TEAM_MEMBERS)),
        team_name=typed(given, ids.AWARDS_TEAM_NAME),
        citation=typed(given, ids.AWARDS_CITATION) or "",
        examples=tuple(v for v in (typed(given, b) for b in ids.AWARDS_EXAMPLES) if v),
        link=typed(given, ids.AWARDS_LINK),
        nomination_id=None if editing is None else payload_id(str(editing), "the nomination being edited"),
    )


def _meet(session: Session, form: NominationForm) -> set[str]:
    """Each nominee as a member before the rules look at them; returns those the store had never seen.

    Nothing calls Slack before the ack: the rules use what the store knows (bots and
    deactivated accounts it knows of are refused in the form); someone new is added with
    what little we know, and `_look_up` asks Slack about them after the ack.
    """
    met: set[str] = set()
    for user_id in {u for u in (form.nominee, *form.team_members) if u}:
        if members.find_member(session, user_id) is None:
            members.ensure_member(session, user_id, now=now())
            met.add(user_id)
    return met


def _look_up(runtime: Runtime, client: WebClient, user_ids: set[str]) -> None:
    """Bring these members up to date from Slack (after the ack): the nominee each time, as a
    stored member may have left since; team members on first contact, as the middleware does."""
    for user_id in sorted(user_ids):
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            log.warning("users.info for nominee %s failed (%s); kept as the store knows them", user_id,
                        e.response.get("error"))
            continue
        with runtime.db.transaction() as session:
            members.upsert_from_slack(session, user_id, user, now=now())


def _send_submission_dm(runtime: Runtime, actor: Actor, claim: awards.DmClaim, form: NominationForm, *,
                        withdrawn: str | None = None) -> None:
    tz = member_tz(runtime, actor)
    if withdrawn:
        intro = (f"I couldn't keep your nomination: {escape(withdrawn)} "
                 "Here is what you wrote, so it is not lost.")
        runtime.delivery.dm(claim.nominator_user, blocks.message(views.returned_blocks(intro, form.as_text())))
        return
    if claim.outcome == awards.REFUSED_CLOSED:
        with runtime.db.reading() as session:
            cycle = awards.get_cycle(session, form.cycle_id, now()) if form.cycle_id else None
            if cycle is None and form.nomination_id:
                cycle = awards.my_nomination(session, actor, form.nomination_id, now=now()).cycle
        assert cycle is not None
        intro = runtime.templates.get_template("awards_returned.md.j2").render(
            title=cycle.title, closed=moments.when(cycle.closes_at, tz))
        body = views.returned_blocks(intro, form.as_text())
        runtime.delivery.dm(claim.nominator_user, blocks.message(body))
        return
    copy = claim.nomination
    assert copy is not None
    intro = runtime.templates.get_template("awards_confirmation.md.j2").render(
        outcome=claim.outcome, nominee=copy.nominee_name, title=copy.cycle.title,
        closes=moments.when(copy.cycle.closes_at, tz))
    runtime.delivery.dm(claim.nominator_user, blocks.message(views.nomination_blocks(copy, tz, intro)))
