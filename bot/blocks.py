"""Small Block Kit builders on top of slack_sdk's models.

Slack's limits that shape what we send: 50 blocks in a message (100 in a modal or
the Home tab), 3,000 characters in a section's text, 2,000 in a field, 150 in a
header or a button label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.mrkdwn import truncate

MESSAGE_BLOCK_LIMIT = 50
SURFACE_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
PLAIN_LIMIT = 150
OPTION_LIMIT = 75


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


def to_dicts(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def ephemeral(blocks: Sequence[Block], text: str) -> dict[str, Any]:
    """The keyword arguments for ack() or respond() that show blocks to the asker only.

    `text` is the notification and screen-reader fallback Slack asks for with blocks.
    """
    return {"response_type": "ephemeral", "blocks": to_dicts(blocks), "text": text}
