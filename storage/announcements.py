"""Scheduled announcements: organisers write a message for a channel, once or repeating.

Each post is a due row keyed by the announcement and the UTC time of its slot, so it
goes out once (DESIGN decision 3). Only the next slot is in the ledger; delivering one
schedules the one after it. Slots repeat in the network's local time: a weekly 09:00
post stays at 09:00 across the clock change, and a local time that does not exist
(the hour skipped in March) is refused when it is chosen.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound
from storage.members import Actor, Role
from storage.models import DueItem
from storage.models.news import Announcement

KIND = "announcement"
NONE, WEEKLY, FORTNIGHTLY, MONTHLY = "none", "weekly", "fortnightly", "monthly"
REPEATS = {NONE: "Does not repeat", WEEKLY: "Every week", FORTNIGHTLY: "Every two weeks", MONTHLY: "Every month"}
DRAFT, SCHEDULED, FINISHED, CANCELLED, APPLIED = "draft", "scheduled", "finished", "cancelled", "applied"
# Slack shows at most 3,000 characters in one section block.
TEXT_LIMIT = 3000
# How far ahead a post may be scheduled, and how long a repeat may run.
FURTHEST = timedelta(days=2 * 366)
# Two presses of "Post now" this close together are one press (a double click).
POST_NOW_DEBOUNCE = timedelta(minutes=1)
_NOW_SUFFIX = "/now"

# The form's fields: errors name them, and the modal uses them as block ids.
F_TEXT, F_CHANNEL, F_DATE, F_TIME, F_REPEAT, F_UNTIL = "text", "channel", "date", "time", "repeat", "until"


@dataclass(frozen=True)
class AnnouncementForm:
    text: str
    channel_id: str | None
    day: date | None
    time: str | None  # "HH:MM", local to the network
    repeat: str = NONE
    until: date | None = None


@dataclass(frozen=True)
class AnnouncementInfo:
    id: int
    text: str
    channel_id: str
    author_user: str
    author_name: str
    first_at: datetime
    first_local: datetime
    repeat: str
    until: date | None
    status: str
    next_at: datetime | None
    posts: int
    edits_id: int | None = None

    @property
    def repeats(self) -> bool:
        return self.repeat != NONE


# Local time ---------------------------------------------------------------------------

def local_moment(day: date, clock: time, tz: tzinfo) -> datetime:
    """The UTC instant of a local date and time; refuses a time the clocks skip.

    A time that happens twice (the hour repeated in October) is taken the first time.
    """
    local = datetime.combine(day, clock, tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(
            f"There is no {clock:%H:%M} on {day:%A %-d %B %Y} in {tz}: the clocks go forward that night "
            "and skip that hour. Choose a time outside it.", field=F_TIME)
    return utc


def parse_clock(text: str | None) -> time | None:
    if not text:
        return None
    try:
        hours, minutes = (int(part) for part in text.strip().split(":")[:2])
        return time(hours, minutes)
    except ValueError:
        raise DomainError(f"“{text[:20]}” is not a time; use HH:MM, e.g. 09:30.", field=F_TIME) from None


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    # The 31st becomes the last day of a shorter month, counted from the first date each time.
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def slot(first_local: datetime, repeat: str, n: int) -> datetime:
    """The n-th post's local wall-clock time (naive), n = 0 being the first."""
    if repeat == WEEKLY:
        return first_local + timedelta(weeks=n)
    if repeat == FORTNIGHTLY:
        return first_local + timedelta(weeks=2 * n)
    if repeat == MONTHLY:
        return datetime.combine(_add_months(first_local.date(), n), first_local.time())
    return first_local


def to_utc(local: datetime, tz: tzinfo) -> datetime:
    """A repeat landing in the skipped hour goes out an hour later, as the clock says then."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def slots_after(first_local: datetime, tz: tzinfo, repeat: str, until: date | None,
                after: datetime | None) -> datetime | None:
    """The first slot (UTC) strictly after `after` (or the very first), or None when none is left."""
    for n in range(0, 2000):
        if n > 0 and repeat == NONE:
            return None
        local = slot(first_local, repeat, n)
        if n > 0 and until is not None and local.date() > until:
            return None
        moment = to_utc(local, tz)
        if after is None or moment > after:
            return moment
    return None


# Reading --------------------------------------------------------------------------------

def _subject(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


def announcement_id(subject: str) -> int:
    return int(subject.split(":", 1)[1])


def _pending(session: Session, announcement_id: int) -> list[DueItem]:
    return list(session.scalars(select(DueItem).where(
        DueItem.kind == KIND, DueItem.subject == _subject(announcement_id), DueItem.status == ledger.PENDING,
    ).order_by(DueItem.due_at)).all())


def _info(session: Session, row: Announcement) -> AnnouncementInfo:
    pending = _pending(session, row.id) if row.status in (SCHEDULED, FINISHED) else []
    return AnnouncementInfo(
        id=row.id, text=row.text, channel_id=row.channel_id, author_user=row.author.user_id,
        author_name=row.author.name, first_at=row.first_at, first_local=datetime.fromisoformat(row.first_local),
        repeat=row.repeat, until=row.repeat_until, status=row.status,
        next_at=pending[0].due_at if pending else None, posts=row.posts, edits_id=row.edits_id)


def _get(session: Session, announcement_id: int) -> Announcement:
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound("That announcement no longer exists.")
    return row


def get(session: Session, announcement_id: int) -> AnnouncementInfo:
    return _info(session, _get(session, announcement_id))


def scheduled(session: Session) -> list[AnnouncementInfo]:
    """Announcements with posts still to come, the soonest first."""
    rows = session.scalars(select(Announcement).where(Announcement.status == SCHEDULED)).all()
    infos = [_info(session, row) for row in rows]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(infos, key=lambda i: (i.next_at or far, i.id))


# Writing --------------------------------------------------------------------------------

def check_form(form: AnnouncementForm, *, now: datetime, tz: tzinfo) -> tuple[str, datetime, datetime, date | None]:
    """(text, local first post, UTC first post, until) or a DomainError naming the field."""
    text = (form.text or "").strip()
    if not text:
        raise DomainError("Write the message to post.", field=F_TEXT)
    if len(text) > TEXT_LIMIT:
        raise DomainError(f"The message is {len(text):,} characters; Slack shows at most {TEXT_LIMIT:,} in one "
                          "block. Shorten it, or schedule two announcements.", field=F_TEXT)
    if not form.channel_id:
        raise DomainError("Choose the channel to post in.", field=F_CHANNEL)
    if form.day is None:
        raise DomainError("Choose the date of the (first) post.", field=F_DATE)
    clock = parse_clock(form.time)
    if clock is None:
        raise DomainError("Choose the time of the post.", field=F_TIME)
    if form.repeat not in REPEATS:
        raise DomainError("Choose how often it repeats.", field=F_REPEAT)
    first_at = local_moment(form.day, clock, tz)
    today = now.astimezone(tz).date()
    if form.day < today:
        raise DomainError(f"{form.day:%-d %B %Y} has passed. Choose today or a later date.", field=F_DATE)
    if first_at <= now:
        raise DomainError(f"{clock:%H:%M} today has passed (it is {now.astimezone(tz):%H:%M} now). "
                          "Choose a later time.", field=F_TIME)
    if first_at - now > FURTHEST:
        raise DomainError("That is more than two years away; choose a nearer date.", field=F_DATE)
    until = form.until if form.repeat != NONE else None
    if form.repeat != NONE:
        if until is None:
            raise DomainError("Choose the last date it repeats until.", field=F_UNTIL)
        if until < form.day:
            raise DomainError("The last date is before the first post.", field=F_UNTIL)
        if until - form.day > FURTHEST:
            raise DomainError("Repeats can run for two years at most; choose an earlier last date.", field=F_UNTIL)
    return text, datetime.combine(form.day, clock), first_at, until


def save_draft(session: Session, actor: Actor, form: AnnouncementForm, *, now: datetime, tz: ZoneInfo,
               editing: int | None = None) -> AnnouncementInfo:
    """Check the form and keep it as a draft, to preview before it is scheduled."""
    actor.require(Role.ORGANISER, "schedule announcements")
    if editing is not None and _get(session, editing).status != SCHEDULED:
        raise DomainError("That announcement has been cancelled or has finished; schedule a new one.",
                          field=F_TEXT)
    text, first_local, first_at, until = check_form(form, now=now, tz=tz)
    assert form.channel_id is not None
    row = Announcement(author_id=actor.member_id, text=text, surface=actor.identity.surface, channel_id=form.channel_id,
                       first_local=first_local.isoformat(timespec="minutes"), timezone=str(tz),
                       first_at=first_at, repeat=form.repeat, repeat_until=until, status=DRAFT, edits_id=editing,
                       posts=0, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _info(session, row)


def confirm(session: Session, actor: Actor, draft_id: int, *, now: datetime) -> AnnouncementInfo:
    """Schedule a previewed draft (or apply an edit). Confirming twice changes nothing."""
    actor.require(Role.ORGANISER, "schedule announcements")
    draft = _get(session, draft_id)
    if draft.status == APPLIED and draft.edits_id is not None:
        return get(session, draft.edits_id)
    if draft.status != DRAFT:
        return _info(session, draft)
    if draft.first_at <= now:
        raise DomainError("The time of the first post passed while the preview was open. Go back and choose a "
                          "later time.", field=F_TIME)
    target = draft
    if draft.edits_id is not None:
        target = _get(session, draft.edits_id)
        if target.status != SCHEDULED:
            raise DomainError("That announcement was cancelled or finished meanwhile; schedule a new one.")
        for name in ("text", "channel_id", "first_local", "timezone", "first_at", "repeat", "repeat_until"):
            setattr(target, name, getattr(draft, name))
        target.updated_at = now
        draft.status = APPLIED
    else:
        draft.status = SCHEDULED
    _reschedule(session, target, now)
    session.flush()
    return _info(session, target)


def _schedule_slot(session: Session, row: Announcement, moment: datetime, *, occurrence: str | None = None,
                   due_at: datetime | None = None) -> DueItem:
    key = occurrence or moment.isoformat()
    item = ledger.schedule(session, kind=KIND, subject=_subject(row.id), occurrence=key, due_at=due_at or moment,
                           payload={"slot": moment.isoformat()})
    if item.status == ledger.CANCELLED:
        # Moved away and back again: the slot's row exists, cancelled; it is wanted after all.
        item.status, item.not_before, item.attempts, item.result = ledger.PENDING, item.due_at, 0, None
    return item


def _reschedule(session: Session, row: Announcement, now: datetime) -> None:
    """After a save or an edit: the next slot from now is the only pending one."""
    tz = ZoneInfo(row.timezone)
    following = slots_after(datetime.fromisoformat(row.first_local), tz, row.repeat, row.repeat_until, now)
    for item in _pending(session, row.id):
        if following is None or item.occurrence != following.isoformat():
            item.status = ledger.CANCELLED
    if following is None:
        row.status = FINISHED
    else:
        _schedule_slot(session, row, following)


def schedule_after(session: Session, announcement_id: int, slot_at: datetime) -> datetime | None:
    """Put the slot after `slot_at` in the ledger (idempotent); the announcement finishes when none is left."""
    row = _get(session, announcement_id)
    if row.status != SCHEDULED:
        return None
    tz = ZoneInfo(row.timezone)
    following = slots_after(datetime.fromisoformat(row.first_local), tz, row.repeat, row.repeat_until, slot_at)
    if following is None:
        row.status = FINISHED
        return None
    _schedule_slot(session, row, following)
    return following


def to_post(session: Session, announcement_id: int) -> AnnouncementInfo | None:
    """The announcement as it is now, if it still wants posting (not cancelled, not a draft)."""
    row = session.get(Announcement, announcement_id)
    if row is None or row.status not in (SCHEDULED, FINISHED):
        return None
    return _info(session, row)


def record_post(session: Session, announcement_id: int) -> None:
    row = session.get(Announcement, announcement_id)
    if row is not None:
        row.posts += 1


def cancel(session: Session, actor: Actor, announcement_id: int, *, now: datetime) -> AnnouncementInfo:
    """No more posts. Cancelling twice changes nothing."""
    actor.require(Role.ORGANISER, "cancel announcements")
    row = _get(session, announcement_id)
    if row.status in (SCHEDULED, FINISHED):
        row.status = CANCELLED
        row.updated_at = now
        ledger.cancel_pending(session, kind=KIND, subject=_subject(row.id))
    return _info(session, row)


def post_now(session: Session, actor: Actor, announcement_id: int, *, now: datetime) -> AnnouncementInfo:
    """Post the next slot now instead of at its time; a repeat then carries on from the slot after.

    A second press within a minute (a double click) does not post the slot after it too.
    """
    actor.require(Role.ORGANISER, "post announcements")
    row = _get(session, announcement_id)
    if row.status != SCHEDULED:
        raise DomainError("That announcement was cancelled or has no posts left.")
    pending = _pending(session, row.id)
    recent = session.scalar(select(DueItem.id).where(
        DueItem.kind == KIND, DueItem.subject == _subject(row.id), DueItem.occurrence.endswith(_NOW_SUFFIX),
        DueItem.created_at >= now - POST_NOW_DEBOUNCE))
    if recent is not None or any(item.occurrence.endswith(_NOW_SUFFIX) for item in pending):
        return _info(session, row)
    if not pending:
        raise DomainError("That announcement has no posts left.")
    item = pending[0]
    moment = datetime.fromisoformat(str(item.payload.get("slot") or item.due_at.isoformat()))
    item.status = ledger.CANCELLED
    _schedule_slot(session, row, moment, occurrence=moment.isoformat() + _NOW_SUFFIX, due_at=now)
    session.flush()
    return _info(session, row)


def is_post_now(occurrence: str) -> bool:
    return occurrence.endswith(_NOW_SUFFIX)
