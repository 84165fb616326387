"""Credit on research outputs: the share of members credited on at least one confirmed output
in the period against the previous one, overall and by department, and how many outputs.

A member counts in the period they confirmed a credit (storage/outputs.py); a credit declined
or withdrawn counts nowhere. Shares follow storage.privacy: the credited and the rest of each
group are counted like any people, so a share is withheld where either side is 1 to N-1, and
a department's share is shown only where its counts survive the breakdown's suppression.
"""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Member
from storage.models.outputs import OutputCredit
from storage.outputs import CONFIRMED
from storage.privacy import Shown, people, share, share_of, suppress
from storage.report.building import Context, by_name, count_when, in_network, within
from storage.report.model import Figure, Pillar, Section
from storage.report.periods import Period

RESEARCH = "Recognised in research"


def research_section(ctx: Context) -> Section:
    pillar = Pillar.RECOGNITION

    def credited(period: Period) -> tuple[dict[str, int], dict[str, int]]:
        """Members during the period by department: (credited, all)."""
        ids = select(OutputCredit.member_id).where(OutputCredit.status == CONFIRMED,
                                                   within(OutputCredit.answered_at, period))
        rows = ctx.session.execute(select(Member.department, count_when(Member.id.in_(ids)), func.count())
                                   .where(in_network(period)).group_by(Member.department)).all()
        return by_name((d, yes) for d, yes, _ in rows), by_name((d, n) for d, _, n in rows)

    (yes_now, of_now), (yes_before, of_before) = credited(ctx.period), credited(ctx.previous)
    distinct = [int(ctx.session.scalar(select(func.count(func.distinct(OutputCredit.output_id))).where(
        OutputCredit.status == CONFIRMED, within(OutputCredit.answered_at, p))) or 0)
        for p in (ctx.period, ctx.previous)]
    figures: list[Figure] = [
        ctx.figure("research.credited_share", RESEARCH, "Share of members credited on a research output", pillar,
                   share(sum(yes_now.values()), sum(of_now.values()), ctx.k),
                   share(sum(yes_before.values()), sum(of_before.values()), ctx.k),
                   note="Credited as an author or acknowledged, on an output they confirmed in the period."),
        ctx.count_figure("research.outputs", RESEARCH, "Research outputs with technicians' credit confirmed",
                         pillar, (distinct[0], distinct[1]), of_people=False),
    ]
    groups = sorted(set(of_now) | set(of_before), key=str.casefold)

    def cells(counts: dict[str, int]) -> dict[str, Shown]:
        return suppress({g: counts.get(g, 0) for g in groups}, ctx.k,
                        total=people(sum(counts.values()), ctx.k)).cells

    shares = [(cells(yes_now), cells(of_now)), (cells(yes_before), cells(of_before))]
    for group in groups:
        current, previous = (share_of(yes[group], of[group]) for yes, of in shares)
        figures.append(ctx.figure("research.credited_by_department", RESEARCH,
                                  "Share of members credited on a research output, by department", pillar,
                                  current, previous, group=group))
    return Section("research", RESEARCH, tuple(figures))
