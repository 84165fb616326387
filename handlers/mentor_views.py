"""Block Kit for mentoring: the member's overview, mentors found, the request and its DM, the
group DM's introduction and check-ins, the mentor form, the organisers' figures, and the Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape, truncate
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


def day(d: date | datetime, tz: tzinfo | None = None) -> str:
    if isinstance(d, datetime):
        d = d.astimezone(tz).date() if tz else d.date()
    return f"{d:%-d %B %Y}"


def mention(slack_user_id: str) -> str:
    # Slack user ids are [UW][A-Z0-9]+; anything else is shown as text.
    return f"<@{slack_user_id}>" if slack_user_id.isalnum() else escape(slack_user_id)


def areas_text(labels: Sequence[str]) -> str:
    return ", ".join(escape(a) for a in labels)


def quote(text: str | None, limit: int = 900) -> str:
    if not text:
        return ""
    return "\n".join("> " + escape(line) for line in truncate(text, limit).splitlines())


# The member's overview ---------------------------------------------------------------------------

def usage(organiser: bool) -> str:
    return MENTOR_USAGE + ("\n" + ORGANISER_USAGE if organiser else "")


def end_button(pairing: PairingInfo, label: str = "End mentoring") -> object:
    confirm = blocks.confirm("End this mentoring?", "Check-ins stop. You can log it as CPD afterwards.",
                             yes="End it", no="Not yet")
    return blocks.button(label, ids.MENTOR_END, str(pairing.id), style="danger", confirm=confirm)


def pairing_line(p: PairingInfo, me: str, tz: tzinfo) -> str:
    other, _ = p.other(me)
    if p.role_of(me) == "mentee":
        who = f"Your mentor: {mention(other)}"
    else:
        who = f"You mentor {mention(other)}"
    return f"{who} in *{escape(p.area_label)}*, since {day(p.started_at, tz)}; check-ins {p.cadence_label}."


def overview_blocks(my: MyMentoring, me: str, *, today: date, tz: tzinfo, organiser: bool,
                    note: str | None = None) -> list[Block]:
    result: list[Block] = [blocks.header("Your mentoring")]
    if note:
        result.append(blocks.section(note))
    for p in my.active:
        result.append(blocks.section(pairing_line(p, me, tz), accessory=end_button(p, "End")))
    for r in my.incoming:
        text = f"{mention(r.mentee_user)} asks you to mentor them in *{escape(r.area_label)}*."
        if r.message:
            text += "\n" + quote(r.message, 500)
        result += [blocks.section(text),
                   blocks.actions(blocks.button("Accept", ids.MENTOR_ACCEPT, str(r.id), style="primary"),
                                  blocks.button("Decline", ids.MENTOR_DECLINE, str(r.id)))]
    for r in my.outgoing:
        result.append(blocks.section(f"Waiting for {mention(r.mentor_user)} to answer your request "
                                     f"(*{escape(r.area_label)}*).",
                                     accessory=blocks.button("Withdraw", ids.MENTOR_WITHDRAW, str(r.id))))
    if not (my.active or my.incoming or my.outgoing):
        result.append(blocks.section(
            "No mentoring yet. `/tech mentor find &lt;area&gt;` finds a mentor with a free place."))
    result.append(profile_summary(my.profile, today))
    result.append(blocks.context(usage(organiser)))
    return result


def profile_summary(profile: MentorInfo | None, today: date) -> SectionBlock:
    if profile is None:
        return blocks.section("You are not offering mentoring. Mentoring others counts as CPD.",
                              accessory=blocks.button("Become a mentor", ids.MENTOR_JOIN_OPEN))
    state = f"{profile.active} of {plural(profile.capacity, 'place')} taken"
    if profile.paused(today) and profile.paused_until:
        state += f"; paused until {day(profile.paused_until)}"
    elif profile.capacity == 0:
        state += "; not taking anyone on"
    return blocks.section(f"*You mentor in:* {areas_text(profile.area_labels)}\n{state}.",
                          accessory=blocks.button("Edit mentor profile", ids.MENTOR_JOIN_OPEN))


# Finding a mentor --------------------------------------------------------------------------------

def find_blocks(result: FindResult) -> list[Block]:
    if result.area:
        title = f"Mentors for {mentoring.area_label(result.area)}"
    elif result.text:
        title = f"Mentors for “{result.text}”"
    else:
        title = "Mentors with a free place"
    out: list[Block] = [blocks.header(title)]
    if not result.area and result.text and not result.mentors:
        out.append(blocks.section(f"No area or specialism matches “{escape(result.text[:100])}”. The areas are: "
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
            out += [blocks.section("\n".join(lines)), blocks.context("You have asked; waiting for an answer.")]
        else:
            out.append(blocks.section("\n".join(lines), accessory=blocks.button(
                "Request", ids.MENTOR_REQUEST, f"{m.user_id}|{card.area}", style="primary")))
    if not result.mentors and (result.area or not result.text):
        out.append(blocks.section("No mentor has a free place" + (" in that area" if result.area else "")
                                  + " just now. Try another area, or ask again in a few weeks."))
    notes = []
    if result.left_out_previous:
        notes.append(f"{plural(result.left_out_previous, 'mentor')} you were "
                     "paired with before left out: add `--again` to see them.")
    if result.full:
        notes.append(f"{plural(result.full, 'more is', 'more are')} full or paused just now.")
    if notes:
        out.append(blocks.context(" ".join(notes)))
    return out[: blocks.MESSAGE_BLOCK_LIMIT]


# Requests ----------------------------------------------------------------------------------------

def request_modal(mentor: MentorInfo, area: str) -> View:
    return View(
        type="modal", callback_id=ids.MENTOR_REQUEST_MODAL, title=blocks.plain("Ask for a mentor"),
        submit=blocks.plain("Send"), close=blocks.plain("Cancel"), private_metadata=f"{mentor.user_id}|{area}",
        blocks=[
            blocks.section(f"Ask *{escape(mentor.name)}* to mentor you in *{escape(mentoring.area_label(area))}*. "
                           "They get a message and accept or decline."),
            InputBlock(block_id=ids.MENTOR_NOTE, label="What would you like help with?", optional=True,
                       hint="A line or two: your goal, and how often you'd like to meet.",
                       element=PlainTextInputElement(action_id=ids.MENTOR_NOTE, multiline=True,
                                                     max_length=mentoring.MESSAGE_LIMIT)),
        ])


def request_sent_view(r: RequestInfo, created: bool) -> View:
    said = "Request sent" if created else "Already asked"
    # A modal shows the name itself: some clients render mentions in modals as bare ids.
    text = (f":incoming_envelope: I've asked *{escape(r.mentor_name)}* to mentor you in *{escape(r.area_label)}*. "
            "You'll hear when they answer.") if created else \
        (f"You have asked *{escape(r.mentor_name)}* already; you'll hear when they answer "
         "(`/tech mentor` shows your requests).")
    return View(type="modal", title=blocks.plain(said), close=blocks.plain("Done"), blocks=[blocks.section(text)])


def request_dm_blocks(r: RequestInfo, mentor: MentorInfo | None) -> list[Block]:
    who = f"*{mention(r.mentee_user)}*" + "".join(f" ({escape(v)})" for v in (r.mentee_job_title,) if v)
    text = f":wave: {who} asks you to mentor them in *{escape(r.area_label)}*."
    if r.mentee_department:
        text += f"\nDepartment: {escape(r.mentee_department)}"
    if r.message:
        text += "\n" + quote(r.message)
    result: list[Block] = [blocks.section(text),
                           blocks.actions(blocks.button("Accept", ids.MENTOR_ACCEPT, str(r.id), style="primary"),
                                          blocks.button("Decline", ids.MENTOR_DECLINE, str(r.id)))]
    if mentor is not None:
        places = plural(mentor.capacity, "place")
        result.append(blocks.context(f"You have {mentor.free} of {places} free. "
                                     "On Accept I open a group DM with you both."))
    return result


def decided_blocks(text: str) -> list[Block]:
    return [blocks.section(text)]


# The pairing's group DM ----------------------------------------------------------------------------

def cadence_select(p: PairingInfo) -> StaticSelectElement:
    options = [blocks.option(f"Check in {label}", f"{p.id}:{days}") for days, label in mentoring.CADENCES.items()]
    initial = next((o for o in options if o.value == f"{p.id}:{p.cadence_days}"), None)
    return StaticSelectElement(action_id=ids.MENTOR_CADENCE, placeholder="How often?", options=options,
                               initial_option=initial)


def intro_blocks(p: PairingInfo, *, first_checkin: datetime | None, tz: tzinfo) -> list[Block]:
    text = (f":handshake: Hello {mention(p.mentee_user)} and {mention(p.mentor_user)}!\n"
            f"{mention(p.mentor_user)} has agreed to mentor {mention(p.mentee_user)} in *{escape(p.area_label)}*.")
    if p.message:
        text += f"\n{mention(p.mentee_user)} wrote:\n" + quote(p.message)
    tips = ("*Getting started:* agree a first meeting in the next two weeks, what you'd like to get out of it, and "
            "how often you'll meet. Keep what you discuss between you.")
    when = f" The first is on {day(first_checkin, tz)}." if first_checkin else ""
    return [blocks.section(text), blocks.section(tips),
            blocks.context(f"I'll check in with you both here {p.cadence_label} until either of you ends the "
                           f"mentoring.{when}"),
            blocks.actions(cadence_select(p), end_button(p))]


def checkin_blocks(p: PairingInfo, *, now: datetime, tz: tzinfo) -> list[Block]:
    weeks = max((now - p.started_at).days // 7, 0)
    since = plural(weeks, "week") if weeks else "less than a week"
    met = f" You last told me you met on {day(p.last_met_at, tz)}." if p.last_met_at else ""
    text = (f":seedling: Checking in, {mention(p.mentee_user)} and {mention(p.mentor_user)}: how is the mentoring "
            f"in *{escape(p.area_label)}* going? It's been {since}.{met}")
    return [blocks.section(text),
            blocks.actions(blocks.button("We've met since last time", ids.MENTOR_MET, str(p.id), style="primary"),
                           cadence_select(p), end_button(p)),
            blocks.context(f"Check-ins come {p.cadence_label}; change it above. Either of you can end the mentoring.")]


def ended_text(p: PairingInfo, by_user: str) -> str:
    return (f":checkered_flag: {mention(by_user)} ended the mentoring in *{escape(p.area_label)}*. "
            "Thank you both! There will be no more check-ins.")


def end_list_blocks(my: MyMentoring, me: str, tz: tzinfo) -> list[Block]:
    if not my.active:
        return [blocks.section("You have no mentoring to end. `/tech mentor` shows your requests.")]
    return [blocks.section("*Which mentoring do you want to end?*"),
            *(blocks.section(pairing_line(p, me, tz), accessory=end_button(p, "End")) for p in my.active)]


# The mentor form ----------------------------------------------------------------------------------

def profile_modal(profile: MentorInfo | None, today: date) -> View:
    options = [blocks.option(label, key) for key, label in mentoring.AREAS.items()]
    chosen = [o for o in options if profile and o.value in profile.areas] or None
    return View(
        type="modal", callback_id=ids.MENTOR_PROFILE_MODAL, title=blocks.plain("Mentor profile"),
        submit=blocks.plain("Save"), close=blocks.plain("Cancel"),
        blocks=[
            blocks.section("Offer to mentor fellow technicians. You choose who to take on, and you can pause any "
                           "time."),
            InputBlock(block_id=ids.MENTOR_AREAS, label="Areas you can mentor in",
                       hint="Professional registration: help a colleague towards RSciTech, EngTech and the like.",
                       element=StaticMultiSelectElement(action_id=ids.MENTOR_AREAS, placeholder="Choose areas",
                                                        options=options, initial_options=chosen)),
            InputBlock(block_id=ids.MENTOR_CAPACITY, label="How many mentees at once",
                       hint="0 takes nobody new on.",
                       element=NumberInputElement(action_id=ids.MENTOR_CAPACITY, is_decimal_allowed=False,
                                                  min_value="0", max_value=str(mentoring.MAX_CAPACITY),
                                                  initial_value=str(profile.capacity if profile else 1))),
            InputBlock(block_id=ids.MENTOR_PAUSED_UNTIL, label="Pause new requests until", optional=True,
                       element=DatePickerElement(action_id=ids.MENTOR_PAUSED_UNTIL,
                                                 initial_date=profile.paused_until.isoformat()
                                                 if profile and profile.paused_until and profile.paused_until >= today
                                                 else None)),
            InputBlock(block_id=ids.MENTOR_SPECIALISMS, label="Specialisms", optional=True,
                       hint="Techniques, equipment or registers you know well, e.g. HPLC, CNC, EngTech.",
                       element=PlainTextInputElement(action_id=ids.MENTOR_SPECIALISMS,
                                                     max_length=mentoring.SPECIALISMS_LIMIT,
                                                     initial_value=profile.specialisms if profile else None)),
            InputBlock(block_id=ids.MENTOR_INTRO, label="A line about you as a mentor", optional=True,
                       element=PlainTextInputElement(action_id=ids.MENTOR_INTRO, multiline=True,
                                                     max_length=mentoring.INTRO_LIMIT,
                                                     initial_value=profile.intro if profile else None)),
        ])


def profile_saved_view(profile: MentorInfo, today: date) -> View:
    if profile.capacity == 0:
        state = "You are not taking anyone new on (capacity 0)."
    elif profile.paused(today) and profile.paused_until:
        state = f"You are paused: members find you again after {day(profile.paused_until)}."
    else:
        places = plural(profile.free, "free place")
        state = f"Members looking for a mentor can find you now ({places})."
    text = f":white_check_mark: Saved. You mentor in {areas_text(profile.area_labels)}.\n{state}"
    return View(type="modal", title=blocks.plain("Mentor profile saved"), close=blocks.plain("Done"),
                blocks=[blocks.section(text)])


# Organisers ---------------------------------------------------------------------------------------

def summary_blocks(s: MentoringSummary) -> list[Block]:
    places = f" ({s.places_free.text} places)" if s.places_free.exact else ""
    facts = [("Active pairs", s.active_pairs), ("Mentors", s.mentors),
             ("Mentors with a free place", f"{s.mentors_with_room}{places}"),
             ("Requests waiting", s.pending_requests), ("Started in the last year", s.started_this_year),
             ("Ended in the last year", s.ended_this_year),
             ("Registration mentors", s.registration_mentors)]
    fields = [MarkdownTextObject(text=f"*{name}*\n{value}") for name, value in facts]
    result: list[Block] = [blocks.header("Mentoring across the network"), SectionBlock(fields=fields)]
    if s.by_area:
        result.append(blocks.section("*Active pairs by area*\n" + "\n".join(
            f"• {escape(label)}: {count}" for label, count in s.by_area)))
    result.append(blocks.context("Counts only: who mentors whom is not shown, and a group of fewer than "
                                 f"{s.mentors.min_group} shows no exact number."))
    return result


# The Home tab -------------------------------------------------------------------------------------

def home_blocks(my: MyMentoring, me: str, registration: str, *, today: date, tz: tzinfo) -> list[Block]:
    lines = [pairing_line(p, me, tz) for p in my.active[:5]]
    if my.incoming:
        lines.append(f":bell: {plural(len(my.incoming), 'request')} waiting for your "
                     "answer (`/tech mentor`).")
    if my.outgoing:
        lines.append(f"Waiting for {plural(len(my.outgoing), 'mentor')} to answer.")
    if not lines:
        lines.append("No mentoring yet: `/tech mentor find &lt;area&gt;` finds a mentor.")
    mentor_button = blocks.button("Edit mentor profile" if my.profile else "Become a mentor", ids.MENTOR_JOIN_OPEN)
    return [blocks.section("*Your mentoring*\n" + "\n".join(lines), accessory=mentor_button),
            blocks.section(f"*Professional registration*\n{registration}",
                           accessory=blocks.button("Record my status", ids.REGISTER_STATUS_OPEN))]
