"""The e-zine and announcements: issues and announcements posted, news items by category."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import announcements as an
from storage import ledger
from storage import news as nw
from storage.ezine import POSTED
from storage.models import DueItem
from storage.models.news import EzineIssue, NewsItem
from storage.report.building import Context, count_when, within
from storage.report.model import Pillar, Section


NEWS = "E-zine, news and announcements"


def news_section(ctx: Context) -> Section:
    """Published things, not people: counts are shown as they are."""
    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.VISIBILITY
    issues = ctx.counts(EzineIssue.posted_at, EzineIssue.status == POSTED)
    posts = ctx.counts(DueItem.done_at, DueItem.kind == an.KIND, DueItem.status == ledger.DONE)
    approved_at = func.coalesce(NewsItem.reviewed_at, NewsItem.created_at)
    categories = {c: (int(a), int(b)) for c, a, b in session.execute(
        select(NewsItem.category, count_when(within(approved_at, now_p)), count_when(within(approved_at, before_p)))
        .where(NewsItem.status == nw.APPROVED).group_by(NewsItem.category))}
    figures = [
        ctx.count_figure("news.issues", NEWS, "E-zine issues posted", pillar, issues,
                         of_people=False),
        ctx.count_figure("news.announcements", NEWS, "Scheduled announcements posted", pillar,
                         posts, of_people=False),
        ctx.count_figure("news.items", NEWS, "News items approved for the e-zine", pillar,
                         (sum(a for a, _ in categories.values()), sum(b for _, b in categories.values())),
                         of_people=False),
    ]
    figures += ctx.things_by_kind("news.by_category", NEWS, "News items by category", pillar, categories,
                                  nw.CATEGORIES)
    return Section("news", NEWS, tuple(figures))
