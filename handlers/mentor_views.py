"""Mentoring's views: the member's overview, mentors found, the request and its DM, the
group DM's introduction, the mentor form, the organisers' figures, and the Home tab.

The check-in digests/mentoring.py posts, and the controls it shares with the introduction, are
core.views.mentoring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from core import ids, ui
from core.markup import escape, truncate
from core.views.mentoring import cadence_select, day, end_button, mention
from storage import mentoring
from storage.mentoring import FindResult, MentoringSummary, MentorInfo, MyMentoring, PairingInfo, RequestInfo
from storage.words import plural

MENTOR_USAGE = (
    "*Mentoring*\n"
    "`/tech mentor`  your mentors, mentees and requests\n"
    "`/tech mentor find &lt;area&gt;`  mentors with a free place, e.g. `/tech mentor find registration`; "
    "add `--again` to include mentors you were paired with before\n"
    "`/tech mentor join`  offer to mentor: your areas, how many mentees, a pause\n"
    "`/tech mentor end`  end a mentoring pairing (you are asked to log it as CPD)"
)
ORGANISER_USAGE = "`/tech mentor summary`  the scheme's figures (organisers): active pairs, mentors, free places"


def areas_text(labels: Sequence[str]) -> str:
    return ", ".join(escape(a) for a in labels)


def quote(text: str | None, limit: int = 900) -> str:
    if not text:
        return ""
    return "\n".join("> " + escape(line) for line in truncate(text, limit).splitlines())


# The member's overview ---------------------------------------------------------------------------

def usage(organiser: bool) -> str:
    return MENTOR_USAGE + ("\n" + ORGANISER_USAGE if organiser else "")


def pairing_line(p: PairingInfo, me: str, tz: tzinfo) -> str:
    other, _ = p.other(me)
    if p.role_of(me) == "mentee":
        who = f"Your mentor: {mention(other)}"
    else:
        who = f"You mentor {mention(other)}"
    return f"{who} in *{escape(p.area_label)}*, since {day(p.started_at, tz)}; check-ins {p.cadence_label}."


def overview_blocks(my: MyMentoring, me: str, *, today: date, tz: tzinfo, organiser: bool,
                    note: str | None = None) -> list[ui.Block]:
    result: list[ui.Block] = [ui.header("Your mentoring")]
    if note:
        result.append(ui.section(note))
    for p in my.active:
        result.append(ui.section(pairing_line(p, me, tz), accessory=end_button(p, "End")))
    for r in my.incoming:
        text = f"{mention(r.mentee_user)} asks you to mentor them in *{escape(r.area_label)}*."
        if r.message:
            text += "\n" + quote(r.message, 500)
        result += [ui.section(text),
                   ui.actions(ui.button("Accept", ids.MENTOR_ACCEPT, str(r.id), style="primary"),
                              ui.button("Decline", ids.MENTOR_DECLINE, str(r.id)))]
    for r in my.outgoing:
        result.append(ui.section(f"Waiting for {mention(r.mentor_user)} to answer your request "
                                 f"(*{escape(r.area_label)}*).",
                                 accessory=ui.button("Withdraw", ids.MENTOR_WITHDRAW, str(r.id))))
    if not (my.active or my.incoming or my.outgoing):
        result.append(ui.section(
            "No mentoring yet. `/tech mentor find &lt;area&gt;` finds a mentor with a free place."))
    result.append(profile_summary(my.profile, today))
    result.append(ui.context(usage(organiser)))
    return result


def profile_summary(profile: MentorInfo | None, today: date) -> ui.Section:
    if profile is None:
        return ui.section("You are not offering mentoring. Mentoring others counts as CPD.",
                          accessory=ui.button("Become a mentor", ids.MENTOR_JOIN_OPEN))
    state = f"{profile.active} of {plural(profile.capacity, 'place')} taken"
    if profile.paused(today) and profile.paused_until:
        state += f"; paused until {day(profile.paused_until)}"
    elif profile.capacity == 0:
        state += "; not taking anyone on"
    return ui.section(f"*You mentor in:* {areas_text(profile.area_labels)}\n{state}.",
                      accessory=ui.button("Edit mentor profile", ids.MENTOR_JOIN_OPEN))


# Finding a mentor --------------------------------------------------------------------------------

def find_blocks(result: FindResult) -> list[ui.Block]:
    if result.area:
        title = f"Mentors for {mentoring.area_label(result.area)}"
    elif result.text:
        title = f"Mentors for “{result.text}”"
    else:
        title = "Mentors with a free place"
    out: list[ui.Block] = [ui.header(title)]
    if not result.area and result.text and not result.mentors:
        out.append(ui.section(f"No area or specialism matches “{escape(result.text[:100])}”. The areas are: "
                              + areas_text(list(mentoring.AREAS.values())) + "."))
    for card in result.mentors:
        m = card.mentor
        lines = [f"*{mention(m.user_id)}*" + "".join(f" · {escape(v)}" for v in (m.job_title, m.department) if v),
                 f"Mentors in: {areas_text(m.area_labels)}"]
        if m.specialisms:
            lines.append(f"Specialisms: {escape(m.specialisms)}")
        if m.intro:
            lines.append(f"_{escape(truncate(m.intro, 300))}_")
        places = plural(m.free, "free place")
        lines.append(places + (" · you were paired before" if card.paired_before else ""))
        if card.requested:
            out += [ui.section("\n".join(lines)), ui.context("You have asked; waiting for an answer.")]
        else:
            out.append(ui.section("\n".join(lines), accessory=ui.button(
                "Request", ids.MENTOR_REQUEST, f"{m.user_id}|{card.area}", style="primary")))
    if not result.mentors and (result.area or not result.text):
        out.append(ui.section("No mentor has a free place" + (" in that area" if result.area else "")
                              + " just now. Try another area, or ask again in a few weeks."))
    notes = []
    if result.left_out_previous:
        notes.append(f"{plural(result.left_out_previous, 'mentor')} you were "
                     "paired with before left out: add `--again` to see them.")
    if result.full:
        notes.append(f"{plural(result.full, 'more is', 'more are')} full or paused just now.")
    if notes:
        out.append(ui.context(" ".join(notes)))
    return out[: ui.MESSAGE_BLOCK_LIMIT]


# Requests ----------------------------------------------------------------------------------------

def request_form(mentor: MentorInfo, area: str) -> ui.Form:
    return ui.Form(
        id=ids.MENTOR_REQUEST_MODAL, title="Ask for a mentor", submit="Send", metadata=f"{mentor.user_id}|{area}",
        blocks=(
            ui.section(f"Ask *{escape(mentor.name)}* to mentor you in *{escape(mentoring.area_label(area))}*. "
                       "They get a message and accept or decline."),
            ui.Field(id=ids.MENTOR_NOTE, label="What would you like help with?", required=False,
                     hint="A line or two: your goal, and how often you'd like to meet.", multiline=True,
                     max_length=mentoring.MESSAGE_LIMIT),
        ))


def request_sent_form(r: RequestInfo, created: bool) -> ui.Form:
    said = "Request sent" if created else "Already asked"
    # A form shows the name itself: some clients render mentions in modals as bare ids.
    text = (f":incoming_envelope: I've asked *{escape(r.mentor_name)}* to mentor you in *{escape(r.area_label)}*. "
            "You'll hear when they answer.") if created else \
        (f"You have asked *{escape(r.mentor_name)}* already; you'll hear when they answer "
         "(`/tech mentor` shows your requests).")
    return ui.Form(id="", title=said, close="Done", blocks=(ui.section(text),))


def request_dm_blocks(r: RequestInfo, mentor: MentorInfo | None) -> list[ui.Block]:
    who = f"*{mention(r.mentee_user)}*" + "".join(f" ({escape(v)})" for v in (r.mentee_job_title,) if v)
    text = f":wave: {who} asks you to mentor them in *{escape(r.area_label)}*."
    if r.mentee_department:
        text += f"\nDepartment: {escape(r.mentee_department)}"
    if r.message:
        text += "\n" + quote(r.message)
    result: list[ui.Block] = [ui.section(text),
                              ui.actions(ui.button("Accept", ids.MENTOR_ACCEPT, str(r.id), style="primary"),
                                         ui.button("Decline", ids.MENTOR_DECLINE, str(r.id)))]
    if mentor is not None:
        places = plural(mentor.capacity, "place")
        result.append(ui.context(f"You have {mentor.free} of {places} free. "
                                 "On Accept I open a group DM with you both."))
    return result


def decided_blocks(text: str) -> list[ui.Block]:
    return [ui.section(text)]


# The pairing's group DM ----------------------------------------------------------------------------

def intro_blocks(p: PairingInfo, *, first_checkin: datetime | None, tz: tzinfo) -> list[ui.Block]:
    text = (f":handshake: Hello {mention(p.mentee_user)} and {mention(p.mentor_user)}!\n"
            f"{mention(p.mentor_user)} has agreed to mentor {mention(p.mentee_user)} in *{escape(p.area_label)}*.")
    if p.message:
        text += f"\n{mention(p.mentee_user)} wrote:\n" + quote(p.message)
    tips = ("*Getting started:* agree a first meeting in the next two weeks, what you'd like to get out of it, and "
            "how often you'll meet. Keep what you discuss between you.")
    when = f" The first is on {day(first_checkin, tz)}." if first_checkin else ""
    return [ui.section(text), ui.section(tips),
            ui.context(f"I'll check in with you both here {p.cadence_label} until either of you ends the "
                       f"mentoring.{when}"),
            ui.actions(cadence_select(p), end_button(p))]


def ended_text(p: PairingInfo, by_user: str) -> str:
    return (f":checkered_flag: {mention(by_user)} ended the mentoring in *{escape(p.area_label)}*. "
            "Thank you both! There will be no more check-ins.")


def end_list_blocks(my: MyMentoring, me: str, tz: tzinfo) -> list[ui.Block]:
    if not my.active:
        return [ui.section("You have no mentoring to end. `/tech mentor` shows your requests.")]
    return [ui.section("*Which mentoring do you want to end?*"),
            *(ui.section(pairing_line(p, me, tz), accessory=end_button(p, "End")) for p in my.active)]


# The mentor form ----------------------------------------------------------------------------------

def profile_edit_form(profile: MentorInfo | None, today: date) -> ui.Form:
    options = tuple(ui.option(label, key) for key, label in mentoring.AREAS.items())
    chosen = tuple(o for o in options if profile and o.value in profile.areas) or None
    paused = profile.paused_until if profile and profile.paused_until and profile.paused_until >= today else None
    return ui.Form(
        id=ids.MENTOR_PROFILE_MODAL, title="Mentor profile", submit="Save",
        blocks=(
            ui.section("Offer to mentor fellow technicians. You choose who to take on, and you can pause any "
                       "time."),
            ui.Field(id=ids.MENTOR_AREAS, label="Areas you can mentor in", kind=ui.FieldKind.MULTI_SELECT,
                     hint="Professional registration: help a colleague towards RSciTech, EngTech and the like.",
                     placeholder="Choose areas", options=options, initial=chosen),
            ui.Field(id=ids.MENTOR_CAPACITY, label="How many mentees at once", kind=ui.FieldKind.NUMBER,
                     hint="0 takes nobody new on.", min_value=0, max_value=mentoring.MAX_CAPACITY,
                     initial=profile.capacity if profile else 1),
            ui.Field(id=ids.MENTOR_PAUSED_UNTIL, label="Pause new requests until", kind=ui.FieldKind.DATE,
                     required=False, initial=paused),
            ui.Field(id=ids.MENTOR_SPECIALISMS, label="Specialisms", required=False,
                     hint="Techniques, equipment or registers you know well, e.g. HPLC, CNC, EngTech.",
                     max_length=mentoring.SPECIALISMS_LIMIT, initial=profile.specialisms if profile else None),
            ui.Field(id=ids.MENTOR_INTRO, label="A line about you as a mentor", required=False, multiline=True,
                     max_length=mentoring.INTRO_LIMIT, initial=profile.intro if profile else None),
        ))


def profile_saved_form(profile: MentorInfo, today: date) -> ui.Form:
    if profile.capacity == 0:
        state = "You are not taking anyone new on (capacity 0)."
    elif profile.paused(today) and profile.paused_until:
        state = f"You are paused: members find you again after {day(profile.paused_until)}."
    else:
        places = plural(profile.free, "free place")
        state = f"Members looking for a mentor can find you now ({places})."
    text = f":white_check_mark: Saved. You mentor in {areas_text(profile.area_labels)}.\n{state}"
    return ui.Form(id="", title="Mentor profile saved", close="Done", blocks=(ui.section(text),))


# Organisers ---------------------------------------------------------------------------------------

def summary_blocks(s: MentoringSummary) -> list[ui.Block]:
    places = f" ({s.places_free.text} places)" if s.places_free.exact else ""
    facts = [("Active pairs", s.active_pairs), ("Mentors", s.mentors),
             ("Mentors with a free place", f"{s.mentors_with_room}{places}"),
             ("Requests waiting", s.pending_requests), ("Started in the last year", s.started_this_year),
             ("Ended in the last year", s.ended_this_year),
             ("Registration mentors", s.registration_mentors)]
    fields = [f"*{name}*\n{value}" for name, value in facts]
    result: list[ui.Block] = [ui.header("Mentoring across the network"), ui.section(fields=fields)]
    if s.by_area:
        result.append(ui.section("*Active pairs by area*\n" + "\n".join(
            f"• {escape(label)}: {count}" for label, count in s.by_area)))
    result.append(ui.context("Counts only: who mentors whom is not shown, and a group of fewer than "
                             f"{s.mentors.min_group} shows no exact number."))
    return result


# The Home tab -------------------------------------------------------------------------------------

def home_blocks(my: MyMentoring, me: str, registration: str, *, today: date, tz: tzinfo) -> list[ui.Block]:
    lines = [pairing_line(p, me, tz) for p in my.active[:5]]
    if my.incoming:
        lines.append(f":bell: {plural(len(my.incoming), 'request')} waiting for your "
                     "answer (`/tech mentor`).")
    if my.outgoing:
        lines.append(f"Waiting for {plural(len(my.outgoing), 'mentor')} to answer.")
    if not lines:
        lines.append("No mentoring yet: `/tech mentor find &lt;area&gt;` finds a mentor.")
    mentor_button = ui.button("Edit mentor profile" if my.profile else "Become a mentor", ids.MENTOR_JOIN_OPEN)
    return [ui.section("*Your mentoring*\n" + "\n".join(lines), accessory=mentor_button),
            ui.section(f"*Professional registration*\n{registration}",
                       accessory=ui.button("Record my status", ids.REGISTER_STATUS_OPEN))]
