"""The network's public pages, as data: public profiles, members' calendar feed tokens, page views.

Nothing here is shown unless its owner chose it (a public profile) or it is public by nature
(published e-zine issues, announced winners, public events, read through their own features).
The modules: `people.py` (public profiles and their search), `feeds.py` (calendar feed tokens;
the events in a feed come from storage.events) and `views.py` (page view counts).
"""

from storage.site.feeds import calendar_token, feed_owner, revoke_calendar
from storage.site.people import (NOT_PUBLIC, PeoplePage, PublicPerson, last_changed, public_people, public_person,
                                  web_issue)
from storage.site.views import PageViews, count_view, page_views

__all__ = [
    "NOT_PUBLIC", "PageViews", "PeoplePage", "PublicPerson", "calendar_token", "count_view", "feed_owner",
    "last_changed", "page_views", "public_people", "public_person", "revoke_calendar", "web_issue",
]
