"""The local shell: the real app against the stand-in, rendered as text."""

from bot.demo import PERSONAS, load_demo_data
from bot.render import mrkdwn_to_text, render_blocks
from storage.clock import now
from storage.members import Role


def test_help_is_shown_as_text_to_the_member(shell_for):
    script = shell_for(Role.MEMBER, "/tech help", ":quit")
    assert "you are Alex Morgan (member)" in script.text
    assert "── bot (only visible to you)" in script.text
    assert "`/tech help`  What technet can do for you" in script.text


def test_unknown_commands_and_stray_text_get_a_pointer(shell_for):
    script = shell_for(Role.MEMBER, "/tech hepl", "hello", "7")
    assert "I don't know `/tech hepl`" in script.text
    assert "Commands start with /" in script.text
    assert "There is no [7] on screen." in script.text


def test_the_home_tab_renders_for_an_organiser(shell_for):
    script = shell_for(Role.ORGANISER, ":home")
    assert "you are Priya Shah (organiser)" in script.text
    assert "── Home tab of Priya Shah" in script.text
    assert "Hello *Priya Shah*" in script.text


def test_end_of_input_leaves_quietly(shell_for):
    script = shell_for(Role.MEMBER)
    assert script.output[-1] == ""


def test_demo_data_is_idempotent(db):
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
