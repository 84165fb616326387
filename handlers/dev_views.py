"""Development opportunities' views: the list, search results, the organisers' form.

One opportunity as a member sees it (also in the DMs digests send) is core.views.opportunities.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from core import ids, ui
from core.markup import escape, truncate
from core.views.opportunities import chip, opportunity_blocks
from storage import opportunities
from storage.opportunities import OpportunityInfo, Page
from storage.opportunities.drafts import CITATION_LIMIT, DraftInfo
from storage.words import noun

PAGE_SIZE = 10
DEV_USAGE = (
    "*Development opportunities*\n"
    "`/tech dev`  what is open now, soonest deadline first\n"
    "`/tech dev &lt;words&gt;`  search titles, descriptions and tags, e.g. `/tech dev microscopy`\n"
    "`/tech dev follow &lt;tag&gt;`  a DM whenever an opportunity with that tag is added\n"
    "`/tech dev unfollow &lt;tag&gt;`  stop that; `/tech dev following` lists your tags\n"
    "`/tech dev drafts`  your private drafts of nominations for external awards"
)
ORGANISER_USAGE = "`/tech dev add`  add an opportunity (organisers; `technet import opportunities FILE.csv` adds many)"


def list_blocks(page: Page, *, now: datetime, tz: tzinfo, organiser: bool) -> list[ui.Block]:
    """`/tech dev`: a page of what is open now, soonest deadline first."""
    if not page.total:
        result: list[ui.Block] = [ui.section(
            ":seedling: No development opportunities are open right now. `/tech dev follow &lt;tag&gt;` tells you "
            "when one is added.")]
    else:
        first, last = page.offset + 1, page.offset + len(page.items)
        result = [ui.header("Development opportunities"),
                  ui.context(f"{first}–{last} of {page.total} open now, soonest deadline first.")]
        for o in page.items:
            result += opportunity_blocks(o, now=now, tz=tz, organiser=organiser)
        nav = []
        if page.offset > 0:
            nav.append(ui.button("Previous", ids.DEV_PAGE, str(max(page.offset - PAGE_SIZE, 0))))
        if last < page.total:
            nav.append(ui.button(f"Next {min(PAGE_SIZE, page.total - last)}", ids.DEV_PAGE, str(last)))
        if nav:
            result.append(ui.actions(*nav, block_id="dev_nav"))
    result.append(ui.context(DEV_USAGE.split("\n", 1)[1].replace("\n", "  ·  ")))
    if organiser:
        result.append(ui.context(ORGANISER_USAGE))
        result.append(ui.actions(ui.button("Add an opportunity", ids.DEV_ADD), block_id="dev_organiser"))
    return result


def search_blocks(query: str, found: Sequence[OpportunityInfo], *, now: datetime, tz: tzinfo,
                  organiser: bool) -> list[ui.Block]:
    shown = escape(truncate(query, 80))
    if not found:
        return [ui.section(f":mag: No open opportunity matches “{shown}”. Try fewer or other words, "
                           "`/tech dev` for everything open, "
                           "or `/tech dev follow &lt;tag&gt;` to hear of new ones.")]
    kind = noun(len(found), "opportunity", "opportunities")
    result: list[ui.Block] = [ui.section(f":mag: *{len(found)}* open {kind} for “{shown}”, best match first:")]
    for o in found:
        result += opportunity_blocks(o, now=now, tz=tz, organiser=organiser)
    return result


def follows_text(tags: Sequence[str]) -> ui.Markup:
    if not tags:
        return ("You follow no tags. "
                "`/tech dev follow microscopy` sends you a DM whenever one tagged microscopy is added.")
    return "You follow " + " ".join(chip(t) for t in tags) + ". `/tech dev unfollow &lt;tag&gt;` stops one."


# The organisers' form ----------------------------------------------------------------------

def opportunity_form(o: OpportunityInfo | None = None) -> ui.Form:
    kinds = tuple(ui.option(label, key) for key, label in opportunities.KINDS.items())
    chosen = next((k for k in kinds if o and k.value == o.kind), None)

    def text(field_id: str, label: str, value: str | None, *, optional: bool = False, multiline: bool = False,
             limit: int = 200, hint: str | None = None) -> ui.Field:
        return ui.Field(id=field_id, label=label, required=not optional, hint=hint, initial=value or None,
                        multiline=multiline, max_length=limit)

    def picker(field_id: str, label: str, value: date | None) -> ui.Field:
        return ui.Field(id=field_id, label=label, kind=ui.FieldKind.DATE, required=False, initial=value)

    body: list[ui.Block] = [
        text(ids.DEV_TITLE, "Title", o.title if o else None, limit=opportunities.TITLE_LIMIT),
        ui.Field(id=ids.DEV_KIND, label="Kind", kind=ui.FieldKind.SELECT, placeholder="Choose one", options=kinds,
                 initial=chosen),
        text(ids.DEV_DESCRIPTION, "Description", o.description if o else None, multiline=True,
             limit=opportunities.DESCRIPTION_LIMIT, hint="What it is, who it is for, how to apply."),
        text(ids.DEV_PROVIDER, "Provider", o.provider if o else None, optional=True,
             limit=opportunities.PROVIDER_LIMIT),
        ui.Field(id=ids.DEV_LINK, label="Link", kind=ui.FieldKind.URL, required=False,
                 initial=o.link if o and o.link else None),
        text(ids.DEV_COST, "Cost", o.cost if o else None, optional=True, limit=opportunities.COST_LIMIT,
             hint="As the provider states it, e.g. Free, or £250 (the development fund can pay)."),
        picker(ids.DEV_STARTS, "Starts", o.starts_on if o else None),
        picker(ids.DEV_ENDS, "Ends", o.ends_on if o else None),
        picker(ids.DEV_DEADLINE, "Application deadline", o.deadline if o else None),
        text(ids.DEV_TAGS, "Tags", ", ".join(o.tags) if o else None, optional=True, limit=700,
             hint="Comma separated, e.g. microscopy, leadership. Members following a tag hear of new ones."),
    ]
    return ui.Form(id=ids.DEV_MODAL, title="Edit opportunity" if o else "New opportunity", submit="Save",
                   metadata=str(o.id) if o else "", blocks=tuple(body))


def done_form(title: str, text: ui.Markup) -> ui.Form:
    return ui.Form(id="", title=title, close="Close", blocks=(ui.section(text),))


# Private drafts of nominations for external awards -------------------------------------------

def draft_form(award: str | None, draft: DraftInfo | None, *, opportunity_id: int | None = None) -> ui.Form:
    """The draft form: for an award (`opportunity_id`, reopening the member's draft for it) or a draft by id."""
    metadata = f"draft:{draft.id}" if draft is not None else f"award:{opportunity_id}"
    about = f"*{escape(award)}*" if award else "an external award"
    return ui.Form(id=ids.DEV_DRAFT_MODAL, title="Nominate a colleague", submit="Save draft", metadata=metadata,
                   blocks=(
                       ui.context(f"A private draft nomination for {about}, in your own words: only you can see "
                                  "it, and you can come back to it with `/tech dev drafts`. It is not sent "
                                  "anywhere: send it to the award as its organisers ask."),
                       ui.Field(id=ids.DEV_DRAFT_COLLEAGUE, label="Colleague", kind=ui.FieldKind.MEMBER,
                                initial=draft.colleague_user if draft else None, placeholder="Choose a colleague"),
                       ui.Field(id=ids.DEV_DRAFT_CITATION, label="Citation", multiline=True,
                                max_length=CITATION_LIMIT, initial=draft.citation if draft else None,
                                hint="Why they deserve it: what they did, and the difference it made"),
                   ))


def drafts_blocks(found: Sequence[DraftInfo]) -> list[ui.Block]:
    if not found:
        return [ui.section(":lock: You have no draft nominations. An award in `/tech dev` has a *Nominate a "
                           "colleague* button that starts one, private to you.")]
    result: list[ui.Block] = [ui.header("Your draft nominations"),
                              ui.context("Private: only you can see these.")]
    for d in found:
        award = escape(d.award) if d.award else "_an award no longer in the catalogue_"
        result += [ui.section(f"*{escape(d.colleague or 'A colleague')}* for {award}\n"
                              f"{escape(truncate(d.citation, 600))}"),
                   ui.actions(ui.button("Edit", ids.DEV_DRAFT_EDIT, str(d.id)))]
    return result
