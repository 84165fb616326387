"""The one Jinja2 environment for prose (DESIGN: Jinja2 for prose, Block Kit for UI)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined,
                    select_autoescape)

from core.markup import escape
from storage.words import plural


def environment(override_dir: Path | None = None) -> Environment:
    loaders: list[BaseLoader] = [PackageLoader("core", "templates"), PackageLoader("digests", "templates")]
    if override_dir is not None:
        loaders.insert(0, FileSystemLoader(str(override_dir)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # HTML escaping only for the HTML e-zine; Slack text escapes through |mrkdwn.
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False, default=False),
    )
    env.filters["mrkdwn"] = escape
    env.filters["plural"] = plural
    return env
