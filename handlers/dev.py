"""`/tech dev`: development opportunities: list, search, reminders, follows; organisers add and edit.

`/tech dev` lists what is open, `/tech dev <words>` searches, `/tech dev follow <tag>` and
`unfollow <tag>` manage follows, `/tech dev add` opens the organisers' form. Reminders and
follow notices are due rows that digests/careers.py posts once.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks, ids
from bot.commands import COMMAND, split
from bot.listeners import ack_only
from bot.mrkdwn import escape
from bot.runtime import Runtime
from handlers import dev_views as views
from storage import opportunities
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

ADD_WORDS = ("add", "new")


def register(app: App, runtime: Runtime) -> None:
    def dev_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        try:
            ack(**dev_reply(runtime, actor, split(body.get("text"))[1].strip()))
        except DomainError as e:
            ack(**_say(f":no_entry: {escape(e.message)}"))

    def dev_open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        if split(body.get("text"))[1].strip().lower() in ADD_WORDS and actor.has(Role.ORGANISER):
            client.views_open(trigger_id=body["trigger_id"], view=views.opportunity_modal())

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("dev", owner=__name__)])(
        ack=dev_ack, lazy=[dev_open_form])

    def remind(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
               respond: Respond) -> None:
        actor: Actor = context["actor"]
        try:
            with runtime.db.transaction() as session:
                done = opportunities.remind_me(session, actor, int(action["value"]), now=now(),
                                               tz=runtime.settings.tz)
        except DomainError as e:
            return _tell(client, body, actor, respond, f":no_entry: {escape(e.message)}")
        when = f"{done.due_at.astimezone(_tz(runtime, actor)):%A %-d %B at %H:%M}"
        already = "already set" if done.already else "set"
        _tell(client, body, actor, respond, f":bell: Reminder {already}: I'll send you a DM about "
              f"*{escape(done.opportunity.title)}* on {when}, two days before its deadline.")

    def page(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        offset = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
        respond(replace_original=True, **list_reply(runtime, actor, offset=offset))

    def edit(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
             respond: Respond) -> None:
        actor: Actor = context["actor"]
        try:
            actor.require(Role.ORGANISER, "edit development opportunities")
            with runtime.db.reading() as session:
                found = opportunities.get_opportunity(session, int(action["value"]))
        except DomainError as e:
            # Bolt does not pass a lazy listener's exception to the error handler: say it here.
            return _tell(client, body, actor, respond, f":no_entry: {escape(e.message)}")
        client.views_open(trigger_id=body["trigger_id"], view=views.opportunity_modal(found))

    def add(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        if not actor.has(Role.ORGANISER):
            return _tell(client, body, actor, respond, ":no_entry: Only network organisers can add development "
                         "opportunities.")
        client.views_open(trigger_id=body["trigger_id"], view=views.opportunity_modal())

    def saved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field."""
        actor: Actor = context["actor"]
        editing = int(view["private_metadata"]) if str(view.get("private_metadata") or "").isdigit() else None
        try:
            with runtime.db.transaction() as session:
                o = opportunities.save_opportunity(session, actor, form_values(view["state"]["values"]), now=now(),
                                                   tz=runtime.settings.tz, opportunity_id=editing)
        except opportunities.InvalidOpportunity as e:
            return ack(response_action="errors", errors=_errors(view, e.errors))
        except DomainError as e:
            return ack(response_action="errors", errors=_errors(view, {e.field or ids.DEV_TITLE: e.message}))
        said = "updated" if editing else "added to the catalogue"
        tags = f" Members following {' '.join(views.chip(t) for t in o.tags)} hear of it by DM." if o.tags and \
            not editing else ""
        ack(response_action="update", view=views.done_view(
            "Opportunity saved", f":white_check_mark: *{escape(o.title)}* is {said}.{tags}"))

    app.action(ids.DEV_REMIND)(ack=ack_only, lazy=[remind])
    app.action(ids.DEV_PAGE)(ack=ack_only, lazy=[page])
    app.action(ids.DEV_EDIT)(ack=ack_only, lazy=[edit])
    app.action(ids.DEV_ADD)(ack=ack_only, lazy=[add])
    app.view(ids.DEV_MODAL)(saved)


def dev_reply(runtime: Runtime, actor: Actor, rest: str) -> dict[str, Any]:
    """The answer to `/tech dev ...`, built within the ack (database reads and small writes only)."""
    verb, argument = split(rest)
    # Deadlines are days in the network's calendar, wherever the member is.
    tz = runtime.settings.tz
    moment = now()
    if verb == "":
        return list_reply(runtime, actor)
    if verb == "help":
        text = views.DEV_USAGE + ("\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")
        return blocks.ephemeral([blocks.section(text)], "Development opportunities")
    if verb in ADD_WORDS and not argument:
        actor.require(Role.ORGANISER, "add development opportunities")
        return _say(":seedling: Opening the form for a new opportunity…")
    if verb == "follow":
        if not argument.strip():
            with runtime.db.reading() as session:
                tags = opportunities.follows(session, actor.member_id)
            return _say(views.follows_text(tags))
        with runtime.db.transaction() as session:
            tag, new = opportunities.follow(session, actor, argument, now=moment)
            tags = opportunities.follows(session, actor.member_id)
        said = "Now following" if new else "You already follow"
        return _say(f":white_check_mark: {said} {views.chip(tag)}: I'll send you a DM when an opportunity with "
                    f"that tag is added.\n{views.follows_text(tags)}")
    if verb == "unfollow":
        with runtime.db.transaction() as session:
            tag, gone = opportunities.unfollow(session, actor, argument)
            tags = opportunities.follows(session, actor.member_id)
        said = f"Stopped following {views.chip(tag)}." if gone else f"You weren't following {views.chip(tag)}."
        return _say(f"{said}\n{views.follows_text(tags)}")
    if verb == "following" and not argument:
        with runtime.db.reading() as session:
            return _say(views.follows_text(opportunities.follows(session, actor.member_id)))
    with runtime.db.reading() as session:
        found = opportunities.search(session, rest, today=_today(moment, tz), member_id=actor.member_id)
    return blocks.ephemeral(views.search_blocks(rest, found, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)),
                            f"Development opportunities for “{escape(rest[:80])}”")


def list_reply(runtime: Runtime, actor: Actor, *, offset: int = 0) -> dict[str, Any]:
    tz = runtime.settings.tz
    moment = now()
    with runtime.db.reading() as session:
        page = opportunities.current(session, today=_today(moment, tz), member_id=actor.member_id, offset=offset,
                                     limit=views.PAGE_SIZE)
    return blocks.ephemeral(views.list_blocks(page, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)),
                            "Development opportunities")


def form_values(values: dict[str, Any]) -> opportunities.OpportunityForm:
    def state(block_id: str) -> dict[str, Any]:
        return next(iter((values.get(block_id) or {}).values()), {}) or {}

    kind = (state(ids.DEV_KIND).get("selected_option") or {}).get("value")
    return opportunities.OpportunityForm(
        title=state(ids.DEV_TITLE).get("value"), kind=kind, description=state(ids.DEV_DESCRIPTION).get("value"),
        provider=state(ids.DEV_PROVIDER).get("value"), link=state(ids.DEV_LINK).get("value"),
        cost=state(ids.DEV_COST).get("value"), starts_on=state(ids.DEV_STARTS).get("selected_date"),
        ends_on=state(ids.DEV_ENDS).get("selected_date"), deadline=state(ids.DEV_DEADLINE).get("selected_date"),
        tags=state(ids.DEV_TAGS).get("value") or "",
    )


def _errors(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    result: dict[str, str] = {}
    for name, message in errors.items():
        block_id = name if name in inputs else inputs[0]
        result[block_id] = result.get(block_id, "") + (" " if block_id in result else "") + message
    return result


def _tell(client: WebClient, body: dict[str, Any], actor: Actor, respond: Respond, text: str) -> None:
    """Answer a button: under the message it sits in, or by DM when it has none (the Home tab)."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=actor.slack_user_id, text=text)


def _say(mrkdwn: str) -> dict[str, Any]:
    return blocks.ephemeral([blocks.section(mrkdwn)], mrkdwn[:150])


def _tz(runtime: Runtime, actor: Actor) -> ZoneInfo:
    try:
        return ZoneInfo(actor.timezone) if actor.timezone else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def _today(moment: Any, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
