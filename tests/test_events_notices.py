"""Event notices through the ledger, over signed HTTP against the served app and the Slack
stand-in: each DM a change owes (cancelled, promoted, moved) and the channel announcement
is sent right after the ack, retried by the next tick when Slack fails, sent once across two
app instances, and says what is true when it goes (or nothing)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from storage import events, ledger
from storage.models import DueItem
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, settings_for
from tests.test_events_slack import (FORM, T0, THIRD, add_members, channel_posts, click, click_post, create, current,
                                     dms, epoch, event_ids, local, menu, tick, tick_at_once)


def notice_rows(technet: Harness) -> list[DueItem]:
    with technet.db.reading() as session:
        rows = list(session.scalars(select(DueItem).where(DueItem.kind == events.NOTICE).order_by(DueItem.id)))
        session.expunge_all()
    return rows


def going(technet: Harness, *users: str, choice: str = ids.EVENTS_GOING) -> int:
    """Create the usual event (capacity 2) and have these members answer; its id."""
    create(technet)
    event_id = event_ids(technet)[-1]
    listing = technet.command(MEMBER, "events").json()["blocks"]
    for user in users:
        click(technet, user, listing, choice, event_id)
    return event_id


def cancel(technet: Harness, event_id: int, reason: str = "Speaker ill") -> None:
    menu(technet, ORGANISER, technet.command(ORGANISER, "events").json()["blocks"], "cancel", event_id)
    technet.submit(ORGANISER, technet.opened_view(), {ids.EVENTS_REASON: reason})


def edit(technet: Harness, event_id: int, **answers: object) -> None:
    menu(technet, ORGANISER, technet.command(ORGANISER, "events").json()["blocks"], "edit", event_id)
    technet.submit(ORGANISER, technet.opened_view(), {**FORM, **answers})


def moved_to(start: datetime, hours: int = 2) -> dict[str, int]:
    return {ids.EVENTS_STARTS: epoch(start), ids.EVENTS_ENDS: epoch(start + timedelta(hours=hours))}


def slack_down_for(technet: Harness, dms_count: int) -> None:
    """The next `dms_count` DMs fail with a 500 (which the client does not retry: it is ambiguous)."""
    technet.standin.fail("chat.postMessage", 500, times=dms_count)


def test_a_cancellation_dm_that_hits_a_500_is_retried_by_the_next_tick_and_arrives_once(technet: Harness):
    with freeze_time(T0):
        event_id = going(technet, MEMBER)
        slack_down_for(technet, 1)
        cancel(technet, event_id)
        assert dms(technet, MEMBER) == []
    [row] = notice_rows(technet)
    assert (row.occurrence, row.status, row.attempts, row.result) == (
        f"cancelled:{MEMBER}", ledger.PENDING, 1, "internal_error")
    # A 500 is ambiguous: the retry comes soon, and looks for the DM before sending it.
    assert row.not_before == T0 + ledger.AMBIGUOUS_FIRST_RETRY
    assert tick(technet, T0 + ledger.AMBIGUOUS_FIRST_RETRY - timedelta(seconds=1)).done == 0
    assert tick(technet, T0 + ledger.AMBIGUOUS_FIRST_RETRY).done == 1
    [told] = dms(technet, MEMBER)
    assert "has been cancelled by Orla Organiser" in told and "Why: Speaker ill" in told
    assert tick(technet, T0 + timedelta(minutes=30)).done == 0
    assert len(dms(technet, MEMBER)) == 1
    [row] = notice_rows(technet)
    assert (row.status, row.attempts) == (ledger.DONE, 2)


def test_two_app_instances_on_one_database_send_each_notice_once(technet: Harness, standin, database_url):
    members = [f"U0TOLD{n:04d}" for n in range(6)]
    add_members(technet, *members)
    with freeze_time(T0):
        event_id = going(technet, *members[:2])
        listing = technet.command(MEMBER, "events").json()["blocks"]
        for user in members[2:]:
            click(technet, user, listing, ids.EVENTS_MAYBE, event_id)
        # Rate limited for a minute: every DM of the cancellation waits in the ledger.
        standin.fail("chat.postMessage", 429, retry_after=60, times=len(members))
        cancel(technet, event_id)
    assert [r.status for r in notice_rows(technet)] == [ledger.PENDING] * len(members)
    second = Harness(settings_for(standin, database_url), standin)
    try:
        tick_at_once([technet.runtime, second.runtime], T0 + timedelta(seconds=60))
    finally:
        second.close()
    for user in members:
        [told] = dms(technet, user)
        assert "has been cancelled" in told, user
    assert [(r.status, r.attempts) for r in notice_rows(technet)] == [(ledger.DONE, 2)] * len(members)


def test_a_promotion_dm_survives_a_failed_first_attempt(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        event_id = going(technet, MEMBER, OTHER, THIRD)
        slack_down_for(technet, 1)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_NOT_GOING, event_id)
        assert "Your place went to the next on the waitlist" in all_text(
            technet.standin.calls_to("response_url")[-1].args)
        assert dms(technet, THIRD) == []
    assert tick(technet, T0 + timedelta(seconds=30)).done == 1
    [promoted] = dms(technet, THIRD)
    assert "A place came up at Quarterly network meeting (Wed 15 Jul, 10:00–12:00 BST)" in promoted
    assert tick(technet, T0 + timedelta(minutes=5)).done == 0
    assert len(dms(technet, THIRD)) == 1


def test_a_click_that_promotes_someone_sends_that_notice_and_leaves_the_rest_of_the_ledger_to_the_tick(
        technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        event_id = going(technet, MEMBER, OTHER, THIRD)
        # Due now but not this click's: the organiser's "Send reminder now" waits for the tick.
        menu(technet, ORGANISER, technet.command(ORGANISER, "events").json()["blocks"], "remind", event_id)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_NOT_GOING, event_id)
        [promoted] = dms(technet, THIRD)
        assert "A place came up at Quarterly network meeting" in promoted
        assert dms(technet, OTHER) == []
    with technet.db.reading() as session:
        waiting = session.scalars(select(DueItem.kind).where(DueItem.status == ledger.PENDING)).all()
    assert events.REMINDER in waiting and events.NOTICE not in waiting
    assert tick(technet, T0 + timedelta(seconds=5)).done >= 1
    assert len(dms(technet, OTHER)) == 1 and len(dms(technet, THIRD)) == 1


def test_two_edits_in_quick_succession_tell_what_is_true_of_the_last(technet: Harness):
    with freeze_time(T0):
        event_id = going(technet, MEMBER)
        slack_down_for(technet, 1)
        edit(technet, event_id, **moved_to(local(2026, 7, 16, 14)))
        assert dms(technet, MEMBER) == []
    with freeze_time(T0 + timedelta(seconds=10)):
        edit(technet, event_id, **moved_to(local(2026, 7, 17, 10)), **{ids.EVENTS_LOCATION: "Lecture theatre B"})
    [changed] = dms(technet, MEMBER)
    assert "It now runs Fri 17 Jul, 10:00–12:00 BST (it was Wed 15 Jul, 10:00–12:00 BST)." in changed
    assert "It's now at Lecture theatre B (it was Room 1.02, Life Sciences)." in changed
    assert "16 Jul" not in changed
    # The first edit's notice was folded into the second's: no tick sends it later.
    assert tick(technet, T0 + timedelta(minutes=5)).done == 0
    assert len(dms(technet, MEMBER)) == 1
    assert [(r.occurrence, r.status) for r in notice_rows(technet)] == [
        (f"changed:{MEMBER}#1", ledger.CANCELLED), (f"changed:{MEMBER}#2", ledger.DONE)]


def test_an_edit_undone_before_its_notice_went_tells_nobody(technet: Harness):
    with freeze_time(T0):
        event_id = going(technet, MEMBER)
        slack_down_for(technet, 1)
        edit(technet, event_id, **moved_to(local(2026, 7, 16, 14)))
    with freeze_time(T0 + timedelta(seconds=10)):
        edit(technet, event_id, **moved_to(local(2026, 7, 15, 10)))
    assert tick(technet, T0 + timedelta(minutes=5)).done == 0
    assert dms(technet, MEMBER) == []
    assert [(r.status, r.result) for r in notice_rows(technet)] == [
        (ledger.CANCELLED, "folded into a later change's notice"),
        (ledger.SKIPPED, "the event is back where the member last heard it was")]


def test_who_left_or_answered_again_before_the_retry_gets_nothing(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        event_id = going(technet, MEMBER, OTHER, THIRD)
        technet.standin.fail("chat.postMessage", 429, retry_after=60)
        # Morgan drops out: Third is promoted, but the DM is rate limited ...
        click(technet, MEMBER, technet.command(MEMBER, "events").json()["blocks"], ids.EVENTS_NOT_GOING, event_id)
        # ... and before it goes, Third says they can't make it after all.
        click(technet, THIRD, technet.command(THIRD, "events").json()["blocks"], ids.EVENTS_NOT_GOING, event_id)
        technet.standin.fail("chat.postMessage", 429, retry_after=60)
        edit(technet, event_id, **moved_to(local(2026, 7, 16, 14)))
        # Olu, told of the move, leaves the workspace before the DM goes.
        user = technet.standin.add_user(OTHER, "Olu Other", deleted=True)
        technet.event({"type": "user_change", "user": user}, event_id="Ev0LEFT02")
    assert tick(technet, T0 + timedelta(minutes=2)).skipped == 2
    assert dms(technet, THIRD) == [] and dms(technet, OTHER) == []
    assert [(r.occurrence, r.status, r.result) for r in notice_rows(technet)] == [
        (f"promoted:{THIRD}.1", ledger.SKIPPED, "the member answered again since"),
        (f"changed:{OTHER}#1", ledger.SKIPPED, "the member left the workspace")]


def test_a_notice_slack_keeps_failing_is_given_up_after_max_attempts_with_a_log_line(technet: Harness, caplog):
    with freeze_time(T0):
        event_id = going(technet, MEMBER)
        technet.standin.fail("chat.postMessage", 429, retry_after=60, times=ledger.MAX_ATTEMPTS)
        cancel(technet, event_id)
    with caplog.at_level(logging.ERROR, logger="digests.event_notices"):
        for minute in range(1, 30):
            tick(technet, T0 + timedelta(minutes=minute))
    [row] = notice_rows(technet)
    assert (row.status, row.attempts, row.result) == (ledger.FAILED, ledger.MAX_ATTEMPTS, "ratelimited")
    [gave_up] = [r.getMessage() for r in caplog.records if r.name == "digests.event_notices"]
    assert f"gave up on events.notice event:{event_id}/cancelled:{MEMBER} after 5 attempt(s)" in gave_up
    assert dms(technet, MEMBER) == []


def test_the_channel_announcement_is_retried_and_posted_once(technet: Harness):
    with freeze_time(T0):
        technet.standin.fail("chat.postMessage", 500)
        create(technet, **{ids.EVENTS_ANNOUNCE: ["yes"]})
        assert channel_posts(technet) == []
    assert tick(technet, T0 + timedelta(seconds=30)).done == 1
    assert tick(technet, T0 + timedelta(minutes=5)).done == 0
    [post] = channel_posts(technet)
    with freeze_time(T0 + timedelta(minutes=6)):
        click_post(technet, MEMBER, post, ids.EVENTS_GOING)
    assert "*1* going of 2" in all_text(current(technet, post))
