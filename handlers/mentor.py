"""`/tech mentor`: find a mentor, request, accept or decline, the group DM, check-ins, ending a
pairing (with "Log it as CPD"), the mentor profile, and the organisers' figures.

What goes to the mentor, the mentee or their group DM is sent after the ack, through
runtime.delivery; the rules are in storage/mentoring/.
Check-ins are due rows that digests/mentoring.py posts once each.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, FollowUp, OpenForm, Reply, Request, UpdateForm
from core.services import HomeSection
from core.views.cpd import prompt_blocks as cpd_prompt_blocks
from core.views.registration import status_line
from handlers import mentor_views as views
from handlers._common import (field_choices, field_day, field_text, member_today, network_today, not_known,
                              payload_id, refusal, request_today)
from storage import mentoring, registration
from storage.clock import now
from storage.cpd import MENTORING as CPD_FROM_MENTORING, CpdDraft
from storage.errors import DomainError
from storage.members import Actor, Role

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
HOME_ORDER = 50
JOIN_WORDS = ("join", "profile")


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("mentor", owner=__name__)
    def mentor_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            answer = Answer(mentor_reply(runtime, request, verb, argument))
        except DomainError as e:
            return Answer(refusal(e))
        if verb in JOIN_WORDS and not argument:
            return [answer, profile_edit_form(runtime, request)]
        return answer

    @routes.action(ids.MENTOR_JOIN_OPEN)
    def join(request: Request) -> Reply:
        return profile_edit_form(runtime, request)

    @routes.form(ids.MENTOR_PROFILE_MODAL)
    def profile_saved(request: Request) -> Reply:
        """Validate and save in the ack, so each problem shows by its field."""
        today = request_today(request)
        try:
            with runtime.db.transaction() as session:
                profile = mentoring.save_mentor_profile(session, request.actor, profile_form(request),
                                                        today=today, now=now())
        except mentoring.InvalidMentorProfile as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.MENTOR_AREAS: e.message})
        return UpdateForm(views.profile_saved_form(profile, today))

    @routes.action(ids.MENTOR_REQUEST)
    def ask(request: Request) -> Reply:
        actor = request.actor
        mentor_user, _, area = request.value.partition("|")
        with runtime.db.reading() as session:
            if mentoring.open_request(session, actor.member_id, mentor_user) is not None:
                return Answer(ui.note(f"You have asked {views.mention(mentor_user)} already; you'll hear when they "
                                      "answer."))
            mentor = mentoring.mentor_for_request(session, actor, mentor_user, today=request_today(request))
        return OpenForm(views.request_form(mentor, area))

    @routes.form(ids.MENTOR_REQUEST_MODAL)
    def asked(request: Request) -> Reply:
        """Save the request in the ack; the mentor hears of it after (and on a resubmission, if they have not)."""
        actor = request.actor
        mentor_user, _, area = request.metadata.partition("|")
        note = field_text(request.values, ids.MENTOR_NOTE)
        follow_up = FollowUp(lambda: notify_open_request(runtime, actor, mentor_user))
        try:
            with runtime.db.transaction() as session:
                outcome = mentoring.request_mentor(session, actor, mentor_user, area, note,
                                                   today=request_today(request), now=now())
        except DomainError as e:
            return [ui.FieldErrors({ids.MENTOR_NOTE: e.message}), follow_up]
        return [UpdateForm(views.request_sent_form(outcome.request, outcome.created)), follow_up]

    @routes.action(ids.MENTOR_ACCEPT, after_ack=True)
    def accept(request: Request) -> Reply:
        actor = request.actor
        with runtime.db.transaction() as session:
            outcome = mentoring.accept_request(session, actor, payload_id(request.value, _what(request, "request")),
                                               now=now(), tz=runtime.settings.tz)
        pairing = outcome.pairing
        introduced = introduce(runtime, pairing.id)
        if not outcome.created:
            where = "the group DM with you both is open." if introduced else \
                "I still couldn't open a group DM with you both: send them a message yourself."
            return Answer(ui.note(f"You accepted {views.mention(pairing.mentee_user)}'s request already: {where}"))
        text = f":white_check_mark: You accepted {views.mention(pairing.mentee_user)}'s request " \
               f"(*{escape(pairing.area_label)}*)."
        text += " I've opened a group DM with you both." if introduced else \
            " I couldn't open a group DM with you both just now: send them a message yourself."
        return decided(text)

    @routes.action(ids.MENTOR_DECLINE, after_ack=True)
    def decline(request: Request) -> Reply:
        with runtime.db.transaction() as session:
            request_info, changed = mentoring.decline_request(
                session, request.actor, payload_id(request.value, _what(request, "request")), now=now())
        if changed:
            dm(runtime, request_info.mentee_user,
               f"{views.mention(request_info.mentor_user)} can't take on a mentee in "
               f"*{escape(request_info.area_label)}* just now. `/tech mentor find {request_info.area}` shows other "
               "mentors with a free place.")
        return decided(f"You declined {views.mention(request_info.mentee_user)}'s request "
                       f"(*{escape(request_info.area_label)}*). I've let them know, kindly.")

    @routes.action(ids.MENTOR_WITHDRAW, after_ack=True)
    def withdraw(request: Request) -> Reply:
        with runtime.db.transaction() as session:
            request_info, changed = mentoring.withdraw_request(
                session, request.actor, payload_id(request.value, _what(request, "request")), now=now())
        if changed and request_info.mentor_dm is not None:
            text = (f"{views.mention(request_info.mentee_user)} withdrew their request "
                    f"({escape(request_info.area_label)}).")
            try:
                runtime.delivery.update(request_info.mentor_dm, views.decided_blocks(text))
            except DeliveryError as e:
                log.warning("could not update the mentor's request DM (%s)", e.reason)
        return decided(f"You withdrew your request to {views.mention(request_info.mentor_user)}.")

    @routes.action(ids.MENTOR_END, after_ack=True)
    def end(request: Request) -> Reply:
        actor = request.actor
        with runtime.db.transaction() as session:
            pairing, changed = mentoring.end_pairing(session, actor, payload_id(request.value,
                                                                                _what(request, "pairing")), now=now())
        if not changed:
            assert pairing.ended_at is not None
            return Answer(ui.note("This mentoring ended already, on "
                                  f"{views.day(pairing.ended_at, runtime.settings.tz)}."))
        announce_end(runtime, pairing, actor.user_id)
        other = views.mention(pairing.other(actor.user_id)[0])
        return Answer(ui.note(f"You ended the mentoring with {other}. I've offered you both to log it as CPD."))

    @routes.action(ids.MENTOR_MET)
    def met(request: Request) -> Reply:
        with runtime.db.transaction() as session:
            pairing = mentoring.record_meeting(session, request.actor, payload_id(request.value,
                                                                                  _what(request, "pairing")),
                                               now=now())
        return Answer(ui.note(f":thumbsup: Noted that you met. Next check-in {pairing.cadence_label}."))

    @routes.action(ids.MENTOR_CADENCE, after_ack=True)
    def cadence(request: Request) -> Reply:
        actor = request.actor
        pairing_text, _, days_text = request.value.partition(":")
        pairing_id = payload_id(pairing_text, "the cadence's pairing")
        days = payload_id(days_text, "the cadence's days")
        with runtime.db.transaction() as session:
            pairing, due = mentoring.set_cadence(session, actor, pairing_id, days, now=now(),
                                                 tz=runtime.settings.tz)
        text = (f":calendar: {views.mention(actor.user_id)} changed the check-ins to {pairing.cadence_label}; "
                f"the next is on {views.day(due, runtime.settings.tz)}.")
        if pairing.group_conversation:
            runtime.delivery.post(pairing.group_conversation, ui.note(text))
            return None
        return Answer(ui.note(text))

    runtime.home_sections.append(HomeSection(HOME_ORDER, "your mentoring and registration", home_section))


def _what(request: Request, carried: str) -> str:
    """What a button's value should be, named for the log when it is not."""
    return f"{request.action_id}'s {carried}"


def decided(text: str) -> Answer:
    """Replace the message the button sat in: its buttons are spent."""
    return Answer(ui.message(views.decided_blocks(text)), replace=True)


# Replies -----------------------------------------------------------------------------------------

def mentor_reply(runtime: Services, request: Request, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech mentor ...` within the ack: database reads only."""
    actor = request.actor
    organiser = actor.has(Role.ORGANISER)
    if verb == "" and not argument:
        return overview_reply(runtime, request)
    if verb == "help":
        return ui.note(views.usage(organiser))
    if verb in JOIN_WORDS and not argument:
        return ui.note(":pencil: Opening your mentor profile…")
    if verb == "find":
        return find_reply(runtime, request, argument)
    if verb == "end" and not argument:
        with runtime.db.reading() as session:
            my = mentoring.my_mentoring(session, actor)
        return ui.message(views.end_list_blocks(my, actor.user_id, runtime.settings.tz))
    if verb == "summary" and not argument:
        with runtime.db.reading() as session:
            summary = mentoring.summary(session, actor, today=network_today(runtime), now=now(),
                                        min_group=runtime.settings.report_min_group)
        return ui.message(views.summary_blocks(summary))
    return ui.message([ui.section(not_known("mentor", f"{verb} {argument}")), ui.section(views.usage(organiser))])


def overview_reply(runtime: Services, request: Request, *, note: str | None = None) -> ui.Message:
    actor = request.actor
    with runtime.db.reading() as session:
        my = mentoring.my_mentoring(session, actor)
    return ui.message(views.overview_blocks(my, actor.user_id, today=request_today(request),
                                            tz=runtime.settings.tz, organiser=actor.has(Role.ORGANISER), note=note))


def find_reply(runtime: Services, request: Request, text: str) -> ui.Message:
    """Mentors with a free place for `text` (an area, or words of their specialisms)."""
    with runtime.db.reading() as session:
        result = mentoring.find_mentors(session, request.actor, text, today=request_today(request))
    return ui.message(views.find_blocks(result))


# For this and other features ----------------------------------------------------------------------------

def profile_edit_form(runtime: Services, request: Request) -> OpenForm:
    with runtime.db.reading() as session:
        profile = mentoring.find_mentor_profile(session, request.actor.member_id)
    return OpenForm(views.profile_edit_form(profile, request_today(request)))


def notify_open_request(runtime: Services, mentee: Actor, mentor_user: str) -> None:
    """DM the mentor the mentee's open request, if it has not reached them yet."""
    with runtime.db.reading() as session:
        found = mentoring.open_request(session, mentee.member_id, mentor_user)
    if found is not None:
        notify_mentor(runtime, found.id)


def notify_mentor(runtime: Services, request_id: int) -> None:
    """DM the mentor a request with Accept / Decline, once; a mentor who can't be reached closes it."""
    moment = now()
    with runtime.db.transaction() as session:
        claimed = mentoring.claim_request_notice(session, request_id, now=moment)
        mentor = mentoring.find_mentor_by_user(session, claimed.mentor_user) if claimed else None
    if claimed is None:
        return
    try:
        posted = runtime.delivery.dm(claimed.mentor_user, views.request_dm_blocks(claimed, mentor))
    except DeliveryError as e:
        with runtime.db.transaction() as session:
            if e.unreachable:
                mentoring.cancel_request(session, request_id, now=moment)
            else:
                mentoring.release_request_notice(session, request_id)
        if e.unreachable:
            dm(runtime, claimed.mentee_user, f"I couldn't reach {escape(claimed.mentor_name)}: they may have left "
               "the workspace. Your request is closed; `/tech mentor find` shows other mentors.")
            return
        raise
    with runtime.db.transaction() as session:
        mentoring.record_request_notice(session, request_id, posted)


def introduce(runtime: Services, pairing_id: int) -> bool:
    """Open the group DM with mentor and mentee and post the introduction, once. True when it is there."""
    with runtime.db.transaction() as session:
        won = mentoring.claim_introduction(session, pairing_id, now=now())
        pairing = mentoring.get_pairing(session, pairing_id)
    assert pairing is not None
    if not won:
        return pairing.intro is not None
    try:
        group = runtime.delivery.group([pairing.mentor_user, pairing.mentee_user])
        with runtime.db.reading() as session:
            first = mentoring.next_checkin(session, pairing_id)
        posted = runtime.delivery.post(group, views.intro_blocks(pairing, first_checkin=first,
                                                                 tz=runtime.settings.tz))
    except DeliveryError as e:
        log.warning("could not introduce pairing %s (%s)", pairing_id, e.reason)
        with runtime.db.transaction() as session:
            mentoring.release_introduction(session, pairing_id)
        return False
    with runtime.db.transaction() as session:
        mentoring.record_introduction(session, pairing_id, posted)
    return True


def announce_end(runtime: Services, pairing: mentoring.PairingInfo, by_user: str) -> None:
    """Say it in the group DM, and offer each of them "Log it as CPD" (mentoring counts for both sides)."""
    if pairing.group_conversation:
        try:
            runtime.delivery.post(pairing.group_conversation, ui.note(views.ended_text(pairing, by_user)))
        except DeliveryError as e:
            log.warning("could not post the end of pairing %s (%s)", pairing.id, e.reason)
    ended = (pairing.ended_at or now()).astimezone(runtime.settings.tz).date()
    for person, role in ((pairing.mentee_user, "mentee"), (pairing.mentor_user, "mentor")):
        _, other_name = pairing.other(person)
        activity = (f"Mentored by {other_name}" if role == "mentee" else f"Mentoring {other_name}") + \
            f" ({pairing.area_label})"
        draft = CpdDraft(activity=activity[:200], category="mentoring", done_on=ended,
                         note=f"Mentoring pairing from {views.day(pairing.started_at, runtime.settings.tz)} to "
                              f"{views.day(ended)}. Add the time you spent in meetings.",
                         source=CPD_FROM_MENTORING, source_ref=f"pairing:{pairing.id}")
        intro = (f"The mentoring with *{escape(other_name)}* in *{escape(pairing.area_label)}* has ended. "
                 "Mentoring counts as CPD: log the time you spent?")
        try:
            runtime.delivery.dm(person, cpd_prompt_blocks(intro, draft))
        except DeliveryError as e:
            log.warning("could not offer CPD to %s (%s)", person, e.reason)


def home_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    guide = registration.cached_guide(runtime.settings.content_dir)
    with runtime.db.reading() as session:
        my = mentoring.my_mentoring(session, actor)
        line = status_line(guide, registration.status_of(session, actor.member_id))
    return views.home_blocks(my, actor.user_id, line, today=member_today(runtime, actor),
                             tz=runtime.settings.tz)


def profile_form(request: Request) -> mentoring.MentorForm:
    given = request.values
    return mentoring.MentorForm(
        areas=field_choices(given, ids.MENTOR_AREAS),
        capacity=field_text(given, ids.MENTOR_CAPACITY),
        paused_until=field_day(given, ids.MENTOR_PAUSED_UNTIL),
        specialisms=field_text(given, ids.MENTOR_SPECIALISMS),
        intro=field_text(given, ids.MENTOR_INTRO))


def dm(runtime: Services, user_id: str, text: str) -> None:
    """A note to someone other than the asker; one who can't be reached is only logged."""
    try:
        runtime.delivery.dm(user_id, ui.note(text))
    except DeliveryError as e:
        log.warning("could not DM %s (%s)", user_id, e.reason)
