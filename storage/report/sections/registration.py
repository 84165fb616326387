"""Professional registration: members by status and register, registered members against the start."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, or_, select

from content import ContentError
from storage import registration as rg
from storage.models import Member
from storage.models.mentoring import RegistrationStatus
from storage.privacy import suppress
from storage.report.building import Context, by_name, with_shown, year_series, years_label
from storage.report.model import NOT_RECORDED, Chart, ChartKind, Pillar, Section
from storage.report.periods import day_text


REGISTRATION = "Professional registration"


def registration_section(ctx: Context) -> Section:
    """No history of statuses is kept: a member's status is as it is now, and a registered
    member counts as registered from the last change to their status (a lower bound at
    the start of a period when they changed it since)."""
    session, now_p = ctx.session, ctx.period
    pillar = Pillar.RECOGNITION
    people_now = and_(Member.is_bot.is_(False), Member.deactivated.is_(False))
    statuses = Member.__table__.join(RegistrationStatus.__table__, RegistrationStatus.member_id == Member.id)
    registered = RegistrationStatus.status == "registered"

    def registered_at(moment: datetime) -> int:
        return int(session.scalar(select(func.count()).select_from(statuses).where(
            Member.is_bot.is_(False), registered, RegistrationStatus.updated_at < moment,
            or_(Member.deactivated.is_(False), Member.updated_at >= moment))) or 0)

    at_start, at_end = registered_at(now_p.starts_at), registered_at(ctx.until(now_p))
    aim = round(at_start * (1 + ctx.options.registration_aim)) if at_start else None
    registered_figure = ctx.figure(
        "registration.registered", REGISTRATION,
        "Registered members now" if ctx.now < now_p.ends_at else f"Registered members on {day_text(now_p.last_day)}",
        pillar,
        ctx.people(at_end), ctx.people(at_start), target=aim,
        note=f"the action plans aim for +{round(ctx.options.registration_aim * 100)}%.",
        compared_with=f"at {day_text(now_p.first_day)}")
    by_status = dict(session.execute(select(RegistrationStatus.status, func.count()).select_from(statuses)
                                     .where(people_now).group_by(RegistrationStatus.status)).all())
    recorded = sum(int(n) for n in by_status.values())
    members_now = int(session.scalar(select(func.count()).select_from(Member).where(people_now)) or 0)
    status_cells = {rg.STATUSES.get(k, k): int(n) for k, n in by_status.items()}
    if members_now - recorded:
        status_cells[NOT_RECORDED] = members_now - recorded
    status_order = [rg.STATUSES[k] for k in rg.STATUSES if rg.STATUSES[k] in status_cells] + \
        [k for k in status_cells if k not in rg.STATUSES.values()]
    members_shown = ctx.people(members_now)
    status_shown = suppress({k: status_cells[k] for k in status_order}, ctx.k, total=members_shown)
    by_register = by_name(session.execute(
        select(RegistrationStatus.register, func.count()).select_from(statuses)
        .where(people_now, registered).group_by(RegistrationStatus.register)).all())
    registered_now = sum(int(n) for n in by_register.values())
    ongoing = ctx.now < now_p.ends_at
    # While the period is under way, "registered now" is the period's own figure; otherwise its own.
    registered_shown = registered_figure.current if ongoing else ctx.people(registered_now)
    register_names = _register_names(ctx.options.content_dir)

    def register_order_key(key: str) -> tuple[bool, str]:
        return key == NOT_RECORDED, register_names.get(key, key).casefold()

    register_order = sorted(by_register, key=register_order_key)
    register_shown = suppress({register_names.get(k, k): by_register[k] for k in register_order}, ctx.k,
                              total=registered_shown)
    figures = [
        registered_figure,
        ctx.snapshot_figure("registration.members", REGISTRATION, "Members now", pillar,
                            members_shown if status_shown.total_shown else ctx.withheld()),
    ]
    if ongoing and not register_shown.total_shown:
        figures = with_shown(figures, "registration.registered", ctx.withheld(), registered_figure.previous)
    elif not ongoing:
        figures.append(ctx.snapshot_figure("registration.registered_now", REGISTRATION, "Registered members now",
                                           pillar, registered_shown if register_shown.total_shown else ctx.withheld()))
    figures += [ctx.snapshot_figure("registration.by_status", REGISTRATION, "Members by registration status (now)",
                                    pillar, shown, group=name) for name, shown in status_shown.cells.items()]
    figures += [ctx.snapshot_figure("registration.by_register", REGISTRATION, "Registered members by register (now)",
                                    pillar, shown, group=name) for name, shown in register_shown.cells.items()]
    years = ctx.years(session.scalar(select(func.min(RegistrationStatus.updated_at)).where(registered)))
    counts = [registered_at(ctx.until(y)) for y in years]
    charts = (Chart("registration.years", ChartKind.YEARS, "Registered members at the end of each year",
                    "Development year", "Registered members", years_label(years),
                    (year_series(ctx, "Registered", years, counts, figures[0]),), pillar),)
    return Section("registration", REGISTRATION, tuple(figures), charts,
                   ("Statuses are as members recorded them; a member counts as registered from their last change "
                    "of status.",))


def _register_names(content_dir: str | None) -> dict[str, str]:
    """Register keys to their names in the registration guide (content/registration.yaml)."""
    try:
        guide = rg.load_guide(Path(content_dir) if content_dir else None)
    except ContentError:
        # Organiser-edited content that does not load: the keys themselves still say which register.
        return {}
    return {r.key: r.name for r in guide.registers}
