"""The public pages' WSGI app: routing, conditional requests, security headers, feed limits, view counts.

Pages are answered from one read-only unit of work each; a view is counted afterwards in its own
short transaction, so a page never waits on another's count for longer than that write.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.exc import SQLAlchemyError

from bot.web.render import environment
from core.settings import Settings
from storage import awards, events, ezine, registration, site
from storage.clock import now
from storage.db import Database
from storage.errors import NotFound

log = logging.getLogger(__name__)

PREFIX = "/network"
StartResponse = Callable[..., Any]

# Strict by construction: no script at all, styles only from our own stylesheet, no framing,
# no form posting elsewhere. The pages need nothing else.
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
HTML = "text/html; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
PERIOD = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
PERSON = re.compile(r"^[1-9]\d{0,9}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SKILL_LIMIT = 100
MAX_PAGE = 10_000  # a page number past any network: read as the first page
ARCHIVE_LIMIT = 500
# The front page's winners: those announced in the last year.
WINNERS_SINCE = timedelta(days=366)


@dataclass
class Page:
    status: HTTPStatus
    body: bytes
    content_type: str = HTML
    last_modified: datetime | None = None
    cache: str = "public, max-age=60"
    # The name its view is counted under (None: not counted).
    counted_as: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class FeedLimiter:
    """A token bucket per (client address, feed), in memory only: `rate` requests a minute,
    bursts up to `rate`. Addresses are never stored or logged; the table forgets when full."""

    MAX_KEYS = 10_000

    def __init__(self, rate: int):
        self.rate = rate
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, feed: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        moment = time.monotonic()
        per_second = self.rate / 60
        with self._lock:
            if len(self._buckets) >= self.MAX_KEYS:
                self._buckets.clear()
            tokens, last = self._buckets.get((client, feed), (float(self.rate), moment))
            tokens = min(float(self.rate), tokens + (moment - last) * per_second)
            if tokens < 1:
                self._buckets[(client, feed)] = (tokens, moment)
                return (1 - tokens) / per_second
            self._buckets[(client, feed)] = (tokens - 1, moment)
            return 0.0


class ViewCounter:
    """Page views held in memory and written at most every `every` seconds, in one transaction:
    a write per request would queue every page behind SQLite's one writer (bench/web.py). A crash
    loses at most that many seconds of counts; `flush()` at shutdown loses none."""

    def __init__(self, db: Database, settings: Settings, every: float):
        self.db, self.settings, self.every = db, settings, every
        self._pending: Counter[tuple[str, date]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def add(self, page: str) -> None:
        day = now().astimezone(self.settings.tz).date()
        with self._lock:
            self._pending[(page, day)] += 1
            due = time.monotonic() - self._flushed >= self.every
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
        if not pending:
            return
        try:
            with self.db.transaction() as session:
                for (page, day), views in sorted(pending.items()):
                    site.count_view(session, page, day, views)
        except SQLAlchemyError as e:
            # A lost count is not worth a failed page; they are put back for the next flush.
            log.warning("public pages: %d views not counted yet: %s", sum(pending.values()), e)
            with self._lock:
                self._pending.update(pending)


class FeedCache:
    """Built feeds by their fingerprint (how many events, which, their latest change): building one
    with icalendar costs milliseconds an event, checking the fingerprint is one aggregate query."""

    MAX_FEEDS = 2_000

    def __init__(self) -> None:
        self._built: dict[str, tuple[events.Fingerprint, bytes, datetime | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, fingerprint: events.Fingerprint, found: Callable[[], list[events.EventInfo]], *,
            name: str, private: bool) -> tuple[bytes, datetime | None]:
        with self._lock:
            kept = self._built.get(key)
        if kept is not None and kept[0] == fingerprint:
            return kept[1], kept[2]
        chosen = found()
        body = events.calendar_feed(chosen, name=name, private=private)
        changed = max((e.updated_at for e in chosen), default=None)
        with self._lock:
            if len(self._built) >= self.MAX_FEEDS:
                self._built.clear()
            self._built[key] = (fingerprint, body, changed)
        return body, changed


class NetworkSite:
    """The pages under /network/: a WSGI app that `bot.http.TechnetWSGI` hands those paths to."""

    def __init__(self, db: Database, settings: Settings, *, count_every: float = 10.0):
        self.db = db
        self.settings = settings
        self.env = environment(settings.tz)
        self.guide = registration.load_guide(settings.content_dir)
        self.limiter = FeedLimiter(settings.feed_rate)
        self.stylesheet = resources.files("bot.web").joinpath("static/site.css").read_bytes()
        self.views = ViewCounter(db, settings, count_every)
        self.feeds = FeedCache()

    # WSGI -----------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD"):
            page = self.error(HTTPStatus.METHOD_NOT_ALLOWED)
            page.headers.append(("Allow", "GET, HEAD"))
        else:
            try:
                page = self.route(path, environ)
            except NotFound:
                page = self.error(HTTPStatus.NOT_FOUND)
            except SQLAlchemyError:
                log.exception("public page %s: the database failed", path)
                page = self.error(HTTPStatus.SERVICE_UNAVAILABLE)
        return self.respond(page, environ, start_response, head=method == "HEAD")

    def respond(self, page: Page, environ: dict[str, Any], start_response: StartResponse, *,
                head: bool) -> Iterable[bytes]:
        headers = [*SECURITY_HEADERS, *page.headers]
        status = page.status
        body = page.body
        if status == HTTPStatus.OK:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers += [("ETag", etag), ("Cache-Control", page.cache)]
            if page.last_modified is not None:
                headers.append(("Last-Modified", format_datetime(page.last_modified.astimezone(UTC), usegmt=True)))
            if _not_modified(environ, etag, page.last_modified):
                status, body = HTTPStatus.NOT_MODIFIED, b""
            if page.counted_as:
                self.views.add(page.counted_as)
        else:
            headers.append(("Cache-Control", "no-store"))
        if status != HTTPStatus.NOT_MODIFIED:
            headers += [("Content-Type", page.content_type), ("Content-Length", str(len(body)))]
        start_response(f"{status.value} {status.phrase}", headers)
        return [b""] if head or status == HTTPStatus.NOT_MODIFIED else [body]

    # Routing --------------------------------------------------------------------------
    def route(self, path: str, environ: dict[str, Any]) -> Page:
        if path == PREFIX:
            return Page(HTTPStatus.MOVED_PERMANENTLY, b"", headers=[("Location", PREFIX + "/")])
        rest = path[len(PREFIX) + 1:] if path.startswith(PREFIX + "/") else None
        if rest is None:
            raise NotFound(site.NOT_PUBLIC)
        if rest == "":
            return self.front()
        if rest == "site.css":
            return Page(HTTPStatus.OK, self.stylesheet, "text/css; charset=utf-8", cache="public, max-age=3600")
        if rest == "ezine/":
            return self.ezine_archive()
        if rest.startswith("ezine/") and rest.endswith("/") and PERIOD.match(rest[6:-1]):
            return self.ezine_issue(rest[6:-1])
        if rest == "people/":
            try:
                query = parse_qs(environ.get("QUERY_STRING", ""), max_num_fields=5)
            except ValueError:  # more fields than the form has: not ours, searched as nothing
                query = {}
            page = (query.get("page") or ["1"])[0]
            return self.people((query.get("skill") or [""])[0][:SKILL_LIMIT],
                               int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1)
        if rest.startswith("people/") and rest.endswith("/") and PERSON.match(rest[7:-1]):
            return self.person(int(rest[7:-1]))
        if rest == "events.ics":
            return self.limited(environ, "events.ics", self.public_feed)
        if rest.startswith("calendar/") and rest.endswith(".ics") and TOKEN.match(rest[9:-4]):
            token = rest[9:-4]
            return self.limited(environ, "calendar", lambda: self.member_feed(token))
        raise NotFound(site.NOT_PUBLIC)

    def limited(self, environ: dict[str, Any], feed: str, build: Callable[[], Page]) -> Page:
        wait = self.limiter.allow(environ.get("REMOTE_ADDR", ""), feed)
        if wait:
            page = self.error(HTTPStatus.TOO_MANY_REQUESTS)
            page.headers.append(("Retry-After", str(max(1, round(wait)))))
            return page
        return build()

    # Pages ----------------------------------------------------------------------------
    def html(self, template: str, *, title: str, counted_as: str, last_modified: datetime | None = None,
             **context: Any) -> Page:
        body = self.env.get_template(template).render(title=title, prefix=PREFIX, **context)
        return Page(HTTPStatus.OK, body.encode(), last_modified=last_modified, counted_as=counted_as)

    def error(self, status: HTTPStatus) -> Page:
        messages = {
            HTTPStatus.NOT_FOUND: "There is no such page here. It may never have existed, or it is not public.",
            HTTPStatus.METHOD_NOT_ALLOWED: "These pages can only be read.",
            HTTPStatus.TOO_MANY_REQUESTS: "Too many requests for this feed; your calendar will try again later.",
            HTTPStatus.SERVICE_UNAVAILABLE: "The pages are unavailable for a moment; please try again shortly.",
        }
        body = self.env.get_template("error.html.j2").render(
            title=status.phrase, prefix=PREFIX, message=messages.get(status, status.description))
        return Page(status, body.encode())

    def front(self) -> Page:
        moment = now()
        with self.db.reading() as session:
            coming = events.upcoming_public(session, now=moment, kinds=self.settings.public_event_kinds)
            issues = ezine.archive(session, limit=1)
            winners = list(reversed(awards.announced_winners(session, moment - WINNERS_SINCE, moment)))[:5]
        return self.html("front.html.j2", title="The technician network", counted_as="/network/",
                         events=coming, latest=issues[0] if issues else None, winners=winners)

    def ezine_archive(self) -> Page:
        with self.db.reading() as session:
            issues = ezine.archive(session, limit=ARCHIVE_LIMIT)
        return self.html("ezine_archive.html.j2", title="The e-zine", counted_as="/network/ezine/",
                         issues=issues, last_modified=issues[0].posted_at if issues else None)

    def ezine_issue(self, period: str) -> Page:
        with self.db.reading() as session:
            issue, intro = site.web_issue(session, period)
            posted = next((a.posted_at for a in ezine.archive(session, limit=ARCHIVE_LIMIT) if a.period == period),
                          None)
        return self.html("ezine_issue.html.j2", title=f"The e-zine, {issue.get('month_label', period)}",
                         counted_as=f"/network/ezine/{period}/", issue=issue, intro=intro, last_modified=posted)

    def people(self, skill: str, page: int) -> Page:
        with self.db.reading() as session:
            found = site.public_people(session, skill=skill, guide=self.guide, page=page)
        return self.html("people.html.j2", title="Our technicians", counted_as="/network/people/",
                         people=found.people, page=found.page, more=found.more, skill=skill.strip())

    def person(self, member_id: int) -> Page:
        with self.db.reading() as session:
            person = site.public_person(session, member_id, guide=self.guide)
        return self.html("person.html.j2", title=person.name, counted_as=f"/network/people/{member_id}/",
                         person=person, last_modified=person.updated_at)

    def public_feed(self) -> Page:
        moment = now()
        kinds = self.settings.public_event_kinds
        with self.db.reading() as session:
            body, changed = self.feeds.get("public", events.public_fingerprint(session, now=moment, kinds=kinds),
                                           lambda: events.public_events(session, now=moment, kinds=kinds),
                                           name="Technician network events", private=False)
        return Page(HTTPStatus.OK, body, ICS, counted_as="/network/events.ics", last_modified=changed,
                    headers=[("Content-Disposition", 'inline; filename="technet-events.ics"')])

    def member_feed(self, token: str) -> Page:
        moment = now()
        with self.db.reading() as session:
            member_id = site.feed_owner(session, token)
            if member_id is None:
                raise NotFound(site.NOT_PUBLIC)
            body, changed = self.feeds.get(
                f"member:{member_id}", events.member_fingerprint(session, member_id, now=moment),
                lambda: events.member_events(session, member_id, now=moment),
                name="My technician network events", private=True)
        # Counted as one page for all members: the token names a person and is never stored twice.
        return Page(HTTPStatus.OK, body, ICS, cache="private, max-age=300", counted_as="/network/calendar/",
                    last_modified=changed,
                    headers=[("Content-Disposition", 'inline; filename="technet-my-events.ics"')])


def _not_modified(environ: dict[str, Any], etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since and last_modified is not None:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
