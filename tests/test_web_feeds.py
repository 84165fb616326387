"""Calendar feeds over real HTTP: the public one, and each member's private one from `/tech calendar`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from bot.slack_refs import role_grants, slack_identity
from bot.web.site import FeedLimiter
from storage import events
from storage.db import Database
from storage.members import Actor, actor_for, ensure_member
from tests.harness import Harness
from tests.test_web_pages import get

# Real time: the pages run on the server's threads, which freezegun must not cross.
SOON = (datetime.now(UTC) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
RULES = events.ReminderRules.from_labels(["1d", "1h"])
ORGANISER = "U0ORGANISE"
GRANTS = role_grants(organisers=frozenset({ORGANISER}))


def actor(db: Database, user_id: str) -> Actor:
    with db.transaction() as session:
        member = ensure_member(session, slack_identity(user_id), fallback_name=user_id.title(),
                               now=datetime.now(UTC))
        member.email = f"{user_id.lower()}@example.ac.uk"
        session.flush()
        return actor_for(session, member, GRANTS)


def form(**changes: Any) -> events.EventForm:
    values: dict[str, Any] = dict(
        title="Quarterly network meeting", kind="network_meeting", starts_at=SOON, ends_at=SOON + timedelta(hours=2),
        location="Room 1.02", online_link="https://teams.example/join/secret", capacity=None, description="Agenda")
    values.update(changes)
    return events.EventForm(**values)


def create(db: Database, **changes: Any) -> events.EventInfo:
    with db.transaction() as session:
        return events.create_event(session, actor(db, ORGANISER), form(**changes), now=datetime.now(UTC),
                                   tz="Europe/London", rules=RULES)[0]


def going(db: Database, who: Actor, event_id: int) -> None:
    with db.transaction() as session:
        events.rsvp(session, who, event_id, events.GOING, now=datetime.now(UTC), rules=RULES)


def feed_path(technet: Harness, user_id: str) -> str:
    text = technet.command(user_id, "calendar").text
    found = re.search(r"(/network/calendar/[A-Za-z0-9_-]+\.ics)", text)
    assert found, text
    return found.group(1)


def entries(body: str) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_a_members_feed_shows_their_events_and_follows_a_move(technet: Harness):
    ann = actor(technet.db, "U0ANN")
    meeting = create(technet.db)
    create(technet.db, title="Workshop nobody chose", kind="workshop")
    going(technet.db, ann, meeting.id)
    path = feed_path(technet, "U0ANN")

    feed = get(technet, path)
    assert feed.status == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    before = entries(feed.body)
    assert list(before) == ["Quarterly network meeting"]
    entry = before["Quarterly network meeting"]
    assert "teams.example" in str(entry["location"])  # a member's own feed has the joining link

    with technet.db.transaction() as session:
        events.edit_event(session, actor(technet.db, ORGANISER), meeting.id,
                          form(starts_at=SOON + timedelta(days=1), ends_at=SOON + timedelta(days=1, hours=2)),
                          now=datetime.now(UTC), rules=RULES)
    moved = entries(get(technet, path).body)["Quarterly network meeting"]
    assert str(moved["uid"]) == str(entry["uid"])
    assert int(moved["sequence"]) > int(entry["sequence"])
    assert moved.decoded("dtstart") == entry.decoded("dtstart") + timedelta(days=1)


def test_the_same_address_is_shown_again_until_revoked_then_404(technet: Harness):
    actor(technet.db, "U0ANN")
    path = feed_path(technet, "U0ANN")
    assert feed_path(technet, "U0ANN") == path
    assert get(technet, path).status == 200

    assert "no longer works" in technet.command("U0ANN", "calendar revoke").text
    gone = get(technet, path)
    assert gone.status == 404 and gone.body == get(technet, "/network/calendar/" + "x" * 43 + ".ics").body
    assert feed_path(technet, "U0ANN") != path
    technet.command("U0ANN", "calendar revoke")
    assert "no calendar address to revoke" in technet.command("U0ANN", "calendar revoke").text


def test_the_public_feed_holds_public_kinds_only_and_no_private_details(technet: Harness):
    create(technet.db, title="Technical staff conference", kind="conference")
    create(technet.db, title="Team meeting", kind="team_meeting")
    feed = get(technet, "/network/events.ics")
    found = entries(feed.body)
    assert list(found) == ["Technical staff conference"]
    assert "teams.example" not in feed.body and "mailto:" not in feed.body and "@example.ac.uk" not in feed.body
    assert get(technet, "/network/events.ics", **{"If-None-Match": feed.headers["ETag"]}).status == 304


def test_feeds_are_rate_limited_per_client():
    limiter = FeedLimiter(rate=3)
    assert [limiter.allow("10.0.0.1", "events.ics") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("10.0.0.1", "events.ics") > 0
    assert limiter.allow("10.0.0.2", "events.ics") == 0.0
    assert FeedLimiter(rate=0).allow("10.0.0.1", "events.ics") == 0.0


def test_too_many_feed_requests_get_429_with_retry_after(technet: Harness):
    technet.wsgi.site.limiter.rate = 2  # type: ignore[union-attr]
    statuses = [get(technet, "/network/events.ics").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = get(technet, "/network/events.ics")
    assert int(limited.headers["Retry-After"]) >= 1
    assert get(technet, "/network/").status == 200  # pages are not limited
