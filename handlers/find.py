"""`/tech find [skill or words]`: who knows how to ...; `/tech find export` for organisers (CSV)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import Runtime
from handlers._common import dm_channel, network_today, refused, words_after
from handlers.find_views import EXPORT_USAGE, FIND_USAGE, results_blocks
from handlers.profile import registrations_shown
from storage import profiles, registration
from storage.errors import DomainError
from storage.members import Actor, Role


def register(app: App, runtime: Runtime) -> None:
    guide = registration.load_guide(runtime.settings.content_dir)

    def find_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Search in the ack (one quick read); an export is prepared after it."""
        actor: Actor = context["actor"]
        query = words_after(body)
        if query.lower() in ("", "help"):
            usage = FIND_USAGE + ("\n" + EXPORT_USAGE if actor.has(Role.ORGANISER) else "")
            ack(**blocks.ephemeral([ui.section(usage)]))
        elif query.lower() == "export":
            ack(**export_reply(actor))
        else:
            ack(**search_reply(runtime, actor, query, body.get("team_id"), guide))

    def export_after_ack(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if words_after(body).lower() == "export" and context["actor"].has(Role.ORGANISER):
            send_export(runtime, client, context["actor"])

    def export_from_button(context: BoltContext, client: WebClient) -> None:
        # A refusal reaches the person by DM through bot.listeners.telling_failures (the Home tab has no reply).
        send_export(runtime, client, context["actor"])

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("find", owner=__name__)])(
        ack=find_command, lazy=[export_after_ack])
    # The Message button opens Slack's DM by its URL; Slack still sends us the click.
    app.action(ids.FIND_MESSAGE)(ack_only)
    app.action(ids.FIND_EXPORT)(ack=ack_only, lazy=[export_from_button])


def search_reply(runtime: Runtime, actor: Actor, query: str, team_id: str | None,
                 guide: registration.Guide) -> dict[str, Any]:
    try:
        with runtime.db.reading() as session:
            result = profiles.search(session, query)
            shown = registrations_shown(session, actor, (hit.user_id for hit in result.hits), guide)
    except DomainError as e:
        return blocks.ephemeral([ui.section(escape(e.message)), ui.context(FIND_USAGE)])
    return blocks.ephemeral(results_blocks(result, query, team_id=team_id, viewer=actor.user_id,
                                           registrations=shown))


def export_reply(actor: Actor) -> dict[str, Any]:
    try:
        actor.require(Role.ORGANISER, "export the skills directory")
    except DomainError as e:
        return refused(e)
    text = ":inbox_tray: Preparing the directory export: it will arrive in your DM with me in a moment."
    return blocks.ephemeral([ui.section(text)])


def send_export(runtime: Runtime, client: WebClient, actor: Actor) -> None:
    """The two CSV files, uploaded to the organiser's DM with the bot (files_upload_v2)."""
    with runtime.db.reading() as session:
        export = profiles.export_directory(session, actor)
    day = network_today(runtime).isoformat()
    channel = dm_channel(client, actor.user_id)
    client.files_upload_v2(
        channel=channel,
        initial_comment=blocks.comment(f"The skills directory on {day}: {export.members} member(s) who chose to be "
                                       "listed, and the count of each skill by department."),
        file_uploads=[
            {"filename": f"technet-directory-{day}.csv", "content": export.directory_csv,
             "title": f"Skills directory {day}"},
            {"filename": f"technet-skills-by-department-{day}.csv", "content": export.skills_by_department_csv,
             "title": f"Skills by department {day}"},
        ],
    )
