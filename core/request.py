"""A request as every surface hands it to a handler, and the effects a handler answers with.

A surface (bot/: Slack, the shell, Teams) parses its platform's payload into a `Request`,
finds the handler in the route table (core.routes) and carries out the effects it returns,
rendering their messages and forms for its own format. Handlers see neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias
from zoneinfo import ZoneInfo

from core.ui import FieldErrors, FieldValue, File, Form, Message, Option
from storage.identities import MessageRef
from storage.members import Actor


class Kind(StrEnum):
    COMMAND = "command"  # `/tech events all`: words typed
    ACTION = "action"  # a button pressed, a menu item or a select option picked
    FORM = "form"  # a form submitted
    OPTIONS = "options"  # a form's search field asking for options as the person types
    HOME = "home"  # the member opened their Home page
    SHORTCUT = "shortcut"  # a shortcut used on a message (Slack's message menu)


class Container(StrEnum):
    """Where the control of an action sits."""

    MESSAGE = "message"
    HOME = "home"
    FORM = "form"
    NONE = ""


@dataclass(frozen=True, slots=True)
class Where:
    """Where the request came from: the surface, the conversation when there is one, and for an
    action, what its control sits in (and which message, when that is a message). `tenant` is the
    organisation's space on the surface when it names one (Slack's workspace, Teams' tenant)."""

    surface: str
    conversation: str | None = None
    container: Container = Container.NONE
    message: MessageRef | None = None
    # The surface's own address for answering a click later (Slack: its response_url, good for 30
    # minutes): a form opened from the click carries it in its metadata, to answer the click once
    # the form is submitted (Answer.to). Opaque to handlers.
    reply_to: str = ""
    tenant: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """Who asks (the member and their roles, read once), what, where, and in which time zone."""

    kind: Kind
    actor: Actor
    where: Where
    tz: ZoneInfo
    # A command: its subcommand (lower case) and the words after it.
    subcommand: str = ""
    words: str = ""
    # An action: its id and value; a form: its id, metadata and values by field id (an action
    # in a form carries the form's id and metadata too).
    action_id: str = ""
    value: str = ""
    form_id: str = ""
    metadata: str = ""
    values: Mapping[str, FieldValue] = field(default_factory=dict)
    # A form: the surface's id of this form as opened; a repeated delivery of one submission repeats
    # it, the same form opened anew gets another ("" when the surface gives none).
    submission: str = ""
    # An options request: what the person has typed so far.
    query: str = ""
    # A shortcut on a message: who wrote it (their id on the surface); "" when a bot or an app did.
    author: str = ""

    @property
    def typed(self) -> str:
        """The whole command as typed after `/tech`, for quoting it back."""
        return f"{self.subcommand} {self.words}".strip()


# Effects: what a handler asks the surface to do ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Answer:
    """Reply to the request: only the asker sees it unless `public`; `replace` swaps the message clicked.

    `to`: an earlier request's Where.reply_to (a form carries its click's), to answer that one instead;
    a reply there that cannot be made any more (it expired) is only logged.
    """

    message: Message
    public: bool = False
    replace: bool = False
    to: str = ""


@dataclass(frozen=True, slots=True)
class OpenForm:
    form: Form


@dataclass(frozen=True, slots=True)
class UpdateForm:
    """Show this in place of the form just submitted (a next step, a confirmation)."""

    form: Form


@dataclass(frozen=True, slots=True)
class CloseForm:
    """Close the form just submitted, and any it was opened from (no confirmation to show)."""


@dataclass(frozen=True, slots=True)
class RefreshHome:
    """Show the asker their Home page afresh (the route table's home handler builds it)."""


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A message to one member in private, outside the request's own reply."""

    member_id: int
    message: Message


@dataclass(frozen=True, slots=True)
class UpdateMessage:
    """Replace a message of ours shown earlier: a post or a DM, the one clicked or another
    (Answer(replace=True) is for the asker's own reply to a request).

    `keep_lead`: the message is the one clicked, and its first block stays as shown: what a DM or a
    post said had happened, which only the message itself still holds. A message that is gone
    (deleted, its conversation archived) is left be: the rest of the reply still goes.
    """

    ref: MessageRef
    message: Message
    keep_lead: bool = False


@dataclass(frozen=True, slots=True)
class SendFile:
    """A file for the asker, privately; `more` files go with it, in the same message under its comment."""

    file: File
    more: tuple[File, ...] = ()


@dataclass(frozen=True, slots=True)
class SendDue:
    """Send these due rows (core: storage.ledger) now, not at the next tick: what this request's
    change made due for people waiting on it (a promotion from the waitlist)."""

    due: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LookUp:
    """Bring these members (their ids on the request's surface) up to date from the surface: names,
    and whether the account is a bot or has left. Done in order with the other effects after the ack."""

    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Work for after the ack (a CSV, a post, what a submission sends): it runs once the request is
    answered, in order with the other effects, and the effects it returns are carried out then."""

    work: Callable[[], Reply]


@dataclass(frozen=True, slots=True)
class Options:
    """The answer to an options request."""

    options: tuple[Option, ...]


Effect: TypeAlias = (Answer | OpenForm | UpdateForm | CloseForm | FieldErrors | RefreshHome | DirectMessage
                     | UpdateMessage | SendFile | SendDue | LookUp | FollowUp | Options)
Reply: TypeAlias = Effect | Sequence[Effect] | None


def effects(reply: Reply) -> list[Effect]:
    """A handler's reply as a list: it may return one effect, several, or nothing."""
    if reply is None:
        return []
    if isinstance(reply, Sequence):
        return list(reply)
    return [reply]
