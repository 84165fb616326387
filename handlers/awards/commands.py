"""`/tech awards ...`: list, mine, new (organisers' form), close, figures, review, export, audit."""

from __future__ import annotations

from typing import Any, Literal, overload

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.views import moments
from core.commands import COMMAND
from core.markup import escape
from bot.runtime import Runtime
from handlers._common import (chosen, field_errors, member_tz, moment_picked, not_known, picked, refused, say,
                              typed, typed_id, user_picked, users_picked, values, verb_and_argument)
from handlers.awards import panel_views, views
from handlers.awards.common import _unit
from handlers.awards.panel import _check_export, _exportable, _send_export
from handlers.help import visible
from storage import awards, members
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor


def register(app: App, runtime: Runtime) -> None:
    awards_matcher = runtime.subcommands.matcher("awards", owner=__name__)

    def awards_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        verb, argument = verb_and_argument(body)
        try:
            ack(**_awards_reply(runtime, actor, verb, argument))
        except DomainError as e:
            ack(**refused(e))

    def awards_lazy(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        verb, argument = verb_and_argument(body)
        if verb == "new" and actor.has(members.Role.ORGANISER):
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.render_form(views.new_cycle_modal(sorted(runtime.grants.panel))))
        elif verb == "export":
            try:
                number = _cycle_number(argument, required=False)
                with runtime.db.reading() as session:
                    _exportable(session, actor, number)
            except DomainError:
                return  # the ack has said why (and recorded a refusal)
            _send_export(runtime, actor, number)

    app.command(COMMAND, matchers=[awards_matcher])(ack=awards_ack, lazy=[awards_lazy])

    def new_cycle_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        try:
            form = _new_cycle_values(values(view))
            with runtime.db.transaction() as session:
                cycle = awards.open_cycle(session, actor, now=now(), default_panel=runtime.grants.panel,
                                          **form)
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.AWARDS_NAME: e.message}))
            return
        tz = member_tz(runtime, actor)
        where = f"<#{runtime.settings.network_channel}>" if runtime.settings.network_channel else \
            "the network channel (TECHNET_NETWORK_CHANNEL is not set, so nothing will be posted)"
        ack(response_action="update", view=blocks.render_form(views.done_view("Award cycle opened", (
            f"*{escape(cycle.title)}* (cycle `{cycle.id}`) takes nominations from {moments.when(cycle.opens_at, tz)} "
            f"to {moments.when(cycle.closes_at, tz)}. The opening, a reminder three days before the close and "
            f"the close are posted in {where}. Panel: {', '.join(f'<@{p}>' for p in cycle.panel)}; "
            f"chair <@{cycle.chair}>."))))

    app.view(ids.AWARDS_NEW_MODAL)(new_cycle_submitted)


def _awards_reply(runtime: Runtime, actor: Actor, verb: str, argument: str) -> dict[str, Any]:
    tz = member_tz(runtime, actor)
    moment = now()
    if verb in ("", "help"):
        return _usage(runtime, actor)
    if verb == "list":
        with runtime.db.reading() as session:
            return blocks.ephemeral(views.cycles_blocks(awards.all_cycles(session, moment), tz))
    if verb == "mine":
        with runtime.db.reading() as session:
            copies = awards.my_nominations(session, actor, now=moment)
        return blocks.ephemeral(views.my_nominations_blocks(copies, tz))
    if verb == "new":
        actor.require(members.Role.ORGANISER, "open award cycles")
        return say(":trophy: Opening the form for a new award cycle…")
    if verb == "close":
        closing = _cycle_number(argument, required=True)
        with runtime.db.transaction() as session:
            cycle = awards.close_cycle(session, actor, closing, now=moment)
        return say(f":lock: *{escape(cycle.title)}* is closed to nominations; the closing post goes out shortly.")
    if verb == "figures":
        with runtime.db.reading() as session:
            rows = awards.figures(session, actor, now=moment, min_group=runtime.settings.report_min_group)
        return blocks.ephemeral(views.figures_blocks(rows, runtime.settings.report_min_group))
    if verb == "review":
        number = _cycle_number(argument, required=False)
        review = _unit(runtime, lambda s: awards.review(s, actor, number, now=moment))
        return blocks.ephemeral(panel_views.review_blocks(review, tz))
    if verb == "export":
        cycle = _check_export(runtime, actor, _cycle_number(argument, required=False))
        return say(f":outbox_tray: Exporting the nominations of *{escape(cycle.title)}*: the CSV arrives in a "
                   "direct message in a moment. The export is recorded in the audit log.")
    if verb == "audit":
        number = _cycle_number(argument, required=False)
        info, lines = _unit(runtime, lambda s: awards.audit_log(s, actor, number, now=moment))
        return blocks.ephemeral(panel_views.audit_blocks(info, lines, tz))
    return _usage(runtime, actor, first=not_known("awards", f"{verb} {argument}"))


def _usage(runtime: Runtime, actor: Actor, *, first: ui.Markup | None = None) -> dict[str, Any]:
    """The awards commands this member may use; `first` says what was wrong with what they typed."""
    lines = [(c.usage, c.summary) for c in visible(runtime.content, actor.roles) if c.subcommand == "awards"]
    text = runtime.templates.get_template("awards_usage.md.j2").render(lines=lines)
    return blocks.ephemeral([ui.section(t) for t in (first, text) if t is not None])


@overload
def _cycle_number(argument: str, *, required: Literal[True]) -> int: ...
@overload
def _cycle_number(argument: str, *, required: bool) -> int | None: ...
def _cycle_number(argument: str, *, required: bool) -> int | None:
    if not argument.strip() and not required:
        return None
    return typed_id(argument, "Give the cycle's number, e.g. `/tech awards review 3`; `/tech awards list` shows them.")


def _new_cycle_values(values: dict[str, Any]) -> dict[str, Any]:
    closes = moment_picked(values, ids.AWARDS_CLOSES)
    if closes is None:
        raise DomainError("Choose when nominations close.", field=ids.AWARDS_CLOSES)
    rules = set(picked(values, ids.AWARDS_RULES))
    criteria = (typed(values, ids.AWARDS_CRITERIA) or "").splitlines()
    return dict(
        name=typed(values, ids.AWARDS_NAME) or "", description=typed(values, ids.AWARDS_DESCRIPTION) or "",
        criteria=criteria, label=typed(values, ids.AWARDS_LABEL) or "",
        opens_at=moment_picked(values, ids.AWARDS_OPENS),
        closes_at=closes, allow_self="allow_self" in rules, allow_team="allow_team" in rules,
        notify_nominees=chosen(values, ids.AWARDS_NOTIFY) or awards.NOTIFY_NEVER,
        panel=users_picked(values, ids.AWARDS_PANEL),
        chair=user_picked(values, ids.AWARDS_CHAIR),
    )
