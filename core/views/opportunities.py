"""Development opportunities as the member sees one: in `/tech dev`'s list and search, and in the
DMs digests/careers.py sends (a deadline reminder, a followed tag's new opportunity)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from core import ids, ui
from core.markup import escape, truncate
from storage.opportunities import OpportunityInfo
from storage.opportunities.drafts import AWARD

EXCERPT = 400


def day(d: date) -> str:
    return f"{d:%a %-d %b %Y}"


def chip(tag: str) -> str:
    return "`" + escape(tag.replace("`", "ˋ")) + "`"


def dates_text(o: OpportunityInfo) -> str:
    if o.starts_on and o.ends_on and o.ends_on != o.starts_on:
        return f"{day(o.starts_on)} – {day(o.ends_on)}"
    if o.starts_on:
        return day(o.starts_on)
    return ""


def opportunity_text(o: OpportunityInfo, *, excerpt: int = EXCERPT) -> ui.Markup:
    """One opportunity as markup: every piece of organiser text shown literally."""
    title = f"<{o.link}|{escape(o.title)}>" if o.link else escape(o.title)
    head = " · ".join([f"*{title}*", escape(o.kind_label), *([escape(o.provider)] if o.provider else [])])
    facts = []
    if dates_text(o):
        facts.append(f":date: {dates_text(o)}")
    if o.deadline:
        facts.append(f":hourglass_flowing_sand: apply by *{day(o.deadline)}*")
    if o.cost:
        facts.append(f":moneybag: {escape(o.cost)}")
    lines = [head, escape(truncate(o.description, excerpt))]
    if facts:
        lines.append("  ·  ".join(facts))
    if o.tags:
        lines.append(" ".join(chip(t) for t in o.tags))
    return "\n".join(lines)


def opportunity_blocks(o: OpportunityInfo, *, now: datetime, tz: tzinfo, organiser: bool = False,
                       remind: bool = True) -> list[ui.Block]:
    """The opportunity, then its buttons: Remind me (while a reminder can still go), Nominate a colleague
    for an award, Edit for organisers."""
    result: list[ui.Block] = [ui.section(opportunity_text(o), block_id=f"dev_{o.id}")]
    buttons = []
    if remind and o.reminder_set:
        result.append(ui.context(":bell: I'll remind you two days before the deadline."))
    elif remind and o.can_remind(now, tz):
        buttons.append(ui.button("Remind me before the deadline", ids.DEV_REMIND, str(o.id)))
    if o.kind == AWARD:
        # A private draft for the member's own use (handlers/dev.py), not one of technet's own awards.
        buttons.append(ui.button("Nominate a colleague", ids.DEV_NOMINATE, str(o.id)))
    if organiser:
        buttons.append(ui.button("Edit", ids.DEV_EDIT, str(o.id)))
    if buttons:
        result.append(ui.actions(*buttons))
    return result


def dm_blocks(intro: ui.Markup, o: OpportunityInfo, *, now: datetime, tz: tzinfo) -> list[ui.Block]:
    """A DM about one opportunity: the prose, then the opportunity with its Remind button."""
    return [ui.section(intro), *opportunity_blocks(o, now=now, tz=tz)]
