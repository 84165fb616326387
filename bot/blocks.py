"""Small Block Kit builders on top of slack_sdk's models, and every message's fallback text.

Slack's limits that shape what we send: 50 blocks in a message (100 in a modal or
the Home tab), 3,000 characters in a section's text, 2,000 in a field, 150 in a
header or a button label, 300 in a confirm dialog's text.

A message's plain `text` (the notification and screen-reader fallback) is read by Slack
as mrkdwn, so a raw `<!channel>` there pings a whole channel even when the blocks show it
escaped. No handler or digest writes that text: `message`, `ephemeral`, `note` and
`comment` derive it from the blocks, whose mrkdwn the caller has escaped already, or
escape the plain title they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.mrkdwn import escape, truncate

MESSAGE_BLOCK_LIMIT = 50
SURFACE_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
PLAIN_LIMIT = 150
OPTION_LIMIT = 75
CONFIRM_TEXT_LIMIT = 300
# Slack takes 40,000 characters of `text`, but a notification shows a line or two: a fallback
# is a title or one block, at most a section's worth.
FALLBACK_LIMIT = 3000


def plain(text: str, limit: int = PLAIN_LIMIT) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def option(text: str, value: str) -> Option:
    """A choice in a select or radio buttons (Slack allows 75 characters of text in one)."""
    return Option(text=plain(text, OPTION_LIMIT), value=value)


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


def actions(*elements: Any, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements), block_id=block_id)


def confirm(title: str, mrkdwn: str, *, yes: str = "Yes", no: str = "No", style: str | None = None) -> ConfirmObject:
    """A confirm dialog for a button; Slack reads its text as mrkdwn, so `mrkdwn` comes escaped."""
    return ConfirmObject(title=plain(title, 100), text=MarkdownTextObject(text=truncate(mrkdwn, CONFIRM_TEXT_LIMIT)),
                         confirm=plain(yes, 30), deny=plain(no, 30), style=style)


def to_dicts(blocks: Iterable[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


# Messages: blocks with the fallback text derived from them --------------------------------

def fallback(blocks: Iterable[Block | dict[str, Any]], *, title: str | None = None) -> str:
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


def message(blocks: Sequence[Block | dict[str, Any]], *, title: str | None = None) -> dict[str, Any]:
    """The keyword arguments for chat.postMessage, chat.update or respond(): blocks and their fallback."""
    dicts = to_dicts(blocks)
    return {"blocks": dicts, "text": fallback(dicts, title=title)}


def ephemeral(blocks: Sequence[Block | dict[str, Any]]) -> dict[str, Any]:
    """The keyword arguments for ack() or respond() that show blocks to the asker only."""
    return {"response_type": "ephemeral", **message(blocks)}


def note(mrkdwn: str) -> dict[str, Any]:
    """A message of one section of (escaped) mrkdwn: keyword arguments for chat.postMessage or respond()."""
    return message([section(mrkdwn)])


def comment(mrkdwn: str) -> str:
    """A file upload's initial_comment, which has no blocks: the fallback of one section of (escaped) mrkdwn."""
    return fallback([section(mrkdwn)])
