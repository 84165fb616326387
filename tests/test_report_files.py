"""The report written out: PNG charts of the expected size, a standalone HTML page holding
each chart, a CSV of every figure, Markdown, and `technet report` on the command line."""

from __future__ import annotations

import base64
import csv
import io
import struct
from datetime import datetime, UTC
from html.parser import HTMLParser
from pathlib import Path

import pytest
from freezegun import freeze_time
from matplotlib.image import imread

from bot.cli import main
from core.templating import environment
from digests import report_charts, report_files
from storage import report
from storage.db import Database
from storage.privacy import Shown, State
from storage.report import Chart, ChartKind, Pillar, Point, ReportOptions, Series
from tests import report_data
from tests.test_report_service import NOW, YEAR_2024, YEAR_2025, build

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.figures: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "img", "br"):
            self.open.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "figure":
            self.figures.append(dict(attrs)["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.open == [], "every element is closed"
    return page


@pytest.fixture
def loaded(db: Database) -> Database:
    data = report_data.generate(members=300, seed=4, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    with db.transaction() as session:
        report_data.load(session, data)
    return db


def test_each_chart_is_a_png_of_the_expected_size(loaded: Database, tmp_path: Path):
    built = build(loaded)
    images = report_files.chart_images(built)
    assert set(images) == {c.key for c in built.charts if c.has_data} and images
    for key, png in images.items():
        assert png_size(png) == report_charts.PIXELS == (960, 540), key
        path = tmp_path / f"{key}.png"
        path.write_bytes(png)
        pixels = imread(str(path))
        assert pixels.shape[:2] == (540, 960)
        # Not a blank canvas: a chart has ink on it.
        assert pixels[..., :3].min() < 0.5


def test_a_chart_draws_peoples_dollar_signs_as_text_not_maths():
    # A survey's question and options reach the chart as they were typed.
    answers = Series("Answers", (Point("$5 or $10", Shown(State.EXACT, 7)), Point(r"$\frac{", Shown(State.EXACT, 5))))
    chart = Chart(key="survey_1_q0", kind=ChartKind.DISTRIBUTION, title=r"Between $\frac{ and $", x_label="People",
                  y_label="", period_label="Pulse $", series=(answers,), pillar=Pillar.SUSTAINABILITY)
    png = report_charts.render(chart)
    assert png is not None and png_size(png) == report_charts.PIXELS


def test_no_chart_is_drawn_without_data(db: Database):
    built = build(db)
    assert built.charts and all(report_charts.render(c) is None for c in built.charts)


def test_the_html_report_stands_alone_and_holds_each_chart(loaded: Database):
    built = build(loaded)
    html = report_files.render_html(built, environment())
    page = parse(html)
    drawn = [c for c in built.charts if c.has_data]
    assert page.figures == [f"chart-{c.key}" for c in drawn]
    embedded = [img["src"] for img in page.images]
    assert len(embedded) == len(drawn)
    for src in embedded:
        assert src is not None and src.startswith("data:image/png;base64,")
        assert png_size(base64.b64decode(src.split(",", 1)[1])) == (960, 540)
    assert all(img["alt"] for img in page.images)
    # Nothing is fetched from elsewhere.
    assert "http://" not in html and "https://" not in html
    text = " ".join(page.text)
    assert "2025/26 development year" in text and "fewer than 5" in text and "visibility" in text


def test_the_html_report_escapes_what_members_typed(db: Database):
    with db.transaction() as session:
        report_data.load(session, report_data.Dataset(YEAR_2025[0], NOW, [
            report_data.MemberRecord(f"U0X{i:06d}", "<script>alert(1)</script>", YEAR_2025[0], YEAR_2025[0], None)
            for i in range(6)]))
    html = report_files.render_html(build(db), environment())
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_an_empty_report_says_so_everywhere(db: Database):
    built = build(db)
    page = parse(report_files.render_html(built, environment()))
    assert page.images == [] and "There is nothing to report yet" in " ".join(page.text)
    assert "There is nothing to report yet" in report_files.render_markdown(built, environment())


def test_the_csv_has_a_row_for_every_figure(loaded: Database):
    built = build(loaded)
    rows = list(csv.DictReader(io.StringIO(report_files.render_csv(built))))
    assert len(rows) == len(built.figures)
    assert tuple(rows[0]) == report_files.CSV_HEADER
    by_key = {(r["key"], r["group"]): r for r in rows}
    total = built.figure("members.total")
    assert total.current.value is not None
    assert by_key[("members.total", "")]["value"] == str(int(total.current.value))
    assert by_key[("members.total", "")]["pillar"] == "visibility"
    small = by_key[("members.by_department", report_data.SMALL_DEPARTMENT)]
    assert small["value"] == "" and small["shown"] == "fewer than 5" and small["change"] == "not shown"
    assert all(r["period"].startswith("2025/26 development year") for r in rows)


def test_the_csv_defuses_formulas_in_names(db: Database):
    with db.transaction() as session:
        report_data.load(session, report_data.Dataset(YEAR_2025[0], NOW, [
            report_data.MemberRecord(f"U0F{i:06d}", "=HYPERLINK(\"x\")", YEAR_2025[0], YEAR_2025[0], None)
            for i in range(6)]))
    rows = list(csv.DictReader(io.StringIO(report_files.render_csv(build(db)))))
    departments = {r["group"] for r in rows if r["key"] == "members.by_department"}
    assert departments == {"'=HYPERLINK(\"x\")"}
    assert not any(r["group"].startswith(("=", "+", "-", "@")) for r in rows)


def test_the_markdown_report_has_a_table_per_section_and_breakdown(loaded: Database):
    built = build(loaded)
    text = report_files.render_markdown(built, environment())
    assert "## Members" in text and "### Members by department (visibility)" in text
    total = built.figure("members.total")
    assert f"| Members during the period | visibility | {total.current.text} | {total.previous.text} |" in text
    assert f"| {report_data.SMALL_DEPARTMENT} | fewer than 5 |" in text


def test_technet_report_writes_each_format(loaded: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("DATABASE_URL", loaded.url)
    monkeypatch.setenv("TECHNET_ENV_FILE", str(tmp_path / "no.env"))
    with freeze_time(NOW):
        for fmt in ("html", "csv", "md"):
            out = tmp_path / f"report.{fmt}"
            assert main(["report", "--from", "2025-08-01", "--to", "2026-07-31", "--format", fmt,
                         "--out", str(out)]) == 0
            assert "2025/26 development year" in out.read_text(encoding="utf-8")
        assert len(parse((tmp_path / "report.html").read_text()).images) >= 2
        assert main(["report", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and rows[0]["period"] == "2025/26 development year (1 Aug 2025 to 31 Jul 2026)"


@pytest.mark.parametrize("args, says", [
    (["--from", "2026-01-01", "--to", "2025-01-01"], "ends (2025-01-01) before it starts (2026-01-01)"),
    (["--from", "2025-13-01", "--to", "2026-01-01"], "2025-13-01 is not a day in the calendar"),
    (["--from", "yesterday", "--to", "2026-01-01"], "is not a date like 2025-08-01"),
    (["--from", "2025-01-01"], "give both --from and --to"),
])
def test_technet_report_refuses_bad_periods_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], args: list[str], says: str):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/none.db")
    monkeypatch.setenv("TECHNET_ENV_FILE", str(tmp_path / "no.env"))
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert says in err and err.startswith("technet: ") and len(err.strip().splitlines()) == 1


def test_report_options_come_from_the_settings():
    from bot import config

    settings = config.from_env({"TECHNET_CPD_YEAR_START_MONTH": "April", "TECHNET_REPORT_MIN_GROUP": "10",
                                  "TECHNET_NETWORKING_EVENTS_TARGET": "4", "TECHNET_TZ": "Europe/Dublin"})
    assert report_files.options_for(settings) == ReportOptions(
        timezone="Europe/Dublin", year_start_month=4, min_group=10, networking_target=4)
    period = report.parse_period("", now=datetime(2026, 5, 1, tzinfo=UTC),
                                 options=report_files.options_for(settings))
    assert period.label == "2026/27 development year"
