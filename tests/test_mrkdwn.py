from hypothesis import given
from hypothesis import strategies as st

from core.markup import escape, truncate
from bot.render import mrkdwn_to_text


@given(st.text())
def test_escaped_text_has_no_control_characters_and_reads_back_the_same(text):
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert mrkdwn_to_text(escaped) == text


@given(st.text(alphabet="a&<>", max_size=60), st.integers(min_value=2, max_value=40))
def test_truncation_never_cuts_an_escape_in_half(text, limit):
    cut = truncate(escape(text), limit)
    assert len(cut) <= limit
    body = cut.removesuffix("…")
    assert mrkdwn_to_text(body) == mrkdwn_to_text(body)  # parses
    for i, char in enumerate(body):
        if char == "&":
            assert body[i:].startswith(("&amp;", "&lt;", "&gt;"))


def test_mentions_and_broadcasts_are_shown_literally():
    assert escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


@given(st.text(alphabet="ab &<>\n", max_size=400), st.text(alphabet="ab &<>", max_size=80))
def test_a_fallback_escapes_what_slack_shows_literally_and_keeps_mrkdwn_as_built(typed, title):
    from bot import blocks
    from core import ui

    literal = [blocks.header(typed or "x")] if typed.strip() else []
    rich = [ui.Rich((typed,))]
    for shown in (literal, [blocks.section(escape(typed) or "x")], rich, [blocks.context(escape(typed))]):
        text = blocks.fallback(shown)
        assert "<" not in text and ">" not in text
        assert len(text) <= blocks.FALLBACK_LIMIT
    # The first block that says something, mrkdwn as it was built.
    assert blocks.message([blocks.divider(), blocks.section("x" + escape(typed)), blocks.section("y")])["text"] == \
        ("x" + escape(typed)).strip()
    assert blocks.fallback([blocks.section("*ours*")], title=title) == escape(title)


def test_a_long_fallback_is_cut_without_breaking_an_escape():
    from bot import blocks

    for text_object in ({"type": "plain_text", "text": "<" * 1000}, {"type": "mrkdwn", "text": escape("<" * 1000)}):
        text = blocks.fallback([{"type": "section", "text": text_object}])
        assert len(text) <= blocks.FALLBACK_LIMIT and text.endswith("&lt;…")


def test_a_confirm_dialog_is_mrkdwn_cut_to_slacks_300_characters():
    from bot import blocks

    dialog = blocks.confirm("Delete?", escape("<!channel> " * 40), yes="Delete", no="Keep").to_dict()
    assert dialog["text"]["type"] == "mrkdwn" and len(dialog["text"]["text"]) <= 300
    assert "<" not in dialog["text"]["text"]
