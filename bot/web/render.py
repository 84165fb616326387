"""Jinja2 for the public pages: autoescaped HTML, and a safe Markdown renderer for posted text."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default": CommonMark with raw HTML off (it is shown as text), and links checked against
# javascript:, vbscript:, file: and data: (except images). What members wrote stays their words.
_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def markdown(text: str | None) -> Markup:
    """Members' text (an e-zine intro, a news item, a bio) as HTML without any HTML of theirs."""
    return Markup(_markdown.render(text or ""))


def web_link(url: str | None) -> str | None:
    """An http(s) link to show as a link, or None (anything else is not made clickable)."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme in ("http", "https") else None


def environment(tz: ZoneInfo) -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["markdown"] = markdown
    env.filters["web_link"] = web_link

    def when(moment: datetime) -> str:
        local = moment.astimezone(tz)
        return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"

    def day(moment: datetime) -> str:
        local = moment.astimezone(tz)
        return f"{local.day} {local:%B %Y}"

    env.filters["when"] = when
    env.filters["day"] = day
    return env
