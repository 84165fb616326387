"""`/tech find [skill or words]`: who knows how to ...; `/tech find export` for organisers (CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.markup import escape
from core.request import Answer, FollowUp, Request, SendFile
from handlers._common import network_today, refusal
from handlers.find_views import EXPORT_USAGE, FIND_USAGE, results_blocks
from handlers.profile import registrations_shown
from storage import profiles, registration
from storage.errors import DomainError
from storage.members import Actor, Role

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:
    guide = registration.load_guide(runtime.settings.content_dir)
    routes = runtime.routes

    @routes.command("find", owner=__name__)
    def find_command(request: Request) -> Answer | list[Answer | FollowUp]:
        """Search at once (one quick read); an export is prepared after the answer."""
        actor = request.actor
        query = request.words
        if query.lower() in ("", "help"):
            usage = FIND_USAGE + ("\n" + EXPORT_USAGE if actor.has(Role.ORGANISER) else "")
            return Answer(ui.message([ui.section(usage)]))
        if query.lower() == "export":
            try:
                actor.require(Role.ORGANISER, "export the skills directory")
            except DomainError as e:
                return Answer(refusal(e))
            text = ":inbox_tray: Preparing the directory export: it will arrive in your DM with me in a moment."
            return [Answer(ui.message([ui.section(text)])), FollowUp(lambda: export(runtime, actor))]
        return Answer(search_reply(runtime, actor, query, request.where.tenant, guide))

    @routes.action(ids.FIND_MESSAGE)
    def message_pressed(request: Request) -> None:
        """The Message button opens the DM by its URL; the surface still sends the click, which needs no answer."""

    @routes.action(ids.FIND_EXPORT, after_ack=True)
    def export_from_button(request: Request) -> SendFile:
        # A refusal reaches the person by DM (the Home tab has no reply).
        return export(runtime, request.actor)


def search_reply(runtime: Services, actor: Actor, query: str, tenant: str | None,
                 guide: registration.Guide) -> ui.Message:
    try:
        with runtime.db.reading() as session:
            result = profiles.search(session, query)
            shown = registrations_shown(session, actor, (hit.user_id for hit in result.hits), guide)
    except DomainError as e:
        return ui.message([ui.section(escape(e.message)), ui.context(FIND_USAGE)])
    return ui.message(results_blocks(result, query, team_id=tenant, viewer=actor.user_id,
                                     registrations=shown))


def export(runtime: Services, actor: Actor) -> SendFile:
    """The two CSV files, for the organiser's DM with the bot."""
    with runtime.db.reading() as session:
        directory = profiles.export_directory(session, actor)
    day = network_today(runtime).isoformat()
    comment = (f"The skills directory on {day}: {directory.members} member(s) who chose to be listed, and the "
               "count of each skill by department.")
    return SendFile(
        ui.File(name=f"technet-directory-{day}.csv", content=directory.directory_csv, mime="text/csv",
                title=f"Skills directory {day}", comment=comment),
        more=(ui.File(name=f"technet-skills-by-department-{day}.csv", content=directory.skills_by_department_csv,
                      mime="text/csv", title=f"Skills by department {day}"),),
    )
