"""Totals: a member's progress to this development year's target, and the organisers' aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import privacy
from storage.cpd.record import EntryInfo, entry_info
from storage.cpd.rules import CpdRules, DevelopmentYear, check_fte, development_year, target_days
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.models import Member
from storage.models.careers import CpdEntry
from storage.privacy import Shown, part_of, share_of, suppress


# Progress ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    year: DevelopmentYear
    fte: float
    target_days: float
    logged_days: float
    # What the target asks for by the end of today, pro rata to the year gone.
    expected_days: float
    entries: list[EntryInfo]
    entry_count: int

    @property
    def percent(self) -> int:
        return min(round(100 * self.logged_days / self.target_days), 999) if self.target_days else 0

    @property
    def on_track(self) -> bool:
        return self.logged_days + 1e-9 >= self.expected_days

    @property
    def remaining_days(self) -> float:
        return max(self.target_days - self.logged_days, 0.0)


def progress(session: Session, member_id: int, *, rules: CpdRules, today: date, limit: int = 30) -> Progress:
    """This development year's total and entries (latest first, at most `limit`) for one member."""
    member = session.get_one(Member, member_id)
    fte = check_fte(member.fte)
    year = development_year(today, rules.year_start_month)
    in_year = (CpdEntry.member_id == member_id, CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
    minutes, count = session.execute(select(func.coalesce(func.sum(CpdEntry.minutes), 0), func.count())
                                     .where(*in_year)).one()
    rows = session.scalars(select(CpdEntry).where(*in_year)
                           .order_by(CpdEntry.done_on.desc(), CpdEntry.id.desc()).limit(limit)).all()
    target = target_days(fte, rules)
    return Progress(year, fte, target, rules.days(int(minutes)), target * year.elapsed(today),
                    [entry_info(r) for r in rows], int(count))


# Organisers' aggregates ------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """Figures about members as they may be shown (storage.privacy): a group of 1 to N-1 is
    "fewer than N", and a median or share that could be one person's is withheld."""

    year: DevelopmentYear
    members: Shown
    logged: Shown
    logged_share: Shown
    median_days: Shown
    on_track: Shown
    on_track_share: Shown
    # Members whose FTE is not a valid share of full time: left out of `on_track` and its share.
    fte_to_check: Shown


def summary(session: Session, actor: Actor, *, rules: CpdRules, today: date, min_group: int) -> Summary:
    """How many members logged anything this development year, their median days, and the share on track.

    Organisers only, and only aggregates: no member's entries or total is ever returned, and
    no figure about fewer than `min_group` members (TECHNET_REPORT_MIN_GROUP).
    """
    actor.require(Role.ORGANISER, "see the network's CPD figures")
    year = development_year(today, rules.year_start_month)
    people = session.execute(select(Member.id, Member.fte).where(
        Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    totals = dict(session.execute(
        select(CpdEntry.member_id, func.sum(CpdEntry.minutes))
        .where(CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
        .group_by(CpdEntry.member_id)).all())
    logged_days = [rules.days(int(totals[m])) for m, _ in people if totals.get(m)]
    on_track, fte_to_check = 0, 0
    elapsed = year.elapsed(today)
    for member_id, fte in people:
        try:
            expected = target_days(fte, rules) * elapsed
        except DomainError:
            fte_to_check += 1
            continue
        if rules.days(int(totals.get(member_id) or 0)) + 1e-9 >= expected:
            on_track += 1
    k = min_group
    members = len(people)
    logged, members_shown_logged = part_of(len(logged_days), members, k)
    # Members fall into on track, not on track, and an FTE to check: one breakdown of them.
    track = suppress({"on": on_track, "off": members - fte_to_check - on_track, "check": fte_to_check}, k,
                     total=privacy.people(members, k))
    members_shown = privacy.people(members, k) if members_shown_logged and track.total_shown else \
        privacy.withheld(min_group=k)
    counted = privacy.people(members - fte_to_check, k) if track.cells["check"].exact else privacy.withheld(min_group=k)
    return Summary(year, members_shown, logged, share_of(logged, members_shown), privacy.median(logged_days, k),
                   track.cells["on"], share_of(track.cells["on"], counted), track.cells["check"])
