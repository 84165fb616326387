"""`/tech profile`: edit your profile or see a colleague's card; the welcome DM on joining the network channel.

`/tech profile` opens the profile form (also from the Home tab's and the welcome DM's
buttons); `/tech profile @colleague` shows the colleague's card, only what they show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

import content
from bot import blocks
from core import ids, ui
from core.commands import COMMAND, split
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import Runtime
from bot.slack_refs import member_details, slack_identity
from handlers._common import chosen, picked, typed, values
from handlers.home import publish_home
from handlers.profile_views import (
    FIELD_BLOCKS,
    LISTED,
    PROFILE_USAGE,
    SPOTLIGHT,
    card_blocks,
    profile_modal,
    welcome_blocks,
)
from storage import profiles, registration
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor
from storage.models import Member

log = logging.getLogger(__name__)
EDIT_WORDS = ("", "edit", "me")
# Slack shows at most 100 options in a static select; one place is kept for "Other".
MAX_DEPARTMENTS = 99


def register(app: App, runtime: Runtime) -> None:
    departments = load_departments(runtime)
    guide = registration.load_guide(runtime.settings.content_dir)

    def profile_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Open the form (in the lazy listener), or show a colleague's card in the ack."""
        rest = split(body.get("text"))[1].strip()
        if rest.lower() in EDIT_WORDS:
            ack(**blocks.ephemeral([ui.section(":pencil2: Opening your profile…"), ui.context(PROFILE_USAGE)]))
        elif rest.lower() == "help":
            ack(**blocks.ephemeral([ui.section(PROFILE_USAGE)]))
        else:
            ack(**colleague_card(runtime, context["actor"], rest, body.get("team_id"), guide))

    def open_own_profile(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if split(body.get("text"))[1].strip().lower() in EDIT_WORDS:
            open_profile_form(runtime, client, context["actor"], body["trigger_id"], departments, guide)

    def open_from_button(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        open_profile_form(runtime, client, context["actor"], body["trigger_id"], departments, guide)

    def save(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so errors show next to their fields."""
        changes = profiles.ProfileChanges(**form_values(values(view)))
        try:
            with runtime.db.transaction() as session:
                profiles.save_profile(session, context["actor"], changes, now=now())
        except profiles.InvalidProfile as e:
            ack(response_action="errors",
                errors={FIELD_BLOCKS.get(name, ids.PROFILE_SKILLS): message for name, message in e.errors.items()})
            return
        context["profile_saved"] = True
        ack()

    def refresh_home(context: BoltContext, client: WebClient) -> None:
        if context.get("profile_saved"):
            publish_home(runtime, client, context["actor"])

    def suggestions(kind: str) -> Callable[[Ack, dict[str, Any]], None]:
        def suggest_tags(ack: Ack, body: dict[str, Any]) -> None:
            """Tags as the member types: what they typed (if new), then the most used matches."""
            with runtime.db.reading() as session:
                typed = body.get("value")
                labels = profiles.suggest_tags(session, kind, typed if isinstance(typed, str) else "")
            ack(options=[blocks.render_option(ui.option(label, label)).to_dict() for label in labels])

        return suggest_tags

    def welcome(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("channel") == runtime.settings.network_channel and context.get("actor") is not None:
            welcome_member(runtime, client, context["actor"], event["channel"])

    def account_changed(event: dict[str, Any]) -> None:
        """A Slack account changed: a new name, or a deactivation that takes them out of the directory."""
        user = event.get("user") or {}
        if isinstance(user, dict) and user.get("id"):
            with runtime.db.transaction() as session:
                profiles.refresh_member(session, slack_identity(user["id"]), member_details(user), now=now())

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("profile", owner=__name__)])(
        ack=profile_command, lazy=[open_own_profile])
    app.action(ids.PROFILE_EDIT)(ack=ack_only, lazy=[open_from_button])
    app.view(ids.PROFILE_MODAL)(ack=save, lazy=[refresh_home])
    app.options(ids.PROFILE_SKILLS)(suggestions(profiles.SKILL))
    app.options(ids.PROFILE_EQUIPMENT)(suggestions(profiles.EQUIPMENT))
    app.event("member_joined_channel")(ack=ack_only, lazy=[welcome])
    app.event("user_change")(account_changed)


def load_departments(runtime: Runtime) -> list[str]:
    """content/departments.yaml (or the deployment's copy), checked at start-up."""
    data = content.load_yaml("departments.yaml", runtime.settings.content_dir) or {}
    raw = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise content.ContentError("departments.yaml: expected a list under 'departments'")
    names = list(dict.fromkeys(profiles.normalise_label(str(d)) for d in raw if d is not None))
    names = [n for n in names if n]
    too_long = [n for n in names if len(n) > 75]
    if too_long:
        raise content.ContentError(f"departments.yaml: Slack shows at most 75 characters; shorten {too_long[0]!r}")
    if len(names) > MAX_DEPARTMENTS:
        raise content.ContentError(f"departments.yaml: at most {MAX_DEPARTMENTS} departments fit in a Slack menu")
    return names


def form_values(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted modal (its state.values) as plain values."""
    visibility = set(picked(values, ids.PROFILE_VISIBILITY))
    return {
        "job_title": typed(values, ids.PROFILE_JOB_TITLE),
        "department_choice": chosen(values, ids.PROFILE_DEPARTMENT),
        "department_other": typed(values, ids.PROFILE_DEPARTMENT_OTHER),
        "fte": typed(values, ids.PROFILE_FTE),
        "skills": picked(values, ids.PROFILE_SKILLS),
        "equipment": picked(values, ids.PROFILE_EQUIPMENT),
        "bio": typed(values, ids.PROFILE_BIO),
        "listed": LISTED in visibility,
        "spotlight_opt_in": SPOTLIGHT in visibility,
        "public_fields": picked(values, ids.PROFILE_PUBLIC_FIELDS),
    }


def registration_status(session: Session, member_id: int, guide: registration.Guide) -> str | None:
    """The member's professional registration (None if not recorded): the registration feature owns it."""
    return registration.status_label(session, member_id, guide)


def card_registration(session: Session, card: profiles.Card, guide: registration.Guide) -> str | None:
    """What the card says of the registration: recorded, and shown by its owner's choice; else nothing."""
    return registration_status(session, card.member_id, guide) if card.shows_registration else None


def registrations_shown(session: Session, viewer: Actor, slack_user_ids: Iterable[str],
                        guide: registration.Guide) -> dict[str, str]:
    """Each colleague's registration line as their card shows it to `viewer` (the directory's results)."""
    lines = {user_id: card_registration(session, profiles.card_for(session, viewer, user_id), guide)
             for user_id in slack_user_ids}
    return {user_id: line for user_id, line in lines.items() if line}


def open_profile_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str,
                      departments: list[str], guide: registration.Guide) -> None:
    with runtime.db.reading() as session:
        member = session.get_one(Member, actor.member_id)
        status = registration_status(session, member.id, guide) or registration.NOT_RECORDED
        where = " (`/tech register` records it)" if "register" in runtime.subcommands.names else ""
        form = profile_modal(member, profiles.find_profile(session, member.id), departments, status, where)
    client.views_open(trigger_id=trigger_id, view=blocks.render_form(form))


def colleague_card(runtime: Runtime, actor: Actor, text: str, team_id: str | None,
                   guide: registration.Guide) -> dict[str, Any]:
    try:
        with runtime.db.reading() as session:
            card = profiles.card_for(session, actor, profiles.resolve_colleague(session, text))
            status = card_registration(session, card, guide)
    except DomainError as e:
        return blocks.ephemeral([ui.section(f":information_source: {escape(e.message)}")])
    return blocks.ephemeral(card_blocks(card, registration=status, team_id=team_id))


def welcome_member(runtime: Runtime, client: WebClient, actor: Actor, channel_id: str) -> None:
    """A DM once per member, ever: not again on a rejoin, nor when Slack redelivers the event."""
    with runtime.db.transaction() as session:
        member = session.get_one(Member, actor.member_id)
        if member.is_bot or member.deactivated:
            return
        if not profiles.claim_welcome(session, member.id, channel_id, surface=actor.identity.surface, now=now()):
            return
        name = member.name
    commands = [c for c in runtime.content.commands if c.role == "member"]
    text = runtime.templates.get_template("profile_welcome.md.j2").render(name=name, commands=commands)
    try:
        client.chat_postMessage(channel=actor.user_id, **blocks.message(welcome_blocks(text)))
    except SlackApiError:
        # Not welcomed after all: a later join may try again.
        with runtime.db.transaction() as session:
            profiles.release_welcome(session, actor.member_id)
        raise
