"""Personal data's scheduled work and files: the daily retention run, and a member's copy rendered.

Once a day (03:00 in TECHNET_TZ) one due row per local date is claimed by one replica: it erases
members deactivated longer ago than TECHNET_ERASE_AFTER_DAYS and deletes what has passed its
retention period (storage/personal_data), logging counts only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from jinja2 import Environment

from core.due import DueKind, DueKinds
from core.services import Services
from core.settings import Settings
from storage import ledger
from storage.personal_data import erasure, retention
from storage.personal_data.export import Export

log = logging.getLogger("technet.personal_data")

DAILY = "privacy.daily"
SUBJECT = "retention"
RUN_AT = time(3, 0)


@dataclass(frozen=True)
class Rendered:
    json: str
    html: str


def render(export: Export, env: Environment) -> Rendered:
    """The member's copy as JSON and as a readable page (HTML-escaped by the template's autoescape)."""
    data = export.as_data()
    return Rendered(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False),
                    env.get_template("personal_data.html.j2").render(data=data))


def periods_of(settings: Settings) -> retention.Periods:
    return retention.Periods(nominations=settings.retain_nominations, audit=settings.retain_audit,
                             deliveries=settings.retain_deliveries, ezine=settings.retain_ezine)


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(DAILY, deliver, grace=timedelta(hours=24)))


def plan(runtime: Services, now: datetime) -> None:
    """Put today's run in the ledger (each tick asks; the first replica's row is the one)."""
    tz = runtime.settings.tz
    day = now.astimezone(tz).date()
    due = datetime.combine(day, RUN_AT, tzinfo=tz)
    with runtime.db.transaction() as session:
        ledger.schedule(session, kind=DAILY, subject=SUBJECT, occurrence=day.isoformat(), due_at=due)


def run_daily(runtime: Services, now: datetime) -> str:
    """Erase those whose grace has passed, then apply retention; the counts, for the log and the ledger."""
    settings = runtime.settings
    with runtime.db.transaction() as session:
        erased = erasure.due_for_erasure(session, now=now, after=settings.erase_after)
        for member_id in erased:
            erasure.erase_member(session, member_id, now=now, by="the daily run (account deactivated)")
        removed = retention.apply_retention(session, periods_of(settings), now=now)
    counts = ", ".join(f"{table} {n}" for table, n in sorted(removed.items()))
    summary = f"erased {len(erased)} member(s); removed {counts or 'nothing'}"
    log.info("personal data retention: %s", summary)
    return summary


def deliver(runtime: Services, claim: ledger.Claimed, now: datetime) -> str:
    return run_daily(runtime, now)
