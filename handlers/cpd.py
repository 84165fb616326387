"""`/tech cpd`: the member's CPD record: log, progress to the pro-rata target, delete, export;
organisers' aggregates; the Home tab's development section.

Other features offer "Log it as CPD" with core.views.cpd.prompt_blocks (a DM's blocks whose
button opens the log form prefilled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, DirectMessage, FollowUp, OpenForm, Reply, Request, SendFile, UpdateForm
from core.services import HomeSection
from handlers import cpd_views as views
from handlers._common import (field_choice, field_day, field_text, malformed, member_today, network_today, not_known,
                              payload_id, refusal, request_today)
from storage import cpd, opportunities
from storage.clock import now
from storage.cpd import CpdDraft, CpdRules
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

HOME_ORDER = 40


def rules_for(runtime: Services) -> CpdRules:
    settings = runtime.settings
    return CpdRules(year_start_month=settings.cpd_year_start_month, day_hours=settings.cpd_day_hours,
                    topics=cpd.topics(str(settings.content_dir) if settings.content_dir else None))


def register(runtime: Services) -> None:
    routes = runtime.routes
    rules = rules_for(runtime)

    @routes.command("cpd", owner=__name__)
    def cpd_command(request: Request) -> Reply:
        """Answer at once; the log form opens, and an export is built and sent, after the ack."""
        verb, argument = split(request.words)
        try:
            answer = Answer(cpd_reply(runtime, request, verb, argument))
        except DomainError as e:
            return Answer(refusal(e))
        if verb == "log" and not argument:
            return [answer, log_form(request, rules)]
        if verb == "export" and argument.lower() in ("", "all"):
            whole = argument.lower() == "all"
            return [answer, FollowUp(lambda: export(runtime, request, whole_record=whole))]
        return answer

    @routes.action(ids.CPD_LOG_OPEN)
    def open_blank(request: Request) -> Reply:
        return log_form(request, rules)

    @routes.action(ids.CPD_LOG_DRAFT)
    def open_draft(request: Request) -> Reply:
        draft = _draft(request.value, "the button's draft")
        if draft is None:
            return log_form(request, rules)
        with runtime.db.reading() as session:
            done = bool(draft.source_ref) and cpd.already_logged(session, request.actor.member_id, draft.source,
                                                                 draft.source_ref or "")
        if done:
            return Answer(ui.note(f":white_check_mark: *{escape(draft.activity)}* is in your CPD record already "
                                  "(`/tech cpd`)."))
        return log_form(request, rules, draft)

    @routes.form(ids.CPD_MODAL)
    def logged(request: Request) -> Reply:
        """Validate and save in the ack, so each problem shows by its field."""
        actor = request.actor
        draft = _draft(request.metadata, "the form's draft")
        form = form_values(request)
        today = request_today(request)
        try:
            with runtime.db.transaction() as session:
                entry = cpd.log_entry(session, actor, form, rules=rules, today=today,
                                      now=now(), submission_id=request.submission or None,
                                      source=draft.source if draft else cpd.MANUAL,
                                      source_ref=draft.source_ref if draft else None)
                progress = cpd.progress(session, actor.member_id, rules=rules, today=today)
        except cpd.InvalidEntry as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.CPD_ACTIVITY: e.message})
        return UpdateForm(views.logged_form(entry, progress, rules))

    @routes.action(ids.CPD_DELETE)
    def delete(request: Request) -> Reply:
        entry_id = payload_id(request.value, f"{request.action_id}'s entry")
        try:
            with runtime.db.transaction() as session:
                gone = cpd.delete_entry(session, request.actor, entry_id)
            note = f":wastebasket: Deleted *{escape(gone.activity)}* ({gone.amount_text(rules)}) from your record."
        except DomainError as e:
            note = f":no_entry: {escape(e.message)}"
        return Answer(progress_reply(runtime, request, note=note), replace=True)

    @routes.action(ids.CPD_EXPORT, after_ack=True)
    def export_pressed(request: Request) -> Reply:
        return export(runtime, request, whole_record=request.value == "all")

    runtime.home_sections.append(HomeSection(HOME_ORDER, "your development", home_section))


# Replies -------------------------------------------------------------------------------

def cpd_reply(runtime: Services, request: Request, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech cpd ...` within the ack: database reads, nothing sent."""
    actor = request.actor
    rules = rules_for(runtime)
    if verb == "" and not argument:
        return progress_reply(runtime, request)
    if verb == "help":
        return ui.note(_usage(actor))
    if verb == "log" and not argument:
        return ui.note(":pencil: Opening the CPD form…")
    if verb == "export" and argument.lower() in ("", "all"):
        whole = argument.lower() == "all"
        with runtime.db.reading() as session:
            _, rows = cpd.entries(session, actor, rules=rules, today=request_today(request), whole_record=whole)
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


def progress_reply(runtime: Services, request: Request, *, note: str | None = None) -> ui.Message:
    rules = rules_for(runtime)
    with runtime.db.reading() as session:
        progress = cpd.progress(session, request.actor.member_id, rules=rules, today=request_today(request))
    return ui.message(views.progress_blocks(progress, rules, note=note))


def _usage(actor: Actor) -> str:
    return views.CPD_USAGE + ("\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")


def log_form(request: Request, rules: CpdRules, draft: CpdDraft | None = None) -> OpenForm:
    """The CPD log form, prefilled from `draft`."""
    return OpenForm(views.log_form(request_today(request), draft, topics=rules.topics))


def export(runtime: Services, request: Request, *, whole_record: bool = False) -> Reply:
    """The member's CSV, sent to them privately (slow for a long record: run it after the ack)."""
    rules = rules_for(runtime)
    actor = request.actor
    with runtime.db.reading() as session:
        filename, data, count = cpd.export_csv(session, actor, rules=rules, today=request_today(request),
                                               whole_record=whole_record)
    if not count:
        return DirectMessage(actor.member_id, ui.note("Your CPD record has nothing to export yet."))
    return SendFile(ui.File(filename, data, mime="text/csv", title=filename,
                            comment=f"Your CPD record ({count} entr{'y' if count == 1 else 'ies'}), ready for your "
                                    "appraisal (PDR)."))


def home_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    rules = rules_for(runtime)
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


def form_values(request: Request) -> cpd.EntryForm:
    given = request.values
    return cpd.EntryForm(done_on=field_day(given, ids.CPD_DONE_ON), activity=field_text(given, ids.CPD_ACTIVITY),
                         category=field_choice(given, ids.CPD_CATEGORY), amount=field_text(given, ids.CPD_AMOUNT),
                         unit=field_choice(given, ids.CPD_UNIT) or cpd.HOURS, note=field_text(given, ids.CPD_NOTE),
                         link=field_text(given, ids.CPD_LINK), topic=field_choice(given, ids.CPD_TOPIC))
