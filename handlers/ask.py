"""`/tech ask <question>`: an answer from the FAQ (BM25 over content/faq.yaml and the answers added
from the bot); with no good match, forward the question to the organisers, who reply by DM and
may add the answer to the FAQ.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import ids, ui
from core.commands import COMMAND, split
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import Runtime
from handlers import ask_views as views
from handlers._common import answer_button, button_id, payload_id, picked, refused, text_metadata, typed, values
from storage import faq
from storage.clock import now
from storage.errors import DomainError
from storage.faq import FaqEntry
from storage.members import Actor, Role, organiser_ids

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _faq(content_dir: Path | None) -> tuple[FaqEntry, ...]:
    return faq.load_faq(content_dir)


def shipped_faq(runtime: Runtime) -> tuple[FaqEntry, ...]:
    """content/faq.yaml, read once per content directory (restart to pick up edits)."""
    return _faq(runtime.settings.content_dir)


def register(app: App, runtime: Runtime) -> None:
    shipped_faq(runtime)  # a broken faq.yaml stops start-up, not a member's question

    def ask_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        text = split(body.get("text"))[1]
        try:
            ack(**ask_reply(runtime, context["actor"], text))
        except DomainError as e:
            ack(**refused(e))

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("ask", owner=__name__)])(ask_ack)

    def forward(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            question, first = faq.forward(session, actor, button_id(action, "question"), now=now())
            organisers = organiser_ids(session, runtime.settings.organisers)
        if not first:
            return answer_button(runtime, body, actor, respond,
                                 "You forwarded this question already: the reply comes by DM.")
        sent = send_to_organisers(runtime, client, question, organisers)
        if not sent:
            with runtime.db.transaction() as session:
                faq.unforward(session, question.id)
            return answer_button(runtime, body, actor, respond, "I couldn't reach any organiser just now (none is set "
                                 "up, or none could be messaged). Try again later.")
        text = (f":incoming_envelope: Forwarded to the organisers: “{views.echo(question.question)}”. "
                "Their reply comes to you by DM.")
        if body.get("response_url"):
            respond(replace_original=True, **blocks.message(views.forwarded_blocks(text)))
        else:
            client.chat_postMessage(channel=actor.slack_user_id, **blocks.note(text))

    def reply(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
              respond: Respond) -> None:
        actor: Actor = context["actor"]
        actor.require(Role.ORGANISER, "answer forwarded questions")
        with runtime.db.reading() as session:
            question = faq.get_question(session, button_id(action, "question"))
        if question.status == faq.ANSWERED:
            who = question.answered_by or "An organiser"
            return answer_button(runtime, body, actor, respond, f"{escape(who)} answered this already.")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.reply_modal(question)))

    def replied(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack; the DMs go after it."""
        given = values(view)
        add = bool(picked(given, ids.ASK_ADD_TO_FAQ))
        question_id = payload_id(text_metadata(view), "the reply form's question")
        try:
            with runtime.db.transaction() as session:
                question = faq.answer_question(session, context["actor"], question_id,
                                               typed(given, ids.ASK_ANSWER), add_faq=add,
                                               tags=typed(given, ids.ASK_TAGS), now=now())
        except DomainError as e:
            ack(response_action="errors", errors={e.field or ids.ASK_ANSWER: e.message})
            return
        ack(response_action="update", view=blocks.render_form(views.reply_sent_view(question)))

    def replied_lazy(view: dict[str, Any], client: WebClient) -> None:
        deliver_answer(runtime, client, payload_id(text_metadata(view), "the reply form's question"))

    def add_faq(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            question, added = faq.add_to_faq(session, actor, button_id(action, "question"), now=now())
        update_organiser_messages(client, question)
        answer_button(runtime, body, actor, respond, ":books: Added to the FAQ: `/tech ask` finds it now." if added
                      else "It is in the FAQ already.")

    app.action(ids.ASK_FORWARD)(ack=ack_only, lazy=[forward])
    app.action(ids.ASK_REPLY)(ack=ack_only, lazy=[reply])
    app.view(ids.ASK_REPLY_MODAL)(ack=replied, lazy=[replied_lazy])
    app.action(ids.ASK_ADD_FAQ)(ack=ack_only, lazy=[add_faq])


def ask_reply(runtime: Runtime, actor: Actor, text: str) -> dict[str, Any]:
    """The answer to `/tech ask ...` within the ack: a search, and one small write when nothing matches."""
    organiser = actor.has(Role.ORGANISER)
    words = text.strip()
    if not words or words.lower() == "help":
        return blocks.ephemeral([ui.section(views.usage(organiser))])
    if words.lower() == "inbox" and organiser:
        with runtime.db.reading() as session:
            questions, total = faq.inbox(session, actor)
        return blocks.ephemeral(views.inbox_blocks(questions, total))
    with runtime.db.reading() as session:
        entries = faq.entries_with_additions(session, shipped_faq(runtime))
    answer = faq.best_answers(words, entries)
    if not answer.terms:
        return blocks.ephemeral(views.no_words_blocks(words))
    if answer.good:
        assert answer.best is not None
        return blocks.ephemeral(views.answer_blocks(words, answer))
    with runtime.db.transaction() as session:
        question = faq.record_unmatched(session, actor, words, now=now())
    return blocks.ephemeral(views.no_match_blocks(question))


def send_to_organisers(runtime: Runtime, client: WebClient, question: faq.QuestionInfo,
                       organisers: list[str]) -> int:
    """A DM with Reply to each organiser; returns how many were sent (their places are kept for updates)."""
    messages: list[list[str]] = []
    for organiser in organisers:
        try:
            posted = client.chat_postMessage(channel=organiser, **blocks.message(views.organiser_dm_blocks(question)))
        except SlackApiError as e:
            log.warning("could not forward question %s to %s (%s)", question.id, organiser, e.response.get("error"))
            continue
        messages.append([str(posted["channel"]), str(posted["ts"])])
    if messages:
        with runtime.db.transaction() as session:
            faq.record_organiser_messages(session, question.id, messages)
    return len(messages)


def deliver_answer(runtime: Runtime, client: WebClient, question_id: int) -> None:
    """The answer to the asker by DM, once; the organisers' DMs then say who answered."""
    with runtime.db.transaction() as session:
        question = faq.claim_reply(session, question_id, now=now())
    if question is None:
        return
    try:
        client.chat_postMessage(channel=question.asker_slack, **blocks.message(views.asker_answer_blocks(question)))
    except SlackApiError:
        with runtime.db.transaction() as session:
            faq.release_reply(session, question_id)
        raise
    update_organiser_messages(client, question)


def update_organiser_messages(client: WebClient, question: faq.QuestionInfo) -> None:
    for channel, ts in question.organiser_messages:
        try:
            client.chat_update(channel=channel, ts=ts, **blocks.message(views.answered_dm_blocks(question)))
        except SlackApiError as e:
            log.warning("could not update an organiser's copy of question %s (%s)", question.id,
                        e.response.get("error"))
