"""Reading a CSV file to import (`technet import ...`): every row, or none.

Each import names its columns (with the other names spreadsheets give them) and a row limit;
`rows` checks the header, then yields each non-blank row as {column: cell}. Every problem (a
missing, unknown or repeated column, a row with too few or too many cells, a cell a spreadsheet
would run as a formula, broken quoting, too many rows) is kept with its line number, so the
import can report them all and then import nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from storage.errors import DomainError
from storage.forms import looks_like_formula
from storage.words import noun, plural


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


@dataclass(frozen=True)
class CsvShape:
    columns: tuple[str, ...]
    aliases: Mapping[str, str]
    row_limit: int


def rows(text: str, shape: CsvShape, problems: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells by column) of each row fit to check; a row that is not is skipped with its
    problem added to `problems`. A header that is wrong raises ImportRefused at once."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused([f"line 1: the file is empty; the first line must name the columns: "
                             f"{', '.join(shape.columns)}"]) from None
    except csv.Error as e:
        raise ImportRefused([f"line 1: {e}"]) from None
    columns = [shape.aliases.get(c, c) for c in ("_".join(h.strip().casefold().split()) for h in header)]
    if header_problems := _header_problems(columns, shape.columns):
        raise ImportRefused(header_problems)
    read = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            problems.append(f"line {line}: {e} (check the quotes)")
            return
        if not any(c.strip() for c in cells):
            continue
        if read >= shape.row_limit:
            problems.append(f"line {line}: at most {shape.row_limit} rows at a time; split the file")
            return
        read += 1
        if len(cells) != len(columns):
            problems.append(f"line {line}: has {len(cells)} cells but the header has {len(columns)} columns "
                            "(a missing or extra cell; check the commas and quotes)")
            continue
        values = dict(zip(columns, cells, strict=True))
        formulas = [c for c in shape.columns if looks_like_formula(values[c])]
        for column in formulas:
            problems.append(f"line {line}: the {column} cell begins with “{values[column].lstrip()[:1]}”, which a "
                            "spreadsheet runs as a formula; reword it so it starts with a letter or digit")
        if not formulas:
            yield line, values


def _header_problems(columns: list[str], expected: tuple[str, ...]) -> list[str]:
    problems = []
    missing = [c for c in expected if c not in columns]
    if missing:
        problems.append(f"line 1: missing {noun(len(missing), 'column')} {', '.join(missing)} "
                        f"(the first line must name: {', '.join(expected)})")
    unknown = [c for c in columns if c not in expected]
    if unknown:
        problems.append(f"line 1: unknown {noun(len(unknown), 'column')} "
                        f"{', '.join(repr(c) for c in unknown)} (expected: {', '.join(expected)})")
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c in expected})
    if repeated:
        problems.append(f"line 1: column {', '.join(repeated)} given twice")
    return problems
