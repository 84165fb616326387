"""The Slack renderer: the neutral reply model (core.ui) as Block Kit through slack_sdk's
models, and every message's fallback text.

Slack's limits that shape what we send: 50 blocks in a message (100 in a modal or
the Home tab), 3,000 characters in a section's text, 2,000 in a field, 150 in a
header or a button label, 300 in a confirm dialog's text.

A message's plain `text` (the notification and screen-reader fallback) is read by Slack
as mrkdwn, so a raw `<!channel>` there pings a whole channel even when the blocks show it
escaped. No handler or digest writes that text: `message`, `ephemeral` and `comment`
derive it from the blocks, whose mrkdwn the caller has escaped already, or
escape the plain title they are given.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from datetime import date, datetime, time
from typing import cast

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DateTimePickerElement,
    DividerBlock,
    ExternalDataMultiSelectElement,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    RichTextBlock,
    RichTextElementParts,
    RichTextSectionElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from core import ui
from core.markup import escape, truncate

SECTION_TEXT_LIMIT = ui.SECTION_TEXT_LIMIT
PLAIN_LIMIT = 150
OPTION_LIMIT = 75
CONFIRM_TEXT_LIMIT = 300
# Slack takes 40,000 characters of `text`, but a notification shows a line or two: a fallback
# is a title or one block, at most a section's worth.
FALLBACK_LIMIT = 3000


def plain(text: str, limit: int = PLAIN_LIMIT) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)




def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(text))


def section(mrkdwn: str, *, accessory: Any = None, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(mrkdwn, SECTION_TEXT_LIMIT)), accessory=accessory, block_id=block_id
    )


def context(*mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(m, SECTION_TEXT_LIMIT)) for m in mrkdwn])


def divider() -> DividerBlock:
    return DividerBlock()


def button(label: str, action_id: str, value: str | None = None, *, style: str | None = None,
           url: str | None = None, confirm: Any = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(label, 75), emoji=True),
        action_id=action_id, value=value, style=style, url=url, confirm=confirm,
    )




def confirm(title: str, mrkdwn: str, *, yes: str = "Yes", no: str = "No", style: str | None = None) -> ConfirmObject:
    """A confirm dialog for a button; Slack reads its text as mrkdwn, so `mrkdwn` comes escaped."""
    return ConfirmObject(title=plain(title, 100), text=MarkdownTextObject(text=truncate(mrkdwn, CONFIRM_TEXT_LIMIT)),
                         confirm=plain(yes, 30), deny=plain(no, 30), style=style)


SlackBlocks = Sequence["Block | dict[str, Any] | ui.Block"]


def to_dicts(blocks: Iterable[Block | dict[str, Any] | ui.Block]) -> list[dict[str, Any]]:
    """Block Kit as the JSON Slack takes. Neutral blocks render through a cache: the same block
    (an event's line, a divider, help's sections) comes back the same, and building slack_sdk's
    models is most of what a reply costs. The dicts are shared: read them, never change them."""
    return [b if isinstance(b, dict) else b.to_dict() if isinstance(b, Block) else _rendered(b) for b in blocks]


def _rendered(block: ui.Block) -> dict[str, Any]:
    try:
        return _rendered_cached(block)
    except TypeError:  # a block holding a list, not a tuple, cannot be a key; render it afresh
        return render(block).to_dict()


@functools.lru_cache(maxsize=8192)
def _rendered_cached(block: ui.Block) -> dict[str, Any]:
    return render(block).to_dict()


# Messages: blocks with the fallback text derived from them --------------------------------

def fallback(blocks: Iterable[Block | dict[str, Any] | ui.Block], *, title: str | None = None) -> str:
    """The notification and screen-reader text of a message, as mrkdwn: what it is about.

    That is `title` when there is one (plain words, so it is escaped here: it may quote what
    someone typed), else what the first block that shows text says. mrkdwn goes in as it is
    (escaped where it was built); plain_text and rich_text, which Slack shows literally and so
    are not escaped for display (a header, an event's description), are escaped on the way in.
    """
    if title is not None:
        return truncate(escape(title), FALLBACK_LIMIT)
    for block in to_dicts(blocks):
        said = _block_text(block)
        if said:
            return truncate(said, FALLBACK_LIMIT)
    return ""


def _block_text(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "rich_text":
        return escape(_rich_text(block)).strip()
    if kind not in ("header", "section", "context"):
        return ""  # buttons, inputs, images and dividers say nothing in a notification
    objects = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
    return " ".join(_as_mrkdwn(o) for o in objects if isinstance(o, dict) and o.get("text")).strip()


def _as_mrkdwn(text_object: dict[str, Any]) -> str:
    text = str(text_object.get("text", ""))
    return text if text_object.get("type") == "mrkdwn" else escape(text)


def _rich_text(node: Any) -> str:
    """The literal text of a rich_text block: its text elements, a link by its label (or its address)."""
    if isinstance(node, list):
        return "".join(_rich_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    own = node.get("text") or (node.get("url") if node.get("type") == "link" else None)
    return (own if isinstance(own, str) else "") + _rich_text(node.get("elements") or [])


def message(blocks: SlackBlocks | ui.Message, *, title: str | None = None) -> dict[str, Any]:
    """The keyword arguments for chat.postMessage, chat.update or respond(): blocks and their fallback."""
    if isinstance(blocks, ui.Message):
        return message(blocks.blocks, title=blocks.title if title is None else title)
    dicts = to_dicts(blocks)
    return {"blocks": dicts, "text": fallback(dicts, title=title)}


def ephemeral(blocks: SlackBlocks | ui.Message) -> dict[str, Any]:
    """The keyword arguments for ack() or respond() that show blocks to the asker only."""
    return {"response_type": "ephemeral", **message(blocks)}




def comment(mrkdwn: str) -> str:
    """A file upload's initial_comment, which has no blocks: the fallback of one section of (escaped) mrkdwn."""
    return fallback([section(mrkdwn)])


# The renderer: core.ui as Block Kit ---------------------------------------------------------------

def render(block: ui.Block) -> Block:
    """One neutral block as Block Kit; Slack's length limits applied here, where they are Slack's."""
    if isinstance(block, ui.Section):
        return SectionBlock(
            text=_text(block.text) if block.text else None,
            fields=[MarkdownTextObject(text=truncate(f, 2000)) for f in block.fields] or None,
            accessory=_element(block.accessory) if block.accessory else None, block_id=block.block_id)
    if isinstance(block, ui.Header):
        return header(block.text)
    if isinstance(block, ui.Context):
        return ContextBlock(elements=[_image_element(i) if isinstance(i, ui.Image) else _text(i)
                                      for i in block.items])
    if isinstance(block, ui.Divider):
        return DividerBlock()
    if isinstance(block, ui.Actions):
        return ActionsBlock(elements=[_element(e) for e in block.elements], block_id=block.block_id)
    if isinstance(block, ui.Image):
        return ImageBlock(image_url=block.url, alt_text=block.alt,
                          title=plain(block.title, 2000) if block.title else None)
    if isinstance(block, ui.Rich):
        return _rich(block)
    return _input(block)


def render_all(blocks: Iterable[ui.Block]) -> list[Block]:
    return [render(b) for b in blocks]


def render_form(form: ui.Form) -> View:
    """A form as a modal; its fields' values come back by block id, then action id."""
    return View(type="modal", callback_id=form.id, title=plain(form.title, 24),
                submit=plain(form.submit, 24) if form.submit else None, close=plain(form.close, 24),
                private_metadata=form.metadata or None, notify_on_close=form.notify_on_close or None,
                blocks=render_all(form.blocks))


def render_home(home: ui.Home) -> View:
    """The Home tab. Its page joins sections that features build apart, and Slack refuses a view in
    which two blocks share a block_id: a repeated one is dropped (the first block keeps it)."""
    rendered: list[Block] = []
    seen: set[str] = set()
    for block in render_all(home.blocks):
        if block.block_id in seen:
            block = copy.copy(block)
            block.block_id = None
        elif block.block_id:
            seen.add(block.block_id)
        rendered.append(block)
    return View(type="home", blocks=rendered)


def _text(text: ui.Markup | ui.Plain) -> MarkdownTextObject | PlainTextObject:
    if isinstance(text, ui.Plain):
        return plain(text.text, SECTION_TEXT_LIMIT)
    return MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT))


def _confirm(c: ui.Confirm | None) -> ConfirmObject | None:
    return confirm(c.title, c.text, yes=c.yes, no=c.no, style=c.style) if c else None


def render_option(o: ui.Option) -> Option:
    return Option(text=plain(o.label, OPTION_LIMIT), value=o.value,
                  description=plain(o.description, OPTION_LIMIT) if o.description else None)


def _image_element(image: ui.Image) -> ImageElement:
    return ImageElement(image_url=image.url, alt_text=image.alt)


def _element(e: ui.Accessory) -> Any:
    if isinstance(e, ui.Button):
        return button(e.label, e.action_id, e.value, style=e.style, url=e.url, confirm=_confirm(e.confirm))
    if isinstance(e, ui.Select):
        return StaticSelectElement(action_id=e.action_id, placeholder=plain(e.placeholder),
                                   options=[render_option(o) for o in e.options],
                                   initial_option=render_option(e.initial) if e.initial else None,
                                   confirm=_confirm(e.confirm))
    if isinstance(e, ui.Menu):
        return OverflowMenuElement(action_id=e.action_id, options=[render_option(o) for o in e.options])
    return _image_element(e)


def _rich(block: ui.Rich) -> RichTextBlock:
    elements: list[Any] = []
    for part in block.parts:
        if isinstance(part, ui.Link):
            elements.append(RichTextElementParts.Link(url=part.url, text=part.label))
        elif isinstance(part, ui.Bold):
            if part.text:
                elements.append(RichTextElementParts.Text(text=part.text, style={"bold": True}))
        elif part:
            elements.append(RichTextElementParts.Text(text=part))
    # Slack refuses an empty rich_text section.
    return RichTextBlock(elements=[RichTextSectionElement(elements=elements or [RichTextElementParts.Text(text=" ")])])


def _input(f: ui.Field) -> InputBlock:
    # Slack's default is a required field: a required one says nothing, as our modals always have.
    return InputBlock(block_id=f.id, label=plain(f.label, 2000), element=_input_element(f),
                      optional=None if f.required else True, hint=plain(f.hint, 2000) if f.hint else None,
                      dispatch_action=f.dispatch or None)


def _input_element(f: ui.Field) -> Any:  # noqa: C901 - one branch per kind of field, each a line
    kind, action_id = ui.FieldKind(f.kind), f.input_id
    placeholder = plain(f.placeholder) if f.placeholder else None
    options = [render_option(o) for o in f.options]
    initial_option = render_option(f.initial) if isinstance(f.initial, ui.Option) else None
    if kind is ui.FieldKind.TEXT:
        return PlainTextInputElement(action_id=action_id, placeholder=placeholder, multiline=f.multiline or None,
                                     initial_value=cast(str | None, f.initial), max_length=f.max_length)
    if kind is ui.FieldKind.NUMBER:
        return NumberInputElement(action_id=action_id, is_decimal_allowed=f.decimal, placeholder=placeholder,
                                  initial_value=None if f.initial is None else _number(f.initial),
                                  min_value=None if f.min_value is None else _number(f.min_value),
                                  max_value=None if f.max_value is None else _number(f.max_value))
    if kind is ui.FieldKind.URL:
        return UrlInputElement(action_id=action_id, placeholder=placeholder, initial_value=cast(str | None, f.initial))
    if kind is ui.FieldKind.DATE:
        initial_date = f.initial.isoformat() if isinstance(f.initial, date) else cast(str | None, f.initial)
        return DatePickerElement(action_id=action_id, placeholder=placeholder, initial_date=initial_date)
    if kind is ui.FieldKind.TIME:
        initial_time = f"{f.initial:%H:%M}" if isinstance(f.initial, time | datetime) else cast(str | None, f.initial)
        return TimePickerElement(action_id=action_id, placeholder=placeholder, initial_time=initial_time)
    if kind is ui.FieldKind.DATETIME:
        return DateTimePickerElement(action_id=action_id, initial_date_time=int(f.initial.timestamp())
                                     if isinstance(f.initial, datetime) else None)
    if kind is ui.FieldKind.SELECT:
        return StaticSelectElement(action_id=action_id, placeholder=placeholder, options=options,
                                   initial_option=initial_option)
    if kind is ui.FieldKind.MULTI_SELECT:
        return StaticMultiSelectElement(action_id=action_id, placeholder=placeholder, options=options,
                                        initial_options=_options(f.initial), max_selected_items=f.max_selected)
    if kind is ui.FieldKind.SEARCH:
        return ExternalDataMultiSelectElement(action_id=action_id, placeholder=placeholder,
                                              min_query_length=f.min_query_length,
                                              initial_options=_options(f.initial), max_selected_items=f.max_selected)
    if kind is ui.FieldKind.RADIO:
        return RadioButtonsElement(action_id=action_id, options=options,
                                   initial_option=initial_option)
    if kind is ui.FieldKind.CHECKBOXES:
        return CheckboxesElement(action_id=action_id, options=options, initial_options=_options(f.initial))
    if kind is ui.FieldKind.MEMBER:
        return UserSelectElement(action_id=action_id, placeholder=placeholder, initial_user=cast(str | None, f.initial))
    if kind is ui.FieldKind.MEMBERS:
        initial_users = list(cast(tuple[str, ...], f.initial)) if f.initial else None
        return UserMultiSelectElement(action_id=action_id, placeholder=placeholder, initial_users=initial_users,
                                      max_selected_items=f.max_selected)
    return ConversationSelectElement(
        action_id=action_id, placeholder=placeholder, initial_conversation=cast(str | None, f.initial),
        filter=ConversationFilter(include=list(f.conversation_kinds), exclude_bot_users=True)
        if f.conversation_kinds else None)


def _options(initial: ui.FieldValue) -> list[Option] | None:
    if isinstance(initial, tuple) and initial and all(isinstance(o, ui.Option) for o in initial):
        return [render_option(cast(ui.Option, o)) for o in initial]
    return None


def _number(value: object) -> str:
    # Slack wants a number input's values as strings; 2.0 shows as "2".
    number = float(cast(float, value))
    return str(int(number)) if number.is_integer() else str(number)
