"""`/tech dev`: development opportunities: list, search, reminders, follows; organisers add and edit.

`/tech dev` lists what is open, `/tech dev <words>` searches, `/tech dev follow <tag>` and
`unfollow <tag>` manage follows, `/tech dev add` opens the organisers' form. Reminders and
follow notices are due rows that digests/careers.py posts once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND, split
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import Runtime
from handlers import dev_views as views
from core.views.opportunities import chip
from handlers._common import (answer_button, button_id, button_value, chosen, date_picked, field_errors, member_tz,
                              network_today, payload_count, payload_id, refused, text_metadata, typed, values)
from storage import opportunities
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

ADD_WORDS = ("add", "new")


def register(app: App, runtime: Runtime) -> None:
    def dev_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        try:
            ack(**blocks.ephemeral(dev_reply(runtime, actor, split(body.get("text"))[1].strip())))
        except DomainError as e:
            ack(**refused(e))

    def dev_open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        if split(body.get("text"))[1].strip().lower() in ADD_WORDS and actor.has(Role.ORGANISER):
            client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.opportunity_form()))

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("dev", owner=__name__)])(
        ack=dev_ack, lazy=[dev_open_form])

    def remind(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            done = opportunities.remind_me(session, actor, button_id(action, "opportunity"), now=now(),
                                           tz=runtime.settings.tz)
        when = f"{done.due_at.astimezone(member_tz(runtime, actor)):%A %-d %B at %H:%M}"
        already = "already set" if done.already else "set"
        answer_button(runtime, body, actor, respond, f":bell: Reminder {already}: I'll send you a DM about "
                      f"*{escape(done.opportunity.title)}* on {when}, two days before its deadline.")

    def page(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        offset = payload_count(button_value(action), "a page")
        respond(replace_original=True, **blocks.ephemeral(list_reply(runtime, actor, offset=offset)))

    def edit(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        context["actor"].require(Role.ORGANISER, "edit development opportunities")
        with runtime.db.reading() as session:
            found = opportunities.get_opportunity(session, button_id(action, "opportunity"))
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.opportunity_form(found)))

    def add(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        context["actor"].require(Role.ORGANISER, "add development opportunities")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.opportunity_form()))

    def saved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field."""
        actor: Actor = context["actor"]
        given = text_metadata(view)
        editing = payload_id(given, "the opportunity being edited") if given else None
        form = form_values(values(view))
        try:
            with runtime.db.transaction() as session:
                o = opportunities.save_opportunity(session, actor, form, now=now(),
                                                   tz=runtime.settings.tz, opportunity_id=editing)
        except opportunities.InvalidOpportunity as e:
            ack(response_action="errors", errors=field_errors(view, e.errors))
            return
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.DEV_TITLE: e.message}))
            return
        said = "updated" if editing else "added to the catalogue"
        tags = f" Members following {' '.join(chip(t) for t in o.tags)} hear of it by DM." if o.tags and \
            not editing else ""
        ack(response_action="update", view=blocks.render_form(views.done_form(
            "Opportunity saved", f":white_check_mark: *{escape(o.title)}* is {said}.{tags}")))

    app.action(ids.DEV_REMIND)(ack=ack_only, lazy=[remind])
    app.action(ids.DEV_PAGE)(ack=ack_only, lazy=[page])
    app.action(ids.DEV_EDIT)(ack=ack_only, lazy=[edit])
    app.action(ids.DEV_ADD)(ack=ack_only, lazy=[add])
    app.view(ids.DEV_MODAL)(saved)


def dev_reply(runtime: Runtime, actor: Actor, rest: str) -> ui.Message:
    """The answer to `/tech dev ...`, built within the ack (database reads and small writes only)."""
    verb, argument = split(rest)
    # Deadlines are days in the network's calendar, wherever the member is.
    tz = runtime.settings.tz
    moment = now()
    if verb == "":
        return list_reply(runtime, actor)
    if verb == "help":
        text = views.DEV_USAGE + ("\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")
        return ui.note(text)
    if verb in ADD_WORDS and not argument:
        actor.require(Role.ORGANISER, "add development opportunities")
        return ui.note(":seedling: Opening the form for a new opportunity…")
    if verb == "follow":
        if not argument.strip():
            with runtime.db.reading() as session:
                tags = opportunities.follows(session, actor.member_id)
            return ui.note(views.follows_text(tags))
        with runtime.db.transaction() as session:
            tag, new = opportunities.follow(session, actor, argument, now=moment)
            tags = opportunities.follows(session, actor.member_id)
        said = "Now following" if new else "You already follow"
        return ui.note(f":white_check_mark: {said} {chip(tag)}: I'll send you a DM when an opportunity with "
                   f"that tag is added.\n{views.follows_text(tags)}")
    if verb == "unfollow":
        with runtime.db.transaction() as session:
            tag, gone = opportunities.unfollow(session, actor, argument)
            tags = opportunities.follows(session, actor.member_id)
        said = f"Stopped following {chip(tag)}." if gone else f"You weren't following {chip(tag)}."
        return ui.note(f"{said}\n{views.follows_text(tags)}")
    if verb == "following" and not argument:
        with runtime.db.reading() as session:
            return ui.note(views.follows_text(opportunities.follows(session, actor.member_id)))
    with runtime.db.reading() as session:
        found = opportunities.search(session, rest, today=network_today(runtime, moment), member_id=actor.member_id)
    return ui.message(views.search_blocks(rest, found, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)))


def list_reply(runtime: Runtime, actor: Actor, *, offset: int = 0) -> ui.Message:
    tz = runtime.settings.tz
    moment = now()
    with runtime.db.reading() as session:
        page = opportunities.current(session, today=network_today(runtime, moment), member_id=actor.member_id,
                                     offset=offset, limit=views.PAGE_SIZE)
    return ui.message(views.list_blocks(page, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)))


def form_values(values: dict[str, Any]) -> opportunities.OpportunityForm:
    def text(block_id: str) -> str | None:
        return typed(values, block_id)

    def day(block_id: str) -> date | None:
        return date_picked(values, block_id)

    return opportunities.OpportunityForm(
        title=text(ids.DEV_TITLE), kind=chosen(values, ids.DEV_KIND), description=text(ids.DEV_DESCRIPTION),
        provider=text(ids.DEV_PROVIDER), link=text(ids.DEV_LINK), cost=text(ids.DEV_COST),
        starts_on=day(ids.DEV_STARTS), ends_on=day(ids.DEV_ENDS), deadline=day(ids.DEV_DEADLINE),
        tags=text(ids.DEV_TAGS) or "",
    )
