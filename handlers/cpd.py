"""`/tech cpd`: the member's CPD record: log, progress to the pro-rata target, delete, export;
organisers' aggregates; the Home tab's development section.

Other features offer "Log it as CPD" with core.views.cpd.prompt_blocks (a DM's blocks whose
button opens the log form prefilled) or `open_log_form` (from their own button's listener).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND
from core.settings import Settings
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import HomeSection, Runtime
from handlers import cpd_views as views
from handlers._common import (answer_button, button_id, button_value, chosen, date_picked, field_errors,
                              malformed, member_today, network_today, not_known, refused, text_metadata, typed, values,
                              verb_and_argument)
from storage import cpd, opportunities
from storage.clock import now
from storage.cpd import CpdDraft, CpdRules
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

HOME_ORDER = 40


def rules_for(settings: Settings) -> CpdRules:
    return CpdRules(year_start_month=settings.cpd_year_start_month, day_hours=settings.cpd_day_hours)


def register(app: App, runtime: Runtime) -> None:
    rules = rules_for(runtime.settings)

    def cpd_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            ack(**blocks.ephemeral(cpd_reply(runtime, context["actor"], *verb_and_argument(body))))
        except DomainError as e:
            ack(**refused(e))

    def cpd_lazy(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        verb, argument = verb_and_argument(body)
        if verb == "log" and not argument:
            open_log_form(runtime, client, context["actor"], body["trigger_id"])
        elif verb == "export" and argument.lower() in ("", "all"):
            send_export(runtime, context["actor"], whole_record=argument.lower() == "all")

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("cpd", owner=__name__)])(
        ack=cpd_ack, lazy=[cpd_lazy])

    def open_blank(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_log_form(runtime, client, context["actor"], body["trigger_id"])

    def open_draft(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                   respond: Respond) -> None:
        actor: Actor = context["actor"]
        draft = _draft(button_value(action), "the button's draft")
        if draft is None:
            return open_log_form(runtime, client, actor, body["trigger_id"])
        with runtime.db.reading() as session:
            done = bool(draft.source_ref) and cpd.already_logged(session, actor.member_id, draft.source,
                                                                 draft.source_ref or "")
        if done:
            return answer_button(runtime, body, actor, respond, f":white_check_mark: *{escape(draft.activity)}* is in "
                                 "your CPD record already (`/tech cpd`).")
        open_log_form(runtime, client, actor, body["trigger_id"], draft)

    def logged(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field."""
        actor: Actor = context["actor"]
        draft = _draft(text_metadata(view), "the form's draft")
        form = form_values(values(view))
        today = member_today(runtime, actor)
        try:
            with runtime.db.transaction() as session:
                entry = cpd.log_entry(session, actor, form, rules=rules, today=today,
                                      now=now(), submission_id=view.get("id"),
                                      source=draft.source if draft else cpd.MANUAL,
                                      source_ref=draft.source_ref if draft else None)
                progress = cpd.progress(session, actor.member_id, rules=rules, today=today)
        except cpd.InvalidEntry as e:
            ack(response_action="errors", errors=field_errors(view, e.errors))
            return
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.CPD_ACTIVITY: e.message}))
            return
        ack(response_action="update", view=blocks.render_form(views.logged_form(entry, progress, rules)))

    def delete(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        try:
            with runtime.db.transaction() as session:
                gone = cpd.delete_entry(session, actor, button_id(action, "entry"))
            note = f":wastebasket: Deleted *{escape(gone.activity)}* ({gone.amount_text(rules)}) from your record."
        except DomainError as e:
            note = f":no_entry: {escape(e.message)}"
        respond(replace_original=True, **blocks.ephemeral(progress_reply(runtime, actor, note=note)))

    def export(action: dict[str, Any], context: BoltContext) -> None:
        send_export(runtime, context["actor"], whole_record=action.get("value") == "all")

    app.action(ids.CPD_LOG_OPEN)(ack=ack_only, lazy=[open_blank])
    app.action(ids.CPD_LOG_DRAFT)(ack=ack_only, lazy=[open_draft])
    app.action(ids.CPD_DELETE)(ack=ack_only, lazy=[delete])
    app.action(ids.CPD_EXPORT)(ack=ack_only, lazy=[export])
    app.view(ids.CPD_MODAL)(logged)
    runtime.home_sections.append(HomeSection(HOME_ORDER, "your development", home_section))


# Replies -------------------------------------------------------------------------------

def cpd_reply(runtime: Runtime, actor: Actor, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech cpd ...` within the ack: database reads, nothing sent to Slack."""
    rules = rules_for(runtime.settings)
    if verb == "" and not argument:
        return progress_reply(runtime, actor)
    if verb == "help":
        return ui.note(_usage(actor))
    if verb == "log" and not argument:
        return ui.note(":pencil: Opening the CPD form…")
    if verb == "export" and argument.lower() in ("", "all"):
        whole = argument.lower() == "all"
        with runtime.db.reading() as session:
            _, rows = cpd.entries(session, actor, rules=rules, today=member_today(runtime, actor), whole_record=whole)
        if not rows:
            return ui.note("Nothing to export: your record " + ("is empty." if whole else "has nothing this "
                       "development year (`/tech cpd export all` for earlier years)."))
        return ui.note(f":outbox_tray: Sending your {plural(len(rows), 'entry', 'entries')} as CSV in a "
                   "direct message, ready for your appraisal (PDR).")
    if verb == "summary" and not argument:
        with runtime.db.reading() as session:
            summary = cpd.summary(session, actor, rules=rules, today=network_today(runtime),
                                  min_group=runtime.settings.report_min_group)
        return ui.message(views.summary_blocks(summary, rules))
    return ui.message([ui.section(not_known("cpd", f"{verb} {argument}")), ui.section(_usage(actor))])


def progress_reply(runtime: Runtime, actor: Actor, *, note: str | None = None) -> ui.Message:
    rules = rules_for(runtime.settings)
    with runtime.db.reading() as session:
        progress = cpd.progress(session, actor.member_id, rules=rules, today=member_today(runtime, actor))
    return ui.message(views.progress_blocks(progress, rules, note=note))


def _usage(actor: Actor) -> str:
    return views.CPD_USAGE + ("\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")


# For this and other features -----------------------------------------------------------------

def open_log_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str,
                  draft: CpdDraft | None = None) -> None:
    """Open the CPD log form (views.open: call it from a lazy listener), prefilled from `draft`."""
    form = views.log_form(member_today(runtime, actor), draft)
    client.views_open(trigger_id=trigger_id, view=blocks.render_form(form))


def send_export(runtime: Runtime, actor: Actor, *, whole_record: bool = False) -> None:
    """The member's CSV, by DM, through Slack's upload flow (upload URL, then complete)."""
    rules = rules_for(runtime.settings)
    with runtime.db.reading() as session:
        filename, data, count = cpd.export_csv(session, actor, rules=rules, today=member_today(runtime, actor),
                                               whole_record=whole_record)
    if not count:
        runtime.delivery.dm(actor.user_id, ui.note("Your CPD record has nothing to export yet."))
        return
    runtime.delivery.upload(actor.user_id, ui.File(
        filename, data, mime="text/csv",
        comment=f"Your CPD record ({count} entr{'y' if count == 1 else 'ies'}), ready for your appraisal (PDR)."))


def home_section(runtime: Runtime, actor: Actor) -> list[ui.Block]:
    rules = rules_for(runtime.settings)
    with runtime.db.reading() as session:
        try:
            progress: cpd.Progress | None = cpd.progress(session, actor.member_id, rules=rules,
                                                         today=member_today(runtime, actor), limit=0)
            problem = None
        except DomainError as e:
            progress, problem = None, e.message
        closing = opportunities.closing_soon(session, today=network_today(runtime))
    return views.home_blocks(progress, closing, rules, problem=problem)


def _draft(text: str, what: str) -> CpdDraft | None:
    """The prefilled entry a button or form carries; None when it carries none."""
    draft = CpdDraft.from_json(text)
    if text and draft is None:
        raise malformed(f"{what} is not a CPD draft")
    return draft


def form_values(values: dict[str, Any]) -> cpd.EntryForm:
    def text(block_id: str) -> str | None:
        return typed(values, block_id)

    return cpd.EntryForm(done_on=date_picked(values, ids.CPD_DONE_ON),
                         activity=text(ids.CPD_ACTIVITY), category=chosen(values, ids.CPD_CATEGORY),
                         amount=text(ids.CPD_AMOUNT), unit=chosen(values, ids.CPD_UNIT) or cpd.HOURS,
                         note=text(ids.CPD_NOTE), link=text(ids.CPD_LINK))
