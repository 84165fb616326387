"""`/tech ask <question>`: an answer from the FAQ (BM25 over content/faq.yaml and the answers added
from the bot); with no good match, forward the question to the organisers, who reply by DM and
may add the answer to the FAQ.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from core import ids, ui
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, Container, FollowUp, MessageRef, OpenForm, Request, UpdateForm
from handlers import ask_views as views
from handlers._common import field_choices, payload_id, refusal, field_text, value_id
from storage import faq
from storage.clock import now
from storage.errors import DomainError
from storage.faq import FaqEntry
from storage.members import Actor, Role, organiser_ids

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _faq(content_dir: Path | None) -> tuple[FaqEntry, ...]:
    return faq.load_faq(content_dir)


def shipped_faq(runtime: Services) -> tuple[FaqEntry, ...]:
    """content/faq.yaml, read once per content directory (restart to pick up edits)."""
    return _faq(runtime.settings.content_dir)


def register(runtime: Services) -> None:
    shipped_faq(runtime)  # a broken faq.yaml stops start-up, not a member's question
    routes = runtime.routes

    @routes.command("ask", owner=__name__)
    def ask(request: Request) -> Answer:
        try:
            return Answer(ask_reply(runtime, request.actor, request.words))
        except DomainError as e:
            return Answer(refusal(e))

    @routes.action(ids.ASK_FORWARD, after_ack=True)
    def forward(request: Request) -> Answer:
        with runtime.db.transaction() as session:
            question, first = faq.forward(session, request.actor, value_id(request, "question"), now=now())
            organisers = organiser_ids(session, runtime.grants.organisers)
        if not first:
            return Answer(ui.note("You forwarded this question already: the reply comes by DM."))
        if not send_to_organisers(runtime, question, organisers):
            with runtime.db.transaction() as session:
                faq.unforward(session, question.id)
            return Answer(ui.note("I couldn't reach any organiser just now (none is set up, or none could be "
                                  "messaged). Try again later."))
        text = (f":incoming_envelope: Forwarded to the organisers: “{views.echo(question.question)}”. "
                "Their reply comes to you by DM.")
        if request.where.container is Container.MESSAGE:
            return Answer(ui.message(views.forwarded_blocks(text)), replace=True)
        return Answer(ui.note(text))

    @routes.action(ids.ASK_REPLY)
    def reply(request: Request) -> Answer | OpenForm:
        request.actor.require(Role.ORGANISER, "answer forwarded questions")
        with runtime.db.reading() as session:
            question = faq.get_question(session, value_id(request, "question"))
        if question.status == faq.ANSWERED:
            who = question.answered_by or "An organiser"
            return Answer(ui.note(f"{escape(who)} answered this already."))
        return OpenForm(views.reply_modal(question))

    @routes.form(ids.ASK_REPLY_MODAL)
    def replied(request: Request) -> ui.FieldErrors | list[UpdateForm | FollowUp]:
        """Validate and save at once; the DMs go after the answer."""
        given = request.values
        question_id = payload_id(request.metadata, "the reply form's question")
        try:
            with runtime.db.transaction() as session:
                question = faq.answer_question(session, request.actor, question_id, field_text(given, ids.ASK_ANSWER),
                                               add_faq=bool(field_choices(given, ids.ASK_ADD_TO_FAQ)),
                                               tags=field_text(given, ids.ASK_TAGS), now=now())
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.ASK_ANSWER: e.message})
        return [UpdateForm(views.reply_sent_view(question)), FollowUp(lambda: deliver_answer(runtime, question_id))]

    @routes.action(ids.ASK_ADD_FAQ, after_ack=True)
    def add_faq(request: Request) -> Answer:
        with runtime.db.transaction() as session:
            question, added = faq.add_to_faq(session, request.actor, value_id(request, "question"), now=now())
        update_organiser_messages(runtime, question)
        return Answer(ui.note(":books: Added to the FAQ: `/tech ask` finds it now." if added
                              else "It is in the FAQ already."))


def ask_reply(runtime: Services, actor: Actor, text: str) -> ui.Message:
    """The answer to `/tech ask ...`: a search, and one small write when nothing matches."""
    organiser = actor.has(Role.ORGANISER)
    words = text.strip()
    if not words or words.lower() == "help":
        return ui.message([ui.section(views.usage(organiser))])
    if words.lower() == "inbox" and organiser:
        with runtime.db.reading() as session:
            questions, total = faq.inbox(session, actor)
        return ui.message(views.inbox_blocks(questions, total))
    with runtime.db.reading() as session:
        entries = faq.entries_with_additions(session, shipped_faq(runtime))
    answer = faq.best_answers(words, entries)
    if not answer.terms:
        return ui.message(views.no_words_blocks(words))
    if answer.good:
        assert answer.best is not None
        return ui.message(views.answer_blocks(words, answer))
    with runtime.db.transaction() as session:
        question = faq.record_unmatched(session, actor, words, now=now())
    return ui.message(views.no_match_blocks(question))


def send_to_organisers(runtime: Services, question: faq.QuestionInfo, organisers: list[str]) -> int:
    """A DM with Reply to each organiser; returns how many were sent (their places are kept for updates)."""
    messages: list[MessageRef] = []
    for organiser in organisers:
        try:
            sent = runtime.delivery.dm(organiser, views.organiser_dm_blocks(question))
        except DeliveryError as e:
            log.warning("could not forward question %s to %s (%s)", question.id, organiser, e.reason)
            continue
        messages.append(sent)
    if messages:
        with runtime.db.transaction() as session:
            faq.record_organiser_messages(session, question.id, messages)
    return len(messages)


def deliver_answer(runtime: Services, question_id: int) -> None:
    """The answer to the asker by DM, once; the organisers' DMs then say who answered."""
    with runtime.db.transaction() as session:
        question = faq.claim_reply(session, question_id, now=now())
    if question is None:
        return
    try:
        runtime.delivery.dm(question.asker_user, views.asker_answer_blocks(question))
    except DeliveryError:
        with runtime.db.transaction() as session:
            faq.release_reply(session, question_id)
        raise
    update_organiser_messages(runtime, question)


def update_organiser_messages(runtime: Services, question: faq.QuestionInfo) -> None:
    for message in question.organiser_messages:
        try:
            runtime.delivery.update(message, views.answered_dm_blocks(question))
        except DeliveryError as e:
            log.warning("could not update an organiser's copy of question %s (%s)", question.id, e.reason)
