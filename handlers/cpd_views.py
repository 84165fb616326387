"""The CPD record's views: progress and entries, the log form, the organisers' figures,
and the Home tab's section.

The "Log it as CPD" prompt other features send is core.views.cpd.prompt_blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from core import ids, ui
from core.markup import escape, truncate
from core.views.opportunities import day
from storage import cpd
from storage.cpd import CpdDraft, CpdRules, EntryInfo, Progress, Summary, number
from storage.opportunities import OpportunityInfo
from storage.privacy import Shown
from storage.words import plural

CPD_USAGE = (
    "*Your CPD record*\n"
    "`/tech cpd`  this development year's total against your target, and your entries\n"
    "`/tech cpd log`  add an entry: date, activity, category, time in hours or days\n"
    "`/tech cpd export`  your entries as CSV for your appraisal (PDR); `/tech cpd export all` for every year"
)
ORGANISER_USAGE = ("`/tech cpd summary`  the network's figures (organisers): who logged anything, median days, "
                   "share on track")


def bar(logged: float, target: float, width: int = 10) -> str:
    """A text progress bar: ▰▰▰▱▱▱▱▱▱▱."""
    share = min(logged / target, 1.0) if target > 0 else 0.0
    filled = round(width * share)
    return "▰" * filled + "▱" * (width - filled)


def headline(p: Progress) -> str:
    return (f"{bar(p.logged_days, p.target_days)}  *{number(p.logged_days)} of {number(p.target_days)} days* "
            f"({p.percent}%)")


def pace(p: Progress) -> str:
    """Whether the member is on track for the year, pro rata to the time gone."""
    expected = number(p.expected_days)
    if p.logged_days >= p.target_days:
        return f":tada: Target reached for {p.year.label}."
    if p.on_track:
        return f":white_check_mark: On track: {plural(p.expected_days, 'day', shown=expected)} expected by today."
    behind = number(p.expected_days - p.logged_days)
    return (f":hourglass_flowing_sand: {plural(p.expected_days - p.logged_days, 'day', shown=behind)} behind the pace "
            f"({plural(p.expected_days, 'day', shown=expected)} expected by today).")


def target_note(p: Progress, rules: CpdRules) -> str:
    pro_rata = f" × FTE {number(p.fte)}" if p.fte != 1 else ""
    last = p.year.end - timedelta(days=1)
    return (f"Development year {p.year.label} ({day(p.year.start)} to {day(last)}). "
            f"Target {number(rules.target_days)} days{pro_rata}; a day is {number(rules.day_hours)} hours.")


def entry_line(e: EntryInfo, rules: CpdRules) -> str:
    title = f"<{e.link}|{escape(e.activity)}>" if e.link else escape(e.activity)
    text = f"*{title}*\n{e.done_on:%a %-d %b %Y} · {escape(e.category_label)} · {e.amount_text(rules)}"
    if e.note:
        text += f"\n_{escape(truncate(e.note, 300))}_"
    return text


def delete_button(e: EntryInfo) -> ui.Button:
    confirm = ui.confirm("Delete this entry?", f"“{truncate(escape(e.activity), 200)}” leaves your record.",
                         yes="Delete", no="Keep it", style="danger")
    return ui.button("Delete", ids.CPD_DELETE, str(e.id), confirm=confirm)


def progress_blocks(p: Progress, rules: CpdRules, *, note: ui.Markup | None = None) -> list[ui.Block]:
    """`/tech cpd`: the year's total against the target, the pace, the entries with Delete."""
    result: list[ui.Block] = []
    if note:
        result.append(ui.section(note))
    result += [
        ui.header(f"Your CPD, {p.year.label}"),
        ui.section(f"{headline(p)}\n{pace(p)}"),
        ui.context(target_note(p, rules)),
        ui.actions(ui.button("Log CPD", ids.CPD_LOG_OPEN, style="primary"),
                   ui.button("Export CSV", ids.CPD_EXPORT, "year"), block_id="cpd_actions"),
    ]
    if not p.entries:
        result.append(ui.section("Nothing logged this development year yet. Courses, workshops, network "
                                 "events, mentoring, reading and shadowing all count."))
    for e in p.entries:
        result.append(ui.section(entry_line(e, rules), accessory=delete_button(e), block_id=f"cpd_{e.id}"))
    if p.entry_count > len(p.entries):
        result.append(ui.context(f"The latest {len(p.entries)} of {p.entry_count} entries; "
                                 "`/tech cpd export` has them all."))
    result.append(ui.context(CPD_USAGE.split("\n", 1)[1].replace("\n", "  ·  ")))
    return result


def summary_blocks(s: Summary, rules: CpdRules) -> list[ui.Block]:
    """The organisers' view: aggregates only, never a member's record (storage suppresses small groups)."""
    def with_share(count: Shown, share: Shown) -> str:
        return f"{count.text} ({share.text})" if share.exact else count.text

    median = s.median_days
    facts = [
        ("Members", s.members.text),
        ("Logged anything this year", with_share(s.logged, s.logged_share)),
        ("Median days (of those who logged)", number(median.value) if median.exact and median.value is not None
         else median.text),
        ("On track for their pro-rata target", with_share(s.on_track, s.on_track_share)),
    ]
    result: list[ui.Block] = [
        ui.header(f"CPD across the network, {s.year.label}"),
        ui.section(fields=[f"*{name}*\n{value}" for name, value in facts]),
        ui.context(f"On track: logged at least {number(rules.target_days)} days × FTE, pro rata to the "
                   "development year gone by today. Figures are aggregates: no member's entries are shown, "
                   f"and a group of fewer than {s.members.min_group} members shows no exact figure."),
    ]
    if not (s.fte_to_check.exact and s.fte_to_check.value == 0):
        people = (plural(round(s.fte_to_check.value or 0), "member has", "members have") if s.fte_to_check.exact
                  else f"{s.fte_to_check.text} members have")
        result.append(ui.context(f"{people} an FTE outside 0–1 and are left out of the on-track share."))
    return result


# The log form ----------------------------------------------------------------------------

def log_form(today: date, draft: CpdDraft | None = None, *, topics: Sequence[tuple[str, str]] = ()) -> ui.Form:
    """The CPD log form, prefilled from a draft (an event attended, a mentoring pairing) when given."""
    categories = tuple(ui.option(label, key) for key, label in cpd.CATEGORIES.items())
    chosen = next((o for o in categories if draft and o.value == draft.category), None)
    units = (ui.option("Hours", cpd.HOURS), ui.option("Days", cpd.DAYS))
    unit = next(o for o in units if o.value == (draft.unit if draft else cpd.HOURS))
    body: list[ui.Block] = []
    if draft and draft.source != cpd.MANUAL:
        body.append(ui.context("Prefilled for you: change anything before you save."))
    body += [
        ui.Field(id=ids.CPD_DONE_ON, label="Date", kind=ui.FieldKind.DATE,
                 initial=draft.done_on if draft and draft.done_on else today),
        ui.Field(id=ids.CPD_ACTIVITY, label="Activity", hint="What you did, e.g. HPLC troubleshooting course",
                 max_length=cpd.ACTIVITY_LIMIT, initial=draft.activity if draft else None),
        ui.Field(id=ids.CPD_CATEGORY, label="Category", kind=ui.FieldKind.SELECT, placeholder="Choose one",
                 options=categories, initial=chosen),
        ui.Field(id=ids.CPD_AMOUNT, label="Time spent", kind=ui.FieldKind.NUMBER, decimal=True,
                 initial=draft.amount if draft and draft.amount else None),
        ui.Field(id=ids.CPD_UNIT, label="In", kind=ui.FieldKind.RADIO, options=units, initial=unit),
        *([ui.Field(id=ids.CPD_TOPIC, label="Topic", kind=ui.FieldKind.SELECT, required=False,
                    placeholder="What it was about",
                    hint="Counts toward the action plan's targets (wellbeing, leadership, teaching ...)",
                    options=tuple(ui.option(label, key) for key, label in topics))] if topics else []),
        ui.Field(id=ids.CPD_NOTE, label="Note", required=False, hint="What you learnt, what you will use",
                 multiline=True, max_length=cpd.NOTE_LIMIT, initial=draft.note if draft and draft.note else None),
        ui.Field(id=ids.CPD_LINK, label="Link", kind=ui.FieldKind.URL, required=False,
                 initial=draft.link if draft and draft.link else None),
    ]
    return ui.Form(id=ids.CPD_MODAL, title="Log CPD", submit="Save", metadata=draft.to_json() if draft else "",
                   blocks=tuple(body))


def logged_form(e: EntryInfo, p: Progress, rules: CpdRules) -> ui.Form:
    text = (f":white_check_mark: Logged *{escape(e.activity)}*: {e.amount_text(rules)} on {e.done_on:%-d %B %Y}.\n"
            f"{p.year.label}: {headline(p)}\n{pace(p)}")
    if not p.year.contains(e.done_on):
        text = (f":white_check_mark: Logged *{escape(e.activity)}*: {e.amount_text(rules)} on {e.done_on:%-d %B %Y}, "
                f"in an earlier development year (`/tech cpd export all` shows it).\n{p.year.label}: {headline(p)}")
    return ui.Form(id="", title="CPD logged", close="Close", blocks=(ui.section(text),))


# The Home tab ------------------------------------------------------------------------------

def home_blocks(p: Progress | None, closing: Sequence[OpportunityInfo], rules: CpdRules, *,
                problem: str | None = None) -> list[ui.Block]:
    """The Home tab's development section: CPD progress as a bar, and opportunities closing soon."""
    if p is not None:
        text = f"*Your CPD, {p.year.label}*\n{headline(p)}\n{pace(p)}"
    else:
        text = f"*Your CPD*\n{escape(problem or '')}"
    result: list[ui.Block] = [ui.section(text, accessory=ui.button("Log CPD", ids.CPD_LOG_OPEN, style="primary"))]
    if closing:
        lines = [f"• *{escape(o.title)}* ({escape(o.kind_label)}), apply by {o.deadline:%a %-d %b}" for o in closing
                 if o.deadline]
        result.append(ui.section("*Development opportunities closing soon*\n" + "\n".join(lines)))
        result.append(ui.context("`/tech dev` lists everything open; `/tech dev &lt;words&gt;` searches."))
    return result
