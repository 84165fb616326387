"""What a mentoring pairing's group DM shows: the check-in digests/mentoring.py posts at the pairing's
cadence, with the controls the introduction shares (how often, end the mentoring)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from core import ids, ui
from core.markup import escape
from storage import mentoring
from storage.mentoring import PairingInfo
from storage.words import plural


def day(d: date | datetime, tz: tzinfo | None = None) -> str:
    if isinstance(d, datetime):
        d = d.astimezone(tz).date() if tz else d.date()
    return f"{d:%-d %B %Y}"


def mention(slack_user_id: str) -> ui.Markup:
    # Slack user ids are [UW][A-Z0-9]+; anything else is shown as text.
    return f"<@{slack_user_id}>" if slack_user_id.isalnum() else escape(slack_user_id)


def end_button(pairing: PairingInfo, label: str = "End mentoring") -> ui.Button:
    confirm = ui.confirm("End this mentoring?", "Check-ins stop. You can log it as CPD afterwards.",
                         yes="End it", no="Not yet")
    return ui.button(label, ids.MENTOR_END, str(pairing.id), style="danger", confirm=confirm)


def cadence_select(p: PairingInfo) -> ui.Select:
    options = tuple(ui.option(f"Check in {label}", f"{p.id}:{days}") for days, label in mentoring.CADENCES.items())
    initial = next((o for o in options if o.value == f"{p.id}:{p.cadence_days}"), None)
    return ui.Select(action_id=ids.MENTOR_CADENCE, options=options, placeholder="How often?", initial=initial)


def checkin_blocks(p: PairingInfo, *, now: datetime, tz: tzinfo) -> list[ui.Block]:
    weeks = max((now - p.started_at).days // 7, 0)
    since = plural(weeks, "week") if weeks else "less than a week"
    met = f" You last told me you met on {day(p.last_met_at, tz)}." if p.last_met_at else ""
    text = (f":seedling: Checking in, {mention(p.mentee_user)} and {mention(p.mentor_user)}: how is the mentoring "
            f"in *{escape(p.area_label)}* going? It's been {since}.{met}")
    return [ui.section(text),
            ui.actions(ui.button("We've met since last time", ids.MENTOR_MET, str(p.id), style="primary"),
                       cadence_select(p), end_button(p)),
            ui.context(f"Check-ins come {p.cadence_label}; change it above. Either of you can end the mentoring.")]
