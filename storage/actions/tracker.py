"""The action plan's actions: reading them with their RAG status, owners posting updates, the
due-soon and late reminders each owner is owed (through the due ledger), and the steering
group's monthly summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, Role
from storage.models import Member
from storage.models.actions import PlanAction, PlanActionOwner, PlanActionUpdate

# The four pillars of the Technician Commitment, in the order the plan shows them.
PILLARS = {
    "visibility": "Visibility",
    "recognition": "Recognition",
    "career development": "Career development",
    "sustainability": "Sustainability",
}
NOT_STARTED, ON_TRACK, AT_RISK, LATE, DONE = "not started", "on track", "at risk", "late", "done"
STATUSES = (NOT_STARTED, ON_TRACK, AT_RISK, LATE, DONE)
# Red, amber, green (and grey before work starts, blue when done), as the plan's spreadsheets colour them.
RAG = {NOT_STARTED: "grey", ON_TRACK: "green", AT_RISK: "amber", LATE: "red", DONE: "blue"}
NOTE_LIMIT = 1000

DUE_SOON = "action_due_soon"
LATE_NOTICE = "action_late"
SUMMARY = "actions_summary"
SUMMARY_DM = "actions_summary_dm"
DUE_SOON_LEAD = timedelta(days=7)
# Reminders go at this local time of day.
SEND_AT = time(9, 0)


def pillar_key(text: str) -> str | None:
    """The pillar a person named ("Career Development", "career-development"), or None."""
    key = " ".join(text.replace("-", " ").replace("_", " ").casefold().split())
    return key if key in PILLARS else None


def status_key(text: str) -> str | None:
    key = " ".join(text.replace("-", " ").replace("_", " ").casefold().split())
    return key if key in STATUSES else None


def effective_status(status: str, due_on: date, today: date) -> str:
    """An action not done by its due date is late, whatever its owner last said."""
    if status != DONE and due_on < today:
        return LATE
    return status


@dataclass(frozen=True)
class UpdateInfo:
    status: str
    note: str
    by: str | None
    at: datetime


@dataclass(frozen=True)
class ActionInfo:
    id: int
    title: str
    pillar: str
    due_on: date
    measure: str
    status: str  # as set
    shown_status: str  # as it stands today (late once past due)
    owners: tuple[str, ...]  # names
    owner_ids: tuple[int, ...]
    updates: tuple[UpdateInfo, ...] = ()

    @property
    def rag(self) -> str:
        return RAG[self.shown_status]

    @property
    def pillar_label(self) -> str:
        return PILLARS.get(self.pillar, self.pillar)


def _infos(session: Session, actions: list[PlanAction], today: date, *, history: bool = False) -> list[ActionInfo]:
    ids = [a.id for a in actions]
    owners: dict[int, list[Member]] = {}
    if ids:
        for action_id, member in session.execute(
                select(PlanActionOwner.action_id, Member).join(Member, Member.id == PlanActionOwner.member_id)
                .where(PlanActionOwner.action_id.in_(ids)).order_by(Member.id)):
            owners.setdefault(action_id, []).append(member)
    updates: dict[int, list[UpdateInfo]] = {}
    if history and ids:
        rows = session.execute(select(PlanActionUpdate, Member)
                               .outerjoin(Member, Member.id == PlanActionUpdate.member_id)
                               .where(PlanActionUpdate.action_id.in_(ids))
                               .order_by(PlanActionUpdate.created_at.desc(), PlanActionUpdate.id.desc()))
        for update, member in rows:
            updates.setdefault(update.action_id, []).append(
                UpdateInfo(update.status, update.note, member.name if member else None, update.created_at))
    return [ActionInfo(a.id, a.title, a.pillar, a.due_on, a.measure, a.status,
                       effective_status(a.status, a.due_on, today),
                       tuple(m.name for m in owners.get(a.id, [])), tuple(m.id for m in owners.get(a.id, [])),
                       tuple(updates.get(a.id, [])))
            for a in actions]


def plan(session: Session, *, today: date) -> list[ActionInfo]:
    """Every action, by pillar (in PILLARS' order), then due date."""
    order = {key: n for n, key in enumerate(PILLARS)}
    actions = list(session.scalars(select(PlanAction).order_by(PlanAction.due_on, PlanAction.id)))
    actions.sort(key=lambda a: order.get(a.pillar, len(order)))
    return _infos(session, actions, today)


def action(session: Session, action_id: int, *, today: date) -> ActionInfo:
    """One action with its history of updates, newest first."""
    row = session.get(PlanAction, action_id)
    if row is None:
        raise NotFound(f"There is no action {action_id} in the plan (`/tech actions` lists them).")
    return _infos(session, [row], today, history=True)[0]


def rag_counts(session: Session, *, today: date) -> dict[str, int]:
    """How many actions stand at each status today (every status present, zero or not)."""
    counts = Counter(effective_status(status, due_on, today)
                     for status, due_on in session.execute(select(PlanAction.status, PlanAction.due_on)))
    return {status: counts.get(status, 0) for status in STATUSES}


def post_update(session: Session, actor: Actor, action_id: int, status: str, note: str, *,
                now: datetime, today: date) -> ActionInfo:
    """An owner's (or an organiser's) update: the action's status and a note in its history."""
    row = session.get(PlanAction, action_id)
    if row is None:
        raise NotFound(f"There is no action {action_id} in the plan (`/tech actions` lists them).")
    before = _infos(session, [row], today)[0]
    require_update(actor, before)
    chosen = status_key(status or "")
    if chosen is None:
        raise DomainError("Choose a status: " + ", ".join(STATUSES) + ".", field="status")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise DomainError(f"Keep the note to {NOTE_LIMIT} characters.", field="note")
    row.status = chosen
    row.updated_at = now
    session.add(PlanActionUpdate(action_id=action_id, member_id=actor.member_id, status=chosen, note=note,
                                 created_at=now))
    session.flush()
    # The owners are as they were: only the status moved (no second read of them).
    return replace(before, status=chosen, shown_status=effective_status(chosen, row.due_on, today))


def may_update(actor: Actor, action: ActionInfo) -> bool:
    """Who posts an action's updates: its owners, and network organisers."""
    return actor.member_id in action.owner_ids or actor.has(Role.ORGANISER)


def require_update(actor: Actor, action: ActionInfo) -> None:
    if not may_update(actor, action):
        raise PermissionDenied("Only the action's owners (or a network organiser) can post its updates.")


# Reminders ------------------------------------------------------------------------------------

def _at(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, SEND_AT, tzinfo=tz)


def schedule_reminders(session: Session, action: PlanAction, owners: list[Member], *, tz: tzinfo) -> None:
    """Each owner's due-soon and late DMs for the action's due date (idempotent: the ledger's key
    names the owner and the date, so a moved date gets new rows and the old ones are skipped)."""
    for member in owners:
        subject = f"action:{action.id}:member:{member.id}"
        payload = {"member": member.user_id}
        ledger.schedule(session, kind=DUE_SOON, subject=subject, occurrence=action.due_on.isoformat(),
                        due_at=_at(action.due_on - DUE_SOON_LEAD, tz), payload=payload)
        ledger.schedule(session, kind=LATE_NOTICE, subject=subject, occurrence=action.due_on.isoformat(),
                        due_at=_at(action.due_on + timedelta(days=1), tz), payload=payload)


def reminder_to_send(session: Session, subject: str, occurrence: str, *, late: bool,
                     today: date) -> ActionInfo | None:
    """The action a reminder is about, if it still applies: the owner still owns it, its due date
    is the one the reminder was for, it is not done, and (due soon) not yet past due."""
    parts = subject.split(":")
    if len(parts) != 4:
        return None
    action_id, member_id = int(parts[1]), int(parts[3])
    row = session.get(PlanAction, action_id)
    if row is None or row.due_on.isoformat() != occurrence or row.status == DONE:
        return None
    if session.get(PlanActionOwner, (action_id, member_id)) is None:
        return None
    if not late and row.due_on < today:
        return None
    return _infos(session, [row], today)[0]


# The steering group's monthly summary -------------------------------------------------------------

def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def schedule_summary(session: Session, *, now: datetime, tz: tzinfo) -> None:
    """This month's summary, due on its first day at SEND_AT (idempotent)."""
    today = now.astimezone(tz).date()
    first = today.replace(day=1)
    ledger.schedule(session, kind=SUMMARY, subject="steering", occurrence=month_of(first), due_at=_at(first, tz))


def has_actions(session: Session) -> bool:
    return session.scalar(select(PlanAction.id).limit(1)) is not None


def schedule_summary_dms(session: Session, month: str, user_ids: list[str], *, now: datetime) -> int:
    """One due row per member of the steering group: each gets the month's summary once."""
    for user_id in user_ids:
        ledger.schedule(session, kind=SUMMARY_DM, subject=f"steering:{user_id}", occurrence=month, due_at=now,
                        payload={"member": user_id})
    return len(user_ids)


@dataclass
class Summary:
    month: str  # "YYYY-MM" of the month the summary goes out in
    since: date
    changed: list[tuple[ActionInfo, UpdateInfo]] = field(default_factory=list)
    late: list[ActionInfo] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def summary(session: Session, month: str, *, tz: tzinfo, today: date) -> Summary:
    """What changed in the month before `month` (every update, newest first) and what is late."""
    year, number = (int(x) for x in month.split("-"))
    first = date(year, number, 1)
    since = (first - timedelta(days=1)).replace(day=1)
    start, end = (datetime.combine(day, time(), tzinfo=tz) for day in (since, first))
    rows = session.execute(
        select(PlanActionUpdate, Member).outerjoin(Member, Member.id == PlanActionUpdate.member_id)
        .where(PlanActionUpdate.created_at >= start, PlanActionUpdate.created_at < end)
        .order_by(PlanActionUpdate.created_at.desc(), PlanActionUpdate.id.desc())).all()
    actions = {a.id: a for a in plan(session, today=today)}
    found = Summary(month=month, since=since, counts=rag_counts(session, today=today))
    for update, member in rows:
        info = actions.get(update.action_id)
        if info is not None:
            found.changed.append((info, UpdateInfo(update.status, update.note, member.name if member else None,
                                                   update.created_at)))
    found.late = [a for a in actions.values() if a.shown_status == LATE]
    return found
