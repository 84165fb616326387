"""The panel's buttons and forms: read and score, shortlist, winner, export, and announcing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import blocks
from core import ids, ui
from bot.listeners import ack_only, after_ack
from core.markup import escape
from bot.runtime import Runtime
from handlers._common import (button_value, chosen, field_errors, malformed, member_tz, payload_count,
                              payload_id, text_metadata, typed, values)
from handlers.awards import panel_views, views
from handlers.awards.common import _unit
from storage import awards
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor
from storage.words import plural


def register(app: App, runtime: Runtime) -> None:
    def read_and_score(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                       context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, key, _ = parse_value(button_value(action))
        cycle, summary = _unit(runtime, lambda s: awards.nominee_detail(s, actor, cycle_id, key, now=now()))
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.render_form(panel_views.score_modal(cycle, summary, member_tz(runtime, actor))))

    def score_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, key, _ = parse_value(text_metadata(view))
        given = values(view)
        # Read before the unit of work: a malformed score is not a panel refusal to audit.
        scored = {i: _int(chosen(given, f"{ids.AWARDS_SCORE_PREFIX}{i}")) for i in range(len(given))}
        try:
            def work(session: Session) -> awards.NomineeSummary:
                cycle = awards.get_cycle(session, cycle_id, now())
                scores = {c: scored.get(i) for i, c in enumerate(cycle.criteria)}
                return awards.score_nominee(session, actor, cycle_id, key, scores, now=now())

            summary = _unit(runtime, work)
        except DomainError as e:
            first = f"{ids.AWARDS_SCORE_PREFIX}0"
            ack(response_action="errors", errors=field_errors(view, {e.field or first: e.message}))
            return
        average = f"{summary.average:.1f}/5" if summary.average is not None else "none"
        ack(response_action="update", view=blocks.render_form(views.done_view("Scores saved", (
            f"Your scores for *{escape(summary.name)}* are saved. Average now {average}, "
            f"from {plural(summary.scorers, 'panel member')}."))))

    app.action(ids.AWARDS_READ)(ack=ack_only, lazy=[read_and_score])
    app.view(ids.AWARDS_SCORE_MODAL)(score_submitted)

    def panel_change(change: Callable[[Session, Actor, int, str], Any]) -> Callable[..., None]:
        def changed(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                    respond: Respond) -> None:
            actor = context["actor"]
            cycle_id, key, page = parse_value(button_value(action))

            def work(session: Session) -> awards.Review:
                if key:
                    change(session, actor, cycle_id, key)
                return awards.review(session, actor, cycle_id, now=now())

            review = _unit(runtime, work)
            reply = blocks.ephemeral(panel_views.review_blocks(review, member_tz(runtime, actor), page=page))
            respond(replace_original=True, **reply)

        return changed

    def shortlist_toggle(session: Session, actor: Actor, cycle_id: int, key: str) -> Any:
        _, summary = awards.nominee_detail(session, actor, cycle_id, key, now=now(), audit=False)
        return awards.set_shortlisted(session, actor, cycle_id, key, not summary.shortlisted, now=now())

    app.action(ids.AWARDS_SHORTLIST)(ack=ack_only, lazy=[panel_change(shortlist_toggle)])
    app.action(ids.AWARDS_WINNER)(ack=ack_only, lazy=[panel_change(
        lambda s, a, c, k: awards.mark_winner(s, a, c, k, now=now()))])
    app.action(ids.AWARDS_PAGE)(ack=ack_only, lazy=[panel_change(lambda *_: None)])

    def export_button(action: dict[str, Any], context: BoltContext) -> None:
        cycle_id, _, _ = parse_value(button_value(action))
        _send_export(runtime, context["actor"], cycle_id)

    app.action(ids.AWARDS_EXPORT)(ack=ack_only, lazy=[export_button])

    # Announcing: a preview to approve, then the post ------------------------------------
    def open_announce(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                      context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, _, _ = parse_value(button_value(action))
        draft, people = _unit(runtime, lambda s: (awards.announcement_draft(s, actor, cycle_id, now=now()),
                                                  awards.announcement_people(s, cycle_id, now=now())))
        text = runtime.templates.get_template("awards_announcement.md.j2").render(
            cycle=draft.cycle, winner=_mentions(draft.winner), shortlist=[_mentions(r) for r in draft.shortlist])
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.render_form(panel_views.announce_modal(draft.cycle, text, people)))

    def announce_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                           context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, text = _announcing(view)
        if not runtime.settings.network_channel:
            ack(response_action="errors", errors={ids.AWARDS_ANNOUNCE_TEXT: (
                "No network channel is configured (TECHNET_NETWORK_CHANNEL), so there is nowhere to post.")})
            return
        try:
            draft = _unit(runtime, lambda s: awards.approve_announcement(s, actor, cycle_id, text, now=now()))
        except DomainError as e:
            ack(response_action="errors", errors={ids.AWARDS_ANNOUNCE_TEXT: e.message})
            return
        ack(response_action="update", view=blocks.render_form(views.done_view("Announcing", (
            f"The winner of *{escape(draft.cycle.title)}* is being announced in "
            f"<#{runtime.settings.network_channel}>."))))
        after_ack(runtime, body, client, context, lambda: post_announcement(client, draft.cycle.id))

    def post_announcement(client: WebClient, cycle_id: int) -> None:
        with runtime.db.transaction() as session:
            text = awards.begin_announcement_post(session, cycle_id)
            people = awards.announcement_people(session, cycle_id, now=now()) if text is not None else frozenset()
        if text is None:
            return  # posted (or being posted) already: Slack delivered the approval twice
        try:
            posted = client.chat_postMessage(channel=runtime.settings.network_channel or "",
                                             **blocks.message(panel_views.announcement_blocks(text, people)))
        except SlackApiError:
            with runtime.db.transaction() as session:
                awards.abandon_announcement(session, cycle_id)
            raise
        with runtime.db.transaction() as session:
            awards.finish_announcement_post(session, cycle_id, str(posted["ts"]))

    app.action(ids.AWARDS_ANNOUNCE)(ack=ack_only, lazy=[open_announce])
    app.view(ids.AWARDS_ANNOUNCE_MODAL)(announce_submitted)


def parse_value(value: str) -> tuple[int, str, int]:
    """The (cycle, nominee key, page) a panel button or form carries back (panel_views._value wrote it)."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("n", ""), str):
        raise malformed("a panel button's value is not a cycle's")
    return (payload_id(str(data.get("c")), "a panel button's cycle"), data.get("n", ""),
            payload_count(str(data.get("p", 0)), "a panel button's page"))


def _exportable(session: Session, actor: Actor, cycle_id: int | None) -> awards.CycleInfo:
    cycle = awards.panel_cycle(session, actor, cycle_id, action="export nominations", now=now())
    if cycle.state in (awards.UPCOMING, awards.OPEN):
        raise DomainError(f"{cycle.title} is still open for nominations; export it once it closes.")
    return cycle


def _check_export(runtime: Runtime, actor: Actor, cycle_id: int | None) -> awards.CycleInfo:
    return _unit(runtime, lambda session: _exportable(session, actor, cycle_id))


def _send_export(runtime: Runtime, actor: Actor, cycle_id: int | None) -> None:
    """The CSV goes to the asker alone, through Slack's upload flow (upload URL, then complete)."""
    tz = member_tz(runtime, actor)
    filename, data = _unit(runtime, lambda s: awards.export_csv(s, actor, cycle_id, tz=tz, now=now()))
    runtime.delivery.upload(actor.slack_user_id, ui.File(
        filename, data, mime="text/csv", comment="The nominations you asked for. Confidential: for the panel only."))


def _mentions(ref: awards.NomineeRef) -> str:
    people = ", ".join(f"<@{u}>" for u in ref.user_ids)
    return f"the {ref.team_name} team ({people})" if ref.team_name else people


def _announcing(view: dict[str, Any]) -> tuple[int, str]:
    """The cycle an announcement form is about, and its text (the ack and the post after it read both)."""
    return parse_value(text_metadata(view))[0], typed(values(view), ids.AWARDS_ANNOUNCE_TEXT) or ""


def _int(value: str | None) -> int | None:
    # The scoring form offers 1 to 5; the rule (storage) refuses a missing or other score.
    return payload_count(value, "a score", most=5) if value else None
