"""`/tech`, `/tech help` and anything /tech does not know: what technet can do for you."""

from __future__ import annotations

import difflib
from typing import Any

from core.services import Services
from content import CommandHelp, Content
from core import ui
from core.markup import escape
from core.request import Answer, Request
from storage.members import Role


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.unknown_command(owner=__name__)
    @routes.command("help", owner=__name__)
    def tech(request: Request) -> Answer:
        """Help for `/tech` and `/tech help`; the nearest commands for anything unknown."""
        roles = request.actor.roles
        if request.subcommand in ("", "help"):
            return Answer(help_reply(runtime.content, roles))
        known = sorted(set(runtime.subcommands.names) | {c.subcommand for c in visible(runtime.content, roles)})
        suggestions = difflib.get_close_matches(request.subcommand, known, n=3, cutoff=0.5)
        text = runtime.templates.get_template("unknown_command.md.j2").render(
            given=request.typed[:100], suggestions=suggestions
        )
        return Answer(ui.note(text))


_REPLIES: dict[tuple[int, frozenset[Role]], tuple[Content, ui.Message]] = {}


def help_reply(content: Content, roles: frozenset[Role]) -> ui.Message:
    """The same for everyone with the same roles while the content is the same, so built once.

    Kept by the content's identity (it is loaded once, at start), not its value: hashing its
    sixty commands on every request cost more than the rest of the lookup. The content is held
    with the reply, so its id is not reused while the entry stands.
    """
    key = (id(content), roles)
    kept = _REPLIES.get(key)
    if kept is None or kept[0] is not content:
        if len(_REPLIES) >= 64:  # a process has one content; tests build many
            _REPLIES.clear()
        kept = _REPLIES[key] = (content, ui.message(help_blocks(content, roles)))
    return kept[1]


def visible(content: Content, roles: frozenset[Role]) -> list[Any]:
    names = {str(r) for r in roles}
    if "admin" in names:
        names |= {"member", "organiser", "panel"}
    return content.commands_for(names)


def help_blocks(content: Content, roles: frozenset[Role]) -> list[ui.Block]:
    # Content is organiser-authored: its *bold* and `code` show as mrkdwn, but & < > are escaped,
    # so `/tech dev follow <tag>` reads as written (unescaped, Slack takes <tag> for a link).
    lines = [_line(c) for c in visible(content, roles) if c.role == "member"]
    result: list[ui.Block] = [ui.header("technet"), ui.section(escape(content.intro)), ui.section("\n".join(lines))]
    for role, title in (("organiser", "For organisers"), ("panel", "For the awards panel"), ("admin", "For admins")):
        extra = [_line(c) for c in visible(content, roles) if c.role == role]
        if extra:
            result += [ui.divider(), ui.section(f"*{title}*\n" + "\n".join(extra))]
    return result


def _line(command: CommandHelp) -> str:
    return f"`{escape(command.usage)}`  {escape(command.summary)}"
