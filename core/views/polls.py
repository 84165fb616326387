"""A poll's message: the question, each option with its count (and voters, when the poll shows them)
and a Vote button while it is open; the same without buttons, and the result, once closed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core import ids, ui
from core.markup import escape
from storage.polls import PollInfo
from storage.words import plural

MOST_NAMES = 15


def closing_text(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %-d %b %Y, %H:%M}"


def bar(votes: int, total: int, width: int = 10) -> str:
    filled = round(width * votes / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def poll_blocks(poll: PollInfo, tz: ZoneInfo) -> list[ui.Block]:
    """The poll as posted and as each refresh shows it."""
    total = poll.votes
    blocks: list[ui.Block] = [ui.section(f":bar_chart: *{escape(poll.question)}*")]
    leading = max((o.votes for o in poll.options), default=0)
    for index, option in enumerate(poll.options):
        share = f" ({round(100 * option.votes / total)}%)" if total else ""
        won = " :trophy:" if poll.closed and option.votes and option.votes == leading else ""
        text = f"*{escape(option.label)}*{won}\n`{bar(option.votes, total)}` {plural(option.votes, 'vote')}{share}"
        if option.voters:
            names = ", ".join(escape(n) for n in option.voters[:MOST_NAMES])
            more = len(option.voters) - MOST_NAMES
            text += f"\n{names}" + (f" and {more} more" if more > 0 else "")
        button = None if poll.closed else ui.button("Vote", ids.POLL_VOTE, f"{poll.id}:{index}")
        blocks.append(ui.section(text, accessory=button, block_id=f"poll_{poll.id}_{index}"))
    kind = "Pick several" if poll.multiple else "Pick one"
    secrecy = "anonymous: nobody sees who voted for what" if poll.anonymous else "votes show who voted"
    people = plural(poll.people, "person has", "people have") + " voted"
    if poll.closed:
        blocks.append(ui.context(f"Closed {closing_text(poll.closes_at, tz)} · {people}"))
    else:
        blocks.append(ui.context(f"{kind} · {secrecy} · change your vote until "
                                 f"{closing_text(poll.closes_at, tz)} · {people}"))
        blocks.append(ui.actions(ui.button("Close poll", ids.POLL_CLOSE, str(poll.id),
                                           confirm=ui.confirm("Close this poll?", "Nobody can vote after this.",
                                                              yes="Close it", no="Keep it open")),
                                 block_id=f"poll_{poll.id}_actions"))
    return blocks


def poll_message(poll: PollInfo, tz: ZoneInfo) -> ui.Message:
    return ui.message(poll_blocks(poll, tz), title=f"Poll: {poll.question}")


def result_message(poll: PollInfo) -> ui.Message:
    """Posted at the close: the result in a line."""
    leading = max((o.votes for o in poll.options), default=0)
    if not poll.people:
        text = f":bar_chart: The poll *{escape(poll.question)}* has closed with no votes."
    else:
        top = [o.label for o in poll.options if o.votes == leading]
        winner = " and ".join(f"*{escape(t)}*" for t in top)
        text = (f":bar_chart: The poll *{escape(poll.question)}* has closed: {winner} "
                f"{'tie' if len(top) > 1 else 'wins'} with {plural(leading, 'vote')} "
                f"({plural(poll.people, 'person', 'people')} voted).")
    return ui.message([ui.section(text)], title=f"Poll closed: {poll.question}")
