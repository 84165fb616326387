from hypothesis import given
from hypothesis import strategies as st

from bot.mrkdwn import escape, truncate
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
