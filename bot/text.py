"""The text renderer: the neutral reply model (core.ui) as lines for a terminal.

Markup reads as a person would see it in chat (links as "label (address)", entities as the
characters they stand for); controls are numbered, so a person can press one by its number;
a form lists its fields with what each holds and, after a refusal, what was wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.render import INDENT, mrkdwn_to_text
from core import ui


@dataclass
class Text:
    lines: list[str] = field(default_factory=list)
    # What each number presses: the control, in the order shown.
    controls: list[ui.Control] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def render_message(message: ui.Message) -> Text:
    return render_blocks(message.blocks)


def render_form(form: ui.Form, errors: Mapping[str, str] | None = None) -> Text:
    """A form as its title, its blocks, then its buttons; `errors` by field id, under each field."""
    out = Text(lines=[f"┌ {form.title}"])
    render_blocks(form.blocks, errors=errors or {}, out=out)
    # An error for a field the form does not show still reaches the person: above the fields.
    field_ids = {b.id for b in form.blocks if isinstance(b, ui.Field)}
    out.lines[1:1] = [f"  ⚠ {message}" for name, message in (errors or {}).items() if name not in field_ids]
    out.lines.append(f"└ [{form.submit}]  [{form.close}]" if form.submit else f"└ [{form.close}]")
    return out


def render_blocks(blocks: Iterable[ui.Block], *, errors: Mapping[str, str] | None = None,
                  out: Text | None = None) -> Text:
    out = out if out is not None else Text()
    for block in blocks:
        out.lines += _block_lines(block, out, errors or {})
    return out


def _block_lines(block: ui.Block, out: Text, errors: Mapping[str, str]) -> list[str]:  # noqa: C901 - per block
    if isinstance(block, ui.Header):
        return [block.text.upper(), "=" * min(len(block.text), 60)]
    if isinstance(block, ui.Section):
        lines = _markup(block.text).splitlines() or [""] if block.text else []
        lines += [INDENT + _markup(f).replace("\n", " ") for f in block.fields]
        if block.accessory is not None:
            lines.append(INDENT + _accessory(block.accessory, out))
        return lines
    if isinstance(block, ui.Divider):
        return ["-" * 40]
    if isinstance(block, ui.Context):
        parts = [f"[{i.alt}]" if isinstance(i, ui.Image) else _markup(i) for i in block.items]
        return [INDENT + " · ".join(p for p in parts if p)]
    if isinstance(block, ui.Actions):
        return [INDENT + "  ".join(_press(e, out) for e in block.elements)]
    if isinstance(block, ui.Image):
        return [f"[image: {block.alt}]"]
    if isinstance(block, ui.Rich):
        return ["".join(p if isinstance(p, str) else p.text if isinstance(p, ui.Bold) else f"{p.label} ({p.url})"
                        for p in block.parts)]
    optional = "" if block.required else " (optional)"
    lines = [f"» {block.label}{optional}: {_value(block.initial)}".rstrip(": ")]
    if block.hint:
        lines.append(f"  {block.hint}")
    if block.id in errors:
        lines.append(f"  ⚠ {errors[block.id]}")
    return lines


def _markup(text: ui.Markup | ui.Plain | None) -> str:
    if isinstance(text, ui.Plain):
        return text.text  # shown as written: it was never markup
    return mrkdwn_to_text(text or "")


def _accessory(accessory: ui.Accessory, out: Text) -> str:
    return f"[{accessory.alt}]" if isinstance(accessory, ui.Image) else _press(accessory, out)


def _press(control: ui.Control, out: Text) -> str:
    out.controls.append(control)
    number = len(out.controls)
    if isinstance(control, ui.Button):
        return f"[{number}] {control.label}"
    if isinstance(control, ui.Menu):
        return f"[{number}] more…"
    return f"[{number}] {control.placeholder} (choose)"


def _value(value: ui.FieldValue) -> str:
    if value is None:
        return ""
    if isinstance(value, ui.Option):
        return value.label
    if isinstance(value, tuple):
        return ", ".join(v.label if isinstance(v, ui.Option) else v for v in value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
