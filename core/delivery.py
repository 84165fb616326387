"""The delivery interface: how anything is sent outside a request's own reply.

Reminders, notices, announcements, the e-zine and DMs from work after an ack all go
through one `Delivery`, which each surface implements (Slack: bot/slack_delivery.py).
What is sent is neutral (core.ui); where it goes is named by plain ids the surface gave us.

A message sent is named by a core.request.MessageRef (Slack: channel and ts), as a click's is.
A send that fails raises `DeliveryError`, which says whether trying again can help and how
long to wait first; the due ledger keys its retries on that, never on a surface's errors.

A send the due ledger makes runs inside `sending(...)` (DESIGN decision 13): each post names its
due row's key (`SendContext.next_key`), which the surface attaches to the message (Slack: message
metadata) so that a retry after an ambiguous failure can look for it before sending again; and
each send first asks the context whether the worker still holds its claim (fencing).
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from core import ui
from core.request import MessageRef


@dataclass(frozen=True)
class Kept:
    """A message as a surface rendered it (`Delivery.keep`), stored to be sent later exactly as
    planned (the e-zine's pages, so a retry posts the same): its notification text and blocks."""

    text: str
    blocks: list[dict[str, Any]]


# What can be sent: a neutral message, its blocks alone, or a message kept as rendered.
Outgoing: TypeAlias = ui.Message | Sequence[ui.Block] | Kept


class DeliveryError(Exception):
    """A send the surface refused or could not make.

    `permanent`: no retry will fix it (the channel is gone, the person left). Otherwise it may
    be tried again, not before `retry_after` seconds when the surface said so (a rate limit).
    `unreachable`: the person it was for cannot be messaged at all (they left, or never could be).
    `reason` is short, for the log and for a person (Slack: its error code, "channel_not_found").
    `ambiguous`: the request went out and no answer says what became of it (a timeout, a dropped
    connection, a 5xx after sending): it may have been posted. Otherwise it was refused, and
    nothing was posted (a 4xx, a 429, a connection refused before sending).
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None,
                 unreachable: bool = False, ambiguous: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.ambiguous = ambiguous


# What a request raises when no answer came (urllib wraps the socket's errors in URLError, an OSError).
UNANSWERED = (OSError, http.client.HTTPException)


def unanswered(error: OSError | http.client.HTTPException) -> DeliveryError:
    """A request that got no answer, as DeliveryError: refused when the connection was (nothing was
    sent); otherwise ambiguous (a timeout, a connection dropped once the request was out: the other
    side may have acted on it). Every surface's transport sorts its failures here."""
    cause = getattr(error, "reason", error)  # URLError's reason: the socket's error, or words
    if isinstance(cause, ConnectionRefusedError):
        return DeliveryError("connection_refused")
    return DeliveryError(f"no_answer ({cause if isinstance(cause, str) else type(cause).__name__})", ambiguous=True)


class LostClaim(Exception):
    """The worker no longer holds the claim it is sending for (its lease ran out, or another worker
    claimed the item since): it must send nothing more for it."""


@dataclass
class SendContext:
    """What the due ledger tells a surface about the sends of one claimed item.

    `key`: the due row's key; each post carries `key` plus its place among the item's posts.
    `look_since`: set when an earlier attempt may have posted (it failed ambiguously, or its worker
    died or stalled mid-send): before posting, the surface looks for the key in the conversation
    since then, and a post found is returned as sent.
    `still_held`: raises LostClaim when the worker's claim has gone; asked before every send.
    The surface notes, for the delivery record, where the last send went (`surface`, `recipient`:
    a channel, or a member's id) and whether a post was `found` from an earlier attempt; and, per
    conversation it looked in, the item's earlier posts it saw there by key (`earlier`), so each
    conversation is read once an attempt however many posts the item makes in it.
    """

    key: str
    look_since: datetime | None = None
    still_held: Callable[[], None] = lambda: None
    posts: int = 0
    names: list[str] = field(default_factory=list)
    surface: str | None = None
    recipient: str | None = None
    found: bool = False
    earlier: dict[str, dict[str, MessageRef]] = field(default_factory=dict)

    def next_key(self) -> str:
        """The key of the next post: the item's key and the post's name (see `named`) or number."""
        if self.names:
            return f"{self.key}:{self.names[-1]}"
        self.posts += 1
        return f"{self.key}:{self.posts}"


_CURRENT: ContextVar[SendContext | None] = ContextVar("technet_send_context", default=None)


@contextmanager
def sending(context: SendContext) -> Iterator[SendContext]:
    """Run a due item's deliverer with `context` in force for every send it makes."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def current() -> SendContext | None:
    """The due item being sent, if any: a send outside the ledger (a reply's DM) has none."""
    return _CURRENT.get()


@contextmanager
def named(name: str) -> Iterator[None]:
    """Posts inside are keyed by `name` rather than their number: for a deliverer that resumes part
    way (the e-zine's pages), so each page keeps its key whichever attempt posts it."""
    context = current()
    if context is None:
        yield
        return
    context.names.append(name)
    try:
        yield
    finally:
        context.names.pop()


def before_send(surface: str | None = None, recipient: str | None = None) -> None:
    """Raise LostClaim if the due item being sent is no longer this worker's. Every surface calls it
    before each send, naming where the send goes when it can (for the delivery record)."""
    context = current()
    if context is not None:
        if recipient is not None:
            context.surface, context.recipient = surface, recipient
        context.still_held()


class Delivery(Protocol):
    """Sends to members and conversations. Each method raises DeliveryError when the send fails."""

    # The surface it sends on: what the message references it returns, and conversations it opens, name.
    surface: str

    def dm(self, member: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        """A direct message from the bot to `member` (for now, their Slack user id).

        `link_previews=False` asks the surface not to show previews of the links in it (the
        e-zine, a page of links, would drown in them)."""
        ...

    def post(self, conversation: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        """A message in a conversation (a channel, a group DM); `link_previews` as for dm."""
        ...

    def keep(self, message: ui.Message) -> Kept:
        """The message rendered as this surface sends it, to store and send later exactly as
        planned (the e-zine's pages): `post` takes it back as it is."""
        ...

    def update(self, ref: MessageRef, message: Outgoing) -> None:
        """Replace a message sent before with `message`."""
        ...

    def upload(self, to: str, file: ui.File, *more: ui.File) -> None:
        """A file in `to`'s direct messages with the bot (`to`: a member, as for dm); `more` files go
        with it, in the same message under its comment."""
        ...

    def group(self, members: Sequence[str]) -> str:
        """The conversation of these members together with the bot, opened if need be: its id."""
        ...

    def permalink(self, ref: MessageRef) -> str:
        """A link anyone in the conversation can follow to the message."""
        ...

    def check_postable(self, conversation: str) -> None:
        """Raise DeliveryError when nothing could be posted in `conversation` now: the bot cannot see it
        (Slack: channel_not_found), it is archived (is_archived), it is a person's chat and no channel
        (not_a_channel), or the bot is not in it (not_in_channel). Asked when a post is planned, so
        the person planning it hears at once rather than when it is due."""
        ...
