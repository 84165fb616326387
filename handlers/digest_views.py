"""The e-zine's views only /tech digest shows: the intro form and the archive.

The approval request under a previewed issue is sent by the scheduled digest too, so it is in
core/views/ezine.py.
"""

from __future__ import annotations

import json
from datetime import tzinfo

from core import ids, ui
from core.markup import escape
from storage import ezine
from storage.ezine import Archived, IssueInfo
from storage.words import plural


def intro_modal(info: IssueInfo) -> ui.Form:
    return ui.Form(id=ids.EZINE_INTRO_MODAL, title="E-zine introduction", submit="Save", close="Cancel",
                   metadata=json.dumps({"period": info.period}), blocks=(
                       ui.context("The opening words of the issue; leave it empty for the usual wording."),
                       ui.Field(id=ids.EZINE_INTRO, label="Introduction", required=False, action_id="value",
                                multiline=True, max_length=ezine.INTRO_LIMIT, initial=info.intro or None),
                   ))


def archive_blocks(issues: list[Archived], tz: tzinfo) -> list[ui.Block]:
    if not issues:
        return [ui.section("No e-zine has been posted yet.")]
    lines = []
    for issue in issues:
        label = f"<{issue.permalink}|{issue.period}>" if issue.permalink else issue.period
        sections = ", ".join(escape(s) for s in issue.sections)
        lines.append(f"• {label}: {plural(issue.items, 'item')} ({sections})")
    return [ui.header("Past issues of the e-zine"), ui.section("\n".join(lines)),
            ui.context("Organisers: `technet digest export --html FILE --issue DATE` writes one as a web page.")]
