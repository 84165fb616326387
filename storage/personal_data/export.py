"""A member's own copy of what technet holds about them (a subject access request).

`export_member` returns plain data, one section per Holding with rows; digests/personal_data.py
renders it as JSON and as an HTML page. The member asks for their own (`/tech my data`); an
admin may ask for anyone's from the command line (`technet member export`), and each copy made
is logged (by whom, for whom; never what it holds).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Table, cast, or_, select
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.models import Base, Member
from storage.personal_data.holdings import HOLDINGS, Holding, Row

log = logging.getLogger("technet.personal_data")


@dataclass(frozen=True)
class Section:
    table: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Export:
    member_id: int
    name: str
    made_at: datetime
    sections: tuple[Section, ...]

    def as_data(self) -> dict[str, Any]:
        """Plain JSON-able data: times as ISO 8601 strings."""
        return {"member_id": self.member_id, "name": self.name, "made_at": plain(self.made_at),
                "sections": [{"table": s.table, "title": s.title, "rows": [plain(r) for r in s.rows]}
                             for s in self.sections]}

    def section(self, table: str) -> Section:
        return next(s for s in self.sections if s.table == table)


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def table_of(holding: Holding) -> Table:
    return Base.metadata.tables[holding.table]


def is_id_list(table: Table, column: str) -> bool:
    return isinstance(table.c[column].type, JSON)


def rows_naming(session: Session, holding: Holding, member_id: int) -> list[Row]:
    """Every row of the holding's table that names the member in one of its `by` columns, whole."""
    table = table_of(holding)
    keys = [c for c in holding.by if not is_id_list(table, c)]
    lists = [c for c in holding.by if is_id_list(table, c)]
    # A JSON list of ids is read as text first ("[3, 12]" contains "12"), then checked exactly below.
    query = select(table).where(or_(*(table.c[c] == member_id for c in keys),
                                    *(cast(table.c[c], String).like(f"%{member_id}%") for c in lists)))
    order = list(table.primary_key.columns)
    found = [dict(r._mapping) for r in session.execute(query.order_by(*order))]
    if not lists:
        return found
    return [r for r in found if any(r[c] == member_id for c in keys) or any(member_id in (r[c] or []) for c in lists)]


def holding_rows(session: Session, holding: Holding, member_id: int, now: datetime) -> list[Row]:
    if holding.export is not None:
        return holding.export(session, member_id, now)
    return [{k: v for k, v in row.items() if k not in holding.hidden}
            for row in rows_naming(session, holding, member_id)]


def export_member(session: Session, member_id: int, *, now: datetime, by: str) -> Export:
    """Everything technet holds about the member, section by section. `by` names who asked, for the log."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"There is no member #{member_id}.")
    sections = tuple(Section(h.table, h.title, tuple(holding_rows(session, h, member_id, now))) for h in HOLDINGS)
    log.info("personal data export of member #%s made for %s (%s rows)", member_id, by,
             sum(len(s.rows) for s in sections))
    return Export(member_id, member.name, now, sections)
