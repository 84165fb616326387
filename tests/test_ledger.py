"""The due ledger: each scheduled post goes out once, retried with backoff, never twice."""

import threading
from datetime import datetime, timedelta, UTC

from freezegun import freeze_time

from core.ui import note
from core.due import DueKind
from digests.runner import run_due
from storage import ledger
from storage.db import Database
from storage.models import DueItem
from tests.harness import NETWORK_CHANNEL, Harness

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def post_to_channel(runtime, claim, now):
    return runtime.delivery.post(claim.payload["channel"], note(claim.payload["text"])).message_id


def add_post(db: Database, occurrence: str = "1", due_at: datetime = T0, channel: str = NETWORK_CHANNEL) -> None:
    with db.transaction() as session:
        ledger.schedule(session, kind="test.post", subject="s", occurrence=occurrence, due_at=due_at,
                        payload={"channel": channel, "text": f"post {occurrence}"})


def item(db: Database, occurrence: str = "1") -> DueItem:
    with db.transaction() as session:
        found = ledger.find(session, "test.post", "s", occurrence)
        assert found is not None
        session.expunge(found)
        return found


def install_kind(technet: Harness, grace: timedelta = timedelta(hours=6)) -> list[str]:
    reasons: list[str] = []
    technet.runtime.due_kinds.add(DueKind("test.post", post_to_channel, grace=grace,
                                          on_give_up=lambda runtime, claim, why: reasons.append(why)))
    return reasons


def test_a_unit_of_work_knows_the_rows_it_added_and_only_those_are_claimed_for_it(db: Database):
    add_post(db, "old")
    with db.transaction() as session:
        kept = ledger.schedule(session, kind="test.post", subject="s", occurrence="old", due_at=T0)
        new = ledger.schedule(session, kind="test.post", subject="s", occurrence="new", due_at=T0)
        # An existing key is not this change's: only the row it added is.
        assert ledger.scheduled_in(session) == (new.id,)
    assert kept.id != new.id
    assert [c.occurrence for c in ledger.claim_due(db, now=T0, worker="w", only=[new.id])] == ["new"]
    assert ledger.claim_due(db, now=T0, worker="w", only=[]) == []
    assert [c.occurrence for c in ledger.claim_due(db, now=T0, worker="w")] == ["old"]


def test_scheduling_the_same_key_twice_keeps_one_row(db: Database):
    add_post(db)
    add_post(db, due_at=T0 + timedelta(hours=1))
    with db.transaction() as session:
        assert session.query(DueItem).count() == 1
    assert item(db).due_at == T0


def test_nothing_is_claimed_before_it_is_due(db: Database):
    add_post(db)
    assert ledger.claim_due(db, now=T0 - timedelta(seconds=1), worker="a") == []
    assert [c.occurrence for c in ledger.claim_due(db, now=T0, worker="a")] == ["1"]


def test_a_claimed_item_is_not_claimed_again_until_its_lease_expires(db: Database):
    add_post(db)
    [first] = ledger.claim_due(db, now=T0, worker="a")
    assert first.look_since is None
    assert ledger.claim_due(db, now=T0 + ledger.LEASE - timedelta(seconds=1), worker="b") == []
    # Worker a died without finishing: after the lease, someone else may try, and looks for a
    # post from a's attempt first (a may have died just after posting).
    again = ledger.claim_due(db, now=T0 + ledger.LEASE, worker="b")
    assert [(c.attempts, c.look_since) for c in again] == [(2, T0)]


def claimed_at_once(database_url: str, *, workers: int, now: datetime, limit: int) -> dict[str, list[str]]:
    """What each of `workers` workers, each on its own connection, claimed when they all claimed at once."""
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(workers)

    def work(name: str) -> None:
        db = Database(database_url)
        start.wait()
        claimed[name] = [c.occurrence for c in ledger.claim_due(db, now=now, worker=name, limit=limit)]
        db.dispose()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return claimed


def test_concurrent_workers_on_separate_connections_claim_each_item_once(database_url: str):
    setup = Database(database_url)
    for n in range(40):
        add_post(setup, occurrence=str(n))
    setup.dispose()
    claimed = claimed_at_once(database_url, workers=4, now=T0, limit=100)
    every_claim = [o for occurrences in claimed.values() for o in occurrences]
    assert sorted(every_claim, key=int) == [str(n) for n in range(40)]


def test_workers_claiming_at_once_each_get_a_batch_of_their_own(database_url: str):
    # Several senders (replicas, and the senders within each) claim at the same moment: none comes back
    # empty-handed while items are due, which would end its run early, and no item is in two batches.
    setup = Database(database_url)
    for n in range(40):
        add_post(setup, occurrence=str(n), due_at=T0 + timedelta(seconds=n))
    assert [c.occurrence for c in ledger.claim_due(setup, now=T0 + timedelta(minutes=1), worker="w", limit=2)] \
        == ["0", "1"]  # the oldest first, and no more than asked
    setup.dispose()
    batches = claimed_at_once(database_url, workers=4, now=T0 + timedelta(minutes=1), limit=10)
    assert sorted(len(batch) for batch in batches.values()) == [8, 10, 10, 10]
    assert sorted((o for batch in batches.values() for o in batch), key=int) == [str(n) for n in range(2, 40)]


def test_run_due_posts_once_and_marks_it_done(technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    with freeze_time(T0):
        first = run_due(technet.runtime, T0)
        second = run_due(technet.runtime, T0 + timedelta(minutes=1))
    assert (first.done, second.done) == (1, 0)
    posts = technet.standin.calls_to("chat.postMessage")
    assert [p.args["text"] for p in posts] == ["post 1"]
    done = item(technet.db)
    assert done.status == ledger.DONE and done.result == posts[0].result["ts"]


def test_a_long_retry_after_defers_the_item_by_that_long(technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    # Longer than the client waits in-call, so the ledger defers it instead.
    technet.standin.fail("chat.postMessage", 429, retry_after=120)
    report = run_due(technet.runtime, T0)
    assert report.retried == 1
    deferred = item(technet.db)
    assert deferred.status == ledger.PENDING and deferred.not_before == T0 + timedelta(seconds=120)
    assert run_due(technet.runtime, T0 + timedelta(seconds=119)).done == 0
    assert run_due(technet.runtime, T0 + timedelta(seconds=120)).done == 1
    assert len([c for c in technet.standin.calls_to("chat.postMessage") if c.result.get("ok")]) == 1


def test_a_short_retry_after_is_waited_out_in_the_same_call(technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    technet.standin.fail("chat.postMessage", 429, retry_after=0)
    assert run_due(technet.runtime, T0).done == 1
    assert [c.result.get("ok") for c in technet.standin.calls_to("chat.postMessage")] == [False, True]


def test_a_server_error_backs_off_looks_for_the_post_then_sends(technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    # A 500 may come after Slack acted: the client does not re-send it; the ledger tries again
    # soon, as the retry looks before it sends.
    technet.standin.fail("chat.postMessage", 500)
    assert run_due(technet.runtime, T0).retried == 1
    assert len(technet.standin.calls_to("chat.postMessage")) == 1
    assert item(technet.db).not_before == T0 + ledger.AMBIGUOUS_FIRST_RETRY
    assert item(technet.db).ambiguous_since == T0
    # The retry reads the channel's history for the post first; absent, it sends.
    assert run_due(technet.runtime, T0 + timedelta(seconds=30)).done == 1
    assert len(technet.standin.calls_to("conversations.history")) == 1
    assert sum(1 for c in technet.standin.calls_to("chat.postMessage") if c.result.get("ok")) == 1


def test_a_crashed_claim_costs_no_extra_wait_and_a_second_ambiguous_failure_waits_thirty_seconds(
        technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    # A worker claims the post and dies: its claim runs out, and the next worker's is attempt 2.
    [crashed] = ledger.claim_due(technet.db, now=T0, worker="dead:1")
    assert crashed.attempts == 1
    after_lease = T0 + technet.runtime.settings.lease
    technet.standin.fail("chat.postMessage", 500)
    assert run_due(technet.runtime, after_lease).retried == 1
    row = item(technet.db)
    # The crash was no failure of the post's: its first failure waits the ambiguous 5 s, not attempt 2's minute.
    assert (row.attempts, row.failures) == (2, 1)
    assert row.not_before == after_lease + ledger.AMBIGUOUS_FIRST_RETRY
    technet.standin.fail("chat.postMessage", 500)
    retry = after_lease + ledger.AMBIGUOUS_FIRST_RETRY
    assert run_due(technet.runtime, retry).retried == 1
    assert item(technet.db).not_before == retry + ledger.backoff(1)
    assert run_due(technet.runtime, retry + ledger.backoff(1)).done == 1
    assert sum(1 for c in technet.standin.calls_to("chat.postMessage") if c.result.get("ok")) == 1


def test_a_failure_recorded_after_the_claim_was_lost_changes_nothing(technet: Harness):
    add_post(technet.db)
    [stale] = ledger.claim_due(technet.db, now=T0, worker="slow:1")
    after_lease = T0 + technet.runtime.settings.lease
    [fresh] = ledger.claim_due(technet.db, now=after_lease, worker="next:2")
    # The stalled worker's answer comes back a failure: it may not give the item up, nor put it back.
    assert ledger.mark_failed(technet.db, stale, "slow:1", now=after_lease, error="no_answer",
                              permanent=True) == ledger.LOST
    assert ledger.mark_failed(technet.db, stale, "slow:1", now=after_lease, error="no_answer") == ledger.LOST
    assert (item(technet.db).status, item(technet.db).claimed_by) == (ledger.PENDING, "next:2")
    assert ledger.mark_done(technet.db, fresh, "next:2", now=after_lease)


def test_an_error_no_retry_can_fix_fails_at_once_and_someone_is_told(technet: Harness):
    reasons = install_kind(technet)
    add_post(technet.db, channel="C0NOWHERE")
    report = run_due(technet.runtime, T0)
    assert report.failed == 1
    assert item(technet.db).status == ledger.FAILED
    assert reasons == ["channel_not_found"]


def test_it_gives_up_after_the_last_attempt(technet: Harness):
    reasons = install_kind(technet)
    add_post(technet.db)
    # An ok=false answer the client does not retry in-call, so each tick is one attempt.
    technet.standin.refuse("chat.postMessage", "fatal_error", times=ledger.MAX_ATTEMPTS)
    moment = T0
    for _ in range(ledger.MAX_ATTEMPTS):
        run_due(technet.runtime, moment)
        moment += timedelta(hours=1)
    assert item(technet.db).status == ledger.FAILED
    assert item(technet.db).attempts == ledger.MAX_ATTEMPTS
    assert reasons == ["fatal_error"]


def test_a_deliverer_that_keeps_raising_is_given_up_and_reported_too(technet: Harness):
    reasons: list[str] = []

    def unreachable(runtime, claim, now):
        raise ConnectionResetError("the network dropped")

    technet.runtime.due_kinds.add(DueKind("test.post", unreachable, grace=timedelta(days=1),
                                          on_give_up=lambda runtime, claim, why: reasons.append(why)))
    add_post(technet.db)
    moment = T0
    for attempt in range(1, ledger.MAX_ATTEMPTS + 1):
        report = run_due(technet.runtime, moment)
        assert (report.retried, report.failed) == ((1, 0) if attempt < ledger.MAX_ATTEMPTS else (0, 1))
        moment += timedelta(hours=1)
    assert item(technet.db).status == ledger.FAILED
    assert reasons == ["ConnectionResetError('the network dropped')"]


def test_a_post_later_than_its_grace_is_skipped_and_reported(technet: Harness):
    reasons = install_kind(technet, grace=timedelta(hours=6))
    add_post(technet.db, occurrence="late", due_at=T0)
    add_post(technet.db, occurrence="in-time", due_at=T0 + timedelta(hours=1))
    report = run_due(technet.runtime, T0 + timedelta(hours=6, minutes=30))
    assert (report.done, report.skipped) == (1, 1)
    assert item(technet.db, "late").status == ledger.SKIPPED
    assert len(reasons) == 1 and "beyond the grace" in reasons[0]


def test_cancelled_items_are_never_posted(technet: Harness):
    install_kind(technet)
    add_post(technet.db)
    with technet.db.transaction() as session:
        assert ledger.cancel_pending(session, kind="test.post", subject="s") == 1
    assert run_due(technet.runtime, T0).done == 0
    assert technet.standin.calls_to("chat.postMessage") == []


def test_two_app_instances_sharing_a_database_post_each_item_once(technet: Harness, standin, database_url):
    from tests.harness import settings_for

    second = Harness(settings_for(standin, database_url), standin)
    try:
        for runtime in (technet.runtime, second.runtime):
            runtime.due_kinds.add(DueKind("test.post", post_to_channel))
        for n in range(20):
            add_post(technet.db, occurrence=str(n))
        barrier = threading.Barrier(2)

        def tick(runtime, worker):
            barrier.wait()
            run_due(runtime, T0, worker=worker)

        threads = [threading.Thread(target=tick, args=(r, w))
                   for r, w in ((technet.runtime, "one"), (second.runtime, "two"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        second.close()
    texts = sorted(c.args["text"] for c in standin.calls_to("chat.postMessage"))
    assert texts == sorted(f"post {n}" for n in range(20))


def test_next_due_is_the_first_pending_row_in_the_window(db: Database):
    """What the shell's :later steps its clock to: pending rows only, after the start, up to the end."""
    add_post(db, "past", due_at=T0 - timedelta(hours=1))
    add_post(db, "soon", due_at=T0 + timedelta(hours=2))
    add_post(db, "later", due_at=T0 + timedelta(hours=5))
    add_post(db, "done", due_at=T0 + timedelta(hours=1))
    with db.transaction() as session:
        done = ledger.find(session, "test.post", "s", "done")
        assert done is not None
        done.status = ledger.DONE
    with db.reading() as session:
        assert ledger.next_due(session, after=T0, until=T0 + timedelta(hours=6)) == T0 + timedelta(hours=2)
        assert ledger.next_due(session, after=T0 + timedelta(hours=2), until=T0 + timedelta(hours=6)) == \
            T0 + timedelta(hours=5)
        assert ledger.next_due(session, after=T0, until=T0 + timedelta(hours=1)) is None
