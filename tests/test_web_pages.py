"""The public pages over real HTTP, from the same server as /slack/events (SQLite and PostgreSQL)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from bot.slack_refs import member_details, role_grants, slack_identity
from storage import ezine, profiles
from storage.db import Database
from storage.members import Actor, actor_for, upsert_member
from storage.models.news import EzineIssue
from storage.profiles import ProfileChanges
from tests.harness import Harness

NOW = datetime.now(UTC)


@dataclass
class Got:
    status: int
    body: str
    headers: Message  # case-insensitive, as HTTP headers are


def get(technet: Harness, path: str, **headers: str) -> Got:
    request = urllib.request.Request(technet.server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Got(response.status, response.read().decode(), response.headers)
    except urllib.error.HTTPError as e:
        return Got(e.code, e.read().decode(), e.headers)


def person(db: Database, user_id: str, name: str, *, deleted: bool = False) -> Actor:
    user = {"id": user_id, "name": name.lower(), "real_name": name, "tz": "Europe/London", "deleted": deleted,
            "is_bot": False, "profile": {"display_name": name, "real_name": name, "title": "Technician"}}
    with db.transaction() as session:
        member = upsert_member(session, slack_identity(user_id), member_details(user), now=NOW)
        return actor_for(session, member, role_grants())


def save(db: Database, actor: Actor, **fields) -> None:
    values = {"fte": "1", "job_title": "Senior Technician", "department_choice": "Chemistry", **fields}
    with db.transaction() as session:
        profiles.save_profile(session, actor, ProfileChanges(**values), now=datetime.now(UTC))


def posted_issue(db: Database, period: str, *, status: str = ezine.POSTED) -> None:
    content = {
        "period": period, "month_label": "November 2026", "date_label": "Monday 2 November 2026",
        "sections": [
            {"key": "news", "title": "News", "items": [{
                "title": "<script>alert('t')</script> New NMR", "category_label": "Kit", "author_name": "Ann",
                "body": "We have **a new NMR**.\n\n<img src=x onerror=alert(1)> [click](javascript:alert(1))",
                "link": "javascript:alert(2)", "slack_link": None,
            }]},
            {"key": "figures", "title": "In figures", "items": [{"value": "12", "label": "new members"}]},
        ],
    }
    with db.transaction() as session:
        session.add(EzineIssue(period=period, period_start=NOW - timedelta(days=30), due_at=NOW - timedelta(days=1),
                               status=status, intro="Hello *everyone*", content=content,
                               posted_at=NOW - timedelta(days=1) if status == ezine.POSTED else None))


# Public profiles ------------------------------------------------------------------------------

def test_a_member_who_opts_in_appears_and_one_who_opts_out_is_gone_at_once(technet: Harness):
    ann = person(technet.db, "U0ANN", "Ann Atkins")
    save(technet.db, ann, skills=["HPLC", "Cell culture"], bio="I run the **HPLC** suite.", public_web=True)
    listing = get(technet, "/network/people/")
    assert listing.status == 200 and "Ann Atkins" in listing.body and "HPLC" in listing.body
    page = get(technet, f"/network/people/{ann.member_id}/")
    assert page.status == 200
    assert "Senior Technician, Chemistry" in page.body and "<strong>HPLC</strong>" in page.body

    save(technet.db, ann, skills=["HPLC"], public_web=False)
    assert get(technet, f"/network/people/{ann.member_id}/").status == 404
    assert "Ann Atkins" not in get(technet, "/network/people/").body


def test_a_member_who_never_opted_in_is_on_no_page_and_looks_like_nobody(technet: Harness):
    bob = person(technet.db, "U0BOB", "Bob Private")
    save(technet.db, bob, skills=["TIG welding"], listed=True)  # in the chat directory, not on the web
    gone = person(technet.db, "U0GONE", "Gone Away", deleted=True)
    save(technet.db, gone, public_web=True)
    missing = get(technet, "/network/people/999999/")
    for member_id in (bob.member_id, gone.member_id):
        page = get(technet, f"/network/people/{member_id}/")
        assert (page.status, page.body) == (404, missing.body)
    for path in ("/network/", "/network/people/", "/network/people/?skill=welding", "/network/events.ics"):
        body = get(technet, path).body
        assert "Bob Private" not in body and "Gone Away" not in body and "TIG" not in body


def test_search_by_skill_finds_only_those_who_show_their_skills(technet: Harness):
    ann = person(technet.db, "U0ANN", "Ann Atkins")
    save(technet.db, ann, skills=["HPLC"], equipment=["Bruker NMR"], public_web=True)
    cy = person(technet.db, "U0CY", "Cy Hidden")
    save(technet.db, cy, skills=["HPLC"], public_web=True, public_fields=["job_title"])
    dee = person(technet.db, "U0DEE", "Dee Dyer")
    save(technet.db, dee, skills=["Glassblowing"], public_web=True)

    hplc = get(technet, "/network/people/?skill=hplc").body
    assert "Ann Atkins" in hplc and "Dee Dyer" not in hplc and "Cy Hidden" not in hplc
    assert "Ann Atkins" in get(technet, "/network/people/?skill=nmr").body
    assert "1 technician with a skill matching" in hplc
    assert get(technet, "/network/people/?" + "&".join(f"f{n}=1" for n in range(20))).status == 200
    odd = get(technet, "/network/people/?skill=%3Cb%3E%25_")
    assert odd.status == 200 and "&lt;b&gt;%_" in odd.body and "<b>" not in odd.body


def test_everyone_public_is_reachable_page_by_page(technet: Harness):
    from storage.site.people import PAGE_SIZE

    names = [f"Tech {n:03d}" for n in range(PAGE_SIZE + 1)]
    for n, name in enumerate(names):
        save(technet.db, person(technet.db, f"U0P{n:03d}", name), skills=["HPLC"], public_web=True)
    first, second = get(technet, "/network/people/"), get(technet, "/network/people/?page=2")
    assert [name for name in names if name in first.body] == names[:PAGE_SIZE]
    assert [name for name in names if name in second.body] == names[PAGE_SIZE:]
    assert 'rel="next" href="/network/people/?page=2"' in first.body and 'rel="prev"' not in first.body
    assert 'rel="prev" href="/network/people/?page=1"' in second.body and 'rel="next"' not in second.body
    searched = get(technet, "/network/people/?skill=hplc").body
    assert f"{PAGE_SIZE} or more technicians" in searched and "?skill=hplc&amp;page=2" in searched
    assert get(technet, "/network/people/?page=3").status == 404
    assert get(technet, "/network/people/?page=-1").body == first.body  # not a page number: the first


# The e-zine -----------------------------------------------------------------------------------

def test_posted_issues_are_archived_exactly_as_posted_and_nothing_of_theirs_runs(technet: Harness):
    posted_issue(technet.db, "2026-11")
    posted_issue(technet.db, "2026-12", status=ezine.APPROVED)
    archive = get(technet, "/network/ezine/")
    assert archive.status == 200 and "/network/ezine/2026-11/" in archive.body
    assert "/network/ezine/2026-12/" not in archive.body
    page = get(technet, "/network/ezine/2026-11/")
    assert page.status == 200
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; New NMR" in page.body
    assert "<strong>a new NMR</strong>" in page.body and "Hello <em>everyone</em>" in page.body
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.body
    assert "<script" not in page.body and "<img" not in page.body and 'href="javascript' not in page.body
    assert "[click](javascript:alert(1))" in page.body  # a refused link stays visible text
    assert "<strong>12</strong> new members" in page.body
    assert get(technet, "/network/ezine/2026-12/").status == 404
    assert get(technet, "/network/ezine/2030-01/").status == 404


def test_the_web_archive_names_only_members_who_chose_a_public_profile(technet: Harness):
    """The issue went to the network; the web reaches further, so only a public profile is named there."""
    ann = person(technet.db, "U0ANN", "Ann Atkins")
    save(technet.db, ann, public_web=True)
    bob = person(technet.db, "U0BOB", "Bob Private")
    save(technet.db, bob, listed=True, spotlight_opt_in=True)  # in the e-zine's spotlight, not on the web
    for period, who in (("2026-10", ann), ("2026-11", bob)):
        with technet.db.transaction() as session:
            session.add(EzineIssue(
                period=period, period_start=NOW - timedelta(days=30), due_at=NOW - timedelta(days=1), status="posted",
                posted_at=NOW - timedelta(days=1), content={"date_label": "Monday 2 November 2026", "sections": [
                    {"key": "spotlight", "title": "Technician spotlight", "items": [
                        {"member_id": who.member_id, "name": who.identity.external_id + " spotlit", "job_title": None,
                         "department": None, "bio": None, "skills": []}]},
                    {"key": "news", "title": "News", "items": [
                        {"title": f"News by {name}", "category_label": "Kit", "author_name": name, "author_user": user,
                         "body": "Hello", "link": None} for name, user in (("Ann Atkins", "U0ANN"),
                                                                            ("Bob Private", "U0BOB"))]}]}))
    ann_issue, bob_issue = get(technet, "/network/ezine/2026-10/").body, get(technet, "/network/ezine/2026-11/").body
    assert "U0ANN spotlit" in ann_issue and "Technician spotlight" in ann_issue
    assert "U0BOB spotlit" not in bob_issue and "Technician spotlight" not in bob_issue
    for body in (ann_issue, bob_issue):
        assert "from Ann Atkins" in body and "News by Bob Private" in body and "from Bob Private" not in body


def test_the_front_page_links_the_latest_issue_and_the_rest_of_the_site(technet: Harness):
    posted_issue(technet.db, "2026-11")
    front = get(technet, "/network/")
    assert front.status == 200
    for link in ("/network/ezine/2026-11/", "/network/ezine/", "/network/people/", "/network/events.ics"):
        assert f'href="{link}"' in front.body
    connection = http.client.HTTPConnection(technet.server.url.removeprefix("http://"), timeout=10)
    connection.request("GET", "/network")
    moved = connection.getresponse()
    assert (moved.status, moved.getheader("Location")) == (301, "/network/")
    connection.close()


# Safe by construction ------------------------------------------------------------------------

def test_every_page_carries_a_strict_policy_and_security_headers(technet: Harness):
    for path in ("/network/", "/network/ezine/", "/network/people/", "/network/nothing", "/network/site.css",
                 "/network/events.ics"):
        headers = get(technet, path).headers
        assert "default-src 'none'" in headers["Content-Security-Policy"], path
        assert "script-src" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
        assert "Set-Cookie" not in headers


def test_a_page_polled_again_unchanged_is_a_304(technet: Harness):
    posted_issue(technet.db, "2026-11")
    first = get(technet, "/network/ezine/2026-11/")
    assert first.status == 200, first.body
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert get(technet, "/network/ezine/2026-11/", **{"If-None-Match": etag}).status == 304
    assert get(technet, "/network/ezine/2026-11/", **{"If-Modified-Since": modified}).status == 304
    assert get(technet, "/network/ezine/2026-11/", **{"If-None-Match": '"other"'}).status == 200
    people = get(technet, "/network/people/")
    assert get(technet, "/network/people/", **{"If-None-Match": people.headers["ETag"]}).status == 304
    ann = person(technet.db, "U0ANN", "Ann Atkins")
    save(technet.db, ann, public_web=True)
    assert get(technet, "/network/people/", **{"If-None-Match": people.headers["ETag"]}).status == 200


def test_only_reading_is_allowed_and_anything_else_is_a_plain_404(technet: Harness):
    reply = technet.post(b"x=1", {"Content-Type": "application/x-www-form-urlencoded"}, path="/network/people/")
    assert reply.status == 405 and reply.headers["Allow"] == "GET, HEAD"
    for path in ("/network/people/abc/", "/network/people/0/", "/network/ezine/../../etc/passwd",
                 "/network/calendar/short.ics", "/networkx"):
        assert get(technet, path).status == 404, path
    assert get(technet, "/healthz").status == 200


# Page views -------------------------------------------------------------------------------------

def test_views_are_counted_per_page_without_cookies_and_reach_the_report(technet: Harness):
    from storage import report, site

    posted_issue(technet.db, "2026-11")
    for path in ("/network/", "/network/", "/network/ezine/2026-11/", "/network/people/?skill=x",
                 "/network/people/424242/", "/network/site.css"):
        assert "Set-Cookie" not in get(technet, path).headers
    technet.command("U0ANN", "calendar")
    feed = technet.command("U0ANN", "calendar").text.split("`")[1]
    get(technet, feed)
    technet.wsgi.site.views.flush()  # type: ignore[union-attr]  # held in memory up to 10 s, then written
    today = datetime.now(technet.settings.tz).date()
    with technet.db.reading() as session:
        views = {v.page: v.views for v in site.page_views(session, today, today + timedelta(days=1))}
    # The 404, the stylesheet and the query string are not pages; a private feed counts under one name.
    assert views == {"/network/": 2, "/network/ezine/2026-11/": 1, "/network/people/": 1, "/network/calendar/": 1}

    options = report.ReportOptions(timezone=technet.settings.timezone)
    with technet.db.reading() as session:
        period = report.parse_period("this year", now=datetime.now(UTC), options=options)
        built = report.build_report(session, None, period, now=datetime.now(UTC), options=options, only=["web"])
    figures = {(f.key, f.group): f.current.value for f in built.figures}
    assert figures[("web.views", None)] == 5
    assert figures[("web.by_page", "/network/")] == 2


def test_the_choice_is_made_in_the_profile_form_and_is_off_by_default(technet: Harness):
    from core import ids
    from tests.harness import MEMBER
    from tests.test_profile import FULL, block, fill_profile, open_form

    view = open_form(technet, MEMBER)
    options = [o["value"] for o in block(view, ids.PROFILE_VISIBILITY)["element"]["options"]]
    assert "public_web" in options
    fill_profile(technet, MEMBER)  # listed in the directory, not published
    assert "Morgan Member" not in get(technet, "/network/people/").body

    fill_profile(technet, MEMBER, **{ids.PROFILE_VISIBILITY: [*FULL[ids.PROFILE_VISIBILITY], "public_web"]})
    listing = get(technet, "/network/people/")
    assert "Morgan Member" in listing.body and "Agilent 1260" not in listing.body
    chosen = {o["value"] for o in block(open_form(technet, MEMBER), ids.PROFILE_VISIBILITY)["element"]
              ["initial_options"]}
    assert "public_web" in chosen

    fill_profile(technet, MEMBER)
    assert "Morgan Member" not in get(technet, "/network/people/").body


def test_the_public_settings_are_read_and_checked():
    from bot.config import ConfigError, from_env

    settings = from_env({"TECHNET_PUBLIC_URL": "https://technet.example.ac.uk/", "TECHNET_FEED_RATE": "0",
                         "TECHNET_PUBLIC_EVENT_KINDS": "conference, network_meeting"})
    assert settings.public_url == "https://technet.example.ac.uk"
    assert (settings.feed_rate, settings.public_event_kinds) == (0, ("conference", "network_meeting"))
    defaults = from_env({})
    assert (defaults.public_url, defaults.feed_rate) == (None, 30)
    for name, value in (("TECHNET_PUBLIC_URL", "technet.example.ac.uk"), ("TECHNET_FEED_RATE", "-1"),
                        ("TECHNET_PUBLIC_EVENT_KINDS", "conference,party")):
        with pytest.raises(ConfigError, match=name):
            from_env({name: value})
