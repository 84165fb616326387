"""Erasure: nothing names or quotes the member afterwards; the report and other members' records are unchanged."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import JSON, String, Text, select

from core.settings import Settings
from core.templating import environment
from digests.report_files import options_for, render
from storage import report
from storage.db import Database
from storage.errors import DomainError
from storage.models import Base, Member
from storage.models.events import Rsvp
from storage.personal_data import HOLDINGS
from storage.personal_data.erasure import MIN_WRITING, due_for_erasure, erase_member
from storage.personal_data.export import export_member, table_of
from tests.personal_data_network import ROSA, ROSA_EMAIL, ROSA_NAME, ROSA_WRITES, T0, Network, build


def report_csv(db: Database) -> str:
    options = options_for(Settings())
    with db.reading() as session:
        texts = []
        for words in ("this year", "last year"):
            period = report.parse_period(words, now=T0, options=options)
            texts.append(render(report.build_report(session, None, period, now=T0, options=options), "csv",
                                environment()))
    return "\n".join(texts)


def her_writing(db: Database, member_id: int) -> set[str]:
    """Everything she wrote, as the holdings declare it."""
    found: set[str] = set(ROSA_WRITES.values())
    with db.reading() as session:
        for h in (h for h in HOLDINGS if h.writing):
            table = table_of(h)
            for row in session.execute(select(*(table.c[c] for c in h.writing)).where(table.c[h.writer] == member_id)):
                for value in row:
                    for text in value if isinstance(value, list) else [value]:
                        if isinstance(text, str) and len(text) >= MIN_WRITING:
                            found.add(text)
    return found


def everything_said(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) for every text and JSON value in the database."""
    said = []
    with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        said.append((table.name, column.name, text))
    return said


def leave(db: Database, member_id: int) -> None:
    with db.transaction() as session:
        member = session.get_one(Member, member_id)
        member.deactivated, member.deactivated_at, member.updated_at = True, T0, T0


def exports(db: Database, *member_ids: int) -> dict[int, Any]:
    with db.reading() as session:
        return {m: export_member(session, m, now=T0, by="a test").as_data() for m in member_ids}


def test_after_erasure_nothing_names_or_quotes_her_and_the_report_is_the_same(db: Database):
    with freeze_time(T0):
        n: Network = build(db)
        leave(db, n.rosa)
        needles = {ROSA_NAME, ROSA, ROSA_EMAIL} | her_writing(db, n.rosa)
        assert any(needle.lower() in text.lower() for _, _, text in everything_said(db) for needle in needles)
        before = report_csv(db)
        others_before = exports(db, n.tom, n.priya)
        with db.reading() as session:
            waitlists = session.execute(select(Rsvp.id, Rsvp.event_id, Rsvp.member_id, Rsvp.status, Rsvp.waitlist_seq,
                                               Rsvp.attended).order_by(Rsvp.id)).all()
        with db.transaction() as session:
            erased = erase_member(session, n.rosa, now=T0, by="a test")
        assert erased.deleted["member_identities"] == 1

        found = [(table, column, needle) for table, column, text in everything_said(db) for needle in needles
                 if needle.lower() in text.lower()]
        assert found == []
        # Where a row is about her (a nomination of her, her spotlight), her first name went too.
        assert [(table, column) for table, column, text in everything_said(db)
                if re.search(r"\b(Rosa|Evans)\b", text)] == []
        her_copy = json.dumps(exports(db, n.rosa)[n.rosa], ensure_ascii=False).lower()
        assert [needle for needle in needles if needle.lower() in her_copy] == []
        assert report_csv(db) == before
        # Others' records: Tom's copy is as it was; Priya's has the same rows (her citation of Rosa
        # now names "a former member"); every RSVP, the waitlist's order and attendance are as they were.
        others_after = exports(db, n.tom, n.priya)
        assert others_after[n.tom] == others_before[n.tom]
        assert ([len(s["rows"]) for s in others_after[n.priya]["sections"]]
                == [len(s["rows"]) for s in others_before[n.priya]["sections"]])
        with db.reading() as session:
            assert session.execute(select(Rsvp.id, Rsvp.event_id, Rsvp.member_id, Rsvp.status, Rsvp.waitlist_seq,
                                          Rsvp.attended).order_by(Rsvp.id)).all() == waitlists
            assert session.get_one(Member, n.rosa).name == "a former member"
        with db.transaction() as session, pytest.raises(DomainError, match="erased already"):
            erase_member(session, n.rosa, now=T0, by="a test")


def test_a_deactivated_account_is_due_for_erasure_after_the_grace(db: Database):
    with freeze_time(T0):
        n = build(db)
        leave(db, n.rosa)
    grace = timedelta(days=90)
    with db.reading() as session:
        assert due_for_erasure(session, now=T0 + grace - timedelta(seconds=1), after=grace) == []
        assert due_for_erasure(session, now=T0 + grace, after=grace) == [n.rosa]
