"""The local shell: the real app against the stand-in, rendered as text."""

import re
from collections.abc import Callable, Iterator

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.demo import PERSONAS, load_demo_data
from bot.render import mrkdwn_to_text, render_blocks
from bot.runtime import Runtime
from bot.shell import Shell, shell_settings, stand_in_workspace
from bot.standin import SlackStandIn
from storage.clock import now
from storage.members import Role


class Script:
    """Feeds the shell its lines and keeps what it printed.

    A line may be a function of what is on screen so far, e.g. press("Nominate").
    """

    def __init__(self, *lines: str | Callable[[str], str]):
        self.lines: Iterator[str | Callable[[str], str]] = iter(lines)
        self.output: list[str] = []

    def read(self, prompt: str) -> str:
        self.output.append(prompt)
        try:
            line = next(self.lines)
        except StopIteration:
            raise EOFError from None
        return line(self.text) if callable(line) else line

    @property
    def text(self) -> str:
        return "\n".join(self.output)


def press(label: str) -> Callable[[str], str]:
    """The number of the last button on screen whose label starts with `label`."""

    def number(screen: str) -> str:
        found = re.findall(r"\[(\d+)\] " + re.escape(label), screen)
        assert found, f"no [N] {label} on screen"
        return found[-1]

    return number


@pytest.fixture
def shell_for(database_url: str, standin: SlackStandIn):  # type: ignore[no-untyped-def]
    runtimes: list[Runtime] = []

    def start(role: Role, *lines: str) -> Script:
        settings, persona = shell_settings(Settings(database_url=database_url), role, api_url=standin.api_url)
        stand_in_workspace(standin, settings)
        runtime = Runtime.build(settings, threads=2)
        runtimes.append(runtime)
        load_demo_data(runtime.db, now=now())
        script = Script(*lines)
        Shell(runtime, create_app(runtime), standin, persona, read=script.read, write=script.output.append).run()
        return script

    yield start
    for runtime in runtimes:
        runtime.close()


def test_help_is_shown_as_text_to_the_member(shell_for):  # type: ignore[no-untyped-def]
    script = shell_for(Role.MEMBER, "/tech help", ":quit")
    assert "you are Alex Morgan (member)" in script.text
    assert "── bot (only visible to you)" in script.text
    assert "`/tech help`  What technet can do for you" in script.text


def test_unknown_commands_and_stray_text_get_a_pointer(shell_for):  # type: ignore[no-untyped-def]
    script = shell_for(Role.MEMBER, "/tech hepl", "hello", "7")
    assert "I don't know `/tech hepl`" in script.text
    assert "Commands start with /" in script.text
    assert "There is no [7] on screen." in script.text


def test_the_home_tab_renders_for_an_organiser(shell_for):  # type: ignore[no-untyped-def]
    script = shell_for(Role.ORGANISER, ":home")
    assert "you are Priya Shah (organiser)" in script.text
    assert "── Home tab of Priya Shah" in script.text
    assert "Hello *Priya Shah*" in script.text


def test_end_of_input_leaves_quietly(shell_for):  # type: ignore[no-untyped-def]
    script = shell_for(Role.MEMBER)
    assert script.output[-1] == ""


def test_demo_data_is_idempotent(db):  # type: ignore[no-untyped-def]
    assert load_demo_data(db, now=now()) == len(PERSONAS)
    assert load_demo_data(db, now=now()) == 0


def test_mrkdwn_renders_as_a_person_reads_it():
    assert mrkdwn_to_text("&lt;!channel&gt; &amp; <https://x.ac.uk|the site> <@U1>", lambda u: "Ann") == \
        "<!channel> & the site (https://x.ac.uk) @Ann"


def test_buttons_are_numbered_in_reading_order():
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "One"},
         "accessory": {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "First"}}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "Second"}},
            {"type": "button", "action_id": "c", "text": {"type": "plain_text", "text": "Third"}}]},
    ]
    rendered = render_blocks(blocks, container={"type": "message"}, first_number=3)
    assert [p.number for p in rendered.pressables] == [3, 4, 5]
    assert "[3] First" in rendered.text and "[4] Second  [5] Third" in rendered.text
