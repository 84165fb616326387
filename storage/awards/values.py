"""Awards: the settings, states and kinds, the refusals, and the plain values the services hand out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.members import Actor
from storage.errors import DomainError, PermissionDenied
from storage.privacy import Change, Shown, change_between

# The Technician Commitment's four pillars, plus impact: the default rubric.
DEFAULT_CRITERIA = ("Visibility", "Recognition", "Career development", "Sustainability", "Impact")
CITATION_MIN, CITATION_MAX = 50, 3000
EXAMPLE_MAX, MAX_EXAMPLES = 500, 3
TEAM_NAME_MAX, TEAM_MAX = 100, 20
LINK_MAX = 500
ANNOUNCEMENT_MAX = 3000
REMINDER_BEFORE = timedelta(days=3)
SHORTEST_CYCLE = timedelta(hours=1)
NOTIFY_NEVER, NOTIFY_AT_CLOSE = "never", "at_close"
UPCOMING, OPEN, CLOSED, ANNOUNCED = "upcoming", "open", "closed", "announced"
ACTIVE, WITHDRAWN = "active", "withdrawn"
CREATED, UPDATED, REFUSED_CLOSED = "created", "updated", "closed"
# Why a panel member is recused from a nominee: they are (in) the nominee, or they nominated them.
RECUSED_NOMINEE, RECUSED_NOMINATOR = "nominee", "nominator"

# Kinds of due item (digests/awards.py delivers them).
OPENING = "awards.opening"
REMINDER = "awards.reminder"
CLOSING = "awards.closing"
NOMINEE_NOTICE = "awards.nominee_notice"


class CycleClosed(DomainError):
    """The cycle is not open for nominations (any more)."""


class PanelRefusal(PermissionDenied):
    """Someone who is not on a cycle's panel asked for panel-only things.

    Raising rolls the unit of work back, so the caller records the refusal in the audit
    log in a unit of its own with `record_refusal`.
    """

    def __init__(self, message: str, *, cycle_id: int | None, actor: Actor, action: str):
        super().__init__(message)
        self.cycle_id, self.action = cycle_id, action
        # Who asked: the member for the log, their user id for ours.
        self.actor_id, self.actor = actor.member_id, actor.user_id


@dataclass(frozen=True)
class CycleInfo:
    """Public facts about a cycle: nothing here says anything about its nominations."""

    id: int
    award_id: int
    award_name: str
    description: str
    label: str
    opens_at: datetime
    closes_at: datetime
    allow_self: bool
    allow_team: bool
    notify_nominees: str
    criteria: tuple[str, ...]
    panel: tuple[str, ...]
    chair: str
    state: str
    announced_at: datetime | None

    @property
    def title(self) -> str:
        return f"{self.award_name} {self.label}".strip()


@dataclass(frozen=True)
class NominationCopy:
    """A nomination as its nominator (or the panel) reads it."""

    id: int
    cycle: CycleInfo
    nominee_key: str
    nominee_user: str | None
    nominee_name: str
    team_name: str | None
    team_members: tuple[str, ...]
    citation: str
    examples: tuple[str, ...]
    link: str | None
    status: str
    nominator_user: str
    nominator_name: str
    nominator_department: str | None
    updated_at: datetime

    @property
    def editable(self) -> bool:
        return self.status == ACTIVE and self.cycle.state == OPEN


@dataclass(frozen=True)
class NominationForm:
    """What the nomination form holds. With `nomination_id`, it edits that nomination."""

    cycle_id: int | None
    nominee: str | None = None
    team_members: tuple[str, ...] = ()
    team_name: str | None = None
    citation: str = ""
    examples: tuple[str, ...] = ()
    link: str | None = None
    nomination_id: int | None = None

    def as_text(self) -> str:
        """The nominator's own words, to give back when a submission is refused."""
        parts = [self.citation.strip()]
        parts += [f"Example of impact: {e.strip()}" for e in self.examples if e and e.strip()]
        if self.link:
            parts.append(f"Link: {self.link.strip()}")
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class SubmissionResult:
    outcome: str  # CREATED, UPDATED or REFUSED_CLOSED
    key: str
    repeated: bool
    nomination: NominationCopy | None
    # The cycle the form was for (its close time explains a refusal).
    cycle: CycleInfo | None = None


@dataclass(frozen=True)
class DmClaim:
    """A confirmation (or a refused text) that this caller alone now sends."""

    outcome: str
    nominator_user: str
    nomination: NominationCopy | None


@dataclass(frozen=True)
class NomineeSummary:
    key: str
    name: str
    user_id: str | None
    team_members: tuple[str, ...]
    departments: tuple[str, ...]
    nominations: tuple[NominationCopy, ...]
    average: float | None
    scorers: int
    shortlisted: bool
    winner: bool
    # This panel member's own scores, by criterion.
    my_scores: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Recusal:
    """A panel member who takes no part in judging a nominee (a conflict of interest)."""

    panel_member: str
    nominee_key: str
    nominee_name: str
    reason: str  # RECUSED_NOMINEE or RECUSED_NOMINATOR


@dataclass(frozen=True)
class Review:
    cycle: CycleInfo
    # Only the nominees this panel member is not recused from.
    nominees: tuple[NomineeSummary, ...]
    is_chair: bool
    # The chair sees the panel's recusals (but none about a nominee the chair is recused from);
    # every member sees those of their own they already know of (whom they nominated).
    recusals: tuple[Recusal, ...] = ()


@dataclass(frozen=True)
class NomineeRef:
    key: str
    name: str
    user_ids: tuple[str, ...]
    team_name: str | None


@dataclass(frozen=True)
class AnnouncementDraft:
    cycle: CycleInfo
    winner: NomineeRef
    shortlist: tuple[NomineeRef, ...]


@dataclass(frozen=True)
class AnnouncedWinner:
    cycle_id: int
    award_name: str
    label: str
    winner: NomineeRef
    shortlist: tuple[NomineeRef, ...]
    announced_at: datetime
    text: str


@dataclass(frozen=True)
class FigureRow:
    """Counts only: never a name, never a per-nominee number; None until the cycle closes."""

    award_name: str
    label: str
    state: str
    nominations: Shown | None
    departments: Shown | None
    previous_label: str | None
    previous_nominations: Shown | None

    @property
    def change(self) -> Change | None:
        if self.nominations is None or self.previous_nominations is None:
            return None
        return change_between(self.nominations, self.previous_nominations)


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    allowed: bool
    detail: str
    cycle_id: int | None
