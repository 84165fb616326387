"""`technet import opportunities FILE.csv` as an IT admin runs it (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from storage.db import Database
from storage.models.careers import Opportunity

HEADER = "title,kind,description,provider,link,cost,starts,ends,deadline,tags"
ROWS = [
    "HPLC troubleshooting,course,A day on HPLC faults.,Chromatography Society,https://example.ac.uk/hplc,£180,"
    "2099-04-01,,2099-03-20,\"hplc, chromatography\"",
    "EM secondment,secondment,Three months in the EM facility.,Faculty of Science,,Free,2099-06-01,2099-08-31,"
    "2099-04-15,microscopy",
]


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("TECHNET_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run_import(text: str | bytes) -> tuple[int, str, str]:
        path = tmp_path / "opportunities.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        code = main(["import", "opportunities", str(path)])
        out, err = capsys.readouterr()
        return code, out, err.replace(str(path), "FILE")

    return run_import


def catalogue(database_url: str) -> list[str]:
    db = Database(database_url)
    try:
        with db.reading() as session:
            return list(session.scalars(select(Opportunity.title).order_by(Opportunity.title)))
    finally:
        db.dispose()


def test_a_good_file_is_imported_and_a_second_run_updates(run, database_url: str):
    # A spreadsheet's "CSV UTF-8" begins with a byte-order mark.
    code, out, _ = run("\ufeff" + "\r\n".join([HEADER, *ROWS]) + "\r\n")
    assert code == 0 and out.strip().startswith("technet: 2 opportunities added, 0 updated")
    code, out, _ = run("\n".join([HEADER, *ROWS]))
    assert code == 0 and "0 opportunities added, 2 updated" in out
    assert catalogue(database_url) == ["EM secondment", "HPLC troubleshooting"]


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(run, database_url: str):
    code, out, err = run("\n".join([
        HEADER, ROWS[0], ROWS[1].replace("2099-04-15", "2099-02-30"), ROWS[0], ROWS[1].replace("Free", "=1+1"),
        "Short,course,Too few cells"]))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "FILE: line 3: deadline: The application deadline “2099-02-30” is not a date: write it as YYYY-MM-DD, "
        "e.g. 2025-03-31.",
        "FILE: line 4: repeats line 2 (the same title, provider and start date); keep one of them",
        "FILE: line 5: the cost cell begins with “=”, which a spreadsheet runs as a formula; reword it so it starts "
        "with a letter or digit",
        "FILE: line 6: has 3 cells but the header has 10 columns "
        "(a missing or extra cell; check the commas and quotes)",
        "technet: nothing imported; fix the 4 problems above and run it again",
    ]
    assert catalogue(database_url) == []


def test_a_missing_column_is_reported(run, database_url: str):
    code, _, err = run("title,kind,description\nHPLC,course,A day.")
    assert code == 2
    assert "FILE: line 1: missing columns provider, link, cost, starts, ends, deadline, tags" in err
    assert catalogue(database_url) == []


def test_unreadable_files_are_refused_in_one_line(run, tmp_path: Path):
    code, _, err = run("title,description\n".encode("utf-16"))
    assert code == 2 and "is not UTF-8 text" in err and "CSV UTF-8" in err
    assert main(["import", "opportunities", str(tmp_path / "missing.csv")]) == 2
