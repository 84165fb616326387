"""Block Kit rendered as readable text, for the local shell.

Interactive elements are numbered so a person can press one by typing its number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.standin import iter_elements

INDENT = "  "


@dataclass
class Pressable:
    """A numbered element the shell can press: where it sits and what Slack would send."""

    number: int
    block: dict[str, Any]
    element: dict[str, Any]
    container: dict[str, Any]


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    pressables: list[Pressable] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def mrkdwn_to_text(text: str, user_name: Callable[[str], str] = lambda u: u) -> str:
    """Links, mentions and escapes as a person reading Slack would see them."""

    def link(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or user_name(target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label else target

    text = re.sub(r"<([^<>]+)>", link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict[str, Any] | None, user_name: Callable[[str], str]) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(obj.get("text", ""), user_name)
    return obj.get("text", "")


def element_label(element: dict[str, Any], user_name: Callable[[str], str] = lambda u: u) -> str:
    kind = element.get("type")
    if kind == "button":
        return _text(element.get("text"), user_name)
    if kind == "overflow":
        return "more…"
    placeholder = _text(element.get("placeholder"), user_name)
    return f"{placeholder or kind} (choose)"


def render_blocks(blocks: list[dict[str, Any]], *, container: dict[str, Any], first_number: int = 1,
                  user_name: Callable[[str], str] = lambda u: u) -> Rendered:
    out = Rendered()
    number = first_number
    pressable_ids = {id(e): (b, e) for b, e in iter_elements(blocks)}

    def press(block: dict[str, Any], element: dict[str, Any]) -> str:
        nonlocal number
        out.pressables.append(Pressable(number, block, element, container))
        label = f"[{number}] {element_label(element, user_name)}"
        number += 1
        return label

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), user_name)
            out.lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            if block.get("text"):
                out.lines += _text(block["text"], user_name).splitlines() or [""]
            for f in block.get("fields") or []:
                out.lines.append(INDENT + _text(f, user_name).replace("\n", " "))
            accessory = block.get("accessory")
            if accessory is not None and id(accessory) in pressable_ids:
                out.lines.append(INDENT + press(block, accessory))
        elif kind == "divider":
            out.lines.append("-" * 40)
        elif kind == "context":
            parts = [_text(e, user_name) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
                     for e in block.get("elements", [])]
            out.lines.append(INDENT + " · ".join(p for p in parts if p))
        elif kind == "actions":
            out.lines.append(INDENT + "  ".join(press(block, e) for e in block.get("elements", [])))
        elif kind == "image":
            out.lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            label = _text(block.get("label"), user_name)
            optional = " (optional)" if block.get("optional") else ""
            out.lines.append(f"» {label}{optional}")
        elif kind == "rich_text":
            out.lines.append(_rich_text(block))
    return out


def _rich_text(block: dict[str, Any]) -> str:
    parts: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "text" in node and isinstance(node["text"], str):
            parts.append(node["text"])
        for child in node.get("elements", []) or []:
            walk(child)

    walk(block)
    return "".join(parts)
