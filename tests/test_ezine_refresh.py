"""The e-zine never goes out stale: what changes after it was frozen for approval is refreshed
when it is posted, and what the organisers have not seen is put to them again first.

The issue of Monday 7 December 2026 is due at 09:00 UTC and frozen for approval a day before
(tests/test_ezine_slack.py). Each test changes the store after the approval, then posts, and
reads what the Slack stand-in received.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from core import ids
from bot.standin import Call
from bot.slack_refs import role_grants, slack_identity, slack_ref
from storage import awards, events, ezine, members, news, profiles
from storage.awards import NominationForm
from storage.members import Actor
from tests.harness import NETWORK_CHANNEL, ORGANISER, Harness, all_text, buttons, settings_for
from tests.test_ezine_slack import (
    ASK, DUE, PERIOD, T0, FlakyStandIn, actors, approved_news, channel_posts, dms_to, tick,
)

APPROVED_AT = ASK + timedelta(hours=1)
CHANGED_AT = ASK + timedelta(hours=2)
CHAIR, WINNER = "U0CHAIR001", "U0BEN00001"
RULES = events.ReminderRules()


def organiser(technet: Harness) -> Actor:
    return actors(technet)[1]


def event(technet: Harness, title: str, starts: datetime, **form: Any) -> int:
    orla = organiser(technet)
    with technet.db.transaction() as session:
        created = events.create_event(session, orla, events.EventForm(
            title=title, kind="workshop", starts_at=starts, ends_at=starts + timedelta(hours=2), location="B12",
            **form), now=T0, tz="Europe/London", rules=RULES)
    return created[0].id


def approve(technet: Harness) -> None:
    """The organisers are sent the issue a day before and approve it."""
    tick(technet, ASK)
    with freeze_time(APPROVED_AT):
        technet.action(ORGANISER, ids.EZINE_APPROVE, PERIOD)
    with technet.db.reading() as session:
        assert ezine.get(session, PERIOD).decision == ezine.APPROVED


def requests_to(technet: Harness, user_id: str) -> list[Call]:
    """The approval requests (the buttons message) a user was sent."""
    return [c for c in dms_to(technet, user_id) if buttons(c.blocks(), ids.EZINE_APPROVE)]


def ezine_posts(technet: Harness) -> list[Call]:
    """The e-zine's messages in the channel (the awards feature posts there too)."""
    return [c for c in channel_posts(technet) if c.args["text"].startswith("technet e-zine")]


def posted_text(technet: Harness) -> str:
    return "\n".join(all_text(c.blocks()) for c in ezine_posts(technet))


def posted(technet: Harness) -> bool:
    with technet.db.reading() as session:
        return ezine.get(session, PERIOD).status == ezine.POSTED


def going_buttons(technet: Harness) -> list[str]:
    return [b["value"] for c in ezine_posts(technet) for b in buttons(c.blocks(), ids.EVENTS_GOING)]


# Refreshed at posting, without asking again ----------------------------------------------

def test_an_event_moved_after_approval_goes_out_at_its_new_time_and_place(technet: Harness):
    workshop = event(technet, "Soldering workshop", DUE + timedelta(days=3))
    approve(technet)
    assert "Thu 10 Dec, 09:00" in all_text(dms_to(technet, ORGANISER)[0].blocks())
    moved = DUE + timedelta(days=4, hours=1)
    orla = organiser(technet)
    with technet.db.transaction() as session:
        events.edit_event(session, orla, workshop, events.EventForm(
            title="Soldering workshop", kind="workshop", starts_at=moved, ends_at=moved + timedelta(hours=2),
            location="Lab 7"), now=CHANGED_AT, rules=RULES)
    assert tick(technet, DUE).done == 1
    text = posted_text(technet)
    assert "Fri 11 Dec, 10:00 · Lab 7" in text
    assert "Thu 10 Dec" not in text and "B12" not in text
    assert going_buttons(technet) == [str(workshop)]
    # Nobody is asked again for a fact, and the archive keeps what was posted.
    assert len(requests_to(technet, ORGANISER)) == 1
    with technet.db.reading() as session:
        content, _ = ezine.archived_content(session, PERIOD)
    [posted] = [s["items"] for s in content["sections"] if s["key"] == "events"]
    assert [(e["when"], e["location"]) for e in posted] == [("Fri 11 Dec, 10:00", "Lab 7")]


def test_an_event_cancelled_after_approval_is_shown_cancelled_without_its_going_button(technet: Harness):
    workshop = event(technet, "Soldering workshop", DUE + timedelta(days=3), capacity=10)
    kept = event(technet, "Glassblowing taster", DUE + timedelta(days=5))
    approve(technet)
    orla = organiser(technet)
    with technet.db.transaction() as session:
        events.cancel_event(session, orla, workshop, reason="The tutor is ill", now=CHANGED_AT)
    assert tick(technet, DUE).done == 1
    [post] = channel_posts(technet)
    [cancelled] = [b for b in post.blocks() if "Soldering workshop" in all_text(b)]
    assert "Cancelled" in all_text(cancelled) and "places left" not in all_text(cancelled)
    assert "accessory" not in cancelled
    assert going_buttons(technet) == [str(kept)]


def test_an_award_closed_after_approval_is_shown_closed(technet: Harness):
    orla = organiser(technet)
    with technet.db.transaction() as session:
        cycle = awards.open_cycle(session, orla, name="Technician of the Year", label="2026",
                                  closes_at=DUE + timedelta(days=14), now=T0, default_panel=[slack_identity(CHAIR)])
    approve(technet)
    assert "is open for nominations" in all_text(dms_to(technet, ORGANISER)[0].blocks())
    orla = organiser(technet)
    with technet.db.transaction() as session:
        awards.close_cycle(session, orla, cycle.id, now=CHANGED_AT)
    tick(technet, DUE)
    assert posted(technet) and len(ezine_posts(technet)) == 1
    text = posted_text(technet)
    assert "*Technician of the Year 2026* is closed for nominations." in text
    assert "open for nominations" not in text and "/tech nominate" not in text


def test_news_rejected_after_approval_is_left_out(technet: Harness):
    approved_news(technet, 2, title="Item")
    approve(technet)
    orla = organiser(technet)
    with technet.db.transaction() as session:
        [first, _] = news.waiting_for_issue(session)
        news.reject(session, orla, first.id, "Sent too early", now=CHANGED_AT)
    assert tick(technet, DUE).done == 1
    text = posted_text(technet)
    assert "Item 00" not in text and "*Item 01*" in text
    with technet.db.reading() as session:
        assert news.get(session, first.id).issue_period is None


def test_a_member_who_leaves_the_spotlight_after_approval_is_left_out(technet: Harness):
    member = actors(technet)[0]
    with technet.db.transaction() as session:
        profiles.save_profile(session, member, profiles.ProfileChanges(
            job_title="Technician", fte=1, skills=["HPLC"], bio="Ask me about columns.", listed=True,
            spotlight_opt_in=True), now=T0)
    # Something else in the issue, so that it is not empty without the spotlight (a figure about
    # so few members is withheld) and is posted rather than skipped.
    event(technet, "Soldering workshop", DUE + timedelta(days=3))
    approve(technet)
    assert "Ask me about columns." in all_text(dms_to(technet, ORGANISER)[0].blocks())
    with technet.db.transaction() as session:
        profiles.save_profile(session, member, profiles.ProfileChanges(
            job_title="Technician", fte=1, skills=["HPLC"], bio="Ask me about columns.", listed=True,
            spotlight_opt_in=False), now=CHANGED_AT)
    assert tick(technet, DUE).done == 1
    assert "Ask me about columns." not in posted_text(technet)
    assert "Technician spotlight" not in posted_text(technet)


def test_preview_after_a_change_shows_what_would_be_posted_now(technet: Harness):
    workshop = event(technet, "Soldering workshop", DUE + timedelta(days=3))
    approve(technet)
    orla = organiser(technet)
    with technet.db.transaction() as session:
        events.cancel_event(session, orla, workshop, reason=None, now=CHANGED_AT)
    with freeze_time(CHANGED_AT + timedelta(minutes=5)):
        reply = technet.command(ORGANISER, "digest preview")
    assert "Updated since it was sent for approval: “Soldering workshop” was cancelled" in reply.text
    [cancelled] = [b for b in reply.json()["blocks"] if b["type"] == "section" and "Soldering workshop" in all_text(b)]
    assert "Cancelled" in all_text(cancelled) and "accessory" not in cancelled
    assert channel_posts(technet) == []


# Asked again: what the organisers have not seen -----------------------------------------------

def announce_winner(technet: Harness, cycle_id: int) -> None:
    """The panel closes the cycle early, marks the winner and posts its announcement, after the e-zine's approval."""
    grants = role_grants(organisers=frozenset({ORGANISER}), panel=frozenset({CHAIR}))
    orla = organiser(technet)
    with technet.db.transaction() as session:
        chair = members.actor_for(session, members.ensure_member(session, slack_identity(CHAIR),
                                                                 fallback_name="Chris Chair",
                                                                 now=T0), grants)
        awards.close_cycle(session, orla, cycle_id, now=CHANGED_AT)
        awards.mark_winner(session, chair, cycle_id, WINNER, now=CHANGED_AT)
        awards.approve_announcement(session, chair, cycle_id, "Congratulations Ben!", now=CHANGED_AT)
    with technet.db.transaction() as session:
        awards.begin_announcement_post(session, cycle_id)
        awards.finish_announcement_post(session, cycle_id, slack_ref("C0NETWORK", "1700000000.0001"))


def cycle_with_a_nominee(technet: Harness) -> int:
    member = actors(technet)[0]
    orla = organiser(technet)
    with technet.db.transaction() as session:
        members.ensure_member(session, slack_identity(WINNER), fallback_name="Ben Baker", now=T0 - timedelta(days=90))
        cycle = awards.open_cycle(session, orla, name="Technician of the Year", label="2026",
                                  closes_at=DUE + timedelta(days=14), now=T0, default_panel=[slack_identity(CHAIR)])
        awards.submit_nomination(session, member, NominationForm(
            cycle_id=cycle.id, nominee=WINNER, citation="Ben rebuilt the teaching lab's fume cupboards and "
                                                         "trained forty students to use them safely."),
            submission_id="n1", now=T0 + timedelta(hours=1))
    return cycle.id


def test_a_winner_announced_after_approval_is_put_to_the_organisers_again_and_posted_on_approval(
        technet: Harness):
    cycle_id = cycle_with_a_nominee(technet)
    approve(technet)
    [first_request] = requests_to(technet, ORGANISER)
    announce_winner(technet, cycle_id)
    assert tick(technet, DUE).skipped == 1
    assert ezine_posts(technet) == []
    # The old request's buttons are retired; the new request shows the new issue and says why.
    updates = technet.standin.calls_to("chat.update")
    retired = [c.args for c in updates if c.args["ts"] == first_request.result["ts"]][-1]
    assert "changed after it was approved" in all_text(retired) and not buttons(retired["blocks"], ids.EZINE_APPROVE)
    [_, again] = requests_to(technet, ORGANISER)
    assert "New since then: “Technician of the Year 2026” winner announced since: Ben Baker" in all_text(again.blocks())
    assert "Tue 8 Dec 2026, 09:00" in all_text(again.blocks())  # it waits for an answer as long as the grace
    shown = all_text(dms_to(technet, ORGANISER)[-2].blocks())
    assert "congratulations to *Ben Baker*" in shown and "open for nominations" not in shown
    with technet.db.reading() as session:
        assert ezine.get(session, PERIOD).decision == ezine.CHANGED
    with freeze_time(DUE + timedelta(minutes=30)):
        reply = technet.command(ORGANISER, "digest preview")
    assert "it waits for an organiser to approve it again" in reply.text and "Ben Baker" in reply.text
    # Approving it now posts it at the next tick, and once.
    with freeze_time(DUE + timedelta(hours=1)):
        technet.action(ORGANISER, ids.EZINE_APPROVE, PERIOD)
    decided = [c.args for c in technet.standin.calls_to("chat.update") if c.args["ts"] == again.result["ts"]][-1]
    assert "Approved by <@U0ORGANISE>: it goes out now." in all_text(decided)
    assert tick(technet, DUE + timedelta(hours=1, minutes=1)).done == 1
    assert posted(technet)
    text = posted_text(technet)
    assert "congratulations to *Ben Baker*" in text and "open for nominations" not in text
    assert "closed for nominations" not in text  # the winner says it
    assert tick(technet, DUE + timedelta(days=1, minutes=1)).done == 1  # the answer-by row: posted already
    assert len(ezine_posts(technet)) == 1


def test_with_no_answer_the_changed_issue_follows_the_unanswered_rule_at_the_end_of_the_grace(technet: Harness):
    cycle_id = cycle_with_a_nominee(technet)
    approve(technet)
    announce_winner(technet, cycle_id)
    assert tick(technet, DUE).skipped == 1
    assert tick(technet, DUE + timedelta(hours=23)).done == 0
    assert ezine_posts(technet) == []
    # TECHNET_DIGEST_POST_UNAPPROVED (default yes): posted as it stands once the wait is over.
    assert tick(technet, DUE + timedelta(hours=24)).done == 1
    assert "congratulations to *Ben Baker*" in posted_text(technet)
    with technet.db.reading() as session:
        assert ezine.get(session, PERIOD).status == ezine.POSTED


def test_a_changed_issue_that_is_held_is_not_posted(technet: Harness):
    cycle_id = cycle_with_a_nominee(technet)
    approve(technet)
    announce_winner(technet, cycle_id)
    tick(technet, DUE)
    with freeze_time(DUE + timedelta(hours=1)):
        technet.action(ORGANISER, ids.EZINE_HOLD, PERIOD)
    assert tick(technet, DUE + timedelta(hours=1, minutes=1)).done == 0
    assert tick(technet, DUE + timedelta(hours=24)).skipped == 1
    assert ezine_posts(technet) == []
    with technet.db.reading() as session:
        assert ezine.get(session, PERIOD).status == ezine.SKIPPED


def test_preview_warns_that_a_winner_announced_after_approval_will_be_asked_about(technet: Harness):
    cycle_id = cycle_with_a_nominee(technet)
    approve(technet)
    announce_winner(technet, cycle_id)
    with freeze_time(CHANGED_AT + timedelta(minutes=5)):
        reply = technet.command(ORGANISER, "digest preview")
    assert "New since it was approved, so organisers are asked again before it goes out: " \
           "“Technician of the Year 2026” winner announced since: Ben Baker" in reply.text
    assert "congratulations to *Ben Baker*" in reply.text and "open for nominations" not in reply.text


def test_a_member_who_changes_their_profile_after_approval_is_asked_about_again(technet: Harness):
    member = actors(technet)[0]

    def profile(bio: str, at: datetime) -> None:
        with technet.db.transaction() as session:
            profiles.save_profile(session, member, profiles.ProfileChanges(
                job_title="Technician", fte=1, skills=["HPLC"], bio=bio, listed=True, spotlight_opt_in=True), now=at)

    profile("Ask me about columns.", T0)
    approve(technet)
    profile("Ask me about <!channel> anything.", CHANGED_AT)
    assert tick(technet, DUE).skipped == 1
    assert channel_posts(technet) == []
    [_, again] = requests_to(technet, ORGANISER)
    assert "changed their profile" in all_text(again.blocks())
    assert "Ask me about &lt;!channel&gt; anything." in all_text(dms_to(technet, ORGANISER)[-2].blocks())


@pytest.fixture
def flaky_slack(database_url: str) -> Iterator[tuple[Harness, FlakyStandIn]]:
    standin = FlakyStandIn()
    with standin:
        harness = Harness(settings_for(standin, database_url), standin)
        yield harness, standin
        harness.close()


def test_asking_again_that_fails_half_way_finishes_asking_on_the_retry_and_posts_nothing(
        flaky_slack: tuple[Harness, FlakyStandIn]):
    technet, slack = flaky_slack
    cycle_id = cycle_with_a_nominee(technet)
    approve(technet)
    announce_winner(technet, cycle_id)
    sent = len([c for c in dms_to(technet, ORGANISER) if c.result.get("ok")])
    # The new issue reaches the organiser; the request under it fails (a 500: no retry in the client).
    slack.fail_post(ORGANISER, after=sent + 1, status=500, times=1)
    assert tick(technet, DUE).retried == 1
    assert [c for c in requests_to(technet, ORGANISER) if c.result.get("ok")] == requests_to(technet, ORGANISER)[:1]
    assert tick(technet, DUE + timedelta(minutes=1)).skipped == 1
    asked = [c for c in requests_to(technet, ORGANISER) if c.result.get("ok")]
    assert len(asked) == 2  # the first request, and the one asking again
    assert "changed after it was approved" in all_text(asked[-1].blocks())
    assert tick(technet, DUE + timedelta(minutes=10)).done == 0
    assert ezine_posts(technet) == []
    with technet.db.reading() as session:
        info = ezine.get(session, PERIOD)
    assert info.decision == ezine.CHANGED and [u for u, _ in info.approval_messages] == [ORGANISER]


def test_preview_while_an_issue_is_half_posted_shows_the_issue_being_posted(flaky_slack: tuple[Harness, FlakyStandIn]):
    technet, slack = flaky_slack
    titles = approved_news(technet, 40)
    approve(technet)
    slack.fail_post(NETWORK_CHANNEL, after=1, status=500, times=1)
    assert tick(technet, DUE).retried == 1
    with freeze_time(DUE + timedelta(seconds=10)):
        reply = technet.command(ORGANISER, "digest preview")
    # Its news is published already; the preview still shows it, as the rest of the issue goes out.
    assert f"*{titles[0]}*" in reply.text and "Updated since" not in reply.text
