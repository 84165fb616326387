"""Award rules in storage: cycles, nominating, confidentiality, scoring, export, announcing.

A real database (SQLite and PostgreSQL), no Slack.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.slack_refs import member_details, role_grants, slack_identity, slack_ref
from storage import awards, ledger, members
from storage.awards import NominationForm
from storage.db import Database
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.forms import csv_safe
from storage.members import Actor
from storage.models import DueItem
from storage.models.awards import AwardAudit, AwardScore, Nomination

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=14)
ORG, CHAIR, PANEL2, ADMIN = "U0ORGANISE", "U0CHAIR001", "U0PANEL002", "U0ADMIN001"
ANN, BEN, CAT, DAN = "U0ANN00001", "U0BEN00001", "U0CAT00001", "U0DAN00001"
GRANTS = role_grants(organisers=frozenset({ORG}), panel=frozenset({CHAIR, PANEL2}))
CITATION = "Ben rebuilt the teaching lab's fume cupboards and trained forty students to use them safely."


def add(db: Database, user_id: str, name: str, department: str | None = None, *, bot: bool = False,
        deleted: bool = False, roles: list[str] | None = None) -> None:
    user = {"id": user_id, "name": name.lower(), "real_name": name, "is_bot": bot, "deleted": deleted,
            "profile": {"display_name": name, "real_name": name}}
    with db.transaction() as session:
        member = members.upsert_member(session, slack_identity(user_id), member_details(user), now=T0)
        member.department = department
        member.roles = roles or []


def actor(db: Database, user_id: str) -> Actor:
    with db.transaction() as session:
        return members.actor_for(session, members.get_member(session, slack_identity(user_id)), GRANTS)


@pytest.fixture
def people(db: Database) -> Database:
    add(db, ORG, "Orla Organiser", "Estates")
    add(db, CHAIR, "Chris Chair", "Physics")
    add(db, PANEL2, "Pam Panel", "Biology")
    add(db, ADMIN, "Adi Admin", "IT", roles=["admin"])
    add(db, ANN, "Ann Archer", "Chemistry")
    add(db, BEN, "Ben Baker", "Chemistry")
    add(db, CAT, "Cat Cole", "Engineering")
    add(db, DAN, "Dan Dale", None)
    add(db, "U0BOT00001", "Helper Bot", bot=True)
    add(db, "U0GONE0001", "Gone Person", deleted=True)
    return db


def open_cycle(db: Database, *, now: datetime = T0, closes: datetime = CLOSES, **options: Any) -> awards.CycleInfo:
    values: dict[str, Any] = dict(
        name="Technician of the Year", description="For outstanding technicians.", label="2025")
    values.update(options)
    with db.transaction() as session:
        return awards.open_cycle(session, actor(db, ORG), closes_at=closes, now=now, default_panel=GRANTS.panel,
                                 **values)


def nominate(db: Database, who: str, cycle_id: int | None, *, nominee: str | None = None, citation: str = CITATION,
             submission: str = "V1", now: datetime = T0 + timedelta(days=1), **form) -> awards.SubmissionResult:
    with db.transaction() as session:
        return awards.submit_nomination(
            session, actor(db, who), NominationForm(cycle_id=cycle_id, nominee=nominee, citation=citation, **form),
            submission_id=submission, now=now)


AFTER = CLOSES + timedelta(hours=1)


# Cycles ---------------------------------------------------------------------------

def test_an_organiser_opens_a_cycle_with_the_default_panel_rubric_and_posts(people: Database):
    cycle = open_cycle(people)
    assert cycle.panel == (CHAIR, PANEL2) and cycle.chair == CHAIR
    assert cycle.criteria == awards.DEFAULT_CRITERIA
    assert cycle.state == awards.OPEN and cycle.title == "Technician of the Year 2025"
    with people.transaction() as session:
        due = {(d.kind, d.due_at) for d in session.scalars(select(DueItem)).all()}
    assert due == {(awards.OPENING, T0), (awards.REMINDER, CLOSES - timedelta(days=3)), (awards.CLOSING, CLOSES)}


def test_only_organisers_open_cycles(people: Database):
    with people.transaction() as session, pytest.raises(PermissionDenied):
        awards.open_cycle(session, actor(people, ANN), name="X", closes_at=CLOSES, now=T0,
                          default_panel=GRANTS.panel)


@pytest.mark.parametrize(("options", "field"), [
    ({"closes": T0 + timedelta(minutes=30)}, "closes"),
    ({"panel": ["U0ANN00001"], "chair": CHAIR}, "chair"),
    ({"name": "   "}, "name"),
])
def test_bad_cycles_are_refused_next_to_the_field(people: Database, options, field):
    with pytest.raises(DomainError) as refused:
        open_cycle(people, **options)
    assert refused.value.field == field


def test_a_cycle_needs_a_panel(people: Database):
    with people.transaction() as session, pytest.raises(DomainError) as refused:
        awards.open_cycle(session, actor(people, ORG), name="X", closes_at=CLOSES, now=T0, default_panel=())
    assert refused.value.field == "panel"


def test_a_short_cycle_gets_no_reminder_and_a_second_overlapping_one_is_refused(people: Database):
    open_cycle(people, closes=T0 + timedelta(days=2))
    with people.transaction() as session:
        assert ledger.find(session, awards.REMINDER, "cycle:1", (T0 + timedelta(days=2)).isoformat()) is None
    with pytest.raises(DomainError, match="already open"):
        open_cycle(people, label="2025b")


def test_closing_early_moves_the_closing_post_and_drops_the_reminder(people: Database):
    cycle = open_cycle(people)
    moment = T0 + timedelta(days=2)
    with people.transaction() as session:
        closed = awards.close_cycle(session, actor(people, ORG), cycle.id, now=moment)
    assert closed.state == awards.CLOSED
    with people.transaction() as session:
        rows = {(d.kind, d.occurrence): d.status for d in session.scalars(select(DueItem)).all()}
    assert rows[(awards.REMINDER, CLOSES.isoformat())] == ledger.CANCELLED
    assert rows[(awards.CLOSING, CLOSES.isoformat())] == ledger.CANCELLED
    assert rows[(awards.CLOSING, moment.isoformat())] == ledger.PENDING
    late = nominate(people, ANN, cycle.id, nominee=BEN, now=moment + timedelta(minutes=1))
    assert late.outcome == awards.REFUSED_CLOSED


def test_open_cycles_lists_only_what_is_open_now(people: Database):
    cycle = open_cycle(people)
    open_cycle(people, name="Outstanding Contribution", now=T0, label="2025",
               opens_at=T0 + timedelta(days=20), closes=T0 + timedelta(days=30))
    with people.reading() as session:
        assert [c.id for c in awards.open_cycles(session, T0 + timedelta(days=1))] == [cycle.id]
        assert awards.open_cycles(session, AFTER) == []


# Nominating -----------------------------------------------------------------------

def test_a_nomination_is_recorded_and_submitting_again_updates_it(people: Database):
    cycle = open_cycle(people)
    first = nominate(people, ANN, cycle.id, nominee=BEN)
    assert first.outcome == awards.CREATED and not first.repeated
    second = nominate(people, ANN, cycle.id, nominee=BEN, citation=CITATION + " Also the spill kits.",
                      submission="V2")
    assert second.outcome == awards.UPDATED
    with people.reading() as session:
        citations = [n.citation for n in session.scalars(select(Nomination))]
    assert len(citations) == 1 and citations[0].endswith("spill kits.")


def test_the_same_submission_delivered_twice_is_one_nomination(people: Database):
    cycle = open_cycle(people)
    nominate(people, ANN, cycle.id, nominee=BEN)
    again = nominate(people, ANN, cycle.id, nominee=BEN)
    assert again.repeated and again.outcome == awards.CREATED
    with people.reading() as session:
        assert session.scalar(select(func.count()).select_from(Nomination)) == 1


def test_the_confirmation_message_is_claimed_once(people: Database):
    cycle = open_cycle(people)
    result = nominate(people, ANN, cycle.id, nominee=BEN)
    with people.transaction() as session:
        claim = awards.claim_submission_dm(session, result.key, now=T0)
    with people.transaction() as session:
        assert awards.claim_submission_dm(session, result.key, now=T0) is None
    assert claim is not None and claim.nominator_user == ANN and claim.nomination is not None
    assert claim.nomination.citation == CITATION


@pytest.mark.parametrize(("nominee", "message"), [
    (ANN, "does not take self-nominations"),
    ("U0BOT00001", "Bots and apps cannot be nominated"),
    ("U0GONE0001", "deactivated"),
    (None, "Choose who you are nominating"),
])
def test_who_cannot_be_nominated(people: Database, nominee, message):
    cycle = open_cycle(people)
    with pytest.raises(DomainError, match=message) as refused:
        nominate(people, ANN, cycle.id, nominee=nominee)
    assert refused.value.field == "nominee"


def test_self_nomination_when_the_cycle_allows_it(people: Database):
    cycle = open_cycle(people, allow_self=True)
    assert nominate(people, ANN, cycle.id, nominee=ANN).outcome == awards.CREATED


@pytest.mark.parametrize("citation", ["Too short.", "x" * (awards.CITATION_MAX + 1)])
def test_citation_length_is_checked_by_the_field(people: Database, citation: str):
    cycle = open_cycle(people)
    with pytest.raises(DomainError) as refused:
        nominate(people, ANN, cycle.id, nominee=BEN, citation=citation)
    assert refused.value.field == "citation"


def test_a_link_must_be_a_web_address(people: Database):
    cycle = open_cycle(people)
    with pytest.raises(DomainError) as refused:
        nominate(people, ANN, cycle.id, nominee=BEN, link="javascript:alert(1)")
    assert refused.value.field == "link"


def test_before_the_opening_nothing_is_taken(people: Database):
    cycle = open_cycle(people, opens_at=T0 + timedelta(days=2))
    with pytest.raises(DomainError, match="opens for nominations later"):
        nominate(people, ANN, cycle.id, nominee=BEN)


def test_after_the_close_the_submission_is_refused_and_its_text_can_go_back_once(people: Database):
    cycle = open_cycle(people)
    result = nominate(people, ANN, cycle.id, nominee=BEN, now=CLOSES)
    assert result.outcome == awards.REFUSED_CLOSED and result.nomination is None
    assert result.cycle is not None and result.cycle.closes_at == CLOSES
    with people.transaction() as session:
        claim = awards.claim_submission_dm(session, result.key, now=CLOSES)
        assert claim is not None and claim.outcome == awards.REFUSED_CLOSED
        assert awards.claim_submission_dm(session, result.key, now=CLOSES) is None
    with people.reading() as session:
        assert session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_team_nominations(people: Database):
    individual = open_cycle(people)
    with pytest.raises(DomainError, match="for individuals") as refused:
        nominate(people, ANN, individual.id, team_members=(BEN, CAT), team_name="Lab Ops")
    assert refused.value.field == "team_members"
    team = open_cycle(people, name="Technical Team of the Year", allow_team=True)
    with pytest.raises(DomainError, match="at least two"):
        nominate(people, ANN, team.id, team_members=(BEN,), team_name="Lab Ops")
    with pytest.raises(DomainError, match="team's name"):
        nominate(people, ANN, team.id, team_members=(BEN, CAT))
    with pytest.raises(DomainError, match="self-nominations"):
        nominate(people, ANN, team.id, team_members=(ANN, CAT), team_name="Us")
    result = nominate(people, ANN, team.id, team_members=(BEN, CAT), team_name="Lab  Ops")
    assert result.nomination is not None
    assert result.nomination.nominee_key == "team:lab ops" and result.nomination.team_members == (BEN, CAT)


def test_nominators_edit_and_withdraw_only_their_own_until_the_close(people: Database):
    cycle = open_cycle(people)
    mine = nominate(people, ANN, cycle.id, nominee=BEN).nomination
    assert mine is not None
    with people.transaction() as session, pytest.raises(NotFound):
        awards.withdraw_nomination(session, actor(people, CAT), mine.id, now=T0 + timedelta(days=1))
    with people.transaction() as session, pytest.raises(NotFound):
        awards.my_nomination(session, actor(people, CHAIR), mine.id, now=T0)
    edited = nominate(people, ANN, None, nomination_id=mine.id, citation=CITATION + " Edited.", submission="V9")
    assert edited.outcome == awards.UPDATED and edited.nomination and edited.nomination.citation.endswith("Edited.")
    with people.transaction() as session:
        withdrawn = awards.withdraw_nomination(session, actor(people, ANN), mine.id, now=T0 + timedelta(days=2))
    assert withdrawn.status == awards.WITHDRAWN
    with people.reading() as session:
        assert [n.id for n in awards.my_nominations(session, actor(people, ANN), now=T0)] == [mine.id]
        assert awards.my_nominations(session, actor(people, CAT), now=T0) == []
    with people.transaction() as session, pytest.raises(awards.CycleClosed):
        awards.withdraw_nomination(session, actor(people, ANN), mine.id, now=AFTER)


def test_a_name_finds_one_member(people: Database):
    with people.reading() as session:
        assert awards.member_by_name(session, "@ben.baker") == BEN
        assert awards.member_by_name(session, "Ben Baker") == BEN
        assert awards.member_by_name(session, "@nobody") is None
        assert awards.member_by_name(session, "Helper Bot") is None


# Confidentiality ------------------------------------------------------------------

def closed_cycle_with_nominations(db: Database) -> awards.CycleInfo:
    cycle = open_cycle(db)
    nominate(db, ANN, cycle.id, nominee=BEN, submission="a")
    nominate(db, CAT, cycle.id, nominee=BEN, submission="b", citation="=HYPERLINK(\"http://evil\") " + CITATION)
    nominate(db, BEN, cycle.id, nominee=DAN, submission="c", citation="Siân says: " + CITATION,
             examples=("-2+3 mended the autoclave", "Trained 12 apprentices"), link="https://example.ac.uk/dan")
    nominate(db, CHAIR, cycle.id, nominee=CAT, submission="d")
    return cycle


@pytest.mark.parametrize("who", [ORG, ADMIN, ANN])
def test_nobody_off_the_panel_reads_lists_exports_or_counts_nominations(people: Database, who: str):
    cycle = closed_cycle_with_nominations(people)
    outsider = actor(people, who)
    calls = [
        lambda s: awards.review(s, outsider, cycle.id, now=AFTER),
        lambda s: awards.review(s, outsider, None, now=AFTER),
        lambda s: awards.nominee_detail(s, outsider, cycle.id, BEN, now=AFTER),
        lambda s: awards.export_csv(s, outsider, cycle.id, tz=UTC, now=AFTER),
        lambda s: awards.score_nominee(s, outsider, cycle.id, BEN, {}, now=AFTER),
        lambda s: awards.set_shortlisted(s, outsider, cycle.id, BEN, True, now=AFTER),
        lambda s: awards.mark_winner(s, outsider, cycle.id, BEN, now=AFTER),
        lambda s: awards.announcement_draft(s, outsider, cycle.id, now=AFTER),
        lambda s: awards.audit_log(s, outsider, cycle.id, now=AFTER),
    ]
    for call in calls:
        with people.transaction() as session, pytest.raises(awards.PanelRefusal) as refused:
            call(session)
        assert "recorded" in refused.value.message
        # The refusal is the same whether or not anyone was nominated: nothing to count.
        assert "BEN" not in refused.value.message and "Ben" not in refused.value.message
    # Nominee-specific buttons refuse a made-up nominee exactly as a real one.
    with people.transaction() as session, pytest.raises(awards.PanelRefusal) as real:
        awards.nominee_detail(session, outsider, cycle.id, BEN, now=AFTER)
    with people.transaction() as session, pytest.raises(awards.PanelRefusal) as made_up:
        awards.nominee_detail(session, outsider, cycle.id, "U0NOBODY01", now=AFTER)
    assert made_up.value.message == real.value.message


def test_figures_are_counts_of_closed_cycles_only(people: Database):
    cycle = closed_cycle_with_nominations(people)
    organiser = actor(people, ORG)
    with people.reading() as session:
        during = awards.figures(session, organiser, now=T0 + timedelta(days=2), min_group=1)
        # The arithmetic, with no group too small to show (a threshold of 1).
        after = awards.figures(session, organiser, now=AFTER, min_group=1)
    assert [(r.nominations, r.departments) for r in during] == [(None, None)]
    assert [(r.nominations and r.nominations.value, r.departments and r.departments.value) for r in after
            ] == [(4, 3)]  # Chemistry, Engineering, Physics
    with people.reading() as session, pytest.raises(PermissionDenied):
        awards.figures(session, actor(people, ANN), now=AFTER, min_group=5)
    assert [r.label for r in after] == [cycle.label]


def test_figures_compare_with_the_previous_cycle(people: Database):
    closed_cycle_with_nominations(people)
    later = open_cycle(people, label="2026", now=AFTER, closes=AFTER + timedelta(days=10))
    nominate(people, ANN, later.id, nominee=CAT, submission="z", now=AFTER + timedelta(days=1))
    with people.reading() as session:
        rows = awards.figures(session, actor(people, ORG), now=AFTER + timedelta(days=11), min_group=1)
    assert [(r.label, r.nominations.value if r.nominations else None, r.previous_label,
             r.previous_nominations.value if r.previous_nominations else None,
             r.change.delta if r.change else None) for r in rows] == [
        ("2025", 4, None, None, None), ("2026", 1, "2025", 4, -3)]


def test_a_cycles_figures_are_never_one_persons_nominations(people: Database):
    few = open_cycle(people)
    for i, nominator in enumerate((ANN, CAT, DAN, ORG, CHAIR, PANEL2)):
        nominate(people, nominator, few.id, nominee=BEN, submission=f"f{i}")
    many = open_cycle(people, name="Papin Prize")
    for i, (nominator, nominee) in enumerate(((ANN, BEN), (BEN, CAT), (CAT, DAN), (DAN, ANN), (ORG, PANEL2))):
        nominate(people, nominator, many.id, nominee=nominee, submission=f"m{i}")
    with people.reading() as session:
        rows = {r.award_name: r for r in awards.figures(session, actor(people, ORG), now=AFTER, min_group=5)}
    # Six nominations of one nominee: "6" would be Ben's count.
    one = rows["Technician of the Year"]
    assert one.nominations is not None and one.nominations.text == "withheld"
    # Five nominees, five nominations: shown.
    five = rows["Papin Prize"]
    assert five.nominations is not None and five.departments is not None
    assert (five.nominations.text, five.departments.text) == ("5", "3")  # Chemistry, Engineering, Estates


def test_the_panel_reviews_grouped_per_nominee_and_each_read_is_audited(people: Database):
    cycle = closed_cycle_with_nominations(people)
    chair = actor(people, CHAIR)
    with people.transaction() as session, pytest.raises(DomainError, match="still open"):
        awards.review(session, chair, cycle.id, now=T0 + timedelta(days=2))
    with people.transaction() as session:
        review = awards.review(session, chair, None, now=AFTER)
    # Cat Cole, whom the chair nominated, is not shown to the chair (recused).
    assert [(s.name, len(s.nominations)) for s in review.nominees] == [("Ben Baker", 2), ("Dan Dale", 1)]
    assert review.nominees[0].departments == ("Chemistry",)
    assert review.is_chair
    with people.transaction() as session:
        awards.export_csv(session, actor(people, PANEL2), cycle.id, tz=UTC, now=AFTER)
    with people.reading() as session:
        audit = [(a.actor.user_id, a.action) for a in session.scalars(select(AwardAudit).order_by(AwardAudit.id))]
    assert audit == [(CHAIR, "viewed list"), (PANEL2, "exported")]


def test_refusals_are_recorded_and_the_chair_alone_reads_the_log(people: Database):
    cycle = closed_cycle_with_nominations(people)
    refusal = awards.PanelRefusal("no", cycle_id=cycle.id, actor=actor(people, ORG), action="review nominations")
    ann = actor(people, ANN)
    with people.transaction() as session:
        awards.record_refusal(session, refusal, now=AFTER)
        awards.record_refusal(session, awards.PanelRefusal("no", cycle_id=None, actor=ann, action="export"),
                              now=AFTER)
    with people.transaction() as session:
        info, lines = awards.audit_log(session, actor(people, CHAIR), cycle.id, now=AFTER)
    assert {(line.actor, line.allowed) for line in lines} == {(ORG, False), (ANN, False)}
    with people.transaction() as session, pytest.raises(awards.PanelRefusal):
        awards.audit_log(session, actor(people, PANEL2), cycle.id, now=AFTER)


# Scoring, shortlist, winner ---------------------------------------------------------

def scores(value: int) -> dict[str, int]:
    return {c: value for c in awards.DEFAULT_CRITERIA}


def test_scoring_averages_and_counts_panel_members(people: Database):
    cycle = closed_cycle_with_nominations(people)
    with people.transaction() as session:
        awards.score_nominee(session, actor(people, CHAIR), cycle.id, BEN, scores(4), now=AFTER)
    with people.transaction() as session:
        summary = awards.score_nominee(session, actor(people, PANEL2), cycle.id, BEN, scores(2), now=AFTER)
    assert (summary.average, summary.scorers) == (3.0, 2)
    with people.transaction() as session:
        summary = awards.score_nominee(session, actor(people, PANEL2), cycle.id, BEN, scores(5), now=AFTER)
    assert (summary.average, summary.scorers, summary.my_scores["Impact"]) == (4.5, 2, 5)


def test_a_panel_member_cannot_score_whom_they_nominated_or_themselves(people: Database):
    cycle = closed_cycle_with_nominations(people)
    with people.transaction() as session, pytest.raises(DomainError, match="You nominated them"):
        awards.score_nominee(session, actor(people, CHAIR), cycle.id, CAT, scores(5), now=AFTER)
    team = open_cycle(people, name="Team", allow_team=True)
    nominate(people, ANN, team.id, team_members=(PANEL2, CAT), team_name="Bio Lab", submission="t")
    # Answered as for nobody nominated: a panel member does not learn that their team was.
    with people.transaction() as session, pytest.raises(NotFound, match="no nominations"):
        awards.score_nominee(session, actor(people, PANEL2), team.id, "team:bio lab", scores(5), now=AFTER)


# Recusals (conflicts of interest) ---------------------------------------------------------

def nominated_panel_member(db: Database) -> awards.CycleInfo:
    """Pam (panel) nominated by Ann and Ben; Pam nominated Cat; Dan nominated by Cat."""
    cycle = open_cycle(db)
    nominate(db, ANN, cycle.id, nominee=PANEL2, submission="p1", citation="Ann on Pam: " + CITATION)
    nominate(db, BEN, cycle.id, nominee=PANEL2, submission="p2")
    nominate(db, PANEL2, cycle.id, nominee=CAT, submission="p3")
    nominate(db, CAT, cycle.id, nominee=DAN, submission="p4")
    return cycle


def test_a_nominated_panel_member_cannot_see_or_decide_on_their_own_nomination(people: Database):
    cycle = nominated_panel_member(people)
    pam = actor(people, PANEL2)
    with people.transaction() as session:
        review = awards.review(session, pam, cycle.id, now=AFTER)
    assert [s.key for s in review.nominees] == [DAN]
    with people.transaction() as session, pytest.raises(NotFound) as made_up:
        awards.nominee_detail(session, pam, cycle.id, "U0NOBODY01", now=AFTER)
    # Pam's own nominee key is answered exactly as one nobody was nominated under.
    for call in (lambda s: awards.nominee_detail(s, pam, cycle.id, PANEL2, now=AFTER),
                 lambda s: awards.score_nominee(s, pam, cycle.id, PANEL2, scores(5), now=AFTER),
                 lambda s: awards.set_shortlisted(s, pam, cycle.id, PANEL2, True, now=AFTER),
                 lambda s: awards.mark_winner(s, pam, cycle.id, PANEL2, now=AFTER)):
        with people.transaction() as session, pytest.raises(NotFound) as refused:
            call(session)
        assert refused.value.message == made_up.value.message
    with people.transaction() as session:
        _, data = awards.export_csv(session, pam, cycle.id, tz=UTC, now=AFTER)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["nominee"], r["nominator"]) for r in rows] == [("Dan Dale", "Cat Cole")]
    # Nothing stored about Pam's own nomination: no shortlist mark, no winner, no score.
    with people.reading() as session:
        assert session.scalar(select(func.count()).select_from(AwardScore)) == 0
        assert awards.review(session, actor(people, CHAIR), cycle.id, now=AFTER).nominees[2].shortlisted is False


def test_a_panel_member_is_recused_from_whom_they_nominated(people: Database):
    cycle = nominated_panel_member(people)
    pam = actor(people, PANEL2)
    for call in (lambda s: awards.nominee_detail(s, pam, cycle.id, CAT, now=AFTER),
                 lambda s: awards.set_shortlisted(s, pam, cycle.id, CAT, True, now=AFTER),
                 lambda s: awards.mark_winner(s, pam, cycle.id, CAT, now=AFTER)):
        with people.transaction() as session, pytest.raises(DomainError, match="You nominated them"):
            call(session)
    # Pam is told of the recusal she knows of (she nominated Cat), never of the one about herself.
    with people.transaction() as session:
        review = awards.review(session, pam, cycle.id, now=AFTER)
    assert [(r.panel_member, r.nominee_key, r.reason) for r in review.recusals] == [
        (PANEL2, CAT, awards.RECUSED_NOMINATOR)]


def test_the_chair_sees_the_recusals_and_the_rest_of_the_panel_decides(people: Database):
    cycle = nominated_panel_member(people)
    chair, pam = actor(people, CHAIR), actor(people, PANEL2)
    with people.transaction() as session:
        review = awards.review(session, chair, cycle.id, now=AFTER)
    assert [s.key for s in review.nominees] == [CAT, DAN, PANEL2]
    assert [(r.panel_member, r.nominee_name, r.reason) for r in review.recusals] == [
        (PANEL2, "Cat Cole", awards.RECUSED_NOMINATOR), (PANEL2, "Pam Panel", awards.RECUSED_NOMINEE)]
    with people.transaction() as session:
        awards.set_shortlisted(session, chair, cycle.id, CAT, True, now=AFTER)
        awards.mark_winner(session, chair, cycle.id, PANEL2, now=AFTER)
    # Pam cannot announce a result that names someone she is recused from (herself, here).
    with people.transaction() as session, pytest.raises(DomainError, match="recused"):
        awards.announcement_draft(session, pam, cycle.id, now=AFTER)
    with people.transaction() as session:
        draft = awards.approve_announcement(session, chair, cycle.id, "Well done Pam", now=AFTER)
    assert draft.winner.key == PANEL2 and [r.key for r in draft.shortlist] == [CAT]


def test_a_nominated_chair_learns_nothing_of_their_own_nomination(people: Database):
    cycle = open_cycle(people, panel=(CHAIR, PANEL2, ORG), chair=CHAIR)
    nominate(people, PANEL2, cycle.id, nominee=CHAIR, submission="c1")
    nominate(people, ANN, cycle.id, nominee=BEN, submission="c2")
    chair, orla = actor(people, CHAIR), actor(people, ORG)
    with people.transaction() as session:
        awards.nominee_detail(session, orla, cycle.id, BEN, now=AFTER)
    with people.transaction() as session:
        review = awards.review(session, chair, cycle.id, now=AFTER)
        _, log = awards.audit_log(session, chair, cycle.id, now=AFTER)
    assert [s.key for s in review.nominees] == [BEN]
    # Neither the chair's own recusal nor Pam's (she nominated the chair) is listed to the chair.
    assert review.recusals == ()
    assert [(line.actor, line.action, line.detail) for line in log if line.action == "viewed nominee"] == [
        (ORG, "viewed nominee", "Ben Baker")]
    with people.transaction() as session:
        awards.nominee_detail(session, orla, cycle.id, CHAIR, now=AFTER)
        awards.export_csv(session, orla, cycle.id, tz=UTC, now=AFTER)
    with people.transaction() as session:
        _, log = awards.audit_log(session, chair, cycle.id, now=AFTER)
    assert "Chris Chair" not in {line.detail for line in log}
    # The audit details carry no counts that differ from one panel member to another.
    assert {line.detail for line in log if line.action in ("viewed list", "exported")} <= {"", "as CSV"}


def test_every_criterion_needs_a_score_from_one_to_five(people: Database):
    cycle = closed_cycle_with_nominations(people)
    bad = scores(3) | {"Impact": 9}
    with people.transaction() as session, pytest.raises(DomainError) as refused:
        awards.score_nominee(session, actor(people, CHAIR), cycle.id, BEN, bad, now=AFTER)
    assert refused.value.field == "score_4"


def test_two_panel_members_scoring_at_the_same_moment_both_count(people: Database):
    cycle = closed_cycle_with_nominations(people)
    panel = [actor(people, CHAIR), actor(people, PANEL2), actor(people, PANEL2)]
    start = threading.Barrier(len(panel))
    errors: list[BaseException] = []

    def score(who: Actor, value: int) -> None:
        try:
            start.wait(timeout=10)
            with people.transaction() as session:
                awards.score_nominee(session, who, cycle.id, BEN, scores(value), now=AFTER)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=score, args=(who, value)) for who, value in zip(panel, (5, 3, 3), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with people.reading() as session:
        ben_scores = session.scalars(select(AwardScore).where(AwardScore.nominee_key == BEN))
        rows = [(r.scorer_id, r.score) for r in ben_scores]
    assert len(rows) == 2 * len(awards.DEFAULT_CRITERIA)
    assert sorted({score for _, score in rows}) == [3, 5]


def test_shortlist_winner_and_announcement(people: Database):
    cycle = closed_cycle_with_nominations(people)
    chair, panel2 = actor(people, CHAIR), actor(people, PANEL2)
    with people.transaction() as session, pytest.raises(DomainError, match="Mark the winner first"):
        awards.announcement_draft(session, chair, cycle.id, now=AFTER)
    # The chair nominated Cat, so Pam decides on Cat and announces a result that names Cat.
    with people.transaction() as session:
        awards.set_shortlisted(session, chair, cycle.id, DAN, True, now=AFTER)
        awards.set_shortlisted(session, panel2, cycle.id, CAT, True, now=AFTER)
        awards.mark_winner(session, panel2, cycle.id, CAT, now=AFTER)
        awards.mark_winner(session, panel2, cycle.id, BEN, now=AFTER)
        awards.set_shortlisted(session, panel2, cycle.id, CAT, True, now=AFTER)
    with people.transaction() as session:
        review = awards.review(session, panel2, cycle.id, now=AFTER)
    assert [(s.key, s.shortlisted, s.winner) for s in review.nominees] == [
        (BEN, True, True), (CAT, True, False), (DAN, True, False)]
    with people.transaction() as session, pytest.raises(DomainError, match="recused"):
        awards.approve_announcement(session, chair, cycle.id, "Congratulations <@U0BEN00001>!", now=AFTER)
    with people.transaction() as session:
        draft = awards.approve_announcement(session, panel2, cycle.id, "Congratulations <@U0BEN00001>!", now=AFTER)
    assert draft.winner.user_ids == (BEN,) and [r.key for r in draft.shortlist] == [DAN, CAT]
    with people.transaction() as session, pytest.raises(DomainError, match="announced"):
        awards.approve_announcement(session, panel2, cycle.id, "Again", now=AFTER)
    with people.transaction() as session:
        assert awards.begin_announcement_post(session, cycle.id) == "Congratulations <@U0BEN00001>!"
    with people.transaction() as session:
        assert awards.begin_announcement_post(session, cycle.id) is None
        # Not public until it is posted.
        assert awards.announced_winners(session, T0, AFTER + timedelta(days=1)) == []
        awards.finish_announcement_post(session, cycle.id, slack_ref("C0NETWORK", "1700000000.0001"))
    with people.reading() as session:
        winners = awards.announced_winners(session, T0, AFTER + timedelta(days=1))
        assert awards.announced_winners(session, AFTER + timedelta(days=1), AFTER + timedelta(days=2)) == []
    assert [(w.award_name, w.label, w.winner.name) for w in winners] == [
        ("Technician of the Year", "2025", "Ben Baker")]
    with people.transaction() as session, pytest.raises(DomainError, match="final"):
        awards.score_nominee(session, panel2, cycle.id, DAN, scores(1), now=AFTER)


def test_a_failed_post_leaves_the_cycle_unannounced(people: Database):
    cycle = closed_cycle_with_nominations(people)
    chair = actor(people, CHAIR)
    with people.transaction() as session:
        awards.mark_winner(session, chair, cycle.id, BEN, now=AFTER)
        awards.approve_announcement(session, chair, cycle.id, "Well done", now=AFTER)
    with people.transaction() as session:
        assert awards.begin_announcement_post(session, cycle.id) == "Well done"
        awards.abandon_announcement(session, cycle.id)
    with people.transaction() as session:
        assert awards.announcement_draft(session, chair, cycle.id, now=AFTER).winner.key == BEN


# Export ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "cell"), [
    ("=1+2", "'=1+2"), ("+44 7700", "'+44 7700"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=x", "'\t=x"), ("  =cmd", "'  =cmd"), ("＝1", "'＝1"), ("Plain text", "Plain text"), ("a=b", "a=b"),
    (3, "3"), (None, ""),
])
def test_csv_cells_never_start_a_formula(value, cell):
    assert csv_safe(value) == cell


def test_the_export_is_utf8_with_a_header_and_safe_cells(people: Database):
    cycle = closed_cycle_with_nominations(people)
    with people.transaction() as session:
        awards.score_nominee(session, actor(people, CHAIR), cycle.id, BEN, scores(4), now=AFTER)
    with people.transaction() as session:
        # Pam: the chair is recused from Cat, whom he nominated, so his export leaves Cat out.
        filename, data = awards.export_csv(session, actor(people, PANEL2), cycle.id, tz=ZoneInfo("Europe/London"),
                                           now=AFTER)
    assert filename == "nominations-technician-of-the-year-2025.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(awards.CSV_HEADER)
    assert [(r["nominee"], r["nominator"]) for r in rows] == [
        ("Ben Baker", "Ann Archer"), ("Ben Baker", "Cat Cole"), ("Cat Cole", "Chris Chair"), ("Dan Dale", "Ben Baker")]
    assert rows[1]["citation"].startswith("'=HYPERLINK(")
    assert rows[3]["citation"].startswith("Siân says:")
    assert (rows[3]["impact_1"], rows[3]["impact_2"], rows[3]["impact_3"]) == (
        "'-2+3 mended the autoclave", "Trained 12 apprentices", "")
    assert rows[3]["link"] == "https://example.ac.uk/dan"
    assert (rows[0]["average_score"], rows[0]["panel_members_scored"]) == ("4.00", "1")
    assert rows[0]["submitted_at"] == "2025-03-04 09:00"
    assert all(not any(v.startswith(("=", "+", "-", "@")) for v in r.values()) for r in rows)
