"""core.delivery for Teams: Adaptive Cards through the Bot Connector, to the conversations we keep.

A 1:1 message goes to the member's personal chat, created through the Bot Connector when we have
none yet (with a serviceUrl their tenant's activities came by). A conversation marked unusable
(the app uninstalled, the bot blocked: a 403) is skipped with a logged reason, as a permanent,
unreachable DeliveryError. A 429 (with Retry-After) or a connection refused is a refusal, and a 5xx,
a timeout or a dropped connection is ambiguous (it may have been posted); the due ledger retries both,
and an ambiguous one may post twice, having no key to look the earlier post up by (bot/teams/connector.py).

`Surfaces` sends each message on the surface its address names, when one technet serves both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bot import downloads
from bot.teams import SURFACE, cards
from bot.teams.connector import Connector
from core import ui
from core.delivery import Delivery, DeliveryError, Kept, Outgoing, before_send
from storage import teams
from storage.clock import now
from storage.db import Database
from storage.identities import MessageRef
from storage.members import find_member

log = logging.getLogger(__name__)


class TeamsDelivery:
    surface = SURFACE

    def __init__(self, db: Database, connector: Connector, bot_id: str, *, public_url: str | None = None):
        self.db, self.connector, self.bot_id, self.public_url = db, connector, bot_id, public_url

    def dm(self, member: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        with self.db.reading() as session:
            chat, identity = teams.personal_chat(session, member)
            target = (chat.conversation_id, chat.service_url, chat.usable, chat.unusable_reason) if chat else None
            service_url = teams.any_service_url(session, identity.tenant) if identity and not chat else None
        if identity is None:
            raise DeliveryError("never_met", permanent=True, unreachable=True)
        if target is None:
            if service_url is None:
                raise DeliveryError("no_service_url", permanent=True, unreachable=True)
            conversation = self.connector.create_conversation(service_url, self.bot_id, member, identity.tenant)
            with self.db.transaction() as session:
                met = teams.personal_chat(session, member)[1]
                assert met is not None
                found = find_member(session, met)
                teams.remember(session, tenant=identity.tenant, conversation_id=conversation, kind="personal",
                               service_url=service_url, member_id=found.id if found else None, now=now())
            target = (conversation, service_url, True, None)
        conversation, url, usable, reason = target
        if not usable:
            log.info("not sending to %s: their chat with the bot is unusable (%s)", member, reason)
            raise DeliveryError(f"conversation_unusable_{reason}", permanent=True, unreachable=True)
        return self._send(url, identity.tenant, conversation, message)

    def post(self, conversation: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        with self.db.reading() as session:
            found = teams.conversation(session, conversation)
            target = (found.service_url, found.tenant, found.usable, found.unusable_reason) if found else None
        if target is None:
            raise DeliveryError("channel_not_found", permanent=True)
        url, tenant, usable, reason = target
        if not usable:
            log.info("not posting in %s: the app is no longer there (%s)", conversation, reason)
            raise DeliveryError(f"conversation_unusable_{reason}", permanent=True)
        return self._send(url, tenant, conversation, message)

    def keep(self, message: ui.Message) -> Kept:
        return Kept(cards.summary(message), [cards.card(message.blocks)])

    def update(self, ref: MessageRef, message: Outgoing) -> None:
        with self.db.reading() as session:
            found = teams.conversation(session, ref.conversation)
            url = found.service_url if found else None
        if url is None:
            raise DeliveryError("channel_not_found", permanent=True)
        before_send()  # fencing, as for a send (Slack's update asks too)
        self.connector.update(url, ref.conversation, ref.message_id, _activity(message))

    def upload(self, to: str, file: ui.File, *more: ui.File) -> None:
        """A bot cannot attach a file on Teams: the message links to it, served by technet (bot.downloads)."""
        if self.public_url is None:
            raise DeliveryError("no_public_url_for_files", permanent=True)
        with self.db.reading() as session:
            identity = teams.personal_chat(session, to)[1]
            member = find_member(session, identity) if identity is not None else None
            member_id = member.id if member is not None else None
        links = downloads.hand_out(self.db, self.public_url, (file, *more), member_id=member_id,
                                   heading=file.title or file.name)
        if identity is not None:
            self.dm(to, links)
        else:
            self.post(to, links)

    def group(self, members: Sequence[str]) -> str:
        raise DeliveryError("group_chats_not_on_teams_yet", permanent=True)

    def permalink(self, ref: MessageRef) -> str:
        return (f"https://teams.microsoft.com/l/message/{quote(ref.conversation, safe='')}/"
                f"{quote(ref.message_id, safe='')}")

    def check_postable(self, conversation: str) -> None:
        with self.db.reading() as session:
            found = teams.conversation(session, conversation)
            usable = found.usable if found else None
        if usable is None:
            raise DeliveryError("not_in_channel", permanent=True)
        if not usable:
            raise DeliveryError("is_archived", permanent=True)

    def _send(self, service_url: str, tenant: str, conversation: str, message: Outgoing) -> MessageRef:
        # Fencing: nothing is sent for a due item whose claim this worker lost. (No idempotency key
        # here: the Bot Connector assigns an activity's id, a client cannot choose it.)
        before_send(SURFACE, conversation)
        try:
            activity_id = self.connector.send(service_url, conversation, _activity(message))
        except DeliveryError as e:
            if e.unreachable:  # 403/404: the bot was blocked or removed; later sends skip it
                with self.db.transaction() as session:
                    teams.forget(session, tenant=tenant, conversation_id=conversation, reason=e.reason, now=now())
            raise
        return MessageRef(SURFACE, conversation, activity_id)


def _activity(message: Outgoing) -> dict[str, Any]:
    if isinstance(message, Kept):
        card = message.blocks[0] if message.blocks else cards.card(())
        return {"type": "message", "summary": message.text, "attachments": [{"contentType": cards.CARD,
                                                                            "content": card}]}
    if isinstance(message, ui.Message):
        return cards.activity(message)
    return cards.activity(ui.Message(tuple(message)))


def is_teams_address(address: str) -> bool:
    """A Teams user (29:..., an Entra object id) or conversation (19:..., a:...) rather than a Slack id."""
    return address.startswith(("29:", "19:", "a:", "8:")) or (len(address) == 36 and address.count("-") == 4)


class Surfaces:
    """One Delivery over Slack's and Teams': each address goes to the surface whose id it is."""

    def __init__(self, slack: Delivery | None, teams_delivery: TeamsDelivery):
        self.slack, self.teams = slack, teams_delivery
        self.surface = slack.surface if slack is not None else SURFACE

    def _on(self, address: str) -> Delivery:
        if is_teams_address(address) or self.slack is None:
            return self.teams
        return self.slack

    def dm(self, member: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        return self._on(member).dm(member, message, link_previews=link_previews)

    def post(self, conversation: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        return self._on(conversation).post(conversation, message, link_previews=link_previews)

    def keep(self, message: ui.Message) -> Kept:
        return (self.slack or self.teams).keep(message)

    def update(self, ref: MessageRef, message: Outgoing) -> None:
        (self.teams if ref.surface == SURFACE or self.slack is None else self.slack).update(ref, message)

    def upload(self, to: str, file: ui.File, *more: ui.File) -> None:
        self._on(to).upload(to, file, *more)

    def group(self, members: Sequence[str]) -> str:
        return self._on(members[0] if members else "").group(members)

    def permalink(self, ref: MessageRef) -> str:
        return (self.teams if ref.surface == SURFACE or self.slack is None else self.slack).permalink(ref)

    def check_postable(self, conversation: str) -> None:
        self._on(conversation).check_postable(conversation)
