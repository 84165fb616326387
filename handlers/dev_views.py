"""Block Kit for development opportunities: the list, search results, one opportunity, the organisers' form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape, truncate
from storage import opportunities
from storage.opportunities import OpportunityInfo, Page
from storage.words import noun

PAGE_SIZE = 10
EXCERPT = 400
DEV_USAGE = (
    "*Development opportunities*\n"
    "`/tech dev`  what is open now, soonest deadline first\n"
    "`/tech dev &lt;words&gt;`  search titles, descriptions and tags, e.g. `/tech dev microscopy`\n"
    "`/tech dev follow &lt;tag&gt;`  a DM whenever an opportunity with that tag is added\n"
    "`/tech dev unfollow &lt;tag&gt;`  stop that; `/tech dev following` lists your tags"
)
ORGANISER_USAGE = "`/tech dev add`  add an opportunity (organisers; `technet import opportunities FILE.csv` adds many)"


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


def opportunity_text(o: OpportunityInfo, *, excerpt: int = EXCERPT) -> str:
    """One opportunity as mrkdwn: every piece of organiser text shown literally."""
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
                       remind: bool = True) -> list[Block]:
    """The opportunity, then its buttons: Remind me (while a reminder can still go), Edit for organisers."""
    result: list[Block] = [blocks.section(opportunity_text(o), block_id=f"dev_{o.id}")]
    buttons = []
    if remind and o.reminder_set:
        result.append(blocks.context(":bell: I'll remind you two days before the deadline."))
    elif remind and o.can_remind(now, tz):
        buttons.append(blocks.button("Remind me before the deadline", ids.DEV_REMIND, str(o.id)))
    if organiser:
        buttons.append(blocks.button("Edit", ids.DEV_EDIT, str(o.id)))
    if buttons:
        result.append(blocks.actions(*buttons))
    return result


def list_blocks(page: Page, *, now: datetime, tz: tzinfo, organiser: bool) -> list[Block]:
    """`/tech dev`: a page of what is open now, soonest deadline first."""
    if not page.total:
        result: list[Block] = [blocks.section(
            ":seedling: No development opportunities are open right now. `/tech dev follow &lt;tag&gt;` tells you "
            "when one is added.")]
    else:
        first, last = page.offset + 1, page.offset + len(page.items)
        result = [blocks.header("Development opportunities"),
                  blocks.context(f"{first}–{last} of {page.total} open now, soonest deadline first.")]
        for o in page.items:
            result += opportunity_blocks(o, now=now, tz=tz, organiser=organiser)
        nav = []
        if page.offset > 0:
            nav.append(blocks.button("Previous", ids.DEV_PAGE, str(max(page.offset - PAGE_SIZE, 0))))
        if last < page.total:
            nav.append(blocks.button(f"Next {min(PAGE_SIZE, page.total - last)}", ids.DEV_PAGE, str(last)))
        if nav:
            result.append(blocks.actions(*nav, block_id="dev_nav"))
    result.append(blocks.context(DEV_USAGE.split("\n", 1)[1].replace("\n", "  ·  ")))
    if organiser:
        result.append(blocks.context(ORGANISER_USAGE))
        result.append(blocks.actions(blocks.button("Add an opportunity", ids.DEV_ADD), block_id="dev_organiser"))
    return result


def search_blocks(query: str, found: Sequence[OpportunityInfo], *, now: datetime, tz: tzinfo,
                  organiser: bool) -> list[Block]:
    shown = escape(truncate(query, 80))
    if not found:
        return [blocks.section(f":mag: No open opportunity matches “{shown}”. Try fewer or other words, "
                               "`/tech dev` for everything open, "
                               "or `/tech dev follow &lt;tag&gt;` to hear of new ones.")]
    kind = noun(len(found), "opportunity", "opportunities")
    result: list[Block] = [blocks.section(f":mag: *{len(found)}* open {kind} for “{shown}”, best match first:")]
    for o in found:
        result += opportunity_blocks(o, now=now, tz=tz, organiser=organiser)
    return result


def follows_text(tags: Sequence[str]) -> str:
    if not tags:
        return ("You follow no tags. "
                "`/tech dev follow microscopy` sends you a DM whenever one tagged microscopy is added.")
    return "You follow " + " ".join(chip(t) for t in tags) + ". `/tech dev unfollow &lt;tag&gt;` stops one."


# The organisers' form ----------------------------------------------------------------------

def opportunity_modal(o: OpportunityInfo | None = None) -> View:
    kinds = [blocks.option(label, key) for key, label in opportunities.KINDS.items()]
    chosen = next((k for k in kinds if o and k.value == o.kind), None)

    def text(block_id: str, label: str, value: str | None, *, optional: bool = False, multiline: bool = False,
             limit: int = 200, hint: str | None = None) -> InputBlock:
        return InputBlock(block_id=block_id, label=label, optional=optional, hint=hint,
                          element=PlainTextInputElement(action_id=block_id, initial_value=value or None,
                                                        multiline=multiline, max_length=limit))

    def picker(block_id: str, label: str, value: date | None) -> InputBlock:
        return InputBlock(block_id=block_id, label=label, optional=True,
                          element=DatePickerElement(action_id=block_id,
                                                    initial_date=value.isoformat() if value else None))

    body: list[Block] = [
        text(ids.DEV_TITLE, "Title", o.title if o else None, limit=opportunities.TITLE_LIMIT),
        InputBlock(block_id=ids.DEV_KIND, label="Kind",
                   element=StaticSelectElement(action_id=ids.DEV_KIND, placeholder="Choose one", options=kinds,
                                               initial_option=chosen)),
        text(ids.DEV_DESCRIPTION, "Description", o.description if o else None, multiline=True,
             limit=opportunities.DESCRIPTION_LIMIT, hint="What it is, who it is for, how to apply."),
        text(ids.DEV_PROVIDER, "Provider", o.provider if o else None, optional=True,
             limit=opportunities.PROVIDER_LIMIT),
        InputBlock(block_id=ids.DEV_LINK, label="Link", optional=True,
                   element=UrlInputElement(action_id=ids.DEV_LINK, initial_value=o.link if o and o.link else None)),
        text(ids.DEV_COST, "Cost", o.cost if o else None, optional=True, limit=opportunities.COST_LIMIT,
             hint="As the provider states it, e.g. Free, or £250 (the development fund can pay)."),
        picker(ids.DEV_STARTS, "Starts", o.starts_on if o else None),
        picker(ids.DEV_ENDS, "Ends", o.ends_on if o else None),
        picker(ids.DEV_DEADLINE, "Application deadline", o.deadline if o else None),
        text(ids.DEV_TAGS, "Tags", ", ".join(o.tags) if o else None, optional=True, limit=700,
             hint="Comma separated, e.g. microscopy, leadership. Members following a tag hear of new ones."),
    ]
    return View(type="modal", callback_id=ids.DEV_MODAL,
                title=blocks.plain("Edit opportunity" if o else "New opportunity"), submit=blocks.plain("Save"),
                close=blocks.plain("Cancel"), private_metadata=str(o.id) if o else "", blocks=body)


def done_view(title: str, mrkdwn: str) -> View:
    return View(type="modal", title=blocks.plain(title, 24), close=blocks.plain("Close"),
                blocks=[blocks.section(mrkdwn)])


# DMs -----------------------------------------------------------------------------------

def dm_blocks(intro: str, o: OpportunityInfo, *, now: datetime, tz: tzinfo) -> list[Block]:
    """A DM about one opportunity: the prose, then the opportunity with its Remind button."""
    return [blocks.section(intro), *opportunity_blocks(o, now=now, tz=tz)]
