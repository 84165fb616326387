"""`/tech calendar`: your private calendar feed of the events you are going to; `revoke` ends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ui
from core.request import Answer, Request
from storage import site
from storage.clock import now

if TYPE_CHECKING:
    from core.services import Services

CALENDAR_USAGE = ("`/tech calendar` gives you a private calendar address with the events you are going to, "
                  "waitlisted for or might go to; they update as the events change.\n"
                  "`/tech calendar revoke` ends that address (anyone who has it sees nothing more); "
                  "`/tech calendar` then gives you a new one.")
FEED_PATH = "/network/calendar/{token}.ics"


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("calendar", owner=__name__)
    def calendar_command(request: Request) -> Answer:
        word = request.words.strip().lower()
        if word in ("help", "?"):
            return Answer(ui.message([ui.section(CALENDAR_USAGE)]))
        if word == "revoke":
            with runtime.db.transaction() as session:
                revoked = site.revoke_calendar(session, request.actor)
            text = (":lock: Done: your calendar address no longer works. Remove the subscription from your "
                    "calendar app; `/tech calendar` gives you a new address." if revoked else
                    "You have no calendar address to revoke. `/tech calendar` makes one.")
            return Answer(ui.message([ui.section(text)]))
        if word:
            return Answer(ui.message([ui.section(f"I don't know `/tech calendar {word[:40]}`."),
                                      ui.context(CALENDAR_USAGE)]))
        with runtime.db.transaction() as session:
            token = site.calendar_token(session, request.actor, now=now())
        return Answer(ui.message(feed_blocks(runtime.settings.public_url, token)))


def feed_blocks(public_url: str | None, token: str) -> list[ui.Block]:
    path = FEED_PATH.format(token=token)
    where = f"{public_url}{path}" if public_url else path
    blocks: list[ui.Block] = [
        ui.section(":calendar: *Your technet calendar*\nSubscribe to this address in Outlook, Google or Apple "
                   f"calendars (\"add calendar from URL\"):\n`{where}`"),
        ui.context("It is private to you: anyone with the address sees the events you are going to. "
                   "`/tech calendar revoke` ends it."),
    ]
    if public_url is None:
        blocks.append(ui.context("The network's public address is not set yet (TECHNET_PUBLIC_URL): ask an "
                                 "admin for the start of the address."))
    return blocks
