"""Development opportunities: listed, and deadline reminders members asked for."""

from __future__ import annotations

from storage.models.careers import Opportunity, OpportunityReminder
from storage.report.building import Context
from storage.report.model import Pillar, Section


OPPORTUNITIES = "Development opportunities"


def opportunities_section(ctx: Context) -> Section:
    pillar = Pillar.CAREER_DEVELOPMENT
    figures = (
        ctx.count_figure("opportunities.listed", OPPORTUNITIES, "Opportunities listed", pillar,
                         ctx.counts(Opportunity.created_at), of_people=False),
        ctx.count_figure("opportunities.reminders", OPPORTUNITIES, "Deadline reminders members asked for", pillar,
                         ctx.counts(OpportunityReminder.created_at)),
    )
    return Section("opportunities", OPPORTUNITIES, figures)
