"""CSV import (`technet import opportunities FILE.csv`): every row, or none."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.csv_import import CsvShape, ImportRefused, ImportReport
from storage.csv_import import rows as csv_rows
from storage.models.careers import Opportunity
from storage.opportunities.catalogue import save_details
from storage.opportunities.values import Details, InvalidOpportunity, OpportunityForm, check_form

IMPORT_ROW_LIMIT = 2000
CSV_COLUMNS = ("title", "kind", "description", "provider", "link", "cost", "starts", "ends", "deadline", "tags")
CSV_ALIASES = {
    "start": "starts", "starts_on": "starts", "start_date": "starts", "end": "ends", "ends_on": "ends",
    "end_date": "ends", "application_deadline": "deadline", "closing_date": "deadline", "type": "kind",
}
SHAPE = CsvShape(CSV_COLUMNS, CSV_ALIASES, IMPORT_ROW_LIMIT)


def import_csv(session: Session, text: str, *, now: datetime, tz: tzinfo) -> ImportReport:
    """Add (or update, matched on title, provider and start date) every row of a CSV file, or none.

    Any problem (a missing column, a bad date, a row repeated, a cell a spreadsheet would
    run as a formula, any field the form would refuse) is reported with its line number,
    and then nothing is imported.
    """
    problems: list[str] = []
    rows: list[tuple[int, Details]] = []
    seen: dict[str, int] = {}
    for line, values in csv_rows(text, SHAPE, problems):
        clean = _check_row(line, values, problems)
        if clean is None:
            continue
        if clean.natural_key in seen:
            problems.append(f"line {line}: repeats line {seen[clean.natural_key]} (the same title, provider and "
                            "start date); keep one of them")
            continue
        seen[clean.natural_key] = line
        rows.append((line, clean))
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    existing = {o.natural_key: o for o in session.scalars(
        select(Opportunity).where(Opportunity.natural_key.in_(list(seen))))} if seen else {}
    for _, clean in rows:
        row = existing.get(clean.natural_key)
        if row is None:
            report.added += 1
        else:
            report.updated += 1
        save_details(session, row, clean, created_by_id=None, now=now, tz=tz)
        report.titles.append(clean.title)
    return report


def _check_row(line: int, values: dict[str, str], problems: list[str]) -> Details | None:
    form = OpportunityForm(title=values["title"], kind=values["kind"], description=values["description"],
                           provider=values["provider"], link=values["link"], cost=values["cost"],
                           starts_on=values["starts"], ends_on=values["ends"], deadline=values["deadline"],
                           tags=values["tags"])
    try:
        return check_form(form)
    except InvalidOpportunity as e:
        names = {"starts_on": "starts", "ends_on": "ends"}
        for name, message in e.errors.items():
            problems.append(f"line {line}: {names.get(name, name)}: {message}")
        return None
