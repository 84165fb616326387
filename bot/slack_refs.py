"""Slack's people and messages as storage knows them: identities, member details and message
references from Bolt payloads and Web API answers.

Storage names nobody and no message by Slack id; this is where a Slack user id becomes an
`Identity` and a (channel, ts) pair a `MessageRef`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk.web import SlackResponse

from storage.identities import Identity, MessageRef, parse_identity
from storage.members import MemberDetails, RoleGrants

SLACK = "slack"


def slack_identity(user_id: str) -> Identity:
    # One workspace per install, so no tenant: the team id is not on every payload we get.
    return Identity(SLACK, user_id)


def slack_ref(channel: str, ts: str) -> MessageRef:
    return MessageRef(SLACK, channel, ts)


def posted_message(posted: SlackResponse | Mapping[str, Any]) -> MessageRef:
    """Where chat.postMessage put a message, from its answer."""
    return slack_ref(str(posted["channel"]), str(posted["ts"]))


def member_details(user: Mapping[str, Any]) -> MemberDetails:
    """What a Slack `users.info` user object says about a person."""
    profile = user.get("profile") or {}
    return MemberDetails(
        display_name=profile.get("display_name") or user.get("name") or "",
        real_name=profile.get("real_name") or user.get("real_name") or "",
        email=profile.get("email") or None,
        title=profile.get("title") or None,
        timezone=user.get("tz") or None,
        is_bot=bool(user.get("is_bot")),
        deactivated=bool(user.get("deleted")),
    )


def configured_identity(text: str) -> Identity:
    """A person as TECHNET_ORGANISERS names them: a bare id is a Slack one (older .env files)."""
    return parse_identity(text, default_surface=SLACK)


def role_grants(organisers: Iterable[str] = (), panel: Iterable[str] = ()) -> RoleGrants:
    """The roles configuration grants, from ids as the settings hold them (bot.config)."""
    return RoleGrants(organisers=frozenset(configured_identity(p) for p in organisers),
                      panel=frozenset(configured_identity(p) for p in panel))
