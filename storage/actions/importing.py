"""CSV import of the action plan (`technet import actions FILE.csv`): every row, or none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.actions.tracker import NOT_STARTED, PILLARS, STATUSES, pillar_key, schedule_reminders, status_key
from storage.csv_import import CsvShape, ImportRefused, ImportReport
from storage.csv_import import rows as csv_rows
from storage.members import find_addressed
from storage.models import Member
from storage.models.actions import PlanAction, PlanActionOwner, PlanActionUpdate

IMPORT_ROW_LIMIT = 500
TITLE_LIMIT = 300
CSV_COLUMNS = ("action", "pillar", "owner", "due", "measure", "status")
CSV_ALIASES = {"title": "action", "owners": "owner", "owner_email": "owner", "due_date": "due", "deadline": "due",
               "success_measure": "measure", "measure_of_success": "measure", "rag": "status"}
# Several owners in one cell: "a@uni.ac.uk; b@uni.ac.uk".
_OWNER_SPLIT = re.compile(r"[;\n]+")
SHAPE = CsvShape(CSV_COLUMNS, CSV_ALIASES, IMPORT_ROW_LIMIT)


@dataclass(frozen=True)
class _Row:
    key: str
    title: str
    pillar: str
    owners: tuple[Member, ...]
    due_on: date
    measure: str
    status: str


def natural_key(title: str) -> str:
    return " ".join(title.casefold().split())


def import_csv(session: Session, text: str, *, now: datetime, tz: tzinfo) -> ImportReport:
    """Add (or update, matched on the action's wording) every row of a plan, or none.

    Any problem (a missing column, an unknown pillar or status, an owner technet does not know,
    a bad date, a row repeated, a cell a spreadsheet would run as a formula) is reported with its
    line number, and then nothing is imported.
    """
    problems: list[str] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, values in csv_rows(text, SHAPE, problems):
        row = _check_row(session, line, {c: v.strip() for c, v in values.items()}, problems)
        if row is None:
            continue
        if row.key in seen:
            problems.append(f"line {line}: repeats the action of line {seen[row.key]}; keep one of them")
            continue
        seen[row.key] = line
        rows.append(row)
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    existing = {a.natural_key: a for a in session.scalars(
        select(PlanAction).where(PlanAction.natural_key.in_(list(seen))))} if seen else {}
    for row in rows:
        action = existing.get(row.key)
        if action is None:
            action = PlanAction(natural_key=row.key, title=row.title, pillar=row.pillar, due_on=row.due_on,
                                measure=row.measure, status=row.status, created_at=now, updated_at=now)
            session.add(action)
            session.flush()
            session.add(PlanActionUpdate(action_id=action.id, member_id=None, status=row.status,
                                         note="Imported from the plan.", created_at=now))
            report.added += 1
        else:
            if action.status != row.status:
                session.add(PlanActionUpdate(action_id=action.id, member_id=None, status=row.status,
                                             note="Status changed by an import of the plan.", created_at=now))
            action.title, action.pillar, action.due_on = row.title, row.pillar, row.due_on
            action.measure, action.status, action.updated_at = row.measure, row.status, now
            session.execute(delete(PlanActionOwner).where(PlanActionOwner.action_id == action.id))
            report.updated += 1
        for member in row.owners:
            session.add(PlanActionOwner(action_id=action.id, member_id=member.id))
        session.flush()
        schedule_reminders(session, action, list(row.owners), tz=tz)
        report.titles.append(row.title)
    return report


def _owner(session: Session, text: str) -> Member | None:
    """A member named by the email their profile has, or by their user id (slack:U0123, or U0123)."""
    if "@" in text:
        return session.scalar(select(Member).where(func.lower(Member.email) == text.casefold(),
                                                   Member.erased_at.is_(None)).order_by(Member.id).limit(1))
    surface, sep, rest = text.partition(":")
    user_id = rest if sep and surface.isalpha() else text
    member = find_addressed(session, user_id)
    return member if member is not None and member.erased_at is None else None


def _check_row(session: Session, line: int, values: dict[str, str], problems: list[str]) -> _Row | None:
    before = len(problems)
    title = " ".join(values["action"].split())
    if not title:
        problems.append(f"line {line}: action: say what the action is")
    elif len(title) > TITLE_LIMIT:
        problems.append(f"line {line}: action: keep it to {TITLE_LIMIT} characters")
    pillar = pillar_key(values["pillar"])
    if pillar is None:
        problems.append(f"line {line}: pillar: “{values['pillar'][:40]}” is not a pillar; write one of "
                        f"{', '.join(PILLARS)}")
    owners: list[Member] = []
    named = [o.strip() for o in _OWNER_SPLIT.split(values["owner"]) if o.strip()]
    if not named:
        problems.append(f"line {line}: owner: name at least one owner, by email or user id")
    for name in named:
        member = _owner(session, name)
        if member is None:
            problems.append(f"line {line}: owner: “{name[:80]}” is not a member technet knows (they must have "
                            "used technet; give the email their profile has, or their user id)")
        elif member not in owners:
            owners.append(member)
    due_on = None
    try:
        due_on = date.fromisoformat(values["due"])
    except ValueError:
        problems.append(f"line {line}: due: “{values['due'][:20]}” is not a date: write it as YYYY-MM-DD, "
                        "e.g. 2027-03-31")
    status = status_key(values["status"]) if values["status"] else NOT_STARTED
    if status is None:
        problems.append(f"line {line}: status: “{values['status'][:30]}” is not a status; write one of "
                        f"{', '.join(STATUSES)}")
    if len(problems) > before or pillar is None or due_on is None or status is None:
        return None
    return _Row(natural_key(title), title, pillar, tuple(owners), due_on, values["measure"], status)
