"""The action plan end to end: `technet import actions` refusing a plan with bad rows and then
taking it, `/tech actions` by pillar with RAG colours over signed HTTP, an owner's update changing
an action's RAG, the due-soon and late DMs once each (two replicas ticking at once, and a
restart), and the steering group's monthly summary (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.cli import main
from bot.runtime import Runtime
from bot.slack_refs import member_details, slack_identity
from bot.standin import SlackStandIn
from core import ids
from digests import plan_all
from digests.runner import run_due
from storage import report
from storage.actions import PILLARS, STATUSES
from storage.clock import now
from storage.report import ReportOptions
from storage.members import upsert_member
from storage.models.actions import PlanAction, PlanActionUpdate
from storage.models.mentoring import RegistrationStatus
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons, settings_for

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
EMAILS = {MEMBER: "morgan@uni.example", OTHER: "olu@uni.example", ORGANISER: "orla@uni.example"}
PILLAR_NAMES = ["Visibility", "Recognition", "Career development", "Sustainability"]
FIRST = "Run a technicians' showcase"
HEADER = "action,pillar,owner,due,measure,status"


def plan_rows() -> list[str]:
    """Twenty actions, five a pillar; the first due on 20 June 2026 and owned by MEMBER by email."""
    rows = [f"{FIRST},visibility,{EMAILS[MEMBER]},2026-06-20,Increase professional registrations by 50%,on track"]
    pillars = ["visibility", "recognition", "career development", "sustainability"]
    owners = [EMAILS[OTHER], f"slack:{ORGANISER}", f"{EMAILS[OTHER]}; {OTHER}", OTHER]
    statuses = ["not started", "on track", "at risk", "done", ""]
    for n in range(1, 20):
        rows.append(f"Action {n:02d},{pillars[n % 4]},{owners[n % 4]},2027-0{1 + n % 7}-15,"
                    f"Measure {n},{statuses[n % 5]}")
    return rows


@pytest.fixture
def technet(database_url: str, standin: SlackStandIn) -> Iterator[Harness]:
    harness = Harness(settings_for(standin, database_url), standin)
    for user, email in EMAILS.items():
        standin.state.users[user]["profile"]["email"] = email
        with harness.db.transaction() as session:
            upsert_member(session, slack_identity(user), member_details(standin.state.users[user]), now=now())
    yield harness
    harness.close()


@pytest.fixture
def run_import(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
               capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("TECHNET_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(lines: list[str]) -> tuple[int, str, str]:
        path = tmp_path / "plan.csv"
        path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
        with freeze_time(T0):
            code = main(["import", "actions", str(path)])
        out, err = capsys.readouterr()
        return code, out, err.replace(str(path), "FILE")

    return run


def dms(technet: Harness, user_id: str, containing: str) -> list[str]:
    texts = [all_text(c.args) for c in technet.standin.calls_to("chat.postMessage")
             if c.args.get("channel") in ("D" + user_id[1:], user_id) and c.result.get("ok")]
    return [t for t in texts if containing in t]


def tick(runtimes: list[Runtime], moment: datetime) -> None:
    """A scheduler tick at `moment` on each runtime at once, as replicas' schedulers do."""
    barrier = threading.Barrier(len(runtimes))

    def run(runtime: Runtime, worker: str) -> None:
        barrier.wait()
        plan_all(runtime, moment)
        run_due(runtime, moment, worker=worker)

    with freeze_time(moment):
        threads = [threading.Thread(target=run, args=(r, f"replica-{n}")) for n, r in enumerate(runtimes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def test_the_plan_from_import_to_update_reminders_and_summary(technet: Harness, run_import, database_url: str,
                                                               standin: SlackStandIn):
    good = plan_rows()
    bad = list(good)
    bad[2] = bad[2].replace("career development", "careers")
    bad[4] = bad[4].replace(EMAILS[OTHER], "nobody@uni.example")
    code, out, err = run_import([HEADER, *bad])
    assert code == 2 and out == ""
    problems = err.splitlines()
    assert problems[0].startswith("FILE: line 4: pillar: “careers” is not a pillar")
    assert problems[1].startswith("FILE: line 6: owner: “nobody@uni.example” is not a member technet knows")
    assert problems[2] == "technet: nothing imported; fix the 2 problems above and run it again"
    with technet.db.reading() as session:
        assert session.scalars(select(PlanAction)).all() == []

    code, out, _ = run_import([HEADER, *good])
    assert code == 0 and out.startswith("technet: 20 actions added, 0 updated")
    with technet.db.reading() as session:
        first = session.scalar(select(PlanAction).where(PlanAction.title == FIRST))
        assert first is not None
        number = first.id

    # The plan by pillar, with its RAG tally worked out here from the rows imported.
    statuses = [row.rsplit(",", 1)[1] or "not started" for row in good]
    with freeze_time(T0):
        shown = technet.command(MEMBER, "actions").text
    positions = [shown.index(f"*{name}*") for name in PILLAR_NAMES]
    assert positions == sorted(positions)
    for status in ("on track", "at risk", "done"):
        assert f"{status} {statuses.count(status)}" in shown
    assert f":large_green_circle: *{number}.* {FIRST}" in shown
    with technet.db.reading() as session:
        registered = session.scalar(select(func.count()).select_from(RegistrationStatus)
                                    .where(RegistrationStatus.status == "registered"))
    assert f"by 50% (the report: Registered members now {registered}, 2025/26 development year)" in shown

    # Someone else may not post its update; the owner may, and its RAG turns amber.
    with freeze_time(T0):
        refused = technet.command(OTHER, f"actions update {number}").text
        assert "Only the action's owners" in refused
        reply = technet.command(MEMBER, f"actions update {number}")
        assert "Opening the update form" in reply.text
        view = technet.opened_view()
        assert view["callback_id"] == ids.ACTIONS_UPDATE_MODAL
        done = technet.submit(MEMBER, view, {ids.ACTIONS_STATUS: "at risk",
                                             ids.ACTIONS_NOTE: "The venue <fell through>; looking again"})
        assert done.status == 200 and "is now :large_orange_circle: *at risk*" in done.text
        shown = technet.command(MEMBER, "actions").text
        assert f":large_orange_circle: *{number}.* {FIRST}" in shown
        assert f"at risk {statuses.count('at risk') + 1}" in shown
        history = technet.command(OTHER, f"actions {number}").text
        assert "The venue &lt;fell through&gt;; looking again" in history
        assert not buttons(technet.command(OTHER, f"actions {number}").json()["blocks"], ids.ACTIONS_UPDATE_OPEN)

    # Due soon: a week before 20 June at 09:00 London. Two replicas tick at once, then one restarts.
    replica = Harness(technet.settings, standin)
    try:
        tick([technet.runtime, replica.runtime], datetime(2026, 6, 13, 8, 5, tzinfo=UTC))
        assert len(dms(technet, MEMBER, "due in a week")) == 1
        assert FIRST in dms(technet, MEMBER, "due in a week")[0]
    finally:
        replica.close()
    restarted = Harness(technet.settings, standin)
    try:
        tick([restarted.runtime], datetime(2026, 6, 13, 8, 30, tzinfo=UTC))
        assert len(dms(technet, MEMBER, "due in a week")) == 1

        # Late: the day after the due date, not done.
        tick([technet.runtime, restarted.runtime], datetime(2026, 6, 21, 8, 5, tzinfo=UTC))
        tick([restarted.runtime], datetime(2026, 6, 21, 9, 0, tzinfo=UTC))
        late = dms(technet, MEMBER, "is now late")
        assert len(late) == 1 and FIRST in late[0]
        with freeze_time(datetime(2026, 6, 22, 9, tzinfo=UTC)):
            assert f":red_circle: *{number}.* {FIRST}" in technet.command(MEMBER, "actions").text

        # The monthly summary: on 1 July, to the steering group (the organisers), once.
        for moment in (datetime(2026, 7, 1, 8, 5, tzinfo=UTC), datetime(2026, 7, 1, 8, 6, tzinfo=UTC)):
            tick([technet.runtime, restarted.runtime], moment)
        tick([restarted.runtime], datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    finally:
        restarted.close()
    summaries = dms(technet, ORGANISER, "The action plan, July 2026")
    assert len(summaries) == 1
    summary = summaries[0]
    assert "What changed since 1 June 2026" in summary
    assert f"*{number}.* {FIRST}: at risk (Morgan Member): The venue &lt;fell through&gt;; looking again" in summary
    late_part = summary.split("*Late*", 1)[1]
    assert f"*{number}.* {FIRST}, due 20 June 2026 (Morgan Member)" in late_part
    assert dms(technet, MEMBER, "The action plan, July") == []
    with technet.db.reading() as session:
        updates = session.scalars(select(PlanActionUpdate.status).where(PlanActionUpdate.action_id == number)
                                  .order_by(PlanActionUpdate.id)).all()
    assert updates == ["on track", "at risk"]

    # The network report: each pillar's actions by RAG status, as they stand on 1 July (worked out here).
    moment = datetime(2026, 7, 1, 12, tzinfo=UTC)
    expected: Counter[tuple[str, str]] = Counter()
    for n, row in enumerate(good):
        _, pillar, _, due, _, status = row.split(",")
        status = "at risk" if n == 0 else status or "not started"
        overdue = status != "done" and date.fromisoformat(due) < moment.date()
        expected[(pillar, "late" if overdue else status)] += 1
    with technet.db.reading() as session:
        options = ReportOptions()
        period = report.parse_period("this year", now=moment, options=options)
        built = report.build_report(session, None, period, now=moment, options=options, only=["actions"])
    counted = {(f.pillar.value, (f.group or "").lower()): f.current.value for f in built.figures
               if f.key != "actions.sessions_led"}
    assert counted == {(p, s): expected[(p, s)] for p in PILLARS for s in STATUSES}
