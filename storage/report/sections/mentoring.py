"""Mentoring: active, started and ended pairs, and mentors with room for another mentee."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, select

from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentorProfile
from storage.report.building import Context, count_when
from storage.report.model import Pillar, Section
from storage.report.periods import Period, today_in


MENTORING = "Mentoring"


def mentoring_section(ctx: Context) -> Section:
    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.CAREER_DEVELOPMENT

    def active(p: Period) -> ColumnElement[bool]:
        return and_(MentoringPairing.started_at < ctx.until(p),
                    or_(MentoringPairing.ended_at.is_(None), MentoringPairing.ended_at >= p.starts_at))

    pairs = session.execute(select(count_when(active(now_p)), count_when(active(before_p)))).one()
    today = today_in(ctx.now, ctx.options)
    ongoing = dict(session.execute(select(MentoringPairing.mentor_id, func.count())
                                   .where(MentoringPairing.ended_at.is_(None))
                                   .group_by(MentoringPairing.mentor_id)).all())
    mentors = session.execute(
        select(MentorProfile.member_id, MentorProfile.capacity, MentorProfile.paused_until)
        .join(Member, Member.id == MentorProfile.member_id)
        .where(Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    free = sum(1 for m, capacity, paused in mentors
               if capacity > ongoing.get(m, 0) and (paused is None or paused < today))
    figures = [
        ctx.count_figure("mentoring.active_pairs", MENTORING, "Mentoring pairs active during the period", pillar,
                         (int(pairs[0]), int(pairs[1]))),
        ctx.count_figure("mentoring.started", MENTORING, "Pairs started", pillar,
                         ctx.counts(MentoringPairing.started_at)),
        ctx.count_figure("mentoring.ended", MENTORING, "Pairs ended", pillar, ctx.counts(MentoringPairing.ended_at)),
        ctx.snapshot_figure("mentoring.mentors", MENTORING, "Mentors (now)", Pillar.SUSTAINABILITY,
                            ctx.people(len(mentors))),
        ctx.snapshot_figure("mentoring.free_capacity", MENTORING, "Mentors with room for another mentee (now)",
                            Pillar.SUSTAINABILITY, ctx.people(free)),
    ]
    return Section("mentoring", MENTORING, tuple(figures))
