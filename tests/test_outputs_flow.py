"""Credit on research outputs over signed HTTP: an organiser logs a paper crediting three
technicians; each is asked by DM exactly once (two replicas ticking, and a restart); two
confirm and one declines; only the two appear on their profile cards, in the e-zine's
"Recognised in research", on the public pages (those with a public profile) and in the
report's share of members credited, this year against last (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from sqlalchemy import func, select

from bot.slack_refs import member_details, slack_identity
from core import ids
from storage import ezine, outputs, report
from storage.members import actor_for, upsert_member
from storage.models import Member
from storage.models.outputs import OutputCredit, ResearchOutput
from storage.report import ReportOptions
from storage.report.building import in_network
from tests.harness import MEMBER, ORGANISER, OTHER, PANEL, Harness, all_text, buttons
from tests.test_actions_flow import tick
from tests.test_web_pages import get, save

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # the 2026/27 development year
LAST_YEAR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 2025/26
TITLE = "Capillary <flow> in drawn glass"
PAPER = {ids.OUTPUT_TITLE: TITLE, ids.OUTPUT_LINK: "doi:10.5555/glass.2026.017", ids.OUTPUT_YEAR: "2026",
         ids.OUTPUT_KIND: "paper", ids.OUTPUT_CREDIT: "author"}
CREDITED = (MEMBER, OTHER, PANEL)
ASKED = "logged a research output that credits you"


def known(technet: Harness, department: str, *users: str) -> dict[str, int]:
    found = {}
    with technet.db.transaction() as session:
        for user in users:
            member = upsert_member(session, slack_identity(user), member_details(technet.standin.state.users[user]),
                                   now=LAST_YEAR)
            member.department = department
            found[user] = member.id
    return found


def dms(technet: Harness, user_id: str, containing: str) -> list[dict[str, Any]]:
    return [c.args for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") in ("D" + user_id[1:], user_id) and c.result.get("ok")
            and containing in all_text(c.args)]


def log(technet: Harness, user: str, answers: dict[str, Any]) -> tuple[dict[str, Any], str]:
    reply = technet.command(user, "output")
    assert "Opening the research output form" in reply.text
    view = technet.opened_view()
    assert view["callback_id"] == ids.OUTPUT_MODAL
    return view, technet.submit(user, view, answers).body


def test_three_credited_one_declines_only_the_two_who_confirmed_are_shown_and_counted(technet: Harness):
    people = known(technet, "Chemistry", MEMBER, OTHER, ORGANISER, PANEL)

    # Last year: Olu confirmed credit on a dataset (the report's comparison).
    with technet.db.transaction() as session, freeze_time(LAST_YEAR):
        olu = actor_for(session, session.get_one(Member, people[OTHER]), technet.runtime.grants)
        earlier = outputs.log_output(session, olu, outputs.OutputForm(
            title="Fenwick rig calibration data", link="https://data.uni.example/fenwick", year="2026",
            kind="dataset", credited=(OTHER,), credit="acknowledged"), now=LAST_YEAR)
        outputs.answer(session, olu, earlier.id, confirm=True, now=LAST_YEAR)

    with freeze_time(T0):
        # The form refuses a link that is neither a DOI nor https, a year out of range, nobody credited.
        _, refused = log(technet, ORGANISER, {**PAPER, ids.OUTPUT_LINK: "http://example.org/x",
                                              ids.OUTPUT_YEAR: "1066", ids.OUTPUT_CREDITED: []})
        assert "DOI like 10.1234/abcd or a web address starting with https://" in refused
        assert "Give the year it came out, 1900 to 2027" in refused
        assert "Choose the technicians credited" in refused
        _, refused = log(technet, ORGANISER, {**PAPER, ids.OUTPUT_LINK: "10.12/too-short-a-prefix",
                                              ids.OUTPUT_CREDITED: list(CREDITED)})
        assert "That DOI is not in the form 10.xxxx/something" in refused
        view, done = log(technet, ORGANISER, {**PAPER, ids.OUTPUT_CREDITED: list(CREDITED)})
        assert "is logged" in done and "3 technicians credited" in done
        # The same submission delivered again (a Slack retry) makes nothing more.
        technet.submit(ORGANISER, view, {**PAPER, ids.OUTPUT_CREDITED: list(CREDITED)})
    with technet.db.reading() as session:
        [paper] = session.scalars(select(ResearchOutput).where(ResearchOutput.kind == "paper")).all()
        assert (paper.link, paper.creator_id) == ("10.5555/glass.2026.017", people[ORGANISER])
        paper_id = paper.id

    # Each credited member is asked once, whatever the replicas and a restart do.
    replica = Harness(technet.settings, technet.standin)
    try:
        tick([technet.runtime, replica.runtime], T0)
    finally:
        replica.close()
    restarted = Harness(technet.settings, technet.standin)
    try:
        tick([restarted.runtime], datetime(2026, 10, 5, 9, 30, tzinfo=UTC))
    finally:
        restarted.close()
    asked = {user: dms(technet, user, ASKED) for user in (*CREDITED, ORGANISER)}
    assert [len(asked[u]) for u in CREDITED] == [1, 1, 1] and asked[ORGANISER] == []
    text = all_text(asked[MEMBER][0])
    assert "Capillary &lt;flow&gt; in drawn glass" in text and "https://doi.org/10.5555/glass.2026.017" in text
    assert "Orla Organiser" in text

    # Two confirm, one declines (from the buttons of their DM).
    moment = datetime(2026, 10, 6, 10, 0, tzinfo=UTC)
    with freeze_time(moment):
        for user, action in ((MEMBER, ids.OUTPUT_CONFIRM), (OTHER, ids.OUTPUT_CONFIRM), (PANEL, ids.OUTPUT_DECLINE)):
            [button] = buttons(asked[user][0]["blocks"], action)
            assert technet.action(user, action, button["value"]).status == 200
        # A member not credited cannot answer for it.
        technet.action(ORGANISER, ids.OUTPUT_CONFIRM, str(paper_id))
        responses = [all_text(c.args) for c in technet.standin.calls_to("response_url")]
        assert "not credited on that output" in responses[-1]
        assert sum("is on your profile card now" in r for r in responses) == 2
    with technet.db.reading() as session:
        answers: dict[int, str] = dict(session.execute(select(OutputCredit.member_id, OutputCredit.status)
                                       .where(OutputCredit.output_id == paper_id)).all())
    assert answers == {people[MEMBER]: "confirmed", people[OTHER]: "confirmed", people[PANEL]: "declined"}
    confirmed_users = [u for u in CREDITED if answers[people[u]] == "confirmed"]

    # Profile cards: the paper on the two who confirmed, not on the one who declined.
    with freeze_time(moment):
        for user in CREDITED:
            card = technet.command(user, f"profile <@{user}>").text
            assert ("Capillary &lt;flow&gt; in drawn glass" in card) == (user in confirmed_users), user
        mine = technet.command(PANEL, "output mine").text
        assert "you: author, declined" in mine and "Morgan Member, Olu Other" in mine

    # The e-zine's issue covering the answers names the two, and not the one who declined.
    with technet.db.reading() as session:
        content = ezine.compile_issue(session, ezine.Period("2026-11-02", datetime(2026, 10, 5, tzinfo=UTC),
                                                            datetime(2026, 11, 2, 9, tzinfo=UTC), LONDON),
                                      now=datetime(2026, 11, 2, 9, tzinfo=UTC))
    [research] = [s["items"] for s in content["sections"] if s["key"] == "research"]
    assert [(i["title"], sorted(i["authors"]), i["acknowledged"]) for i in research] == [
        (TITLE, ["Morgan Member", "Olu Other"], [])]

    # The public pages: a confirmed output on the page of one with a public profile; not for the decliner.
    for user in (MEMBER, PANEL):
        with technet.db.transaction() as session:
            who = actor_for(session, session.get_one(Member, people[user]), technet.runtime.grants)
        save(technet.db, who, public_web=True)
    shown = {user: get(technet, f"/network/people/{people[user]}/").body for user in (MEMBER, PANEL)}
    assert "Capillary &lt;flow&gt; in drawn glass" in shown[MEMBER]
    assert f'href="https://doi.org/{quote("10.5555/glass.2026.017")}"' in shown[MEMBER]
    assert "Capillary" not in shown[PANEL]

    # The report: the share of members credited this year against last, worked out here.
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with technet.db.reading() as session:
        exact = ReportOptions(min_group=1)
        period = report.parse_period("this year", now=at, options=exact)
        built = report.build_report(session, None, period, now=at, options=exact, only=["research"])
        members_now = session.scalar(select(func.count()).select_from(Member).where(in_network(period))) or 0
        before = report.parse_period("last year", now=at, options=exact)
        members_before = session.scalar(select(func.count()).select_from(Member).where(in_network(before))) or 0
        default = report.build_report(session, None, period, now=at, options=ReportOptions(), only=["research"])
    share = built.figure("research.credited_share")
    assert share.current.value == len(confirmed_users) / members_now
    assert share.previous.value == 1 / members_before
    assert built.figure("research.credited_by_department", "Chemistry").current.value == \
        len(confirmed_users) / members_now
    assert built.figure("research.outputs").current.value == 1
    # Under the network's threshold of 5, two people credited is withheld, not shown.
    assert default.figure("research.credited_share").current.text == "withheld"
