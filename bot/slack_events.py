"""Slack's events that are no request of a person's: what they say, read here, handed to the
features' neutral functions.

`member_joined_channel` brings the network channel's welcome (handlers.profile.welcome_member);
`user_change` carries a Slack account's new details (handlers.profile.account_changed).
The Home tab's `app_home_opened` is bot/dispatch.py's: it asks the route table for the page.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.listeners import after_ack
from bot.runtime import Runtime
from bot.slack_refs import member_details, slack_identity
from handlers import profile


def register(app: App, runtime: Runtime) -> None:
    def member_joined(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                      context: BoltContext) -> None:
        ack()
        actor, channel = context.get("actor"), event.get("channel")
        # No actor: the event names nobody bot/app.py could read as a member.
        if actor is None or not isinstance(channel, str):
            return
        after_ack(runtime, body, client, context, lambda: profile.welcome_member(runtime, actor, channel))

    def account_changed(event: dict[str, Any]) -> None:
        user = event.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]:
            profile.account_changed(runtime, slack_identity(user["id"]), member_details(user))

    app.event("member_joined_channel")(member_joined)
    app.event("user_change")(account_changed)
