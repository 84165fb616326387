"""The neutral reply model (core.ui) as Adaptive Cards 1.5, with the Teams SDK's card models.

Neutral markup (`*bold*`, `_italic_`, `~struck~`, `` `code` ``, `<url|label>`, & < > as entities)
becomes the markdown a TextBlock reads (`**bold**`, `_italic_`, `[label](url)`); everything else is
shown literally: markdown's own characters in it are backslash-escaped, so a title typed as
`[click](https://x)` or `**` stays words, never a link. Plain words (`str`, ui.Plain) are escaped
whole. Buttons are Action.Execute with the control's id as the verb and in `data.action_id` (the
SDK's router keys on data.action; ours on the route table), so the invoke answers with the card.
"""

from __future__ import annotations

import html
from datetime import date, datetime, time
import re
from typing import Any, Final

from core import ui

CARD = "application/vnd.microsoft.card.adaptive"
VERSION: Final = "1.5"
# Adaptive Cards' markdown is a small subset: emphasis (* _), links ([label](url)) and lists (a line
# starting "- ", "* ", "+ " or "1. "). Only what could start one of those is escaped, so that a
# client rendering fewer escapes than CommonMark shows few stray backslashes.
_SPECIAL = re.compile(r"([\\*_\[\]])")
_LIST = re.compile(r"(?m)^(\s*)([-+]|\d+\.)(?=\s)")
# Neutral markup's constructs, in the order Slack reads them.
_TOKEN = re.compile(r"<([^<>|]+)\|([^<>]+)>|<([^<>|]+)>|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~|`([^`\n]+)`")


def literal(text: str) -> str:
    """Words shown as written, whatever markdown characters they hold."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    return _LIST.sub(lambda m: m.group(1) + m.group(2).replace("-", "\\-").replace("+", "\\+").replace(".", "\\."),
                     escaped)


def markdown(markup: ui.Markup) -> str:
    """Neutral markup as Adaptive Card markdown; what a person typed stays literal."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(markup):
        out.append(literal(html.unescape(markup[position:match.start()])))
        url, label, bare, bold, italic, struck, code = match.groups()
        if url is not None:
            out.append(_link(html.unescape(url), html.unescape(label)))
        elif bare is not None:
            shown = html.unescape(bare)
            out.append(_link(shown, shown) if "://" in shown else literal(shown))
        elif bold is not None:
            out.append(f"**{literal(html.unescape(bold))}**")
        elif italic is not None:
            out.append(f"_{literal(html.unescape(italic))}_")
        else:  # struck or code: no such markdown in a TextBlock; the words alone
            out.append(literal(html.unescape(struck if struck is not None else code)))
        position = match.end()
    out.append(literal(html.unescape(markup[position:])))
    return "".join(out)


def _link(url: str, label: str) -> str:
    if not re.match(r"^(https?|mailto):", url):
        return literal(label)
    return f"[{literal(label)}]({url.replace(')', '%29').replace(' ', '%20')})"


def card(blocks: tuple[ui.Block, ...] | list[ui.Block]) -> dict[str, Any]:
    """An Adaptive Card of these blocks."""
    from microsoft_teams.cards import AdaptiveCard

    body: list[Any] = []
    for block in blocks:
        body.extend(_elements(block))
    built = AdaptiveCard(version=VERSION, body=body)
    payload: dict[str, Any] = built.model_dump(by_alias=True, exclude_none=True)
    payload["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    payload["msteams"] = {"width": "Full"}
    return payload


def attachment(message: ui.Message) -> dict[str, Any]:
    return {"contentType": CARD, "content": card(message.blocks)}


def activity(message: ui.Message) -> dict[str, Any]:
    """A message activity carrying the message as a card, with its notification text."""
    return {"type": "message", "summary": summary(message), "attachments": [attachment(message)]}


def summary(message: ui.Message) -> str:
    if message.title:
        return message.title
    for block in message.blocks:
        if isinstance(block, ui.Header):
            return block.text
        if isinstance(block, ui.Section) and isinstance(block.text, str):
            words = _TOKEN.sub(lambda m: next(g for g in m.groups()[1:] if g is not None), block.text)
            return html.unescape(words)[:200]
    return "technet"


def plain(message: ui.Message) -> str:
    """The message's words without formatting: for a short text Teams shows the clicker alone."""
    def words(text: ui.Markup | ui.Plain) -> str:
        if isinstance(text, ui.Plain):
            return text.text
        return html.unescape(_TOKEN.sub(lambda m: next(g for g in m.groups()[1:] if g is not None), text))

    lines: list[str] = []
    for block in message.blocks:
        if isinstance(block, ui.Header):
            lines.append(block.text)
        elif isinstance(block, ui.Section) and block.text is not None:
            lines.append(words(block.text))
        elif isinstance(block, ui.Context):
            lines.extend(words(item) for item in block.items if not isinstance(item, ui.Image))
        elif isinstance(block, ui.Rich):
            lines.append("".join(p if isinstance(p, str) else p.text if isinstance(p, ui.Bold) else p.label
                                 for p in block.parts))
    return "\n".join(lines) or summary(message)


def _text(text: ui.Markup | ui.Plain, **style: Any) -> Any:
    from microsoft_teams.cards import TextBlock

    shown = literal(text.text) if isinstance(text, ui.Plain) else markdown(text)
    return TextBlock(text=shown, wrap=True, **style)


def _elements(block: ui.Block) -> list[Any]:  # noqa: C901 - one branch per kind of block
    from microsoft_teams.cards import ActionSet, Container, Image, TextBlock

    if isinstance(block, ui.Header):
        return [TextBlock(text=literal(block.text), wrap=True, size="Large", weight="Bolder")]
    if isinstance(block, ui.Section):
        found: list[Any] = [_text(block.text)] if block.text is not None else []
        if block.fields:
            found.append(Container(items=[_text(f, spacing="Small") for f in block.fields]))
        if isinstance(block.accessory, ui.Image):
            found.append(Image(url=block.accessory.url, alt_text=block.accessory.alt, size="Small"))
        elif block.accessory is not None:
            found.append(ActionSet(actions=_actions(block.accessory)))
        return found
    if isinstance(block, ui.Context):
        return [_text(item, is_subtle=True, size="Small", spacing="None") for item in block.items
                if not isinstance(item, ui.Image)]
    if isinstance(block, ui.Divider):
        return [Container(separator=True, items=[])]
    if isinstance(block, ui.Actions):
        return [ActionSet(actions=[a for control in block.elements for a in _actions(control)])]
    if isinstance(block, ui.Image):
        return [Image(url=block.url, alt_text=block.alt)]
    if isinstance(block, ui.Rich):
        return [TextBlock(text="".join(_rich(part) for part in block.parts), wrap=True)]
    if isinstance(block, ui.Field):
        return [TextBlock(text=literal(block.label), wrap=True)]
    return []


def _rich(part: str | ui.Bold | ui.Link) -> str:
    if isinstance(part, ui.Bold):
        return f"**{literal(part.text)}**"
    if isinstance(part, ui.Link):
        return _link(part.url, part.label)
    return literal(part)


def _actions(control: ui.Control) -> list[Any]:
    """A button as one action; a select or a menu as one action per option (a card has no menus)."""
    from microsoft_teams.cards import ExecuteAction, OpenUrlAction

    if isinstance(control, ui.Button):
        if control.url:
            return [OpenUrlAction(title=control.label, url=control.url)]
        action = ExecuteAction(title=control.label, verb=control.action_id,
                               data={"action_id": control.action_id, "value": control.value or ""})
        if control.style == "primary":
            action = action.with_style("positive")
        elif control.style == "danger":
            action = action.with_style("destructive")
        return [action]
    return [ExecuteAction(title=option.label, verb=control.action_id,
                          data={"action_id": control.action_id, "value": option.value})
            for option in control.options]


# Forms as dialogs (task modules) -----------------------------------------------------------------
#
# A dialog opens from a button (Action.Submit with msteams.type task/fetch): a command or a card's
# Action.Execute cannot open one. The button names what opened the form (`OPEN`: the command typed or
# the action pressed), so task/fetch runs that route again and shows the form it returns, and holds no
# state between the two. The dialog's submit carries the form's id, metadata, what opened it (to show
# the form again with field errors) and each field's kind and options (`SCHEMA`: Teams returns every
# input as a string), and a `submission` id per opening, so a retried submit is one submission.

OPEN = "technet_open"
FORM = "technet_form"
SCHEMA = "technet_schema"
SUBMISSION = "technet_submission"
METADATA = "technet_metadata"


def opener(form: ui.Form, source: dict[str, str]) -> dict[str, Any]:
    """What a command or click that opens a form answers with on Teams: a card whose button opens it."""
    from microsoft_teams.cards import ActionSet, SubmitAction, TextBlock

    button = SubmitAction(title=f"Open: {form.title}", data={"msteams": {"type": "task/fetch"}, OPEN: source})
    card = _card([TextBlock(text=literal(form.title), wrap=True, weight="Bolder"), ActionSet(actions=[button])])
    return {"type": "message", "summary": form.title, "attachments": [{"contentType": CARD, "content": card}]}


def dialog(form: ui.Form, source: dict[str, str], submission: str, *, errors: dict[str, str] | None = None,
           values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task module of a form: {title, card}, its inputs filled with `values` and `errors` under them."""
    return {"title": form.title[:64], "card": {"contentType": CARD,
                                               "content": form_card(form, source, submission, errors=errors,
                                                                    values=values)}}


def form_card(form: ui.Form, source: dict[str, str], submission: str, *, errors: dict[str, str] | None = None,
              values: dict[str, Any] | None = None) -> dict[str, Any]:
    from microsoft_teams.cards import SubmitAction, TextBlock

    errors, values = errors or {}, values or {}
    body: list[Any] = []
    schema: dict[str, Any] = {}
    shown = {block.id for block in form.blocks if isinstance(block, ui.Field)}
    for message in (text for field_id, text in errors.items() if field_id not in shown):
        body.append(TextBlock(text=literal(message), wrap=True, color="Attention"))
    for block in form.blocks:
        if isinstance(block, ui.Field):
            body.extend(_inputs(block, values))
            schema[block.id] = [block.kind.value, {o.value: o.label for o in block.options}]
            if block.id in errors:
                body.append(TextBlock(text=literal(errors[block.id]), wrap=True, color="Attention", spacing="None"))
        else:
            body.extend(_elements(block))
    submit = SubmitAction(title=form.submit or "Submit",
                          data={FORM: form.id, METADATA: form.metadata, OPEN: source, SCHEMA: schema,
                                SUBMISSION: submission})
    card = _card(body)
    card["actions"] = [submit.model_dump(by_alias=True, exclude_none=True)]
    return card


def _card(body: list[Any]) -> dict[str, Any]:
    from microsoft_teams.cards import AdaptiveCard

    payload: dict[str, Any] = AdaptiveCard(version=VERSION, body=body).model_dump(by_alias=True, exclude_none=True)
    payload["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return payload


def _inputs(field: ui.Field, values: dict[str, Any]) -> list[Any]:  # noqa: C901 - one branch per kind
    from microsoft_teams.cards import Choice, ChoiceSetInput, DateInput, NumberInput, QueryData, TextInput, TimeInput

    kind, required = field.kind, field.required
    initial = values.get(field.id, field.initial)
    common: dict[str, Any] = {"id": field.id, "label": field.label, "is_required": required}
    if required:
        common["error_message"] = f"{field.label} is required"
    if kind in (ui.FieldKind.TEXT, ui.FieldKind.URL, ui.FieldKind.CONVERSATION):
        return [TextInput(**common, is_multiline=field.multiline or None, max_length=field.max_length,
                          placeholder=field.placeholder or field.hint,
                          style="Url" if kind is ui.FieldKind.URL else None,
                          value=initial if isinstance(initial, str) else None)]
    if kind is ui.FieldKind.NUMBER:
        try:
            number = float(initial) if isinstance(initial, int | float | str) else None
        except ValueError:
            number = None
        return [NumberInput(**common, min=field.min_value, max=field.max_value, value=number)]
    if kind is ui.FieldKind.DATE:
        return [DateInput(**common, value=initial.isoformat() if isinstance(initial, date) else None)]
    if kind is ui.FieldKind.TIME:
        return [TimeInput(**common, value=initial.strftime("%H:%M") if isinstance(initial, time) else None)]
    if kind is ui.FieldKind.DATETIME:
        day = initial.date().isoformat() if isinstance(initial, datetime) else None
        hour = initial.strftime("%H:%M") if isinstance(initial, datetime) else None
        return [DateInput(**{**common, "id": f"{field.id}.date"}, value=day),
                TimeInput(id=f"{field.id}.time", is_required=required, value=hour)]
    if kind in (ui.FieldKind.MEMBER, ui.FieldKind.MEMBERS):
        # Teams' people picker: Entra object ids of people in the tenant.
        return [ChoiceSetInput(**common, is_multi_select=kind is ui.FieldKind.MEMBERS, choices=[],
                               choices_data=QueryData(dataset="graph.microsoft.com/users"),
                               value=",".join(_chosen(initial)) or None)]
    many = kind in (ui.FieldKind.MULTI_SELECT, ui.FieldKind.CHECKBOXES, ui.FieldKind.SEARCH)
    chosen = _chosen(initial)
    return [ChoiceSetInput(**common, is_multi_select=many,
                           style="expanded" if kind in (ui.FieldKind.RADIO, ui.FieldKind.CHECKBOXES) else "compact",
                           choices=[Choice(title=o.label, value=o.value) for o in field.options],
                           value=",".join(chosen) or None)]


def _chosen(initial: object) -> list[str]:
    if isinstance(initial, ui.Option):
        return [initial.value]
    if isinstance(initial, tuple):
        return [o.value if isinstance(o, ui.Option) else str(o) for o in initial]
    return [initial] if isinstance(initial, str) else []
