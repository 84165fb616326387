"""Retention: the daily run deletes exactly what has passed its period, once, whichever worker claims it."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from digests import personal_data
from digests.runner import TickReport, run_due
from storage import ledger
from storage.models import DueItem, Member
from storage.models.awards import (Award, AwardAudit, AwardCycle, AwardScore, Nomination, NominationSubmission,
                                   ShortlistEntry)
from storage.models.downloads import Download
from storage.models.news import EzineIssue, EzineMessage
from tests.harness import Harness
from tests.personal_data_network import T0, build

DAY = timedelta(days=1)


def aged(technet: Harness) -> int:
    """Rows either side of each period (defaults: nominations and audit 730 days, deliveries 365, e-zine
    1825); returns the old cycle's id."""
    with technet.db.transaction() as session:
        network_award = session.scalars(select(Award)).first()
        assert network_award is not None
        members = session.scalars(select(Member.id).order_by(Member.id)).all()
        old, recent = (AwardCycle(award_id=network_award.id, label=label, opens_at=T0 - age - 30 * DAY,
                                  closes_at=T0 - age, chair_id=members[0], created_by_id=members[0], panel=[members[0]])
                       for label, age in (("old", 731 * DAY), ("recent", 729 * DAY)))
        session.add_all([old, recent])
        session.flush()
        for cycle in (old, recent):
            nominations = [Nomination(cycle_id=cycle.id, nominator_id=m, nominee_key="U0DEMOTOMK", citation="Good",
                                      created_at=cycle.opens_at, updated_at=cycle.opens_at) for m in members[:2]]
            session.add_all(nominations)
            session.flush()
            session.add(NominationSubmission(key=f"sub-{cycle.label}", nominator_id=members[0],
                                             nomination_id=nominations[0].id, outcome="created",
                                             created_at=cycle.opens_at))
            session.add(AwardScore(cycle_id=cycle.id, nominee_key="U0DEMOTOMK", scorer_id=members[0],
                                   criterion="Impact", score=3, scored_at=cycle.closes_at))
            session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key="U0DEMOTOMK", marked_by_id=members[0],
                                       marked_at=cycle.closes_at))
        for age in (731, 729):
            session.add(AwardAudit(actor_id=members[0], action="read", at=T0 - age * DAY))
        for age, status in ((366, ledger.DONE), (364, ledger.DONE), (400, ledger.PENDING)):
            moment = T0 - age * DAY
            # The pending one (retried much later, say) is never a finished delivery record.
            later = moment if status == ledger.DONE else T0 + 10 * DAY
            session.add(DueItem(kind="test", subject=f"s{age}", occurrence="1", due_at=moment, not_before=later,
                                status=status, done_at=moment if status == ledger.DONE else None))
        for age in (1826, 1824):
            moment = T0 - age * DAY
            issue = EzineIssue(period=f"old-{age}", period_start=moment, due_at=moment, status="posted",
                               content={"news": []}, html="<p>issue</p>", intro="Hello", posted_at=moment)
            session.add(issue)
            session.flush()
            session.add(EzineMessage(issue_id=issue.id, position=0, text="issue", blocks=[], state="posted"))
        # Files handed out by link go once the link has expired (a day), whatever the settings.
        for n, expires in enumerate((T0 - timedelta(seconds=1), T0 + DAY + timedelta(seconds=1))):
            session.add(Download(digest=f"{n + 1:064d}", member_id=None, name="f.csv", mime="text/csv", content=b"",
                                 created_at=expires - DAY, expires_at=expires))
        return old.id


def counts(technet: Harness) -> dict[str, int]:
    with technet.db.reading() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Nomination, AwardScore, ShortlistEntry, NominationSubmission, AwardAudit, EzineMessage,
                              Download)}


def test_the_daily_run_deletes_exactly_what_expired_once_with_two_workers(technet: Harness, caplog):
    caplog.set_level(logging.INFO, logger="technet.personal_data")
    with freeze_time(T0 - 91 * DAY):
        network = build(technet.db)
        with technet.db.transaction() as session:
            rosa = session.get_one(Member, network.rosa)
            rosa.deactivated, rosa.deactivated_at = True, T0 - 91 * DAY
    with freeze_time(T0):
        old_cycle = aged(technet)
        before = counts(technet)
        # Two processes plan the day's run: one row.
        personal_data.plan(technet.runtime, T0)
        personal_data.plan(technet.runtime, T0)
    reports: dict[str, TickReport] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        start.wait()
        reports[name] = run_due(technet.runtime, T0, worker=name)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.done for r in reports.values()) == [0, 1]

    after = counts(technet)
    assert {table: before[table] - after[table] for table in before} == {
        "award_nominations": 2, "award_scores": 1, "award_shortlist": 1, "award_submissions": 1, "award_audit": 1,
        "ezine_messages": 1, "downloads": 2}  # downloads: the expired one, and Rosa's (her erasure)
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Nomination).where(Nomination.cycle_id == old_cycle)) == 0
        assert session.get(AwardCycle, old_cycle) is not None  # the cycle's label and dates stay
        kept = {i.period: (i.html, i.intro) for i in session.scalars(select(EzineIssue).where(
            EzineIssue.period.like("old-%")))}
        assert kept == {"old-1826": (None, None), "old-1824": ("<p>issue</p>", "Hello")}
        tests = {i.subject: i.status for i in session.scalars(select(DueItem).where(DueItem.kind == "test"))}
        assert tests == {"s364": ledger.DONE, "s400": ledger.PENDING}
        assert session.get_one(Member, network.rosa).erased_at is not None
        daily = session.execute(select(DueItem.occurrence, DueItem.status, DueItem.result)
                                .where(DueItem.kind == personal_data.DAILY)).all()
    assert [(d.occurrence, d.status) for d in daily] == [("2026-12-07", ledger.DONE)]
    assert daily[0].result == ("erased 1 member(s); removed award_audit 1, award_nominations 2, award_scores 1, "
                               "award_shortlist 1, award_submissions 1, downloads 1, due_items 1, ezine_issues 1, "
                               "ezine_messages 1")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("personal data retention")]
    assert lines == [f"personal data retention: {daily[0].result}"]
    # Counts only: no name or text in the log.
    assert all("Rosa" not in r.getMessage() and "Good" not in r.getMessage() for r in caplog.records)

    # The next day's run finds nothing more to do.
    with freeze_time(T0 + DAY):
        personal_data.plan(technet.runtime, T0 + DAY)
    assert run_due(technet.runtime, T0 + DAY, worker="replica-a").done == 1
    assert counts(technet) == after
