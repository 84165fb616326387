"""The network's public web pages, served by `technet serve` beside /slack/events.

`site.py` routes and answers (security headers, ETag and Last-Modified, rate-limited feeds, page
view counts), `templates/` holds the pages (Jinja2, HTML-escaped), `static/` the one stylesheet.
Everything is read through storage services; nothing is shown that its owner did not choose to
publish or that is not public by nature.
"""

from bot.web.site import NetworkSite

__all__ = ["NetworkSite"]
