"""Events: held by kind, networking events against the yearly target, RSVPs and attendance."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from storage import events as ev
from storage.models import Member
from storage.models.events import Event, Rsvp
from storage.report.building import (
    Context, breakdown_figures, by_name, count_when, distinct_when, monthly_lines, with_shown, within,
)
from storage.report.model import Chart, ChartKind, Pillar, Section
from storage.report.periods import Period


EVENTS = "Events and network meetings"
# The kinds where technicians from across the institution meet: what "networking events" counts.
NETWORKING_KINDS = ("network_meeting", "conference", "showcase")


def events_section(ctx: Context) -> Section:
    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.VISIBILITY
    both = and_(Event.starts_at >= before_p.starts_at, Event.starts_at < now_p.ends_at)

    def held(p: Period) -> ColumnElement[bool]:
        # Held: not cancelled, and started within the period, before now.
        return and_(Event.status == ev.SCHEDULED, Event.starts_at >= p.starts_at, Event.starts_at < ctx.until(p))

    kinds = {kind: (int(a), int(b)) for kind, a, b in session.execute(
        select(Event.kind, count_when(held(now_p)), count_when(held(before_p))).where(both).group_by(Event.kind))}
    networking = [k for k in NETWORKING_KINDS if k in ev.KINDS]
    # The yearly target, pro rata for a period that is not a development year.
    target = ctx.options.networking_target * (1 if now_p.is_development_year else round(now_p.days / 365, 2))
    # Where an organiser recorded who came, that; elsewhere the members who said they were going.
    came = or_(and_(Event.attendance_recorded_at.is_not(None), Rsvp.attended.is_(True)),
               and_(Event.attendance_recorded_at.is_(None), Rsvp.status == ev.GOING))

    def going(p: Period) -> ColumnElement[bool]:
        return and_(Event.status == ev.SCHEDULED, within(Event.starts_at, p), Rsvp.status == ev.GOING)

    rsvps = Rsvp.__table__.join(Event.__table__, Event.id == Rsvp.event_id)
    # One pass over the answers, by department: a member is in one department, so the
    # departments' distinct attendees add up to the network's.
    rows = [(d, [int(n) for n in counts]) for d, *counts in session.execute(
        select(Member.department, count_when(going(now_p)), count_when(going(before_p)),
               count_when(and_(held(now_p), came)), count_when(and_(held(before_p), came)),
               distinct_when(and_(held(now_p), came), Rsvp.member_id),
               distinct_when(and_(held(before_p), came), Rsvp.member_id))
        .select_from(rsvps.join(Member.__table__, Member.id == Rsvp.member_id)).where(both)
        .group_by(Member.department))]
    going_now, going_before, attended, attended_before, attendees, attendees_before = (
        sum(r[i] for _, r in rows) for i in range(6))
    held_figure = ctx.count_figure("events.held", EVENTS, "Events held", pillar,
                                   (sum(a for a, _ in kinds.values()), sum(b for _, b in kinds.values())),
                                   of_people=False)
    networking_figure = ctx.count_figure(
        "events.networking", EVENTS, "Networking events held (network meetings, conferences, showcases)", pillar,
        (sum(kinds.get(k, (0, 0))[0] for k in networking), sum(kinds.get(k, (0, 0))[1] for k in networking)),
        of_people=False, target=target)
    attended_figure = ctx.count_figure("events.attended", EVENTS, "Attendances", pillar, (attended, attended_before),
                                       note="where an organiser recorded who came, those; elsewhere the members "
                                            "who said they were going.")
    attendees_figure = ctx.count_figure("events.attendees", EVENTS, "Members who attended", pillar,
                                        (attendees, attendees_before))
    departments, (attendees_now, attendees_was) = breakdown_figures(
        ctx, "events.by_department", EVENTS, "Members who attended, by department", pillar,
        by_name((d, r[4]) for d, r in rows), by_name((d, r[5]) for d, r in rows),
        (attendees_figure.current, attendees_figure.previous))
    lines, (attended_now, attended_was) = monthly_lines(
        ctx, Event.starts_at, and_(Event.status == ev.SCHEDULED, Event.starts_at < ctx.now, came),
        (attended_figure.current, attended_figure.previous), source=rsvps)
    figures = [
        held_figure, networking_figure,
        ctx.count_figure("events.rsvps", EVENTS, "RSVPs: going", pillar, (going_now, going_before)),
        attended_figure, attendees_figure,
    ]
    figures = with_shown(figures, "events.attendees", attendees_now, attendees_was)
    figures = with_shown(figures, "events.attended", attended_now, attended_was)
    figures += ctx.things_by_kind("events.by_kind", EVENTS, "Events held by kind", pillar, kinds, ev.KINDS)
    figures += departments
    charts = (Chart("events.attendance", ChartKind.MONTHLY, "Attendance at events each month", "Month",
                    "Attendances", now_p.label, lines, pillar),)
    return Section("events", EVENTS, tuple(figures), charts)
