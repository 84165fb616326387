"""`/tech deliveries [1d | 7d | 30d]` (organisers): what scheduled posts reached whom, and why not.

Per announcement, e-zine issue, award post and event's reminders: sent, pending, failed with a
reason a person understands; the record of every attempt follows by DM as CSV.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.markup import escape
from core.request import Answer, FollowUp, Request, SendFile
from core.views.deliveries import lines
from handlers._common import network_today, refusal
from storage import delivery_report
from storage.clock import now
from storage.errors import DomainError
from storage.members import Role

if TYPE_CHECKING:
    from core.services import Services

USAGE = "Usage: `/tech deliveries [1d | 7d | 30d]`: what scheduled posts due in that time reached, and why not."
PERIODS = {"": timedelta(days=1), "1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def register(runtime: Services) -> None:
    @runtime.routes.command("deliveries", owner=__name__)
    def deliveries_command(request: Request) -> Answer | list[Answer | FollowUp]:
        """The report at once; its CSV by DM after the answer."""
        try:
            request.actor.require(Role.ORGANISER, "see the delivery report")
        except DomainError as e:
            return Answer(refusal(e))
        words = request.words.lower()
        if words == "help" or words not in PERIODS:
            return Answer(ui.note(USAGE))
        since = now() - PERIODS[words]
        with runtime.db.reading() as session:
            posts = delivery_report.report(session, since=since)
        text = "\n".join(f"• {escape(line)}" for line in lines(posts))
        reply = Answer(ui.message([ui.section(f"*Deliveries due since {since:%Y-%m-%d %H:%M} UTC*\n{text}"),
                                   ui.context("The record of every attempt follows in your DM as CSV.")]))
        return [reply, FollowUp(lambda: csv_file(runtime, since))]


def csv_file(runtime: Services, since: datetime) -> SendFile:
    with runtime.db.reading() as session:
        content = delivery_report.attempts_csv(session, since=since)
    day = network_today(runtime).isoformat()
    return SendFile(ui.File(name=f"technet-deliveries-{day}.csv", content=content, mime="text/csv",
                            title=f"Deliveries {day}", comment="Every delivery attempt since "
                                                              f"{since:%Y-%m-%d %H:%M} UTC."))
