"""The e-zine over signed HTTP and the Slack stand-in: approval, posting once, restarts mid-issue.

The schedule is the default: 09:00 on the first Monday of the month, Europe/London.
The issue of Monday 7 December 2026 is due at 09:00 UTC; its approval request a day before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, UTC
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from core import ids
from bot.standin import Call, SlackStandIn
from digests import ezine as digest
from digests.runner import TickReport, run_due
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import ezine, members, news
from tests.harness import MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, Harness, all_text, settings_for

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ASK = DUE - timedelta(hours=24)
PERIOD = "2026-12-07"


class FlakyStandIn(SlackStandIn):
    """The stand-in, able to fail the post that follows `after` good posts to a channel.

    (Slack failing in the middle of a multi-message issue: the plain stand-in fails the
    next calls, whichever they are.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.flaky: dict[str, Any] | None = None

    def fail_post(self, channel: str, *, after: int, status: int = 500, times: int = 3,
                  retry_after: int | None = None) -> None:
        self.flaky = {"channel": channel, "after": after, "status": status, "times": times,
                      "retry_after": retry_after}

    def _answer(self, method: str, args: dict[str, Any],
                token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        plan = self.flaky
        if plan and method == "chat.postMessage" and args.get("channel") == plan["channel"] and plan["times"] > 0:
            with self._changed:
                good = sum(1 for c in self.calls if c.method == method and c.args.get("channel") == plan["channel"]
                           and c.result.get("ok"))
            if good == plan["after"]:
                plan["times"] -= 1
                headers = {"Retry-After": str(plan["retry_after"])} if plan["retry_after"] is not None else {}
                error = "ratelimited" if plan["status"] == 429 else "internal_error"
                return plan["status"], {"ok": False, "error": error}, headers
        return super()._answer(method, args, token)


@pytest.fixture
def flaky() -> Iterator[FlakyStandIn]:
    with FlakyStandIn() as running:
        yield running


@pytest.fixture
def zine(database_url: str, flaky: FlakyStandIn) -> Iterator[Harness]:
    harness = Harness(settings_for(flaky, database_url), flaky)
    yield harness
    harness.close()


def another_process(technet: Harness, database_url: str, **overrides: Any) -> Harness:
    return Harness(settings_for(technet.standin, database_url, **overrides), technet.standin)


# Setting up ---------------------------------------------------------------------------

def actors(technet: Harness) -> tuple[members.Actor, members.Actor]:
    grants = role_grants(organisers=frozenset({ORGANISER}))
    with technet.db.transaction() as session:
        member = members.upsert_member(session, slack_identity(MEMBER),
                                       member_details(technet.standin.state.users[MEMBER]), now=T0)
        organiser = members.upsert_member(session, slack_identity(ORGANISER),
                                          member_details(technet.standin.state.users[ORGANISER]), now=T0)
        return members.actor_for(session, member, grants), members.actor_for(session, organiser, grants)


def approved_news(technet: Harness, count: int, *, body: str = "", title: str = "News item") -> list[str]:
    """Approved items straight through the service; returns their titles."""
    member, organiser = actors(technet)
    titles = []
    with technet.db.transaction() as session:
        for n in range(count):
            text = body or f"Item {n} of the month. " + "The lab moved to the new building. " * 20
            item, _ = news.submit(session, member, news.NewsForm(f"{title} {n:02d}", text, None, "achievement"),
                                  submission_key=f"k-{title}-{n}", now=T0)
            news.approve(session, organiser, item.id, now=T0)
            titles.append(item.title)
    return titles


def tick(technet: Harness, moment: datetime, **options: Any) -> TickReport:
    with freeze_time(moment):
        digest.plan(technet.runtime, moment)
        return run_due(technet.runtime, moment, **options)


def channel_posts(technet: Harness, channel: str = NETWORK_CHANNEL) -> list[Call]:
    return [c for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == channel and c.result.get("ok")]


def dms_to(technet: Harness, user_id: str) -> list[Call]:
    return [c for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == user_id]


def posted_text(technet: Harness) -> str:
    return "\n".join(all_text(c.blocks()) for c in channel_posts(technet))


def assert_each_message_once(technet: Harness) -> int:
    """Every message of the issue is in the channel exactly once, in order."""
    texts = [c.args["text"] for c in channel_posts(technet)]
    total = len(texts)
    if total > 1:
        assert texts == [f"technet e-zine · December 2026 ({n}/{total})" for n in range(1, total + 1)]
    with technet.db.reading() as session:
        info = ezine.get(session, PERIOD)
    assert (info.status, info.messages_posted, info.messages_planned) == (ezine.POSTED, total, total)
    return total


# Done when: a member's news is approved and appears in the next issue ------------------

def test_a_members_news_is_approved_and_appears_in_the_next_issue(zine: Harness):
    with freeze_time(T0):
        assert "Opening the news form" in zine.command(MEMBER, "news").text
        form = zine.opened_view()
        reply = zine.submit(MEMBER, form, {ids.NEWS_TITLE: "Sam passed RSciTech",
                                           ids.NEWS_BODY: "Sam is now a Registered Science Technician.",
                                           ids.NEWS_LINK: "https://example.ac.uk/sam",
                                           ids.NEWS_CATEGORY: "registration"})
        assert reply.json()["response_action"] == "update"
        # Each organiser is asked, with the buttons on the item.
        [ask] = dms_to(zine, ORGANISER)
        assert "Sam passed RSciTech" in all_text(ask.blocks())
        approve = next(e for b in ask.blocks() if b["type"] == "actions" for e in b["elements"]
                       if e["action_id"] == ids.NEWS_APPROVE)
        zine.action(ORGANISER, ids.NEWS_APPROVE, approve["value"])
    [told] = [all_text(c.args) for c in dms_to(zine, MEMBER)]
    assert "is approved" in told and "Monday 7 December" in told
    # The day before, organisers get the issue to approve.
    tick(zine, ASK)
    request = dms_to(zine, ORGANISER)[-1]
    assert "Sam passed RSciTech" in all_text(dms_to(zine, ORGANISER)[-2].blocks())
    buttons = [e["action_id"] for b in request.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.EZINE_APPROVE, ids.EZINE_EDIT_INTRO, ids.EZINE_HOLD]
    with freeze_time(ASK + timedelta(hours=1)):
        zine.action(ORGANISER, ids.EZINE_APPROVE, PERIOD)
    [update] = zine.standin.calls_to("chat.update")
    assert "Approved by <@U0ORGANISE>" in all_text(update.args)
    assert channel_posts(zine) == []
    assert tick(zine, DUE).done == 1
    assert tick(zine, DUE + timedelta(minutes=1)).done == 0
    assert "Sam passed RSciTech" in posted_text(zine)
    assert_each_message_once(zine)
    with zine.db.reading() as session:
        assert [i.title for i in news.mine(session, actors(zine)[0]) if i.issue_period == PERIOD] == \
            ["Sam passed RSciTech"]
    # The next issue does not repeat it: with nothing new it is not posted at all.
    tick(zine, datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert len(channel_posts(zine)) == 1


# Exactly once, whatever happens --------------------------------------------------------

def test_the_issue_posts_once_even_when_the_process_restarts_mid_issue(zine: Harness, flaky: FlakyStandIn,
                                                                        database_url: str):
    titles = approved_news(zine, 40)
    tick(zine, T0)
    # Slack fails the second message with a 500 (ambiguous: the client does not retry it).
    flaky.fail_post(NETWORK_CHANNEL, after=1, status=500, times=1)
    report = tick(zine, DUE)
    assert report.retried == 1
    assert len(channel_posts(zine)) == 1
    # The process restarts; the new one continues with the second message.
    restarted = another_process(zine, database_url)
    try:
        assert tick(restarted, DUE + timedelta(seconds=30)).done == 1
        assert tick(restarted, DUE + timedelta(minutes=5)).done == 0
    finally:
        restarted.close()
    assert tick(zine, DUE + timedelta(minutes=10)).done == 0
    total = assert_each_message_once(zine)
    assert total >= 3
    text = posted_text(zine)
    assert all(text.count(f"*{title}*") == 1 for title in titles)


def test_two_runtimes_on_one_database_continue_each_other_and_never_repeat(zine: Harness, flaky: FlakyStandIn,
                                                                           database_url: str):
    approved_news(zine, 40)
    tick(zine, T0)
    other = another_process(zine, database_url)
    try:
        flaky.fail_post(NETWORK_CHANNEL, after=2, status=500, times=1)
        assert tick(zine, DUE, worker="a").retried == 1
        assert len(channel_posts(zine)) == 2
        assert tick(other, DUE + timedelta(seconds=30), worker="b").done == 1
        assert tick(zine, DUE + timedelta(seconds=60), worker="a").done == 0
    finally:
        other.close()
    assert assert_each_message_once(zine) >= 3


def test_two_runtimes_ticking_at_the_same_moment_post_each_message_once(zine: Harness, database_url: str):
    approved_news(zine, 40)
    tick(zine, T0)
    other = another_process(zine, database_url)
    start = threading.Barrier(2)
    reports: list[TickReport] = []

    def work(harness: Harness, name: str) -> None:
        start.wait()
        reports.append(run_due(harness.runtime, DUE, worker=name))

    try:
        with freeze_time(DUE):
            threads = [threading.Thread(target=work, args=(h, n)) for h, n in ((zine, "a"), (other, "b"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        other.close()
    assert sum(r.done for r in reports) == 1
    assert assert_each_message_once(zine) >= 3


def test_a_short_429_is_waited_out_in_the_call(zine: Harness, flaky: FlakyStandIn):
    approved_news(zine, 40)
    tick(zine, T0)
    flaky.fail_post(NETWORK_CHANNEL, after=1, status=429, times=1, retry_after=1)
    assert tick(zine, DUE).done == 1
    assert assert_each_message_once(zine) >= 3
    refused = [c for c in flaky.calls_to("chat.postMessage") if not c.result.get("ok")]
    assert [c.result["error"] for c in refused] == ["ratelimited"]


def test_a_long_429_defers_the_rest_by_retry_after(zine: Harness, flaky: FlakyStandIn):
    approved_news(zine, 40)
    tick(zine, T0)
    flaky.fail_post(NETWORK_CHANNEL, after=2, status=429, times=1, retry_after=120)
    assert tick(zine, DUE).retried == 1
    assert len(channel_posts(zine)) == 2
    assert tick(zine, DUE + timedelta(seconds=119)).done == 0
    assert tick(zine, DUE + timedelta(seconds=120)).done == 1
    assert assert_each_message_once(zine) >= 3


def test_a_single_500_is_not_retried_in_the_call_but_looked_for_then_sent(zine: Harness, flaky: FlakyStandIn):
    approved_news(zine, 3)
    tick(zine, T0)
    flaky.fail_post(NETWORK_CHANNEL, after=0, status=500, times=1)
    # A 500 may come after Slack posted: the next attempt reads the channel for the page first.
    assert tick(zine, DUE).retried == 1
    assert tick(zine, DUE + timedelta(seconds=30)).done == 1
    assert zine.standin.calls_to("conversations.history")
    assert assert_each_message_once(zine) == 1


def test_a_channel_the_bot_left_fails_and_organisers_are_told(zine: Harness):
    approved_news(zine, 2)
    tick(zine, T0)
    zine.standin.add_channel(NETWORK_CHANNEL, bot_is_member=False)
    assert tick(zine, DUE).failed == 1
    told = [all_text(c.args) for c in dms_to(zine, ORGANISER)]
    assert any("could not be posted" in t and "not_in_channel" in t for t in told)


# Editorial approval ---------------------------------------------------------------------

def test_a_held_issue_is_not_posted_and_its_news_waits_for_the_next(zine: Harness):
    approved_news(zine, 2, title="Held")
    tick(zine, ASK)
    with freeze_time(ASK + timedelta(hours=2)):
        zine.action(ORGANISER, ids.EZINE_HOLD, PERIOD)
    assert "Held by <@U0ORGANISE>" in all_text(zine.standin.calls_to("chat.update")[-1].args)
    assert tick(zine, DUE).skipped == 1
    assert channel_posts(zine) == []
    # The January issue carries the news instead.
    tick(zine, datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert "Held 00" in posted_text(zine) and "Held 01" in posted_text(zine)


def test_with_no_answer_it_is_held_when_the_setting_says_so(zine: Harness, database_url: str):
    approved_news(zine, 1)
    cautious = another_process(zine, database_url, digest_post_unapproved=False)
    try:
        tick(cautious, ASK)
        assert tick(cautious, DUE).skipped == 1
    finally:
        cautious.close()
    assert channel_posts(zine) == []
    assert any("nobody approved it" in all_text(c.args) for c in dms_to(zine, ORGANISER))


def test_with_no_answer_it_is_posted_by_default(zine: Harness):
    approved_news(zine, 1)
    tick(zine, ASK)
    assert tick(zine, DUE).done == 1
    assert assert_each_message_once(zine) == 1


def test_edit_intro_changes_the_posted_opening(zine: Harness):
    approved_news(zine, 1)
    tick(zine, ASK)
    with freeze_time(ASK + timedelta(hours=1)):
        zine.action(ORGANISER, ids.EZINE_EDIT_INTRO, PERIOD)
        form = zine.opened_view()
        assert form["callback_id"] == ids.EZINE_INTRO_MODAL
        reply = zine.submit(ORGANISER, form, {ids.EZINE_INTRO: "A <b>winter</b> issue & <!channel> hello"})
        assert reply.json()["response_action"] == "clear"
    tick(zine, DUE)
    opening = channel_posts(zine)[0].blocks()[1]["text"]["text"]
    assert opening == "A &lt;b&gt;winter&lt;/b&gt; issue &amp; &lt;!channel&gt; hello"


def test_a_refused_intro_shows_on_the_form_only_and_sends_no_preview(zine: Harness):
    approved_news(zine, 1)
    tick(zine, ASK)
    with freeze_time(ASK + timedelta(hours=1)):
        zine.action(ORGANISER, ids.EZINE_EDIT_INTRO, PERIOD)
        form = zine.opened_view()
        before = len(dms_to(zine, ORGANISER))
        # A member's forged submission of the organiser's form, and an organiser's too long one.
        forged = zine.submit(MEMBER, form, {ids.EZINE_INTRO: "Hello"}).json()
        long = zine.submit(ORGANISER, form, {ids.EZINE_INTRO: "x" * (ezine.INTRO_LIMIT + 1)}).json()
    assert forged["response_action"] == "errors" and long["response_action"] == "errors"
    assert dms_to(zine, MEMBER) == [] and len(dms_to(zine, ORGANISER)) == before


def test_an_issue_with_nothing_in_it_is_not_posted(zine: Harness):
    # Everyone joined long ago: no figures, no news.
    with zine.db.transaction() as session:
        members.upsert_member(session, slack_identity(MEMBER), member_details(zine.standin.state.users[MEMBER]),
                              now=T0 - timedelta(days=90))
    tick(zine, ASK)
    assert any("There is nothing for the e-zine" in all_text(c.args) for c in dms_to(zine, ORGANISER))
    assert tick(zine, DUE).skipped == 1
    assert channel_posts(zine) == []
    with zine.db.reading() as session:
        assert ezine.get(session, PERIOD).status == ezine.EMPTY


def test_news_approved_after_an_empty_approval_request_still_goes_in(zine: Harness):
    with zine.db.transaction() as session:
        members.upsert_member(session, slack_identity(MEMBER), member_details(zine.standin.state.users[MEMBER]),
                              now=T0 - timedelta(days=90))
    tick(zine, ASK)
    assert any("There is nothing for the e-zine" in all_text(c.args) for c in dms_to(zine, ORGANISER))
    approved_news(zine, 1, title="Just in time")
    assert tick(zine, DUE).done == 1
    assert "Just in time 00" in posted_text(zine)


def test_an_issue_is_split_within_slacks_limits_keeping_every_item_in_order(zine: Harness):
    titles = approved_news(zine, 70, body="A short item.")
    tick(zine, DUE)
    posts = channel_posts(zine)
    assert len(posts) >= 2
    assert all(len(p.blocks()) <= 50 for p in posts)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for p in posts for b in p.blocks())
    text = posted_text(zine)
    positions = [text.index(f"*{t}*") for t in titles]
    assert positions == sorted(positions)


# Publish now, preview, archive -------------------------------------------------------------

def test_publish_now_posts_and_counts_as_the_periods_issue(zine: Harness):
    approved_news(zine, 2)
    with freeze_time(T0):
        reply = zine.command(ORGANISER, "digest publish")
        assert "Publishing the next issue" in reply.text
    assert "is posted in <#C0NETWORK1>" in all_text(zine.standin.calls_to("response_url")[-1].args)
    assert assert_each_message_once(zine) == 1
    assert tick(zine, ASK).done == 0
    assert tick(zine, DUE).done == 0
    assert len(channel_posts(zine)) == 1


def test_preview_shows_the_next_issue_only_to_the_organiser(zine: Harness):
    approved_news(zine, 2, title="Preview")
    with freeze_time(T0):
        reply = zine.command(ORGANISER, "digest preview")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Preview of the e-zine due Mon 7 Dec 2026, 09:00" in reply.text and "Preview 01" in reply.text
    assert channel_posts(zine) == []
    with freeze_time(T0):
        assert "Only network organisers can preview" in zine.command(MEMBER, "digest preview").text
        assert "Only network organisers can publish" in zine.command(OTHER, "digest publish").text
    assert channel_posts(zine) == []


def test_the_archive_lists_posted_issues(zine: Harness):
    with freeze_time(T0):
        assert "No e-zine has been posted yet" in zine.command(MEMBER, "digest archive").text
    approved_news(zine, 3)
    tick(zine, DUE)
    with freeze_time(DUE):
        reply = zine.command(MEMBER, "digest archive")
    # Three news items; the two new members are too few to count (storage.privacy).
    assert "2026-12-07" in reply.text and "3 items" in reply.text
    assert "https://technet.example/archives/C0NETWORK1/" in reply.text


def test_digest_alone_help_and_bad_input(zine: Harness):
    assert "`/tech digest preview`" in zine.command(ORGANISER, "digest").text
    assert "`/tech digest archive`" in zine.command(MEMBER, "digest help").text
    assert "I don't know `/tech digest &lt;b&gt;now`" in zine.command(ORGANISER, "digest <b>now").text


# Template overrides --------------------------------------------------------------------------

def test_a_broken_override_falls_back_to_the_shipped_template_and_organisers_are_told_once(
        zine: Harness, database_url: str, tmp_path: Path):
    (tmp_path / "ezine_news.md.j2").write_text("*{{ item.title }}*\n{% if item.link %}\n{{ item.body\n",
                                               encoding="utf-8")
    approved_news(zine, 40)
    overridden = another_process(zine, database_url, digest_template_dir=tmp_path)
    try:
        tick(overridden, ASK)
        assert tick(overridden, DUE).done == 1
    finally:
        overridden.close()
    warnings = [all_text(c.args) for c in dms_to(zine, ORGANISER) if "template override is broken" in all_text(c.args)]
    assert len(warnings) == 1
    assert f"{tmp_path / 'ezine_news.md.j2'}, line 3" in warnings[0]
    assert "The lab moved to the new building" in posted_text(zine)


def test_a_working_override_is_used(zine: Harness, database_url: str, tmp_path: Path):
    (tmp_path / "ezine_footer.md.j2").write_text("Brought to you by the {{ issue.month_label }} team.",
                                                 encoding="utf-8")
    approved_news(zine, 1)
    overridden = another_process(zine, database_url, digest_template_dir=tmp_path)
    try:
        tick(overridden, DUE)
    finally:
        overridden.close()
    assert "Brought to you by the December 2026 team." in posted_text(zine)
