"""Polls in a channel: create, vote (and change a vote) until the close, counts, the close.

A poll's message shows the counts; it is updated through the due ledger, at most once a second
(Slack's rate for updating one message): each vote plans a refresh at the first moment the last
one allows (`plan_refresh`), and whoever sends it claims that moment first (`claim_refresh`), so a
burst of votes makes one update a second and the last one shows every vote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage import ledger
from storage.db import rowcount
from storage.errors import DomainError, NotFound
from storage.forms import InvalidFields
from storage.identities import MessageRef
from storage.members import Actor, Role, members_by_ids
from storage.models.surveys import Poll, PollVote

POLL_REFRESH = "poll_refresh"
POLL_CLOSE = "poll_close"
QUESTION_LIMIT = 300
OPTION_LIMIT = 75  # a button's label on Slack
MOST_OPTIONS = 10
DEFAULT_OPEN = timedelta(hours=24)
LONGEST_OPEN = timedelta(days=90)
# Slack updates one message about once a second at most (chat.update is rate limited per message).
REFRESH_EVERY = timedelta(seconds=1)

USAGE_EXAMPLE = '/tech poll "Which day for the tea round?" "Tuesday" "Thursday" multiple anonymous for 2d'
_DURATION = re.compile(r"([0-9]{1,4})\s*(m|min|mins|minutes?|h|hours?|d|days?)", re.IGNORECASE)
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class PollDraft:
    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None


@dataclass(frozen=True)
class OptionCount:
    label: str
    votes: int
    voters: tuple[str, ...]  # names, only for a poll that shows its voters


@dataclass(frozen=True)
class PollInfo:
    id: int
    question: str
    options: tuple[OptionCount, ...]
    multiple: bool
    anonymous: bool
    closes_at: datetime
    closed: bool
    people: int  # how many have voted
    post: MessageRef | None
    conversation: str

    @property
    def votes(self) -> int:
        return sum(o.votes for o in self.options)


def parse_command(words: str, *, now: datetime, tz: ZoneInfo) -> PollDraft:
    """`"Question?" "A" "B" [multiple] [anonymous] [for 2h | closes 2025-03-20 17:00]` as a draft."""
    text = words.translate(_QUOTES)
    if text.count('"') % 2:
        raise DomainError("A quote is not closed: put the question and each option in double quotes.")
    texts: list[str] = []
    rest: list[str] = []
    for quoted, bare in _TOKEN.findall(text):
        if bare:
            rest.append(bare)
        elif rest:
            raise DomainError("Put the question and the options first, each in double quotes, then `multiple`, "
                              "`anonymous` or `for 2h`.")
        else:
            texts.append(" ".join(quoted.split()))
    multiple = anonymous = False
    closes: datetime | None = None
    i = 0
    while i < len(rest):
        word = rest[i].lower()
        if word in ("multiple", "multi", "several"):
            multiple = True
        elif word in ("anonymous", "anon"):
            anonymous = True
        elif word in ("for", "closes", "close", "until") and i + 1 < len(rest):
            closes, used = _closing(rest[i + 1:], now=now, tz=tz, relative=word == "for")
            i += used
        else:
            raise DomainError(f"I don't understand “{rest[i][:40]}”: put the question and each option in double "
                              "quotes, then `multiple`, `anonymous` or `for 2h` if you want them.")
        i += 1
    if not texts:
        raise DomainError("Put the question and each option in double quotes.")
    return PollDraft(texts[0], tuple(texts[1:]), multiple, anonymous, closes)


def _closing(words: list[str], *, now: datetime, tz: ZoneInfo, relative: bool) -> tuple[datetime, int]:
    if relative or _DURATION.fullmatch(words[0]):
        found = _DURATION.fullmatch(words[0])
        if not found:
            raise DomainError("Say how long it stays open as `for 30m`, `for 2h` or `for 3d`.")
        amount, unit = int(found.group(1)), found.group(2)[0].lower()
        return now + {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
                      "d": timedelta(days=amount)}[unit], 1
    for used in (2, 1):
        text = " ".join(words[:used])
        for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                local = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if pattern == "%Y-%m-%d":
                local = local.replace(hour=17)
            return local.replace(tzinfo=tz), used
    raise DomainError("Give the closing time as `closes 2025-03-20 17:00`, or its length as `for 2h`.")


def check(draft: PollDraft, *, now: datetime) -> dict[str, str]:
    """What is wrong with a draft, by the form's field: question, options, closes."""
    errors: dict[str, str] = {}
    if not draft.question:
        errors["question"] = "Ask a question."
    elif len(draft.question) > QUESTION_LIMIT:
        errors["question"] = f"Keep the question to {QUESTION_LIMIT} characters."
    options = [o for o in draft.options if o]
    if len(options) < 2:
        errors["options"] = "Give at least two options."
    elif len(options) > MOST_OPTIONS:
        errors["options"] = f"Give at most {MOST_OPTIONS} options."
    elif any(len(o) > OPTION_LIMIT for o in options):
        errors["options"] = f"Keep each option to {OPTION_LIMIT} characters."
    elif len({o.casefold() for o in options}) < len(options):
        errors["options"] = "Two options are the same."
    if draft.closes_at is not None:
        if draft.closes_at <= now:
            errors["closes"] = "The closing time has passed: choose one in the future."
        elif draft.closes_at - now > LONGEST_OPEN:
            errors["closes"] = "A poll stays open for at most 90 days."
    return errors


def create(session: Session, actor: Actor, draft: PollDraft, *, conversation: str, now: datetime) -> Poll:
    """A new poll, not yet posted: refused (InvalidFields, every wrong field) when the draft is wrong."""
    errors = check(draft, now=now)
    if errors:
        raise InvalidFields(errors)
    if not conversation:
        raise DomainError("Start a poll in a channel: this conversation has no id I can post in.")
    poll = Poll(question=draft.question, options=[o for o in draft.options if o], multiple=draft.multiple,
                anonymous=draft.anonymous, created_by_id=actor.member_id, conversation=conversation,
                closes_at=draft.closes_at or now + DEFAULT_OPEN, created_at=now)
    session.add(poll)
    session.flush()
    return poll


def posted(session: Session, poll_id: int, ref: MessageRef) -> None:
    """The poll's message is out: keep where it is, and plan its close (the results)."""
    poll = session.get_one(Poll, poll_id)
    poll.post = ref
    ledger.schedule(session, kind=POLL_CLOSE, subject=f"poll:{poll.id}", occurrence="close", due_at=poll.closes_at,
                    payload={"poll": poll.id})


def forget(session: Session, poll_id: int) -> None:
    """A poll whose message could not be posted goes."""
    session.execute(delete(Poll).where(Poll.id == poll_id))


def vote(session: Session, actor: Actor, poll_id: int, option: int, *, now: datetime) -> tuple[str, ...]:
    """Pick `option` (single choice: instead of any earlier pick; several: toggle it) until the close.
    Returns the labels the member has picked now."""
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("That poll is gone.")
    if poll.closed_at is not None or poll.closes_at <= now:
        raise DomainError("This poll has closed: votes can't be changed any more.")
    if not 0 <= option < len(poll.options):
        raise DomainError("That option is not in this poll.")
    mine = PollVote.poll_id == poll.id, PollVote.member_id == actor.member_id
    picked = set(session.scalars(select(PollVote.option).where(*mine)))
    if poll.multiple and option in picked:
        session.execute(delete(PollVote).where(*mine, PollVote.option == option))
        picked.discard(option)
    elif option not in picked:
        if not poll.multiple and picked:
            session.execute(delete(PollVote).where(*mine))
            picked.clear()
        session.add(PollVote(poll_id=poll.id, member_id=actor.member_id, option=option, voted_at=now))
        picked.add(option)
    session.flush()
    return tuple(poll.options[i] for i in sorted(picked))


def info(session: Session, poll_id: int, *, now: datetime) -> PollInfo | None:
    """The poll with its counts (and voters' names, when it shows them)."""
    poll = session.get(Poll, poll_id)
    if poll is None:
        return None
    rows = session.execute(select(PollVote.option, PollVote.member_id).where(PollVote.poll_id == poll.id)
                           .order_by(PollVote.id)).all()
    names = {} if poll.anonymous else {i: m.name for i, m in members_by_ids(session, {m for _, m in rows}).items()}
    counts = []
    for index, label in enumerate(poll.options):
        voters = [m for o, m in rows if o == index]
        counts.append(OptionCount(label, len(voters), tuple(names[m] for m in voters if m in names)))
    closed = poll.closed_at is not None or poll.closes_at <= now
    return PollInfo(poll.id, poll.question, tuple(counts), poll.multiple, poll.anonymous, poll.closes_at, closed,
                    len({m for _, m in rows}), poll.post, poll.conversation)


def plan_refresh(session: Session, poll_id: int, *, now: datetime) -> tuple[int, bool] | None:
    """After a vote is stored: a due row to show the counts, at the first moment the last update allows
    (now, or a second after it). Votes within that second share the row. Returns its id, and whether
    it is due now."""
    poll = session.get(Poll, poll_id)
    if poll is None or poll.post is None:
        return None
    slot = now if poll.refreshed_at is None else max(now, poll.refreshed_at + REFRESH_EVERY)
    item = ledger.schedule(session, kind=POLL_REFRESH, subject=f"poll:{poll.id}",
                           occurrence=slot.isoformat(timespec="milliseconds"), due_at=slot,
                           payload={"poll": poll.id})
    return item.id, slot <= now


def claim_refresh(session: Session, poll_id: int, *, now: datetime) -> bool:
    """Take the right to update the poll's message now: at most once a second, whoever asks.

    A refresh that loses is not needed: whoever won did so after this vote was stored, and shows it."""
    return rowcount(session.execute(
        update(Poll).where(Poll.id == poll_id, or_(Poll.refreshed_at.is_(None),
                                                   Poll.refreshed_at <= now - REFRESH_EVERY))
        .values(refreshed_at=now), execution_options={"synchronize_session": False})) == 1


def close(session: Session, poll_id: int, *, now: datetime) -> bool:
    """Mark the poll closed (once): True when this call closed it."""
    return rowcount(session.execute(
        update(Poll).where(Poll.id == poll_id, Poll.closed_at.is_(None)).values(closed_at=now),
        execution_options={"synchronize_session": False})) == 1


def close_early(session: Session, actor: Actor, poll_id: int, *, now: datetime) -> int | None:
    """Whoever started the poll (or an organiser) may close it now: returns its close's due row, to send."""
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("That poll is gone.")
    if poll.created_by_id != actor.member_id and not actor.has(Role.ORGANISER):
        raise DomainError("Only whoever started this poll, or an organiser, can close it.")
    if poll.closed_at is not None or poll.closes_at <= now:
        raise DomainError("This poll has closed already.")
    poll.closes_at = now
    item = ledger.find(session, POLL_CLOSE, f"poll:{poll.id}", "close")
    if item is None or item.status != ledger.PENDING:
        return None
    item.due_at = item.not_before = now
    return item.id
