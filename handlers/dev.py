"""`/tech dev`: development opportunities: list, search, reminders, follows; organisers add and edit.

`/tech dev` lists what is open, `/tech dev <words>` searches, `/tech dev follow <tag>` and
`unfollow <tag>` manage follows, `/tech dev add` opens the organisers' form. Reminders and
follow notices are due rows that digests/careers.py posts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, OpenForm, Reply, Request, UpdateForm
from core.views.opportunities import chip
from handlers import dev_views as views
from handlers._common import (field_choice, field_day, field_text, network_today, payload_count, payload_id,
                              refusal)
from storage import opportunities
from storage.forms import InvalidFields
from storage.opportunities import drafts
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

if TYPE_CHECKING:
    from core.services import Services

ADD_WORDS = ("add", "new")


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("dev", owner=__name__)
    def dev_command(request: Request) -> Reply:
        actor = request.actor
        try:
            answer = Answer(dev_reply(runtime, actor, request.words))
        except DomainError as e:
            return Answer(refusal(e))
        if request.words.lower() in ADD_WORDS and actor.has(Role.ORGANISER):
            return [answer, OpenForm(views.opportunity_form())]
        return answer

    @routes.action(ids.DEV_REMIND)
    def remind(request: Request) -> Reply:
        with runtime.db.transaction() as session:
            done = opportunities.remind_me(session, request.actor, _opportunity_id(request), now=now(),
                                           tz=runtime.settings.tz)
        when = f"{done.due_at.astimezone(request.tz):%A %-d %B at %H:%M}"
        already = "already set" if done.already else "set"
        return Answer(ui.note(f":bell: Reminder {already}: I'll send you a DM about "
                              f"*{escape(done.opportunity.title)}* on {when}, two days before its deadline."))

    @routes.action(ids.DEV_PAGE)
    def page(request: Request) -> Reply:
        offset = payload_count(request.value, "a page")
        return Answer(list_reply(runtime, request.actor, offset=offset), replace=True)

    @routes.action(ids.DEV_EDIT)
    def edit(request: Request) -> Reply:
        request.actor.require(Role.ORGANISER, "edit development opportunities")
        with runtime.db.reading() as session:
            found = opportunities.get_opportunity(session, _opportunity_id(request))
        return OpenForm(views.opportunity_form(found))

    @routes.action(ids.DEV_ADD)
    def add(request: Request) -> Reply:
        request.actor.require(Role.ORGANISER, "add development opportunities")
        return OpenForm(views.opportunity_form())

    @routes.action(ids.DEV_NOMINATE)
    def nominate(request: Request) -> Reply:
        opportunity_id = _opportunity_id(request)
        try:
            with runtime.db.reading() as session:
                award = opportunities.get_opportunity(session, opportunity_id)
                draft = drafts.draft_for(session, request.actor, opportunity_id)
        except DomainError as e:
            return Answer(refusal(e))
        return OpenForm(views.draft_form(award.title, draft, opportunity_id=opportunity_id))

    @routes.action(ids.DEV_DRAFT_EDIT)
    def edit_draft(request: Request) -> Reply:
        draft_id = payload_id(request.value, "the draft to edit")
        try:
            with runtime.db.reading() as session:
                draft = drafts.get_draft(session, request.actor, draft_id)
        except DomainError as e:
            return Answer(refusal(e))
        return OpenForm(views.draft_form(draft.award, draft))

    @routes.form(ids.DEV_DRAFT_MODAL)
    def draft_saved(request: Request) -> Reply:
        kind, _, number = request.metadata.partition(":")
        target = payload_id(number, "the draft form's award or draft")
        try:
            with runtime.db.transaction() as session:
                draft = drafts.save_draft(
                    session, request.actor, opportunity_id=target if kind == "award" else None,
                    draft_id=target if kind == "draft" else None,
                    colleague=field_text(request.values, ids.DEV_DRAFT_COLLEAGUE),
                    citation=field_text(request.values, ids.DEV_DRAFT_CITATION), now=now())
        except InvalidFields as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({ids.DEV_DRAFT_CITATION: e.message})
        about = f" for *{escape(draft.award)}*" if draft.award else ""
        return UpdateForm(views.done_form("Draft saved", f":lock: Your draft nomination of "
                                          f"{escape(draft.colleague or 'your colleague')}{about} is saved. Only you "
                                          "can see it: `/tech dev drafts` to reuse or edit it, then send it to the "
                                          "award as its organisers ask."))

    @routes.form(ids.DEV_MODAL)
    def saved(request: Request) -> Reply:
        """Validate and save in the ack, so each problem shows by its field."""
        editing = payload_id(request.metadata, "the opportunity being edited") if request.metadata else None
        form = form_values(request)
        try:
            with runtime.db.transaction() as session:
                o = opportunities.save_opportunity(session, request.actor, form, now=now(),
                                                   tz=runtime.settings.tz, opportunity_id=editing)
        except opportunities.InvalidOpportunity as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.DEV_TITLE: e.message})
        said = "updated" if editing else "added to the catalogue"
        tags = f" Members following {' '.join(chip(t) for t in o.tags)} hear of it by DM." if o.tags and \
            not editing else ""
        return UpdateForm(views.done_form("Opportunity saved",
                                          f":white_check_mark: *{escape(o.title)}* is {said}.{tags}"))


def _opportunity_id(request: Request) -> int:
    return payload_id(request.value, f"{request.action_id}'s opportunity")


def dev_reply(runtime: Services, actor: Actor, rest: str) -> ui.Message:
    """The answer to `/tech dev ...`, built within the ack (database reads and small writes only)."""
    verb, argument = split(rest)
    # Deadlines are days in the network's calendar, wherever the member is.
    tz = runtime.settings.tz
    moment = now()
    if verb == "":
        return list_reply(runtime, actor)
    if verb == "help":
        text = views.DEV_USAGE + ("\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")
        return ui.note(text)
    if verb in ADD_WORDS and not argument:
        actor.require(Role.ORGANISER, "add development opportunities")
        return ui.note(":seedling: Opening the form for a new opportunity…")
    if verb == "follow":
        if not argument.strip():
            with runtime.db.reading() as session:
                tags = opportunities.follows(session, actor.member_id)
            return ui.note(views.follows_text(tags))
        with runtime.db.transaction() as session:
            tag, new = opportunities.follow(session, actor, argument, now=moment)
            tags = opportunities.follows(session, actor.member_id)
        said = "Now following" if new else "You already follow"
        return ui.note(f":white_check_mark: {said} {chip(tag)}: I'll send you a DM when an opportunity with "
                   f"that tag is added.\n{views.follows_text(tags)}")
    if verb == "unfollow":
        with runtime.db.transaction() as session:
            tag, gone = opportunities.unfollow(session, actor, argument)
            tags = opportunities.follows(session, actor.member_id)
        said = f"Stopped following {chip(tag)}." if gone else f"You weren't following {chip(tag)}."
        return ui.note(f"{said}\n{views.follows_text(tags)}")
    if verb == "drafts" and not argument:
        with runtime.db.reading() as session:
            return ui.message(views.drafts_blocks(drafts.drafts(session, actor)))
    if verb == "following" and not argument:
        with runtime.db.reading() as session:
            return ui.note(views.follows_text(opportunities.follows(session, actor.member_id)))
    with runtime.db.reading() as session:
        found = opportunities.search(session, rest, today=network_today(runtime, moment), member_id=actor.member_id)
    return ui.message(views.search_blocks(rest, found, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)))


def list_reply(runtime: Services, actor: Actor, *, offset: int = 0) -> ui.Message:
    tz = runtime.settings.tz
    moment = now()
    with runtime.db.reading() as session:
        page = opportunities.current(session, today=network_today(runtime, moment), member_id=actor.member_id,
                                     offset=offset, limit=views.PAGE_SIZE)
    return ui.message(views.list_blocks(page, now=moment, tz=tz, organiser=actor.has(Role.ORGANISER)))


def form_values(request: Request) -> opportunities.OpportunityForm:
    given = request.values
    return opportunities.OpportunityForm(
        title=field_text(given, ids.DEV_TITLE), kind=field_choice(given, ids.DEV_KIND),
        description=field_text(given, ids.DEV_DESCRIPTION), provider=field_text(given, ids.DEV_PROVIDER),
        link=field_text(given, ids.DEV_LINK), cost=field_text(given, ids.DEV_COST),
        starts_on=field_day(given, ids.DEV_STARTS), ends_on=field_day(given, ids.DEV_ENDS),
        deadline=field_day(given, ids.DEV_DEADLINE), tags=field_text(given, ids.DEV_TAGS) or "",
    )
