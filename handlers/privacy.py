"""`/tech my data` (your own copy of what technet holds about you, by DM) and `/tech privacy`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from content import load_yaml
from core import ui
from core.markup import escape
from core.request import Answer, FollowUp, Request, SendFile
from core.settings import Settings
from digests import personal_data
from handlers._common import network_today
from storage.clock import now
from storage.members import Actor
from storage.personal_data.export import export_member
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

MY_DATA_USAGE = "`/tech my data`  Everything technet holds about you, sent to you in a DM."


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("my", owner=__name__)
    def my_data(request: Request) -> Answer | list[Answer | FollowUp]:
        """Answer at once; the copy is built and sent after the answer."""
        if request.words.strip().lower() != "data":
            return Answer(ui.message([ui.section(MY_DATA_USAGE)]))
        text = ":inbox_tray: Preparing your copy of what technet holds about you: it will arrive in your DM shortly."
        return [Answer(ui.message([ui.section(text)])), FollowUp(lambda: own_copy(runtime, request.actor))]

    @routes.command("privacy", owner=__name__)
    def privacy(request: Request) -> Answer:
        return Answer(privacy_message(runtime))


def privacy_message(runtime: Services) -> ui.Message:
    # Organiser-authored content: its *bold* and `code` show as mrkdwn; & < > are escaped.
    data = load_yaml("privacy.yaml", runtime.settings.content_dir)
    text = str(data["text"])
    for name, period in periods(runtime.settings).items():
        text = text.replace("{" + name + "}", period)
    return ui.message([ui.header(str(data["title"])), *(ui.section(escape(part)) for part in text.split("\n\n"))])


def periods(settings: Settings) -> dict[str, str]:
    """The configured periods as the privacy text says them: "90 days", "for ever"."""
    def said(period: timedelta | None) -> str:
        return "for ever" if period is None else plural(period.days, "day")
    return {"erase_after": said(settings.erase_after), "nominations": said(settings.retain_nominations),
            "audit": said(settings.retain_audit), "deliveries": said(settings.retain_deliveries),
            "ezine": said(settings.retain_ezine)}


def own_copy(runtime: Services, actor: Actor) -> SendFile:
    """The member's copy, for their DM with the bot: a page to read and the same as JSON."""
    with runtime.db.reading() as session:
        export = export_member(session, actor.member_id, now=now(), by=f"the member ({actor.identity.surface})")
    rendered = personal_data.render(export, runtime.templates)
    day = network_today(runtime).isoformat()
    comment = ("Everything technet holds about you, as a page to read and as JSON. `/tech privacy` says why it is "
               "kept, for how long, and how to ask for erasure.")
    return SendFile(
        ui.File(name=f"technet-my-data-{day}.html", content=rendered.html, mime="text/html",
                title=f"Your data in technet {day}", comment=comment),
        more=(ui.File(name=f"technet-my-data-{day}.json", content=rendered.json, mime="application/json",
                      title=f"Your data in technet {day} (JSON)"),),
    )
