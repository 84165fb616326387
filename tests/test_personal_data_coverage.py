"""Every table that refers to members is in a member's copy: a feature that forgets its part fails here."""

from __future__ import annotations

import json

from freezegun import freeze_time
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, JSON

from core.templating import environment
from digests.personal_data import render
from storage.db import Database
from storage.models import Base
from storage.personal_data import HOLDINGS
from storage.personal_data.export import export_member, rows_naming, table_of
from storage.personal_data.holdings import member_columns, uncovered
from tests.personal_data_network import ROSA_NAME, ROSA_WRITES, T0, build


def test_every_column_naming_a_member_has_a_holding():
    assert len(member_columns(Base.metadata)) > 30
    assert uncovered(Base.metadata) == []


def test_a_new_table_that_forgets_its_holding_is_named():
    metadata = MetaData()
    Table("members", metadata, Column("id", Integer, primary_key=True))
    Table("survey_answers", metadata, Column("id", Integer, primary_key=True),
          Column("member_id", ForeignKey("members.id")), Column("seen_by", JSON, info={"member_ids": True}))
    assert uncovered(metadata) == [("survey_answers", "member_id"), ("survey_answers", "seen_by")]


def test_each_holding_names_columns_its_table_has():
    assert len({h.table for h in HOLDINGS}) == len(HOLDINGS)
    for h in HOLDINGS:
        columns = set(table_of(h).c.keys())
        assert set(h.by) | set(h.hidden) | set(h.writing) | {h.writer} <= columns, h.table


def test_the_copy_holds_every_row_that_names_each_member(db: Database):
    with freeze_time(T0):
        network = build(db)
        with db.reading() as session:
            member_ids = [m for (m,) in session.execute(table_of(HOLDINGS[0]).select().with_only_columns(
                table_of(HOLDINGS[0]).c.id))]
            for member_id in member_ids:
                export = export_member(session, member_id, now=T0, by="a test")
                for h in HOLDINGS:
                    if not h.complete:
                        continue
                    keys = [c.name for c in table_of(h).primary_key.columns]
                    shown = {tuple(r[k] for k in keys) for r in export.section(h.table).rows}
                    naming = {tuple(r[k] for k in keys) for r in rows_naming(session, h, member_id)}
                    assert naming == shown, (h.table, member_id)
            rosa = export_member(session, network.rosa, now=T0, by="a test")
    # Rosa has something in every feature, so each section of her copy has rows.
    assert [s.table for s in rosa.sections if not s.rows] == []
    assert len(member_ids) == 6


def test_the_copy_as_json_and_html_names_what_she_wrote(db: Database):
    with freeze_time(T0):
        network = build(db)
        with db.reading() as session:
            export = export_member(session, network.rosa, now=T0, by="a test")
    rendered = render(export, environment())
    data = json.loads(rendered.json)
    assert data["name"] == ROSA_NAME
    for text in ROSA_WRITES.values():
        assert text in rendered.json and text in rendered.html
    assert "<h2>Your CPD record</h2>" in rendered.html


def test_nominations_about_her_only_as_the_award_tells_a_nominee(db: Database):
    with freeze_time(T0):
        network = build(db)
        with db.reading() as session:
            export = export_member(session, network.rosa, now=T0, by="a test")
    rows = export.section("award_nominations").rows
    written = [r for r in rows if r["written_by_you"]]
    about = [r for r in rows if not r["written_by_you"]]
    assert {r["citation"] for r in written} >= {"Tom ran every teaching lab this term"}
    # Her closed "at_close" cycle tells her she was nominated; the demo's cycles that never tell say nothing.
    assert about == [{"id": about[0]["id"], "written_by_you": False, "award": about[0]["award"],
                      "note": "You were nominated (the award tells its nominees at the close)."}]
    assert about[0]["award"].endswith(" Winter")
    text = json.dumps(export.as_data())
    assert "rebuilt the Fenwick rig" not in text  # Priya's citation about her
    assert "redesigned the workshop" not in text and "trained twelve apprentices" not in text  # the demo's


def test_html_escapes_what_members_wrote(db: Database):
    with freeze_time(T0):
        network = build(db)
        with db.transaction() as session:
            from storage.models.profiles import Profile
            session.get_one(Profile, network.rosa).bio = "<script>alert('x')</script> & co"
        with db.reading() as session:
            export = export_member(session, network.rosa, now=T0, by="a test")
    html = render(export, environment()).html
    assert "<script>" not in html and "&lt;script&gt;" in html
