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
from storage.members import Actor


class Kind(StrEnum):
    COMMAND = "command"  # `/tech events all`: words typed
    ACTION = "action"  # a button pressed, a menu item or a select option picked
    FORM = "form"  # a form submitted
    OPTIONS = "options"  # a form's search field asking for options as the person types
    HOME = "home"  # the member opened their Home page


class Container(StrEnum):
    """Where the control of an action sits."""

    MESSAGE = "message"
    HOME = "home"
    FORM = "form"
    NONE = ""


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message a surface has shown: its conversation and its id there."""

    conversation: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Where:
    """Where the request came from: the surface, the conversation when there is one, and for an
    action, what its control sits in (and which message, when that is a message)."""

    surface: str
    conversation: str | None = None
    container: Container = Container.NONE
    message: MessageRef | None = None


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

    @property
    def typed(self) -> str:
        """The whole command as typed after `/tech`, for quoting it back."""
        return f"{self.subcommand} {self.words}".strip()


# Effects: what a handler asks the surface to do ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Answer:
    """Reply to the request: only the asker sees it unless `public`; `replace` swaps the message clicked."""

    message: Message
    public: bool = False
    replace: bool = False


@dataclass(frozen=True, slots=True)
class OpenForm:
    form: Form


@dataclass(frozen=True, slots=True)
class UpdateForm:
    """Show this in place of the form just submitted (a next step, a confirmation)."""

    form: Form


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
    """Replace a message shown earlier (not the one clicked: Answer(replace=True) is that)."""

    ref: MessageRef
    message: Message


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
class FollowUp:
    """Slow work (a file built from many rows, a check with the surface) run after the ack, whose
    reply is carried out then: a handler answers at once and hands the rest on with this."""

    work: Callable[[], Reply]


@dataclass(frozen=True, slots=True)
class Options:
    """The answer to an options request."""

    options: tuple[Option, ...]


Effect: TypeAlias = (Answer | OpenForm | UpdateForm | FieldErrors | RefreshHome | DirectMessage | UpdateMessage
                     | SendFile | SendDue | Options | FollowUp)
Reply: TypeAlias = Effect | Sequence[Effect] | None


def effects(reply: Reply) -> list[Effect]:
    """A handler's reply as a list: it may return one effect, several, or nothing."""
    if reply is None:
        return []
    if isinstance(reply, Sequence):
        return list(reply)
    return [reply]
