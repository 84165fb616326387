"""`technet digest preview|export|publish|archive`: the HTML e-zine and template overrides on the command line."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.cli import main
from bot.demo import load_demo_data
from bot.slack_refs import slack_identity
from tests.harness import NETWORK_CHANNEL, ORGANISER, Harness, all_text
from tests.test_ezine_slack import DUE, PERIOD, T0, approved_news, channel_posts, tick
from tests.test_news_slack import MARKUP

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Reads a page and notes anything a validator would: unclosed or misnested tags, no doctype."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype: str | None = None
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.text: dict[str, list[str]] = {}

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and data.strip():
            self.text.setdefault(self.stack[-1], []).append(data.strip())


def parse(html: str) -> StrictHTML:
    page = StrictHTML()
    page.feed(html)
    page.close()
    assert page.doctype == "DOCTYPE html"
    assert page.problems == [] and page.stack == [], (page.problems, page.stack)
    assert [t for t in page.tags if t in ("html", "head", "body", "title")] == ["html", "head", "title", "body"]
    return page


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, technet: Harness, database_url: str, tmp_path: Path) -> Harness:
    for name, value in {
        "TECHNET_ENV_FILE": str(tmp_path / "no.env"), "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": technet.standin.api_url,
        "TECHNET_NETWORK_CHANNEL": NETWORK_CHANNEL, "TECHNET_ORGANISERS": ORGANISER,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TECHNET_DIGEST_TEMPLATES", raising=False)
    return technet


def test_the_html_export_is_valid_html_showing_the_same_items_as_the_slack_issue(cli_env: Harness, tmp_path: Path):
    titles = approved_news(cli_env, 12)
    approved_news(cli_env, 1, title="<b>Markup</b>", body=MARKUP[:2000])
    tick(cli_env, DUE)
    slack_titles = re.findall(r"^\*(.+?)\*  ·", "\n".join(all_text(c.blocks()) for c in channel_posts(cli_env)),
                              flags=re.MULTILINE)
    out = tmp_path / "issue.html"
    with freeze_time(DUE + timedelta(hours=1)):
        assert main(["digest", "export", "--html", str(out), "--issue", PERIOD]) == 0
    html = out.read_text(encoding="utf-8")
    page = parse(html)
    # The same items, in the same order; Slack's copy is mrkdwn-escaped, the page's HTML-escaped.
    assert page.text["h3"] == [t.replace("&lt;", "<").replace("&gt;", ">") for t in slack_titles]
    assert page.text["h3"] == [*titles, "<b>Markup</b> 00"]
    assert "script" not in page.tags and "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;!channel&gt;" in html
    # And the Slack copy: escaped for mrkdwn, long lines within a section's limit.
    slack = "\n".join(all_text(c.blocks()) for c in channel_posts(cli_env))
    assert "&lt;!channel&gt;" in slack and "&lt;script&gt;" in slack
    assert "<!channel>" not in slack and "<script>" not in slack
    # The two new members are too few to count in a post to the whole network (storage.privacy).
    assert "new members joined the network" not in html


def test_every_section_of_the_demo_issue_is_in_the_page(cli_env: Harness, tmp_path: Path):
    with freeze_time(T0):
        load_demo_data(cli_env.db, now=T0)
        out = tmp_path / "demo.html"
        assert main(["digest", "export", "--html", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    page = parse(html)
    for key in ("news", "spotlight", "events", "opportunities", "awards", "figures"):
        assert f'<section id="{key}">' in html, key
    assert "Rosa is a Registered Engineering Technician" in page.text["h3"]
    assert "Alex Morgan" in page.text["h3"]


def test_export_without_an_issue_writes_the_next_one(cli_env: Harness, tmp_path: Path):
    approved_news(cli_env, 2, title="Upcoming")
    out = tmp_path / "next.html"
    with freeze_time(T0):
        assert main(["digest", "export", "--html", str(out)]) == 0
    page = parse(out.read_text(encoding="utf-8"))
    assert page.text["h3"] == ["Upcoming 00", "Upcoming 01"]
    assert channel_posts(cli_env) == []


def test_preview_prints_the_issue_and_posts_nothing(cli_env: Harness, capsys: pytest.CaptureFixture[str]):
    approved_news(cli_env, 1, title="Printed")
    with freeze_time(T0):
        assert main(["digest", "preview"]) == 0
    out = capsys.readouterr().out
    assert "TECHNET E-ZINE · DECEMBER 2026" in out and "Printed 00" in out
    assert channel_posts(cli_env) == []


def test_a_broken_override_is_named_by_file_and_line(cli_env: Harness, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "ezine.html.j2").write_text("<!DOCTYPE html>\n<html>\n{% for x in %}\n</html>\n", encoding="utf-8")
    monkeypatch.setenv("TECHNET_DIGEST_TEMPLATES", str(overrides))
    approved_news(cli_env, 1)
    with freeze_time(T0):
        assert main(["digest", "preview"]) == 2
        assert main(["digest", "export", "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert f"{overrides / 'ezine.html.j2'}, line 3" in err
    assert not (tmp_path / "x.html").exists()


def test_publish_from_the_command_line_counts_as_the_periods_issue(cli_env: Harness,
                                                                    capsys: pytest.CaptureFixture[str]):
    approved_news(cli_env, 2)
    with freeze_time(T0):
        assert main(["digest", "publish"]) == 0
    assert "the e-zine of 2026-12-07: 1 of 1 messages posted (posted)" in capsys.readouterr().out
    assert len(channel_posts(cli_env)) == 1
    assert tick(cli_env, DUE).done == 0
    with freeze_time(DUE):
        assert main(["digest", "archive"]) == 0
    assert "2026-12-07  2 items" in capsys.readouterr().out  # two news items; two new members are too few


def test_nothing_to_export_and_missing_arguments_say_so(cli_env: Harness, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    with freeze_time(T0):
        assert main(["digest", "export"]) == 2
        assert main(["digest", "export", "--html", str(tmp_path / "x.html"), "--issue", "2001-01-01"]) == 2
    err = capsys.readouterr().err
    assert "export needs --html PATH" in err and "No posted e-zine for 2001-01-01" in err


def test_preview_and_export_show_the_approved_issue_as_it_would_be_posted_now(
        cli_env: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from storage import awards, events
    from tests.test_ezine_refresh import CHANGED_AT, approve, event, organiser

    workshop = event(cli_env, "Soldering workshop", DUE + timedelta(days=3))
    orla = organiser(cli_env)
    with cli_env.db.transaction() as session:
        cycle = awards.open_cycle(session, orla, name="Technician of the Year", label="2026",
                                  closes_at=DUE + timedelta(days=14), now=T0,
                                  default_panel=[slack_identity("U0CHAIR001")])
    approve(cli_env)
    with cli_env.db.transaction() as session:
        events.cancel_event(session, orla, workshop, reason=None, now=CHANGED_AT)
        awards.close_cycle(session, orla, cycle.id, now=CHANGED_AT)
    out = tmp_path / "next.html"
    with freeze_time(CHANGED_AT + timedelta(minutes=5)):
        assert main(["digest", "preview"]) == 0
        assert main(["digest", "export", "--html", str(out)]) == 0
    printed = capsys.readouterr()
    assert "changed since it was sent for approval: “Soldering workshop” was cancelled" in printed.err
    assert "“Technician of the Year 2026” closed for nominations" in printed.err
    assert "Cancelled" in printed.out and "is closed for nominations" in printed.out
    html = out.read_text(encoding="utf-8")
    parse(html)
    assert "Soldering workshop</strong> · Cancelled" in html
    assert "<strong>Technician of the Year 2026</strong> is closed for nominations." in html
    assert "open for nominations" not in html
