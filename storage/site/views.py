"""Page views of the public pages: a count per page and day, nothing about who viewed.

No cookie, no address, no user agent is kept or even read: what a view is, is decided by the
page that was served (bot/web/), and the count is all that is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import rowcount
from storage.models.site import PageView


def count_view(session: Session, page: str, day: date, views: int = 1) -> None:
    """`views` more views of `page` on `day` (an update, or the day's first row)."""
    page = page[:200]
    if rowcount(session.execute(update(PageView).where(PageView.page == page, PageView.day == day)
                                .values(views=PageView.views + views))):
        return
    try:
        with session.begin_nested():
            session.add(PageView(page=page, day=day, views=views))
    except IntegrityError:
        # Another request made the day's row a moment ago.
        session.execute(update(PageView).where(PageView.page == page, PageView.day == day)
                        .values(views=PageView.views + views))


@dataclass(frozen=True)
class PageViews:
    page: str
    views: int


def page_views(session: Session, start: date, end: date, *, limit: int = 50) -> list[PageViews]:
    """Views per page in [start, end), most viewed first."""
    total = func.sum(PageView.views)
    rows = session.execute(select(PageView.page, total).where(PageView.day >= start, PageView.day < end)
                           .group_by(PageView.page).order_by(total.desc(), PageView.page).limit(limit)).all()
    return [PageViews(page, int(views or 0)) for page, views in rows]
