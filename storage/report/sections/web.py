"""The public pages: views per page (counts kept by storage/site/views.py, nothing about viewers)."""

from __future__ import annotations

from datetime import timedelta

from storage.report.building import Context
from storage.report.model import Pillar, Section
from storage.site.views import page_views

WEB = "The public pages"
TOP_PAGES = 10


def web_section(ctx: Context) -> Section:
    """Views are things, not people: shown as they are (the plans' "monitoring of website page hits")."""
    pillar = Pillar.VISIBILITY
    now_views = page_views(ctx.session, ctx.period.first_day, ctx.period.last_day + timedelta(days=1), limit=1000)
    before_views = page_views(ctx.session, ctx.previous.first_day, ctx.previous.last_day + timedelta(days=1),
                              limit=1000)
    current = {v.page: v.views for v in now_views}
    previous = {v.page: v.views for v in before_views}
    total = ctx.count_figure("web.views", WEB, "Views of the public pages", pillar,
                             (sum(current.values()), sum(previous.values())), of_people=False)
    top = [v.page for v in now_views[:TOP_PAGES]]
    return Section("web", WEB, (total, *ctx.things("web.by_page", WEB, "Views by page", pillar, current, previous,
                                                    top)))
