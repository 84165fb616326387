"""`/tech awards ...`: list, mine, new (organisers' form), close, figures, review, export, audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, FollowUp, OpenForm, Reply, Request, SendFile, UpdateForm
from core.views import moments
from handlers._common import field_choice, field_choices, field_ids, field_moment, field_text, not_known, \
    refusal, typed_id
from handlers.awards import panel_views, views
from handlers.awards.common import _unit
from handlers.awards.panel import _check_export, _export_file
from handlers.help import visible
from storage import awards, members
from storage.clock import now
from storage.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from core.services import Services


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("awards", owner=__name__)
    def awards_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            return _awards_reply(runtime, request, verb, argument)
        except DomainError as e:
            return Answer(refusal(e))

    @routes.form(ids.AWARDS_NEW_MODAL)
    def new_cycle_submitted(request: Request) -> Reply:
        try:
            form = _new_cycle_values(request.values)
            with runtime.db.transaction() as session:
                cycle = awards.open_cycle(session, request.actor, now=now(), default_panel=runtime.grants.panel,
                                          **form)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.AWARDS_NAME: e.message})
        tz = request.tz
        where = f"<#{runtime.settings.network_channel}>" if runtime.settings.network_channel else \
            "the network channel (TECHNET_NETWORK_CHANNEL is not set, so nothing will be posted)"
        return UpdateForm(views.done_view("Award cycle opened", (
            f"*{escape(cycle.title)}* (cycle `{cycle.id}`) takes nominations from {moments.when(cycle.opens_at, tz)} "
            f"to {moments.when(cycle.closes_at, tz)}. The opening, a reminder three days before the close and "
            f"the close are posted in {where}. Panel: {', '.join(f'<@{p}>' for p in cycle.panel)}; "
            f"chair <@{cycle.chair}>.")))


def _awards_reply(runtime: Services, request: Request, verb: str, argument: str) -> Reply:  # noqa: C901 - a verb a branch
    actor, tz = request.actor, request.tz
    moment = now()
    if verb in ("", "help"):
        return _usage(runtime, request)
    if verb == "list":
        with runtime.db.reading() as session:
            return Answer(ui.message(views.cycles_blocks(awards.all_cycles(session, moment), tz)))
    if verb == "mine":
        with runtime.db.reading() as session:
            copies = awards.my_nominations(session, actor, now=moment)
        return Answer(ui.message(views.my_nominations_blocks(copies, tz)))
    if verb == "new":
        actor.require(members.Role.ORGANISER, "open award cycles")
        return [Answer(ui.note(":trophy: Opening the form for a new award cycle…")),
                OpenForm(views.new_cycle_modal(sorted(i.external_id for i in runtime.grants.panel)))]
    if verb == "close":
        closing = _cycle_number(argument, required=True)
        with runtime.db.transaction() as session:
            cycle = awards.close_cycle(session, actor, closing, now=moment)
        return Answer(ui.note(f":lock: *{escape(cycle.title)}* is closed to nominations; the closing post goes out "
                              "shortly."))
    if verb == "figures":
        with runtime.db.reading() as session:
            rows = awards.figures(session, actor, now=moment, min_group=runtime.settings.report_min_group)
        return Answer(ui.message(views.figures_blocks(rows, runtime.settings.report_min_group)))
    if verb == "review":
        number = _cycle_number(argument, required=False)
        review = _unit(runtime, lambda s: awards.review(s, actor, number, now=moment))
        return Answer(ui.message(panel_views.review_blocks(review, tz)))
    if verb == "export":
        exporting = _cycle_number(argument, required=False)
        cycle = _check_export(runtime, actor, exporting)
        return [Answer(ui.note(f":outbox_tray: Exporting the nominations of *{escape(cycle.title)}*: the CSV arrives "
                               "in a direct message in a moment. The export is recorded in the audit log.")),
                FollowUp(lambda: SendFile(_export_file(runtime, request, exporting)))]
    if verb == "audit":
        number = _cycle_number(argument, required=False)
        info, lines = _unit(runtime, lambda s: awards.audit_log(s, actor, number, now=moment))
        return Answer(ui.message(panel_views.audit_blocks(info, lines, tz)))
    return _usage(runtime, request, first=not_known("awards", f"{verb} {argument}"))


def _usage(runtime: Services, request: Request, *, first: ui.Markup | None = None) -> Answer:
    """The awards commands this member may use; `first` says what was wrong with what they typed."""
    lines = [(c.usage, c.summary) for c in visible(runtime.content, request.actor.roles) if c.subcommand == "awards"]
    text = runtime.templates.get_template("awards_usage.md.j2").render(lines=lines)
    return Answer(ui.message([ui.section(t) for t in (first, text) if t is not None]))


@overload
def _cycle_number(argument: str, *, required: Literal[True]) -> int: ...
@overload
def _cycle_number(argument: str, *, required: bool) -> int | None: ...
def _cycle_number(argument: str, *, required: bool) -> int | None:
    if not argument.strip() and not required:
        return None
    return typed_id(argument, "Give the cycle's number, e.g. `/tech awards review 3`; `/tech awards list` shows them.")


def _new_cycle_values(values: Mapping[str, ui.FieldValue]) -> dict[str, Any]:
    closes = field_moment(values, ids.AWARDS_CLOSES)
    if closes is None:
        raise DomainError("Choose when nominations close.", field=ids.AWARDS_CLOSES)
    rules = set(field_choices(values, ids.AWARDS_RULES))
    criteria = (field_text(values, ids.AWARDS_CRITERIA) or "").splitlines()
    return dict(
        name=field_text(values, ids.AWARDS_NAME) or "", description=field_text(values, ids.AWARDS_DESCRIPTION) or "",
        criteria=criteria, label=field_text(values, ids.AWARDS_LABEL) or "",
        opens_at=field_moment(values, ids.AWARDS_OPENS),
        closes_at=closes, allow_self="allow_self" in rules, allow_team="allow_team" in rules,
        notify_nominees=field_choice(values, ids.AWARDS_NOTIFY) or awards.NOTIFY_NEVER,
        panel=field_ids(values, ids.AWARDS_PANEL),
        chair=field_text(values, ids.AWARDS_CHAIR),
    )
