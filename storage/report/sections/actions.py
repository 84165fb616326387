"""The action plan: how many of each pillar's actions stand at each RAG status (now: the plan
keeps its history as updates, the report shows where it stands); and the sessions led by
technicians (approved proposals) the plans' peer-to-peer series asks for."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from storage.actions.tracker import PILLARS, STATUSES, effective_status
from storage.events.constants import CANCELLED
from storage.models.actions import PlanAction
from storage.models.events import Event
from storage.privacy import exact
from storage.proposals import led_event_ids
from storage.report.building import Context
from storage.report.model import Figure, Pillar, Section
from storage.report.periods import today_in

PLAN = "The action plan"


def actions_section(ctx: Context) -> Section:
    today = today_in(ctx.now, ctx.options)
    counts = Counter((pillar, effective_status(status, due_on, today)) for pillar, status, due_on in
                     ctx.session.execute(select(PlanAction.pillar, PlanAction.status, PlanAction.due_on)))
    led = ctx.counts(Event.starts_at, Event.id.in_(led_event_ids()), Event.status != CANCELLED)
    figures: list[Figure] = [ctx.count_figure("actions.sessions_led", PLAN, "Sessions led by technicians "
                                              "(approved proposals, not cancelled)", Pillar.CAREER_DEVELOPMENT,
                                              led, of_people=False)]
    if not counts:
        return Section("actions", PLAN, tuple(figures),
                       notes=("No action plan yet: `technet import actions FILE.csv` loads one.",))
    for key, label in PILLARS.items():
        if not any(counts.get((key, s)) for s in STATUSES):
            continue
        figures += [ctx.snapshot_figure(f"actions.{key.replace(' ', '_')}", PLAN, f"{label} actions by status (now)",
                                        Pillar(key), exact(counts.get((key, status), 0), min_group=ctx.k),
                                        group=status.capitalize())
                    for status in STATUSES]
    return Section("actions", PLAN, tuple(figures))
