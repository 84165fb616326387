"""`/tech poll` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from digests.runner import run_due
from storage.models.surveys import Poll, PollVote
from tests.harness import MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, PANEL, Harness, all_text, buttons

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def start(technet: Harness, user: str, text: str) -> Poll:
    reply = technet.command(user, f"poll {text}", channel_id=NETWORK_CHANNEL)
    assert "Posting your poll" in reply.text, reply.text
    with technet.db.reading() as session:
        poll = session.scalars(select(Poll).order_by(Poll.id.desc())).first()
        assert poll is not None and poll.post is not None
        session.expunge(poll)
        return poll


def vote(technet: Harness, user: str, poll: Poll, option: int) -> str:
    reply = technet.action(user, ids.POLL_VOTE, f"{poll.id}:{option}", channel_id=NETWORK_CHANNEL)
    assert reply.status == 200
    answered = technet.standin.calls_to("response_url")
    return all_text({"r": [c.args for c in answered[-1:]]})


def shown(technet: Harness, poll: Poll) -> dict[str, Any]:
    assert poll.post is not None
    return technet.standin.state.messages[(poll.post.conversation, poll.post.message_id)]


def votes(technet: Harness, poll: Poll) -> list[tuple[int, int]]:
    with technet.db.reading() as session:
        rows = session.scalars(select(PollVote).where(PollVote.poll_id == poll.id).order_by(PollVote.id)).all()
        return [(v.member_id, v.option) for v in rows]


def test_a_poll_with_votes_from_several_people_and_a_changed_vote(technet: Harness):
    with freeze_time(T0) as clock:
        poll = start(technet, MEMBER, '"Which day for the tea round?" "Tuesday" “Thursday” "Friday" for 2h')
        posted = technet.standin.calls_to("chat.postMessage")[-1]
        assert posted.args["channel"] == NETWORK_CHANNEL
        assert len(buttons(posted.blocks(), ids.POLL_VOTE)) == 3
        assert "Which day for the tea round?" in all_text(posted.blocks())

        assert "Your vote: *Tuesday*" in vote(technet, MEMBER, poll, 0)
        clock.tick(2)
        vote(technet, OTHER, poll, 1)
        clock.tick(2)
        vote(technet, PANEL, poll, 1)
        clock.tick(2)
        assert "Your vote: *Thursday*" in vote(technet, MEMBER, poll, 1)  # changed: one vote each
        text = all_text(shown(technet, poll)["blocks"])
        assert "0 votes" in text and "3 votes (100%)" in text and "3 people have voted" in text
        # Named poll: voters' names show by their option.
        assert "Morgan Member" in text and "Olu Other" in text
        assert len(votes(technet, poll)) == 3

        clock.tick(timedelta(hours=2))
        vote_after = vote(technet, OTHER, poll, 0)
        assert "has closed" in vote_after
        run_due(technet.runtime, datetime.now(UTC))
    closed = all_text(shown(technet, poll)["blocks"])
    assert "Closed" in closed and not buttons(shown(technet, poll)["blocks"], ids.POLL_VOTE)
    result = technet.standin.calls_to("chat.postMessage")[-1]
    assert result.args["channel"] == NETWORK_CHANNEL
    assert "*Thursday* wins with 3 votes (3 people voted)" in all_text(result.blocks())


def test_anonymous_multiple_choice_hides_voters_and_toggles(technet: Harness):
    with freeze_time(T0) as clock:
        poll = start(technet, MEMBER, '"Which kit needs training?" "Confocal" "SEM" "Autoclave" multiple anonymous')
        vote(technet, MEMBER, poll, 0)
        clock.tick(2)
        assert "*Confocal*, *SEM*" in vote(technet, MEMBER, poll, 1)
        clock.tick(2)
        assert "Your vote: *SEM*" in vote(technet, MEMBER, poll, 0)  # picked again: taken back
        clock.tick(2)
        vote(technet, OTHER, poll, 1)
    text = all_text(shown(technet, poll)["blocks"])
    assert "2 votes (100%)" in text and "Morgan Member" not in text and "anonymous" in text


def test_bad_polls_are_refused_with_the_usage(technet: Harness):
    for typed, message in [('"Only a question?"', "at least two options"),
                           ('"Q?" "A" "A"', "Two options are the same"),
                           ('"Q?" "A" "B', "A quote is not closed"),
                           ('"Q?" "A" "B" sideways', "I don't understand"),
                           ('"Q?" "A" "B" closes 2020-01-01 10:00', "has passed")]:
        reply = technet.command(MEMBER, f"poll {typed}", channel_id=NETWORK_CHANNEL)
        assert message in reply.text and "/tech poll" in reply.text
    with technet.db.reading() as session:
        assert session.scalars(select(Poll)).first() is None


def test_the_form_posts_a_poll(technet: Harness):
    technet.command(MEMBER, "poll", channel_id=NETWORK_CHANNEL)
    view = technet.opened_view()
    assert view["callback_id"] == ids.POLL_MODAL
    refused = technet.submit(MEMBER, view, {ids.POLL_QUESTION: "Lab coats?", ids.POLL_OPTIONS: "White",
                                            ids.POLL_CHOICE: "single", ids.POLL_ANONYMOUS: [], ids.POLL_CLOSES: None})
    assert refused.json()["errors"] == {ids.POLL_OPTIONS: "Give at least two options."}
    technet.submit(MEMBER, view, {ids.POLL_QUESTION: "Lab coats?", ids.POLL_OPTIONS: "White\nBlue\n",
                                  ids.POLL_CHOICE: "multiple", ids.POLL_ANONYMOUS: ["anonymous"],
                                  ids.POLL_CLOSES: None})
    with technet.db.reading() as session:
        poll = session.scalars(select(Poll)).one()
        assert (poll.options, poll.multiple, poll.anonymous, poll.conversation) == (["White", "Blue"], True, True,
                                                                                    NETWORK_CHANNEL)
        assert poll.post is not None


def test_only_its_starter_or_an_organiser_closes_a_poll(technet: Harness):
    with freeze_time(T0):
        poll = start(technet, MEMBER, '"Q?" "A" "B"')
        technet.action(OTHER, ids.POLL_CLOSE, str(poll.id))
        assert "Only whoever started this poll" in all_text(technet.standin.calls_to("response_url")[-1].args)
        technet.action(ORGANISER, ids.POLL_CLOSE, str(poll.id))
    assert "has closed with no votes" in all_text(technet.standin.calls_to("chat.postMessage")[-1].blocks())


def test_a_burst_of_200_votes_updates_the_message_at_most_once_a_second(technet: Harness):
    voters = [f"U0VOTER{n:03d}" for n in range(200)]
    for user in voters:
        technet.standin.add_user(user, f"Voter {user[-3:]}")
    with freeze_time(T0) as clock:
        poll = start(technet, MEMBER, '"Tea or coffee?" "Tea" "Coffee" anonymous')
        updates: list[datetime] = []
        for n, user in enumerate(voters):
            clock.tick(0.05)  # 200 votes in 10 seconds
            before = len(technet.standin.calls_to("chat.update"))
            technet.action(user, ids.POLL_VOTE, f"{poll.id}:{n % 2}", channel_id=NETWORK_CHANNEL)
            updates += [datetime.now(UTC)] * (len(technet.standin.calls_to("chat.update")) - before)
        assert len(votes(technet, poll)) == 200
        assert 1 <= len(updates) <= 11
        assert all(later - earlier >= timedelta(seconds=1) for earlier, later in pairwise(updates))
        # The last votes show at the next tick, a second after the last update at most.
        clock.tick(1)
        run_due(technet.runtime, datetime.now(UTC))
    assert "100 votes (50%)" in all_text(shown(technet, poll)["blocks"])
    assert "200 people have voted" in all_text(shown(technet, poll)["blocks"])
