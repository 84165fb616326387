"""The panel's buttons and forms: read and score, shortlist, winner, export, and announcing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core import ids, ui
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, FollowUp, OpenForm, Reply, Request, SendFile, UpdateForm
from handlers._common import field_choice, field_text, malformed, payload_count, payload_id
from handlers.awards import panel_views, views
from handlers.awards.common import _unit
from storage import awards
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:  # noqa: C901 - one handler a button or form
    routes = runtime.routes

    @routes.action(ids.AWARDS_READ)
    def read_and_score(request: Request) -> Reply:
        actor = request.actor
        cycle_id, key, _ = parse_value(request.value)
        cycle, summary = _unit(runtime, lambda s: awards.nominee_detail(s, actor, cycle_id, key, now=now()))
        return OpenForm(panel_views.score_modal(cycle, summary, request.tz))

    @routes.form(ids.AWARDS_SCORE_MODAL)
    def score_submitted(request: Request) -> Reply:
        actor = request.actor
        cycle_id, key, _ = parse_value(request.metadata)
        given = request.values
        # Read before the unit of work: a malformed score is not a panel refusal to audit.
        scored = {i: _int(field_choice(given, f"{ids.AWARDS_SCORE_PREFIX}{i}")) for i in range(len(given))}
        try:
            def work(session: Session) -> awards.NomineeSummary:
                cycle = awards.get_cycle(session, cycle_id, now())
                scores = {c: scored.get(i) for i, c in enumerate(cycle.criteria)}
                return awards.score_nominee(session, actor, cycle_id, key, scores, now=now())

            summary = _unit(runtime, work)
        except DomainError as e:
            return ui.FieldErrors({e.field or f"{ids.AWARDS_SCORE_PREFIX}0": e.message})
        average = f"{summary.average:.1f}/5" if summary.average is not None else "none"
        return UpdateForm(views.done_view("Scores saved", (
            f"Your scores for *{escape(summary.name)}* are saved. Average now {average}, "
            f"from {plural(summary.scorers, 'panel member')}.")))

    def panel_change(change: Callable[[Session, Actor, int, str], Any]) -> Callable[[Request], Reply]:
        def changed(request: Request) -> Reply:
            actor = request.actor
            cycle_id, key, page = parse_value(request.value)

            def work(session: Session) -> awards.Review:
                if key:
                    change(session, actor, cycle_id, key)
                return awards.review(session, actor, cycle_id, now=now())

            review = _unit(runtime, work)
            return Answer(ui.message(panel_views.review_blocks(review, request.tz, page=page)), replace=True)

        return changed

    def shortlist_toggle(session: Session, actor: Actor, cycle_id: int, key: str) -> Any:
        _, summary = awards.nominee_detail(session, actor, cycle_id, key, now=now(), audit=False)
        return awards.set_shortlisted(session, actor, cycle_id, key, not summary.shortlisted, now=now())

    routes.action(ids.AWARDS_SHORTLIST)(panel_change(shortlist_toggle))
    routes.action(ids.AWARDS_WINNER)(panel_change(lambda s, a, c, k: awards.mark_winner(s, a, c, k, now=now())))
    routes.action(ids.AWARDS_PAGE)(panel_change(lambda *_: None))

    @routes.action(ids.AWARDS_EXPORT, after_ack=True)  # a CSV of every nomination
    def export_button(request: Request) -> Reply:
        return SendFile(_export_file(runtime, request, parse_value(request.value)[0]))

    # Announcing: a preview to approve, then the post ------------------------------------
    @routes.action(ids.AWARDS_ANNOUNCE)
    def open_announce(request: Request) -> Reply:
        actor = request.actor
        cycle_id, _, _ = parse_value(request.value)
        draft, people = _unit(runtime, lambda s: (awards.announcement_draft(s, actor, cycle_id, now=now()),
                                                  awards.announcement_people(s, cycle_id, now=now())))
        text = runtime.templates.get_template("awards_announcement.md.j2").render(
            cycle=draft.cycle, winner=_mentions(draft.winner), shortlist=[_mentions(r) for r in draft.shortlist])
        return OpenForm(panel_views.announce_modal(draft.cycle, text, people))

    @routes.form(ids.AWARDS_ANNOUNCE_MODAL)
    def announce_submitted(request: Request) -> Reply:
        actor = request.actor
        cycle_id = parse_value(request.metadata)[0]
        text = field_text(request.values, ids.AWARDS_ANNOUNCE_TEXT) or ""
        channel = runtime.settings.network_channel
        if not channel:
            return ui.FieldErrors({ids.AWARDS_ANNOUNCE_TEXT: (
                "No network channel is configured (TECHNET_NETWORK_CHANNEL), so there is nowhere to post.")})
        try:
            draft = _unit(runtime, lambda s: awards.approve_announcement(s, actor, cycle_id, text, now=now()))
        except DomainError as e:
            return ui.FieldErrors({ids.AWARDS_ANNOUNCE_TEXT: e.message})
        return [UpdateForm(views.done_view("Announcing", (
                    f"The winner of *{escape(draft.cycle.title)}* is being announced in <#{channel}>."))),
                FollowUp(lambda: _post_announcement(runtime, channel, draft.cycle.id))]


def _post_announcement(runtime: Services, channel: str, cycle_id: int) -> None:
    with runtime.db.transaction() as session:
        text = awards.begin_announcement_post(session, cycle_id)
        people = awards.announcement_people(session, cycle_id, now=now()) if text is not None else frozenset()
    if text is None:
        return  # posted (or being posted) already: the approval was delivered twice
    try:
        posted = runtime.delivery.post(channel, ui.message(panel_views.announcement_blocks(text, people)))
    except DeliveryError:
        with runtime.db.transaction() as session:
            awards.abandon_announcement(session, cycle_id)
        raise
    with runtime.db.transaction() as session:
        awards.finish_announcement_post(session, cycle_id, posted)


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


def _check_export(runtime: Services, actor: Actor, cycle_id: int | None) -> awards.CycleInfo:
    return _unit(runtime, lambda session: _exportable(session, actor, cycle_id))


def _export_file(runtime: Services, request: Request, cycle_id: int | None) -> ui.File:
    """The CSV, for the asker alone (SendFile sends it to them privately)."""
    filename, data = _unit(runtime, lambda s: awards.export_csv(s, request.actor, cycle_id, tz=request.tz, now=now()))
    return ui.File(filename, data, mime="text/csv",
                   comment="The nominations you asked for. Confidential: for the panel only.")


def _mentions(ref: awards.NomineeRef) -> str:
    people = ", ".join(f"<@{u}>" for u in ref.user_ids)
    return f"the {ref.team_name} team ({people})" if ref.team_name else people


def _int(value: str | None) -> int | None:
    # The scoring form offers 1 to 5; the rule (storage) refuses a missing or other score.
    return payload_count(value, "a score", most=5) if value else None
