"""The neutral reply model: what a handler or digest says, before any surface renders it.

A reply is a sequence of blocks (a header, sections, context lines, images, buttons and
selects, a rich line of plain words and links) in a `Message`, a `Form` of typed `Field`s, or
the member's `Home` page. Each surface renders them: Block Kit for Slack (bot/blocks.py), text
for the local shell (bot/render.py), Adaptive Cards for Teams.

Text comes in two kinds, and the type of each attribute says which:
- `Markup`: neutral markup, `*bold*`, `_italic_`, `~struck~`, `` `code` `` and `<url|label>`
  links, in which whatever a person typed went through core.markup.escape (& < > as entities).
  It is the syntax Slack's mrkdwn reads, so that renderer passes it through; others translate it.
- `str`: plain words shown as written (a header, a label, a button). Each renderer escapes them
  for its own format, so they take no escaping here.

Lengths follow the tightest surface (Slack): a renderer cuts what is longer, so builders need
only keep lists within MESSAGE_BLOCK_LIMIT / SURFACE_BLOCK_LIMIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TypeAlias

# Neutral markup (see the module's docstring): a str whose user parts are escaped.
Markup: TypeAlias = str

MESSAGE_BLOCK_LIMIT = 50
SURFACE_BLOCK_LIMIT = 100  # a form or the Home page
SECTION_TEXT_LIMIT = 3000


# Controls: what a person can press or pick -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Confirm:
    """A question asked before a control acts."""

    title: str
    text: Markup
    yes: str = "Yes"
    no: str = "No"
    style: str | None = None  # "danger" for what cannot be undone


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: str | None = None
    style: str | None = None  # "primary" or "danger"
    url: str | None = None
    confirm: Confirm | None = None


@dataclass(frozen=True, slots=True)
class Select:
    """Pick one of `options`; acts as soon as something is picked."""

    action_id: str
    options: tuple[Option, ...]
    placeholder: str = "Choose"
    initial: Option | None = None
    confirm: Confirm | None = None


@dataclass(frozen=True, slots=True)
class Menu:
    """A compact menu of actions (Slack's overflow ⋯)."""

    action_id: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    alt: str
    title: str | None = None


Control: TypeAlias = Button | Select | Menu
Accessory: TypeAlias = Button | Select | Menu | Image


# Blocks: what a message, a form or the Home page shows -------------------------------------------

@dataclass(frozen=True, slots=True)
class Plain:
    """Words shown exactly as written where markup could go (a section's text, a context line):
    a member's bio, say, with no formatting, links or mentions read into it."""

    text: str


@dataclass(frozen=True, slots=True)
class Header:
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """A paragraph of markup, with short `fields` in columns and one control or image beside it."""

    text: Markup | Plain | None = None
    fields: tuple[Markup, ...] = ()
    accessory: Accessory | None = None
    block_id: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Small print: lines of markup and small images."""

    items: tuple[Markup | Plain | Image, ...]


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Actions:
    """A row of controls."""

    elements: tuple[Control, ...]
    block_id: str | None = None


@dataclass(frozen=True, slots=True)
class Bold:
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Rich:
    """Words shown exactly as written (an event's description): plain, bold or linked, never read as markup."""

    parts: tuple[str | Bold | Link, ...]


# A form's fields ----------------------------------------------------------------------------------

class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    URL = "url"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    SELECT = "select"  # one of `options`
    MULTI_SELECT = "multi_select"  # several of `options`
    SEARCH = "search"  # several, from options the handler looks up as the person types
    RADIO = "radio"
    CHECKBOXES = "checkboxes"
    MEMBER = "member"  # one person in the workspace
    MEMBERS = "members"
    CONVERSATION = "conversation"  # a channel or chat


FieldValue: TypeAlias = (str | float | date | time | datetime | Option | tuple[Option, ...] | tuple[str, ...]
                         | None)


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form; its value comes back by `id` (and errors go to it by `id`).

    `action_id` is the inner id some surfaces give the input itself; it defaults to `id`.
    """

    id: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    initial: FieldValue = None
    hint: str | None = None
    placeholder: str | None = None
    options: tuple[Option, ...] = ()
    multiline: bool = False
    max_length: int | None = None
    decimal: bool = False
    min_value: float | None = None
    max_value: float | None = None
    max_selected: int | None = None
    min_query_length: int | None = None
    action_id: str | None = None
    # Send the value as soon as it changes (a form that adapts to a choice), not only on submit.
    dispatch: bool = False
    # For CONVERSATION: which kinds may be picked (e.g. ("public", "private")).
    conversation_kinds: tuple[str, ...] = ()

    @property
    def input_id(self) -> str:
        return self.action_id or self.id


Block: TypeAlias = Header | Section | Context | Divider | Actions | Image | Rich | Field


# Replies ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Message:
    """A message; `title` (plain words) is its notification text when the first block is not."""

    blocks: tuple[Block, ...]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A dialog the person fills in; `metadata` comes back with the submission unchanged."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    submit: str | None = None
    close: str = "Cancel"
    metadata: str = ""
    notify_on_close: bool = False


@dataclass(frozen=True, slots=True)
class Home:
    """The member's own page (Slack's Home tab)."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class File:
    name: str
    content: bytes | str
    mime: str = "application/octet-stream"
    comment: Markup | None = None
    title: str | None = None
    # An image's description, read to those who can't see it (a chart says what it plots).
    alt: str | None = None


@dataclass(frozen=True, slots=True)
class FieldErrors:
    """A refused form, answered by the fields that were wrong: {field id: message}."""

    errors: dict[str, str] = field(default_factory=dict)


# Builders: short names for the blocks handlers and digests build most ------------------------------

def header(text: str) -> Header:
    return Header(text)


def section(text: Markup | Plain | None = None, *, accessory: Accessory | None = None, block_id: str | None = None,
            fields: Sequence[Markup] = ()) -> Section:
    return Section(text=text, fields=tuple(fields), accessory=accessory, block_id=block_id)


def context(*items: Markup | Plain | Image) -> Context:
    return Context(items=items)


def divider() -> Divider:
    return Divider()


def actions(*elements: Control, block_id: str | None = None) -> Actions:
    return Actions(elements=elements, block_id=block_id)


def button(label: str, action_id: str, value: str | None = None, *, style: str | None = None,
           url: str | None = None, confirm: Confirm | None = None) -> Button:
    return Button(label=label, action_id=action_id, value=value, style=style, url=url, confirm=confirm)


def confirm(title: str, text: Markup, *, yes: str = "Yes", no: str = "No", style: str | None = None) -> Confirm:
    return Confirm(title=title, text=text, yes=yes, no=no, style=style)


def option(label: str, value: str, description: str | None = None) -> Option:
    return Option(label=label, value=value, description=description)


def message(blocks: Sequence[Block], *, title: str | None = None) -> Message:
    return Message(blocks=tuple(blocks), title=title)


def note(text: Markup) -> Message:
    """A message of one section of markup."""
    return Message(blocks=(Section(text=text),))
