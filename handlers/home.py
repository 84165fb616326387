"""The App Home tab: published afresh each time a member opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot import blocks
from bot.listeners import ack_only
from bot.mrkdwn import escape
from bot.runtime import Runtime
from handlers.help import help_blocks
from storage.members import Actor, get_member


def register(app: App, runtime: Runtime) -> None:
    def home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab") == "home":
            publish_home(runtime, client, context["actor"])

    app.event("app_home_opened")(ack=ack_only, lazy=[home_opened])


def publish_home(runtime: Runtime, client: WebClient, actor: Actor) -> None:
    client.views_publish(user_id=actor.slack_user_id, view=home_view(runtime, actor))


def home_view(runtime: Runtime, actor: Actor) -> View:
    """The greeting, each feature's section in order, then what the member can type."""
    with runtime.db.transaction() as session:
        name = get_member(session, actor.slack_user_id).name
    body: list[Any] = [blocks.section(f"Hello *{escape(name)}* :wave:")]
    for home_section in sorted(runtime.home_sections, key=lambda s: s.order):
        part = list(home_section.build(runtime, actor))
        if part:
            body += [blocks.divider(), *part]
    body += [blocks.divider(), *help_blocks(runtime.content, actor.roles)]
    # The Home tab takes at most 100 blocks; the commands list at the end gives way first.
    return View(type="home", blocks=body[: blocks.SURFACE_BLOCK_LIMIT])

