"""`/tech profile`: edit your profile or see a colleague's card; the welcome DM on joining the network channel.

`/tech profile` opens the profile form (also from the Home tab's and the welcome DM's
buttons); `/tech profile @colleague` shows the colleague's card, only what they show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

import content
from core import ids, ui
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, FollowUp, OpenForm, Options, RefreshHome, Request
from handlers._common import field_choice, field_choices, field_text
from handlers.profile_views import (
    FIELD_BLOCKS,
    LISTED,
    PROFILE_USAGE,
    PUBLIC_WEB,
    SPOTLIGHT,
    card_blocks,
    profile_modal,
    welcome_blocks,
)
from storage import profiles, registration
from storage.clock import now
from storage.errors import DomainError
from storage.identities import Identity
from storage.members import Actor, MemberDetails
from storage.models import Member

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
EDIT_WORDS = ("", "edit", "me")
# Slack shows at most 100 options in a static select; one place is kept for "Other".
MAX_DEPARTMENTS = 99


def register(runtime: Services) -> None:
    departments = load_departments(runtime)
    guide = registration.load_guide(runtime.settings.content_dir)
    routes = runtime.routes

    @routes.command("profile", owner=__name__)
    def profile_command(request: Request) -> Answer | list[Answer | FollowUp]:
        """Open the form, or show a colleague's card."""
        rest = request.words
        if rest.lower() in EDIT_WORDS:
            opening = Answer(ui.message([ui.section(":pencil2: Opening your profile…"), ui.context(PROFILE_USAGE)]))
            # Built after the answer: a newcomer's details (their job title) arrive from the surface only then.
            return [opening, FollowUp(lambda: OpenForm(profile_form(runtime, request.actor, departments, guide)))]
        if rest.lower() == "help":
            return Answer(ui.message([ui.section(PROFILE_USAGE)]))
        return Answer(colleague_card(runtime, request.actor, rest, request.where.tenant, guide))

    @routes.action(ids.PROFILE_EDIT, after_ack=True)
    def edit(request: Request) -> OpenForm:
        """The Home page's and the welcome's button."""
        return OpenForm(profile_form(runtime, request.actor, departments, guide))

    @routes.form(ids.PROFILE_MODAL)
    def save(request: Request) -> ui.FieldErrors | RefreshHome:
        """Validate and save at once, so errors show next to their fields; the Home page follows."""
        changes = profiles.ProfileChanges(**form_values(request.values))
        try:
            with runtime.db.transaction() as session:
                profiles.save_profile(session, request.actor, changes, now=now())
        except profiles.InvalidProfile as e:
            return ui.FieldErrors({FIELD_BLOCKS.get(name, ids.PROFILE_SKILLS): message
                                   for name, message in e.errors.items()})
        return RefreshHome()

    def suggestions(kind: str) -> Callable[[Request], Options]:
        def suggest_tags(request: Request) -> Options:
            """Tags as the member types: what they typed (if new), then the most used matches."""
            with runtime.db.reading() as session:
                labels = profiles.suggest_tags(session, kind, request.query)
            return Options(tuple(ui.option(label, label) for label in labels))

        return suggest_tags

    routes.options(ids.PROFILE_SKILLS)(suggestions(profiles.SKILL))
    routes.options(ids.PROFILE_EQUIPMENT)(suggestions(profiles.EQUIPMENT))


def load_departments(runtime: Services) -> list[str]:
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


def form_values(values: Mapping[str, ui.FieldValue]) -> dict[str, Any]:
    """The submitted form's values as the profile service takes them."""
    visibility = set(field_choices(values, ids.PROFILE_VISIBILITY))
    return {
        "job_title": field_text(values, ids.PROFILE_JOB_TITLE),
        "department_choice": field_choice(values, ids.PROFILE_DEPARTMENT),
        "department_other": field_text(values, ids.PROFILE_DEPARTMENT_OTHER),
        "fte": field_text(values, ids.PROFILE_FTE),
        "skills": field_choices(values, ids.PROFILE_SKILLS),
        "equipment": field_choices(values, ids.PROFILE_EQUIPMENT),
        "bio": field_text(values, ids.PROFILE_BIO),
        "listed": LISTED in visibility,
        "spotlight_opt_in": SPOTLIGHT in visibility,
        "public_web": PUBLIC_WEB in visibility,
        "public_fields": field_choices(values, ids.PROFILE_PUBLIC_FIELDS),
    }


def registration_status(session: Session, member_id: int, guide: registration.Guide) -> str | None:
    """The member's professional registration (None if not recorded): the registration feature owns it."""
    return registration.status_label(session, member_id, guide)


def card_registration(session: Session, card: profiles.Card, guide: registration.Guide) -> str | None:
    """What the card says of the registration: recorded, and shown by its owner's choice; else nothing."""
    return registration_status(session, card.member_id, guide) if card.shows_registration else None


def registrations_shown(session: Session, viewer: Actor, user_ids: Iterable[str],
                        guide: registration.Guide) -> dict[str, str]:
    """Each colleague's registration line as their card shows it to `viewer` (the directory's results)."""
    lines = {user_id: card_registration(session, profiles.card_for(session, viewer, user_id), guide)
             for user_id in user_ids}
    return {user_id: line for user_id, line in lines.items() if line}


def profile_form(runtime: Services, actor: Actor, departments: list[str], guide: registration.Guide) -> ui.Form:
    with runtime.db.reading() as session:
        member = session.get_one(Member, actor.member_id)
        status = registration_status(session, member.id, guide) or registration.NOT_RECORDED
        where = " (`/tech register` records it)" if "register" in runtime.subcommands.names else ""
        return profile_modal(member, profiles.find_profile(session, member.id), departments, status, where)


def colleague_card(runtime: Services, actor: Actor, text: str, tenant: str | None,
                   guide: registration.Guide) -> ui.Message:
    try:
        with runtime.db.reading() as session:
            card = profiles.card_for(session, actor, profiles.resolve_colleague(session, text))
            status = card_registration(session, card, guide)
    except DomainError as e:
        return ui.message([ui.section(f":information_source: {escape(e.message)}")])
    return ui.message(card_blocks(card, registration=status, team_id=tenant))


def welcome_member(runtime: Services, actor: Actor, channel_id: str) -> None:
    """A DM once per member, ever: not again on a rejoin, nor when the surface redelivers the event."""
    if channel_id != runtime.settings.network_channel:
        return
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
        runtime.delivery.dm(actor.user_id, ui.message(welcome_blocks(text)))
    except DeliveryError:
        # Not welcomed after all: a later join may try again.
        with runtime.db.transaction() as session:
            profiles.release_welcome(session, actor.member_id)
        raise


def account_changed(runtime: Services, identity: Identity, details: MemberDetails) -> None:
    """A member's account changed: a new name, or a deactivation that takes them out of the directory."""
    with runtime.db.transaction() as session:
        profiles.refresh_member(session, identity, details, now=now())
