"""`/tech report [this year | last year | YYYY-MM-DD..YYYY-MM-DD]`: the network report, for organisers.

The ack checks the asker and the period (fast, nothing sent) and says the report is on its
way; after the ack it is built, its charts drawn, and both sent to the organiser's DM (the
summary, then the PNGs as files). Organisers also
get this development year's headline figures on their Home tab (order 95).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from core import ids, ui
from core.markup import escape
from core.request import Answer, DirectMessage, FollowUp, Reply, Request, SendFile
from core.services import HomeSection
from digests.report_files import options_for
from handlers.report_views import home_blocks, preparing_reply, refused_reply, summary_blocks, usage_reply
from storage import report
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("report", owner=__name__)
    def report_command(request: Request) -> Reply:
        """Check who asks and for which period in the ack; the report itself comes after it."""
        actor, given = request.actor, request.words
        if given.lower() == "help":
            return Answer(usage_reply())
        options, moment = options_for(runtime.settings), now()
        try:
            actor.require(Role.ORGANISER, "see the network report")
            period = report.parse_period(given, now=moment, options=options)
        except DomainError as e:
            return Answer(refused_reply(e.message, with_usage=True))

        def send() -> Reply:
            try:
                return send_report(runtime, actor, period, options=options, moment=moment)
            except DomainError as e:
                # The ack already answered; the organiser hears of this by DM.
                return DirectMessage(actor.member_id, ui.note(f":no_entry: {escape(e.message)}"))

        return [Answer(preparing_reply(period.label, with_usage=not given)), FollowUp(send)]

    @routes.action(ids.REPORT_SEND, after_ack=True)
    def send_from_home(request: Request) -> Reply:
        """The Home tab's Network report button: what `/tech report` alone sends, this development year's."""
        options, moment = options_for(runtime.settings), now()
        # Storage refuses a stale or forged press by a member; the refusal reaches them like any failure.
        return send_report(runtime, request.actor, report.parse_period("", now=moment, options=options),
                           options=options, moment=moment)

    runtime.home_sections.append(HomeSection(95, "network figures", home_section))


def send_report(runtime: Services, actor: Actor, period: report.Period, *, options: report.ReportOptions,
                moment: datetime) -> Reply:
    """Build the report (storage refuses anyone but an organiser), DM the summary; the charts follow it."""
    with runtime.db.reading() as session:
        built = report.build_report(session, actor, period, now=moment, options=options)
    # matplotlib is imported on first use: it is slow to load and most processes never draw.
    from digests.report_charts import render

    images = [] if built.empty else [(chart, render(chart)) for chart in built.charts]
    drawn = [(chart, png) for chart, png in images if png is not None]
    # In the DM the charts are uploaded to (the DM's own id: the files follow in the same conversation).
    runtime.delivery.post(runtime.delivery.group([actor.user_id]),
                          ui.message(summary_blocks(built, charts=len(drawn)), title=f"Network report: {period.label}"))
    if not drawn:
        return None
    stem = period.short_label.replace("/", "-").replace(" ", "")
    files = [ui.File(f"technet-{chart.key.replace('.', '-')}-{stem}.png", png, mime="image/png",
                     title=f"{chart.title}, {chart.period_label}",
                     alt=f"{chart.title}: {chart.y_label.lower()} by {chart.x_label.lower()}, {chart.period_label}")
             for chart, png in drawn]
    first = replace(files[0], comment=f"The charts of the network report, {period.label}.")
    return SendFile(first, more=tuple(files[1:]))


def home_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    """Headline figures of this development year, for organisers only."""
    if not actor.has(Role.ORGANISER):
        return []
    with runtime.db.reading() as session:
        built = report.headline(session, actor, now=now(), options=options_for(runtime.settings))
    return home_blocks(built)
