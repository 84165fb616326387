"""`/tech report [this year | last year | YYYY-MM-DD..YYYY-MM-DD]`: the network report, for organisers.

The ack checks the asker and the period (fast, no Web API call) and says the report is
on its way; a lazy listener builds it, draws the charts and sends both to the
organiser's DM (chat.postMessage, then files_upload_v2 for the PNGs). Organisers also
get this development year's headline figures on their Home tab (order 95).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND, split
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import HomeSection, Runtime
from digests.report_files import options_for
from handlers._common import dm_channel
from handlers.report_views import home_blocks, preparing_reply, refused_reply, summary_blocks, usage_reply
from storage import report
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    def report_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Check who asks and for which period in the ack; the report itself comes after it."""
        actor: Actor = context["actor"]
        given = split(body.get("text"))[1].strip()
        if given.lower() == "help":
            ack(**blocks.ephemeral(usage_reply()))
            return
        try:
            actor.require(Role.ORGANISER, "see the network report")
            period = report.parse_period(given, now=now(), options=options_for(runtime.settings))
        except DomainError as e:
            ack(**blocks.ephemeral(refused_reply(e.message, with_usage=True)))
            return
        ack(**blocks.ephemeral(preparing_reply(period.label, with_usage=not given)))

    def send_after_ack(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        given = split(body.get("text"))[1].strip()
        actor: Actor = context["actor"]
        options, moment = options_for(runtime.settings), now()
        try:
            period = report.parse_period(given, now=moment, options=options)
        except DomainError:
            return  # the ack said what is wrong with it
        if given.lower() == "help" or not actor.has(Role.ORGANISER):
            return
        try:
            send_report(runtime, client, actor, period, options=options, moment=moment)
        except DomainError as e:
            # The ack already answered; a lazy listener reaches the organiser by DM.
            client.chat_postMessage(channel=actor.slack_user_id, **blocks.note(f":no_entry: {escape(e.message)}"))

    def send_from_home(context: BoltContext, client: WebClient) -> None:
        """The Home tab's Network report button: what `/tech report` alone sends, this development year's."""
        options, moment = options_for(runtime.settings), now()
        # Storage refuses a stale or forged press by a member; telling_failures tells them by DM.
        send_report(runtime, client, context["actor"], report.parse_period("", now=moment, options=options),
                    options=options, moment=moment)

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("report", owner=__name__)])(
        ack=report_command, lazy=[send_after_ack])
    app.action(ids.REPORT_SEND)(ack=ack_only, lazy=[send_from_home])
    runtime.home_sections.append(HomeSection(95, "network figures", home_section))


def send_report(runtime: Runtime, client: WebClient, actor: Actor, period: report.Period, *,
                options: report.ReportOptions, moment: datetime) -> None:
    """Build the report (storage refuses anyone but an organiser), DM the summary, upload the charts."""
    with runtime.db.reading() as session:
        built = report.build_report(session, actor, period, now=moment, options=options)
    # matplotlib is imported on first use: it is slow to load and most processes never draw.
    from digests.report_charts import render

    images = [] if built.empty else [(chart, render(chart)) for chart in built.charts]
    drawn = [(chart, png) for chart, png in images if png is not None]
    channel = dm_channel(client, actor.slack_user_id)
    client.chat_postMessage(channel=channel, **blocks.message(summary_blocks(built, charts=len(drawn)),
                                                              title=f"Network report: {period.label}"))
    if drawn:
        stem = period.short_label.replace("/", "-").replace(" ", "")
        uploads = [{"content": png, "filename": f"technet-{chart.key.replace('.', '-')}-{stem}.png",
                    "title": f"{chart.title}, {chart.period_label}",
                    # Slack reads alt_txt to screen-reader users in place of the image.
                    "alt_txt": f"{chart.title}: {chart.y_label.lower()} by {chart.x_label.lower()}, "
                               f"{chart.period_label}"}
                   for chart, png in drawn]
        client.files_upload_v2(channel=channel, file_uploads=uploads,
                               initial_comment=blocks.comment(f"The charts of the network report, {period.label}."))


def home_section(runtime: Runtime, actor: Actor) -> list[ui.Block]:
    """Headline figures of this development year, for organisers only."""
    if not actor.has(Role.ORGANISER):
        return []
    with runtime.db.reading() as session:
        built = report.headline(session, actor, now=now(), options=options_for(runtime.settings))
    return home_blocks(built)
