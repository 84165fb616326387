"""Revision 0009 carries existing data across: Slack ids become identities and member ids,
(channel, ts) pairs become message references, and downgrading gives the old rows back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from storage.db import Database
from storage.identities import Identity, MessageRef
from storage.members import find_member
from storage.models import Member, MemberIdentity
from storage.models.awards import AwardAudit, AwardCycle, Nomination, ShortlistEntry
from storage.models.careers import Opportunity
from storage.models.events import Event, EventNotice
from storage.models.mentoring import AskedQuestion, MentoringPairing, MentoringRequest
from storage.models.news import Announcement, EzineIssue
from storage.models.profiles import ProfileWelcome

BEFORE = "0008"
IDENTITIES = "0009"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN, BEN, CAT = "U0ANN00001", "U0BEN00001", "U0CAT00001"
# On the panel by configuration, never met by the bot: upgrading makes a member of them.
STRANGER = "U0STRANGER"


def _value(column: sa.Column[Any]) -> Any:
    """Something a NOT NULL column without a default accepts."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.0
    if isinstance(kind, sa.DateTime):
        return T0
    if isinstance(kind, sa.Date):
        return date(2026, 3, 2)
    if isinstance(kind, sa.JSON):
        return []
    return "x"


class OldSchema:
    """Rows written as the code before revision 0009 wrote them (reflected tables, plain SQL)."""

    def __init__(self, db: Database):
        self.db = db
        self.tables = sa.MetaData()
        self.tables.reflect(db.engine)

    def add(self, table: str, **values: Any) -> int:
        target = self.tables.tables[table]
        row = {c.name: _value(c) for c in target.columns
               if not c.nullable and c.server_default is None and not (c.primary_key and c.autoincrement)}
        row.update(values)
        with self.db.engine.begin() as connection:
            result = connection.execute(target.insert().values(row))
            key = result.inserted_primary_key
        return int(key[0]) if key and key[0] is not None else 0

    def rows(self, table: str, *columns: str) -> list[tuple[Any, ...]]:
        target = self.tables.tables[table]
        with self.db.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(
                sa.select(*(target.c[c] for c in columns)).order_by(*target.primary_key.columns))]


@pytest.fixture
def old(db: Database) -> OldSchema:
    db.downgrade(BEFORE)
    return OldSchema(db)


def fill(old: OldSchema) -> dict[str, int]:
    ids = {user: old.add("members", slack_user_id=user, display_name=user.lower(), roles=[])
           for user in (ANN, BEN, CAT)}
    award = old.add("awards", name="Technician of the Year", criteria=["Impact"])
    ids["cycle"] = old.add("award_cycles", award_id=award, label="2026", opens_at=T0, closes_at=T0 + timedelta(days=9),
                           panel=[BEN, STRANGER], chair=STRANGER, created_by=ANN, announced_by=BEN, announced_at=T0,
                           announcement_ts="1700000000.0001")
    old.add("award_nominations", cycle_id=ids["cycle"], nominator_id=ids[ANN], nominee_key="team:lab ops",
            team_name="Lab Ops", team_members=[BEN, CAT], citation="For all of it.", examples=[], status="active")
    old.add("award_shortlist", cycle_id=ids["cycle"], nominee_key=CAT, marked_by=BEN, is_winner=True)
    old.add("award_audit", cycle_id=ids["cycle"], actor=BEN, action="viewed list")
    old.add("dev_opportunities", title="Secondment", created_by=ANN)
    ids["event"] = old.add("events", title="Network meeting", starts_at=T0, ends_at=T0 + timedelta(hours=1),
                           organiser_id=ids[ANN], announce_channel="C0NETWORK", announce_ts="1700000000.0002")
    old.add("events", uid="quiet", title="Not announced", starts_at=T0, ends_at=T0 + timedelta(hours=1),
            organiser_id=ids[ANN])
    old.add("event_notices", event_id=ids["event"], kind="announce", recipients=[], details={}, created_by=ANN)
    old.add("event_notices", event_id=ids["event"], kind="cancelled", recipients=[BEN, CAT], details={},
            created_by=ANN)
    ids["request"] = old.add("mentoring_requests", mentee_id=ids[CAT], mentor_id=ids[BEN], status="accepted",
                             mentor_dm_channel="D0BEN", mentor_dm_ts="1700000000.0003")
    old.add("mentoring_pairings", request_id=ids["request"], mentor_id=ids[BEN], mentee_id=ids[CAT],
            group_channel="G0PAIR", intro_ts="1700000000.0004")
    old.add("profile_welcomes", member_id=ids[CAT], channel_id="C0NETWORK", welcomed_at=T0)
    old.add("asked_questions", asker_id=ids[CAT], question="Where is the -80?",
            organiser_messages=[["D0ANN", "1700000000.0005"]])
    issue = old.add("ezine_issues", period="2026-03-02", period_start=T0, due_at=T0, status="posting",
                    decided_by=ANN, approval_messages=[[ANN, "D0ANN", "1700000000.0006"]], channel_id="C0NETWORK")
    old.add("ezine_messages", issue_id=issue, position=0, text="Issue", blocks=[], state="posted",
            ts="1700000000.0007")
    old.add("announcements", author_id=ids[ANN], text="Coffee", channel_id="C0NETWORK", first_local="2026-03-02T09:00",
            timezone="Europe/London", first_at=T0, repeat="none", status="scheduled")
    return ids


def test_an_upgrade_carries_slack_ids_and_messages_across_and_a_downgrade_brings_them_back(old: OldSchema):
    ids = fill(old)
    before = {table: old.rows(table, *columns) for table, columns in OLD_COLUMNS.items()}

    old.db.upgrade()
    with old.db.reading() as session:
        member = {user: find_member(session, Identity("slack", user)) for user in (ANN, BEN, CAT, STRANGER)}
        assert {user: m.id if m else None for user, m in member.items() if user != STRANGER} == {
            user: ids[user] for user in (ANN, BEN, CAT)}
        stranger = member[STRANGER]
        assert stranger is not None and stranger.name == STRANGER
        stranger_id = stranger.id
        assert [i.identity for i in session.get_one(Member, ids[ANN]).identities] == [Identity("slack", ANN)]

        cycle = session.get_one(AwardCycle, ids["cycle"])
        assert (cycle.chair_id, cycle.created_by_id, cycle.announced_by_id) == (stranger.id, ids[ANN], ids[BEN])
        assert cycle.panel == [ids[BEN], stranger.id]
        assert [n.team_members for n in session.scalars(sa.select(Nomination))] == [[ids[BEN], ids[CAT]]]
        assert (cycle.announcement_surface, cycle.announcement_message_id) == ("slack", "1700000000.0001")
        assert [e.marked_by_id for e in session.scalars(sa.select(ShortlistEntry))] == [ids[BEN]]
        assert [a.actor_id for a in session.scalars(sa.select(AwardAudit))] == [ids[BEN]]
        assert [o.created_by_id for o in session.scalars(sa.select(Opportunity))] == [ids[ANN]]

        events = session.scalars(sa.select(Event).order_by(Event.id)).all()
        assert [e.announce for e in events] == [MessageRef("slack", "C0NETWORK", "1700000000.0002"), None]
        notices = session.scalars(sa.select(EventNotice).order_by(EventNotice.id)).all()
        assert [(n.created_by_id, n.recipients) for n in notices] == [(ids[ANN], []), (ids[ANN], [ids[BEN], ids[CAT]])]
        assert session.get_one(MentoringRequest, ids["request"]).mentor_dm == MessageRef(
            "slack", "D0BEN", "1700000000.0003")
        pairing = session.scalars(sa.select(MentoringPairing)).one()
        assert (pairing.group_surface, pairing.group_conversation, pairing.intro_message_id) == (
            "slack", "G0PAIR", "1700000000.0004")
        welcome = session.get_one(ProfileWelcome, ids[CAT])
        assert (welcome.surface, welcome.conversation) == ("slack", "C0NETWORK")
        question = session.scalars(sa.select(AskedQuestion)).one()
        assert question.organiser_messages == [["slack", "D0ANN", "1700000000.0005"]]
        issue = session.scalars(sa.select(EzineIssue)).one()
        assert issue.decided_by_id == ids[ANN]
        assert issue.approval_messages == [[ANN, "slack", "D0ANN", "1700000000.0006"]]
        assert (issue.surface, issue.conversation, [m.message_id for m in issue.messages]) == (
            "slack", "C0NETWORK", ["1700000000.0007"])
        announcement = session.scalars(sa.select(Announcement)).one()
        assert (announcement.surface, announcement.channel_id) == ("slack", "C0NETWORK")

    old.db.downgrade(BEFORE)
    after = OldSchema(old.db)
    assert {table: after.rows(table, *columns) for table, columns in OLD_COLUMNS.items()} == {
        **before, "members": [*before["members"], (stranger_id, STRANGER)]}


def test_a_member_known_only_on_another_surface_stops_a_downgrade(db: Database):
    with db.transaction() as session:
        session.add(Member(display_name="Tess", roles=[], identities=[
            MemberIdentity(surface="teams", tenant="t1", external_id="29:1tess")]))
    db.downgrade(IDENTITIES)  # what came after identities goes down as ever
    with pytest.raises(RuntimeError, match="no Slack identity"):
        db.downgrade(BEFORE)
    assert db.current_revisions() == {IDENTITIES}


# What the old schema held, read back after a round trip: every column 0009 changes.
OLD_COLUMNS = {
    "members": ("id", "slack_user_id"),
    "award_cycles": ("id", "panel", "chair", "created_by", "announced_by", "announcement_ts"),
    "award_nominations": ("id", "team_members"),
    "award_shortlist": ("id", "marked_by"),
    "award_audit": ("id", "actor"),
    "dev_opportunities": ("id", "created_by"),
    "events": ("id", "announce_channel", "announce_ts"),
    "event_notices": ("id", "created_by", "recipients"),
    "mentoring_requests": ("id", "mentor_dm_channel", "mentor_dm_ts"),
    "mentoring_pairings": ("id", "group_channel", "intro_ts"),
    "profile_welcomes": ("member_id", "channel_id"),
    "asked_questions": ("id", "organiser_messages"),
    "ezine_issues": ("id", "decided_by", "approval_messages", "channel_id"),
    "ezine_messages": ("issue_id", "ts"),
    "announcements": ("id", "channel_id"),
}
