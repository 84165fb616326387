"""Exactly once, for real (issue #16): ambiguous failures are looked up, never guessed; a worker that
lost its claim stops; a dead worker's items are taken up within a lease or two."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.scheduler import send_due
from bot.slack_delivery import DUE_EVENT
from bot.standin import SlackStandIn
from core.due import DueKind
from core.ui import note
from digests.runner import run_due, worker_name
from storage import ledger
from storage.clock import now as clock_now
from storage.db import Database
from tests.harness import NETWORK_CHANNEL, Harness, settings_for

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KIND = "test.once"


@pytest.fixture
def quick(database_url: str, standin: SlackStandIn) -> Iterator[Harness]:
    """The app with a client that waits 1 s for Slack's answer, so a late answer is quick to test."""
    harness = Harness(settings_for(standin, database_url, slack_timeout=1), standin)
    yield harness
    harness.close()


def add_posts(db: Database, count: int) -> None:
    with db.transaction() as session:
        for n in range(1, count + 1):
            ledger.schedule(session, kind=KIND, subject="s", occurrence=str(n), due_at=T0,
                            payload={"channel": NETWORK_CHANNEL, "text": f"post {n}"})


def row(db: Database, occurrence: str):
    with db.transaction() as session:
        found = ledger.find(session, KIND, "s", occurrence)
        assert found is not None
        session.expunge(found)
        return found


def posted_texts(standin: SlackStandIn) -> list[str]:
    """What landed in Slack: every post the stand-in accepted, whatever answer the client got."""
    return sorted(m["text"] for m in standin.state.messages.values())


def post(runtime, claim, now):
    return runtime.delivery.post(claim.payload["channel"], note(claim.payload["text"])).message_id


@pytest.mark.parametrize("failure", ["late", "drop", "500"])
def test_an_ambiguous_failure_is_not_sent_again_but_found_by_its_metadata_and_marked_done(quick: Harness,
                                                                                          failure: str):
    quick.runtime.due_kinds.add(DueKind(KIND, post))
    add_posts(quick.db, 1)
    # Slack posts it, then the answer comes after the client's 1 s timeout, or the connection
    # drops, or a 500 comes back.
    quick.standin.after_accepting("chat.postMessage", failure, delay=2.5)
    with freeze_time(T0):
        first = run_due(quick.runtime, T0)
    # No retry inside the client: one request, and the item waits, marked as perhaps posted.
    assert (first.retried, len(quick.standin.calls_to("chat.postMessage"))) == (1, 1)
    assert row(quick.db, "1").ambiguous_since == T0
    [(channel, ts)] = list(quick.standin.state.messages)
    assert quick.standin.state.messages[channel, ts]["metadata"] == {
        "event_type": DUE_EVENT, "event_payload": {"key": f"due:{row(quick.db, '1').id}:1"}}
    with freeze_time(T0 + timedelta(seconds=30)):
        second = run_due(quick.runtime, T0 + timedelta(seconds=30))
    # The retry read the channel's history, found the post by its key, and recorded it as sent.
    assert second.done == 1
    assert len(quick.standin.calls_to("conversations.history")) == 1
    assert len(quick.standin.calls_to("chat.postMessage")) == 1
    assert posted_texts(quick.standin) == ["post 1"]
    done = row(quick.db, "1")
    assert (done.status, done.result) == (ledger.DONE, ts)


def test_a_dm_whose_connection_dropped_is_found_in_the_dm(quick: Harness):
    from tests.harness import MEMBER

    quick.runtime.due_kinds.add(DueKind(KIND, lambda runtime, claim, now: runtime.delivery.dm(
        MEMBER, note(claim.payload["text"])).message_id))
    add_posts(quick.db, 1)
    quick.standin.after_accepting("chat.postMessage", "drop")
    with freeze_time(T0):
        assert run_due(quick.runtime, T0).retried == 1
    with freeze_time(T0 + timedelta(seconds=30)):
        assert run_due(quick.runtime, T0 + timedelta(seconds=30)).done == 1
    assert len(quick.standin.calls_to("chat.postMessage")) == 1
    assert row(quick.db, "1").status == ledger.DONE


def test_a_worker_paused_past_its_lease_sends_nothing_more_and_logs(technet: Harness,
                                                                   caplog: pytest.LogCaptureFixture):
    add_posts(technet.db, 3)
    with freeze_time(T0) as frozen:
        paused: list[bool] = []

        def post_then_stall(runtime, claim, now):
            ts = post(runtime, claim, now)
            if not paused:
                paused.append(True)
                # Worker a stalls for six minutes (a GC pause, a frozen VM) just after its first
                # post; meanwhile worker b, another replica, runs its tick.
                frozen.tick(timedelta(minutes=6))
                run_due(runtime, clock_now(), worker="b")
            return ts

        technet.runtime.due_kinds.add(DueKind(KIND, post_then_stall))
        with caplog.at_level(logging.WARNING, logger="digests.runner"):
            report = run_due(technet.runtime, T0, worker="a")
    # b found a's first post by its key and sent the other two; a, back, sent nothing more.
    assert posted_texts(technet.standin) == ["post 1", "post 2", "post 3"]
    assert len(technet.standin.calls_to("chat.postMessage")) == 3
    assert report.lost == 2
    assert any("worker a lost its claim on 2 due item(s)" in r.getMessage() for r in caplog.records)
    assert any("no longer held its claim" in r.getMessage() for r in caplog.records)
    assert [row(technet.db, n).status for n in "123"] == [ledger.DONE] * 3


class Killed(BaseException):
    """SIGKILL, as far as run_due can tell: nothing after it runs."""


def test_a_killed_workers_items_are_delivered_within_two_leases(technet: Harness):
    lease = technet.runtime.settings.lease
    calls: list[str] = []

    def post_then_die(runtime, claim, now):
        ts = post(runtime, claim, now)
        calls.append(ts)
        if len(calls) == 1:
            raise Killed()  # dead just after its first post, before recording it
        return ts

    technet.runtime.due_kinds.add(DueKind(KIND, post_then_die))
    add_posts(technet.db, 5)
    with freeze_time(T0), pytest.raises(Killed):
        run_due(technet.runtime, T0, worker="a")
    # Within its lease, nobody else may touch a's claims.
    with freeze_time(T0 + lease / 2):
        assert run_due(technet.runtime, T0 + lease / 2, worker="b").done == 0
    # Once it runs out (a tick later at most), replica b delivers them, and does not repeat a's post.
    with freeze_time(T0 + 2 * lease):
        report = run_due(technet.runtime, T0 + 2 * lease, worker="b")
    assert report.done == 5
    assert posted_texts(technet.standin) == [f"post {n}" for n in range(1, 6)]
    for n in "12345":
        done = row(technet.db, n)
        assert done.status == ledger.DONE and done.done_at - done.due_at <= 2 * lease


def test_a_live_worker_keeps_its_claim_through_a_send_slower_than_its_lease(database_url: str,
                                                                            standin: SlackStandIn):
    # A 3 s lease (a batch of one), and a send that takes one and a half leases (a late answer, a
    # Retry-After waited out in the call): the heartbeat renews the claim meanwhile, so worker b, running
    # its tick then, sends the other posts and leaves this one alone.
    harness = Harness(settings_for(standin, database_url, lease_seconds=3), standin)
    try:
        lease = harness.runtime.settings.lease
        b_sent: list[str] = []

        def slow_post(runtime, claim, now):
            if claim.occurrence == "1":
                threading.Event().wait(lease.total_seconds() * 1.5)
                b_sent.append(str(run_due(runtime, clock_now(), worker="b").done))
            return post(runtime, claim, now)

        harness.runtime.due_kinds.add(DueKind(KIND, slow_post))
        with harness.db.transaction() as session:
            for n in "123":
                ledger.schedule(session, kind=KIND, subject="s", occurrence=n, due_at=clock_now(),
                                payload={"channel": NETWORK_CHANNEL, "text": f"post {n}"})
        report = run_due(harness.runtime, clock_now(), worker="a")
        assert b_sent == ["2"]
        assert (report.done, report.lost) == (1, 0)
        assert posted_texts(standin) == ["post 1", "post 2", "post 3"]
        assert row(harness.db, "1").claimed_by == "a"
    finally:
        harness.close()


def test_the_ticks_senders_work_side_by_side_so_a_slow_post_holds_up_only_its_own(database_url: str,
                                                                                   standin: SlackStandIn):
    # Four senders and a 3 s lease (a batch of one each): while one post waits for a late answer, the
    # other senders post everything else due, each once; then the slow one goes.
    harness = Harness(settings_for(standin, database_url, lease_seconds=3, senders=4), standin)
    try:
        others_posted = threading.Event()
        order: list[str] = []
        lock = threading.Lock()

        def first_post_slow(runtime, claim, now):
            if claim.occurrence == "1":
                assert others_posted.wait(30), "the other senders did not go on without this one"
            message_id = post(runtime, claim, now)
            with lock:
                order.append(claim.occurrence)
                if len(order) == 11:
                    others_posted.set()
            return message_id

        harness.runtime.due_kinds.add(DueKind(KIND, first_post_slow))
        with harness.db.transaction() as session:
            for n in range(1, 13):
                ledger.schedule(session, kind=KIND, subject="s", occurrence=str(n), due_at=clock_now(),
                                payload={"channel": NETWORK_CHANNEL, "text": f"post {n:02d}"})
        report = send_due(harness.runtime, clock_now())
        assert report.done == 12 and (report.failed, report.lost) == (0, 0)
        assert order[-1] == "1" and sorted(order, key=int) == [str(n) for n in range(1, 13)]
        assert posted_texts(standin) == [f"post {n:02d}" for n in range(1, 13)]
        assert {row(harness.db, str(n)).claimed_by.rsplit("/", 1)[0] for n in range(1, 13)} == {worker_name()}
    finally:
        harness.close()
