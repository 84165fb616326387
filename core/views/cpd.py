"""The "Log it as CPD" prompt: a DM other features and digests/careers.py send after something
that counts as CPD (an event attended, a mentoring pairing ended)."""

from __future__ import annotations

from core import ids, ui
from storage.cpd import CpdDraft


def prompt_blocks(intro: ui.Markup, draft: CpdDraft) -> list[ui.Block]:
    """The intro, then "Log it as CPD" opening the log form prefilled from `draft`.

    The member can change anything before saving. Give the draft a `source` and `source_ref`
    (e.g. "mentoring", "pairing:12"): the entry is then logged once, and a second press says it
    is in the record already. `intro` is markup (escape any user text in it). Build the draft
    with `CpdDraft.for_time(...)` to have the time in days or hours as fits.
    """
    return [ui.section(intro),
            ui.actions(ui.button("Log it as CPD", ids.CPD_LOG_DRAFT, draft.to_json(), style="primary"))]
