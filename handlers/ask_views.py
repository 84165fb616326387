"""Questions as neutral blocks: the answer from the FAQ with related ones, the "no good match" offer to
forward, the organisers' DM with Reply and Add to FAQ, the reply form, and the answer the asker gets.

Shipped FAQ answers are organiser-authored mrkdwn, shown as written (like help.yaml); questions
members ask and answers typed in the bot are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from core import ids, ui
from core.markup import escape, truncate
from storage import faq
from storage.faq import Answer, FaqEntry, QuestionInfo

ASK_USAGE = (
    "*Questions*\n"
    "`/tech ask &lt;question&gt;`  an answer from the network's FAQ, e.g. `/tech ask how do I log CPD`. "
    "No good answer? I offer to forward it to the organisers, and their reply comes by DM."
)
ORGANISER_USAGE = "`/tech ask inbox`  forwarded questions waiting for an answer (organisers)"
ECHO_LIMIT = 200


def usage(organiser: bool) -> str:
    return ASK_USAGE + ("\n" + ORGANISER_USAGE if organiser else "")


def echo(question: str, limit: int = ECHO_LIMIT) -> str:
    return escape(truncate(" ".join(question.split()), limit))


def mention(slack_user_id: str) -> str:
    return f"<@{slack_user_id}>" if slack_user_id.isalnum() else escape(slack_user_id)


def entry_answer(entry: FaqEntry, limit: int = 2500) -> str:
    text = escape(entry.answer) if entry.added else entry.answer
    return truncate(text, limit)


def entry_question(entry: FaqEntry, limit: int = 300) -> str:
    return escape(truncate(entry.question, limit))


def answer_blocks(question: str, answer: Answer) -> list[ui.Block]:
    assert answer.best is not None
    best = answer.best.entry
    result: list[ui.Block] = [
        ui.context(f"You asked: {echo(question)}"),
        ui.section(f"*{entry_question(best)}*\n{entry_answer(best)}"),
    ]
    if answer.related:
        result.append(ui.section("*Related*\n" + "\n".join(
            f"• *{entry_question(h.entry, 200)}* {entry_answer(h.entry, 400)}" for h in answer.related)))
    result.append(ui.context("Not what you needed? Ask again in other words, or ask in more detail: when I "
                                 "have no good answer I offer to forward your question to the organisers."))
    return result


def no_words_blocks(question: str) -> list[ui.Block]:
    shown = f" “{echo(question, 80)}”" if question.strip() else ""
    return [ui.section(f"I couldn't find anything to search for in{shown or ' that'}. Tell me a little more, "
                           "e.g. `/tech ask how do I log CPD` or `/tech ask who pays registration fees`."),
            ui.context(usage(False))]


def no_match_blocks(q: QuestionInfo) -> list[ui.Block]:
    return [
        ui.section(f"I don't have a good answer to “{echo(q.question)}” in the FAQ."),
        ui.actions(ui.button("Forward to the organisers", ids.ASK_FORWARD, str(q.id), style="primary")),
        ui.context("They answer by DM. Or try other words: `/tech ask registration fees`."),
    ]


def forwarded_blocks(text: str) -> list[ui.Block]:
    return [ui.section(text)]


# The organisers' side ---------------------------------------------------------------------------------

def organiser_dm_blocks(q: QuestionInfo) -> list[ui.Block]:
    return [
        ui.section(f":question: {mention(q.asker_user)} asked a question the FAQ couldn't answer:\n"
                       + quote(q.question)),
        ui.actions(ui.button("Reply", ids.ASK_REPLY, str(q.id), style="primary")),
        ui.context("Your reply goes to them by DM; you can add it to the FAQ."),
    ]


def answered_dm_blocks(q: QuestionInfo) -> list[ui.Block]:
    by = mention(q.answered_by_user) if q.answered_by_user else "An organiser"
    result: list[ui.Block] = [
        ui.section(f":white_check_mark: {mention(q.asker_user)} asked:\n{quote(q.question, 1200)}\n"
                       f"{by} answered:\n{quote(q.answer or '', 1500)}"),
    ]
    if q.in_faq:
        result.append(ui.context("In the FAQ: `/tech ask` finds it."))
    else:
        result.append(ui.actions(ui.button("Add to FAQ", ids.ASK_ADD_FAQ, str(q.id))))
    return result


def quote(text: str, limit: int = 2500) -> str:
    return "\n".join("> " + escape(line) for line in truncate(text, limit).splitlines() or [""])


def reply_modal(q: QuestionInfo) -> ui.Form:
    return ui.Form(
        id=ids.ASK_REPLY_MODAL, title="Reply", submit="Send", metadata=str(q.id),
        blocks=(
            ui.section(f"*{escape(q.asker_name)} asked:*\n{quote(q.question, 2500)}"),
            ui.Field(id=ids.ASK_ANSWER, label="Your answer", multiline=True, max_length=faq.ANSWER_LIMIT),
            ui.Field(id=ids.ASK_ADD_TO_FAQ, label="The FAQ", kind=ui.FieldKind.CHECKBOXES, required=False,
                     options=(ui.option("Also add this question and answer to the FAQ", "yes"),)),
            ui.Field(id=ids.ASK_TAGS, label="FAQ tags", required=False, max_length=300,
                     hint="Other words people use for this, separated by commas."),
        ))


def reply_sent_view(q: QuestionInfo) -> ui.Form:
    faq_note = " It is in the FAQ now." if q.in_faq else ""
    # Only read, never submitted: it needs no id to be answered by.
    return ui.Form(id="", title="Reply sent", close="Done", blocks=(
        ui.section(f":incoming_envelope: Your answer goes to *{escape(q.asker_name)}* by DM.{faq_note}"),))


def asker_answer_blocks(q: QuestionInfo) -> list[ui.Block]:
    by = mention(q.answered_by_user) if q.answered_by_user else "The organisers"
    return [ui.section(f":speech_balloon: You asked:\n{quote(q.question, 1000)}"),
            ui.section(f"{by} answered:\n{quote(q.answer or '', 2500)}")]


def inbox_blocks(questions: Sequence[QuestionInfo], total: int) -> list[ui.Block]:
    if not questions:
        return [ui.section("No forwarded questions are waiting. :tada:")]
    result: list[ui.Block] = [ui.header(f"Questions waiting for an answer ({total})")]
    for q in questions:
        result.append(ui.section(f"{mention(q.asker_user)}: {echo(q.question, 500)}",
                                 accessory=ui.button("Reply", ids.ASK_REPLY, str(q.id))))
    if total > len(questions):
        result.append(ui.context(f"The oldest {len(questions)} of {total}."))
    return result
