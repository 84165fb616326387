"""CSV import (`technet import opportunities FILE.csv`): every row, or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.forms import looks_like_formula
from storage.models.careers import Opportunity
from storage.opportunities.catalogue import save_details
from storage.opportunities.values import Details, InvalidOpportunity, OpportunityForm, check_form
from storage.words import noun, plural

IMPORT_ROW_LIMIT = 2000
CSV_COLUMNS = ("title", "kind", "description", "provider", "link", "cost", "starts", "ends", "deadline", "tags")
CSV_ALIASES = {
    "start": "starts", "starts_on": "starts", "start_date": "starts", "end": "ends", "ends_on": "ends",
    "end_date": "ends", "application_deadline": "deadline", "closing_date": "deadline", "type": "kind",
}


class ImportRefused(DomainError):
    """A CSV file had problems; nothing was imported. Each problem names its line."""

    def __init__(self, problems: list[str]):
        super().__init__(f"nothing imported: {plural(len(problems), 'problem')} in the file")
        self.problems = problems


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    titles: list[str] = field(default_factory=list)


def import_csv(session: Session, text: str, *, now: datetime, tz: tzinfo) -> ImportReport:
    """Add (or update, matched on title, provider and start date) every row of a CSV file, or none.

    Any problem (a missing column, a bad date, a row repeated, a cell a spreadsheet would
    run as a formula, any field the form would refuse) is reported with its line number,
    and then nothing is imported.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused([f"line 1: the file is empty; the first line must name the columns: "
                             f"{', '.join(CSV_COLUMNS)}"]) from None
    except csv.Error as e:
        raise ImportRefused([f"line 1: {e}"]) from None
    columns = [CSV_ALIASES.get(c, c) for c in ("_".join(h.strip().casefold().split()) for h in header)]
    problems = _header_problems(columns)
    if problems:
        raise ImportRefused(problems)
    rows: list[tuple[int, Details]] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(f"line {line}: {e} (check the quotes)")
            break
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(problems) >= IMPORT_ROW_LIMIT:
            problems.append(f"line {line}: at most {IMPORT_ROW_LIMIT} rows at a time; split the file")
            break
        clean = _check_row(line, columns, cells, problems)
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


def _header_problems(columns: list[str]) -> list[str]:
    problems = []
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        problems.append(f"line 1: missing {noun(len(missing), 'column')} {', '.join(missing)} "
                        f"(the first line must name: {', '.join(CSV_COLUMNS)})")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        problems.append(f"line 1: unknown {noun(len(unknown), 'column')} "
                        f"{', '.join(repr(c) for c in unknown)} (expected: {', '.join(CSV_COLUMNS)})")
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c in CSV_COLUMNS})
    if repeated:
        problems.append(f"line 1: column {', '.join(repeated)} given twice")
    return problems


def _check_row(line: int, columns: list[str], cells: list[str], problems: list[str]) -> Details | None:
    if len(cells) != len(columns):
        problems.append(f"line {line}: has {len(cells)} cells but the header has {len(columns)} columns "
                        "(a missing or extra cell; check the commas and quotes)")
        return None
    values = dict(zip(columns, cells, strict=True))
    formulas = [c for c in CSV_COLUMNS if looks_like_formula(values[c])]
    if formulas:
        for column in formulas:
            problems.append(f"line {line}: the {column} cell begins with “{values[column].lstrip()[:1]}”, which a "
                            "spreadsheet runs as a formula; reword it so it starts with a letter or digit")
        return None
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
