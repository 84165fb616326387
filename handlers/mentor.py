"""`/tech mentor`: find a mentor, request, accept or decline, the group DM, check-ins, ending a
pairing (with "Log it as CPD"), the mentor profile, and the organisers' figures.

Every Web API call runs after the ack (lazy listeners); the rules are in storage/mentoring/.
Check-ins are due rows that digests/mentoring.py posts once each.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import ids, ui
from core.commands import COMMAND
from bot.listeners import ack_only
from core.markup import escape
from bot.runtime import HomeSection, Runtime
from core.views.cpd import prompt_blocks as cpd_prompt_blocks
from core.views.registration import status_line
from handlers import mentor_views as views
from handlers._common import (answer_button, button_id, button_value, date_picked, field_errors, member_today,
                              network_today, not_known, payload_id, picked, refused, text_metadata, typed, values,
                              verb_and_argument)
from storage import mentoring, registration
from storage.clock import now
from storage.cpd import MENTORING as CPD_FROM_MENTORING, CpdDraft
from storage.errors import DomainError
from storage.members import Actor, Role

log = logging.getLogger(__name__)
HOME_ORDER = 50
JOIN_WORDS = ("join", "profile")
# Slack errors that mean the person can't be reached: they left, or never could be messaged.
UNREACHABLE = frozenset({"user_disabled", "account_inactive", "user_not_found", "cannot_dm_bot", "channel_not_found",
                         "user_not_visible"})


def register(app: App, runtime: Runtime) -> None:
    def mentor_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            ack(**blocks.ephemeral(mentor_reply(runtime, context["actor"], *verb_and_argument(body))))
        except DomainError as e:
            ack(**refused(e))

    def mentor_lazy(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        verb, argument = verb_and_argument(body)
        if verb in JOIN_WORDS and not argument:
            open_profile_form(runtime, client, context["actor"], body["trigger_id"])

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("mentor", owner=__name__)])(
        ack=mentor_ack, lazy=[mentor_lazy])

    def join(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_profile_form(runtime, client, context["actor"], body["trigger_id"])

    def profile_saved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field."""
        actor: Actor = context["actor"]
        today = member_today(runtime, actor)
        try:
            with runtime.db.transaction() as session:
                profile = mentoring.save_mentor_profile(session, actor, profile_form(values(view)),
                                                        today=today, now=now())
        except mentoring.InvalidMentorProfile as e:
            ack(response_action="errors", errors=field_errors(view, e.errors))
            return
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.MENTOR_AREAS: e.message}))
            return
        ack(response_action="update", view=blocks.render_form(views.profile_saved_form(profile, today)))

    def request(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        actor: Actor = context["actor"]
        mentor_slack, _, area = button_value(action).partition("|")
        with runtime.db.reading() as session:
            if mentoring.open_request(session, actor.member_id, mentor_slack) is not None:
                return answer_button(runtime, body, actor, respond, f"You have asked {views.mention(mentor_slack)} "
                                     "already; you'll hear when they answer.")
            mentor = mentoring.mentor_for_request(session, actor, mentor_slack, today=member_today(runtime, actor))
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.request_form(mentor, area)))

    def request_ack(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        mentor_slack, _, area = text_metadata(view).partition("|")
        note = typed(values(view), ids.MENTOR_NOTE)
        try:
            with runtime.db.transaction() as session:
                outcome = mentoring.request_mentor(session, actor, mentor_slack, area, note,
                                                   today=member_today(runtime, actor), now=now())
        except DomainError as e:
            ack(response_action="errors", errors={ids.MENTOR_NOTE: e.message})
            return
        sent = views.request_sent_form(outcome.request, outcome.created)
        ack(response_action="update", view=blocks.render_form(sent))

    def request_lazy(view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        mentor_slack = text_metadata(view).partition("|")[0]
        with runtime.db.reading() as session:
            found = mentoring.open_request(session, actor.member_id, mentor_slack)
        if found is not None:
            notify_mentor(runtime, client, found.id)

    def accept(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
               respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            outcome = mentoring.accept_request(session, actor, button_id(action, "request"), now=now(),
                                               tz=runtime.settings.tz)
        pairing = outcome.pairing
        introduced = introduce(runtime, client, pairing.id)
        if not outcome.created:
            where = "the group DM with you both is open." if introduced else \
                "I still couldn't open a group DM with you both: send them a message yourself."
            return answer_button(runtime, body, actor, respond,
                                 f"You accepted {views.mention(pairing.mentee_slack)}'s request already: {where}")
        text = f":white_check_mark: You accepted {views.mention(pairing.mentee_slack)}'s request " \
               f"(*{escape(pairing.area_label)}*)."
        text += " I've opened a group DM with you both." if introduced else \
            " I couldn't open a group DM with you both just now: send them a message yourself."
        replace(client, body, actor, respond, text)

    def decline(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            request_info, changed = mentoring.decline_request(session, actor, button_id(action, "request"), now=now())
        replace(client, body, actor, respond, f"You declined {views.mention(request_info.mentee_slack)}'s request "
                f"(*{escape(request_info.area_label)}*). I've let them know, kindly.")
        if changed:
            dm(client, request_info.mentee_slack,
               f"{views.mention(request_info.mentor_slack)} can't take on a mentee in "
               f"*{escape(request_info.area_label)}* just now. `/tech mentor find {request_info.area}` shows other "
               "mentors with a free place.")

    def withdraw(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                 respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            request_info, changed = mentoring.withdraw_request(session, actor, button_id(action, "request"), now=now())
        replace(client, body, actor, respond,
                f"You withdrew your request to {views.mention(request_info.mentor_slack)}.")
        if changed and request_info.mentor_dm_channel and request_info.mentor_dm_ts:
            text = (f"{views.mention(request_info.mentee_slack)} withdrew their request "
                    f"({escape(request_info.area_label)}).")
            try:
                client.chat_update(channel=request_info.mentor_dm_channel, ts=request_info.mentor_dm_ts,
                                   **blocks.message(views.decided_blocks(text)))
            except SlackApiError as e:
                log.warning("could not update the mentor's request DM (%s)", e.response.get("error"))

    def end(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
            respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            pairing, changed = mentoring.end_pairing(session, actor, button_id(action, "pairing"), now=now())
        if not changed:
            assert pairing.ended_at is not None
            return answer_button(runtime, body, actor, respond, "This mentoring ended already, on "
                                 f"{views.day(pairing.ended_at, runtime.settings.tz)}.")
        announce_end(runtime, client, pairing, actor.slack_user_id)
        other = views.mention(pairing.other(actor.slack_user_id)[0])
        answer_button(runtime, body, actor, respond,
                      f"You ended the mentoring with {other}. I've offered you both to log it as CPD.")

    def met(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
            respond: Respond) -> None:
        actor: Actor = context["actor"]
        with runtime.db.transaction() as session:
            pairing = mentoring.record_meeting(session, actor, button_id(action, "pairing"), now=now())
        answer_button(runtime, body, actor, respond,
                      f":thumbsup: Noted that you met. Next check-in {pairing.cadence_label}.")

    def cadence(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        actor: Actor = context["actor"]
        pairing_text, _, days_text = button_value(action).partition(":")
        pairing_id = payload_id(pairing_text, "the cadence's pairing")
        days = payload_id(days_text, "the cadence's days")
        with runtime.db.transaction() as session:
            pairing, due = mentoring.set_cadence(session, actor, pairing_id, days, now=now(),
                                                 tz=runtime.settings.tz)
        text = (f":calendar: {views.mention(actor.slack_user_id)} changed the check-ins to {pairing.cadence_label}; "
                f"the next is on {views.day(due, runtime.settings.tz)}.")
        if pairing.group_channel:
            client.chat_postMessage(channel=pairing.group_channel, **blocks.note(text))
        else:
            answer_button(runtime, body, actor, respond, text)

    app.action(ids.MENTOR_JOIN_OPEN)(ack=ack_only, lazy=[join])
    app.view(ids.MENTOR_PROFILE_MODAL)(profile_saved)
    app.action(ids.MENTOR_REQUEST)(ack=ack_only, lazy=[request])
    app.view(ids.MENTOR_REQUEST_MODAL)(ack=request_ack, lazy=[request_lazy])
    app.action(ids.MENTOR_ACCEPT)(ack=ack_only, lazy=[accept])
    app.action(ids.MENTOR_DECLINE)(ack=ack_only, lazy=[decline])
    app.action(ids.MENTOR_WITHDRAW)(ack=ack_only, lazy=[withdraw])
    app.action(ids.MENTOR_END)(ack=ack_only, lazy=[end])
    app.action(ids.MENTOR_MET)(ack=ack_only, lazy=[met])
    app.action(ids.MENTOR_CADENCE)(ack=ack_only, lazy=[cadence])
    runtime.home_sections.append(HomeSection(HOME_ORDER, "your mentoring and registration", home_section))


# Replies -----------------------------------------------------------------------------------------

def mentor_reply(runtime: Runtime, actor: Actor, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech mentor ...` within the ack: database reads only."""
    organiser = actor.has(Role.ORGANISER)
    if verb == "" and not argument:
        return overview_reply(runtime, actor)
    if verb == "help":
        return ui.note(views.usage(organiser))
    if verb in JOIN_WORDS and not argument:
        return ui.note(":pencil: Opening your mentor profile…")
    if verb == "find":
        return find_reply(runtime, actor, argument)
    if verb == "end" and not argument:
        with runtime.db.reading() as session:
            my = mentoring.my_mentoring(session, actor)
        return ui.message(views.end_list_blocks(my, actor.slack_user_id, runtime.settings.tz))
    if verb == "summary" and not argument:
        with runtime.db.reading() as session:
            summary = mentoring.summary(session, actor, today=network_today(runtime), now=now(),
                                        min_group=runtime.settings.report_min_group)
        return ui.message(views.summary_blocks(summary))
    return ui.message([ui.section(not_known("mentor", f"{verb} {argument}")), ui.section(views.usage(organiser))])


def overview_reply(runtime: Runtime, actor: Actor, *, note: str | None = None) -> ui.Message:
    with runtime.db.reading() as session:
        my = mentoring.my_mentoring(session, actor)
    return ui.message(views.overview_blocks(my, actor.slack_user_id, today=member_today(runtime, actor),
                                            tz=runtime.settings.tz, organiser=actor.has(Role.ORGANISER), note=note))


def find_reply(runtime: Runtime, actor: Actor, text: str) -> ui.Message:
    """Mentors with a free place for `text` (an area, or words of their specialisms)."""
    with runtime.db.reading() as session:
        result = mentoring.find_mentors(session, actor, text, today=member_today(runtime, actor))
    return ui.message(views.find_blocks(result))


# For this and other features ----------------------------------------------------------------------------

def open_profile_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str) -> None:
    with runtime.db.reading() as session:
        profile = mentoring.find_mentor_profile(session, actor.member_id)
    client.views_open(trigger_id=trigger_id,
                      view=blocks.render_form(views.profile_edit_form(profile, member_today(runtime, actor))))


def notify_mentor(runtime: Runtime, client: WebClient, request_id: int) -> None:
    """DM the mentor a request with Accept / Decline, once; a mentor who can't be reached closes it."""
    moment = now()
    with runtime.db.transaction() as session:
        claimed = mentoring.claim_request_notice(session, request_id, now=moment)
        mentor = mentoring.find_mentor_by_slack(session, claimed.mentor_slack) if claimed else None
    if claimed is None:
        return
    try:
        posted = client.chat_postMessage(channel=claimed.mentor_slack,
                                         **blocks.message(views.request_dm_blocks(claimed, mentor)))
    except SlackApiError as e:
        error = str(e.response.get("error"))
        with runtime.db.transaction() as session:
            if error in UNREACHABLE:
                mentoring.cancel_request(session, request_id, now=moment)
            else:
                mentoring.release_request_notice(session, request_id)
        if error in UNREACHABLE:
            dm(client, claimed.mentee_slack, f"I couldn't reach {escape(claimed.mentor_name)}: they may have left the "
               "workspace. Your request is closed; `/tech mentor find` shows other mentors.")
            return
        raise
    with runtime.db.transaction() as session:
        mentoring.record_request_notice(session, request_id, str(posted["channel"]), str(posted["ts"]))


def introduce(runtime: Runtime, client: WebClient, pairing_id: int) -> bool:
    """Open the group DM with mentor and mentee and post the introduction, once. True when it is there."""
    with runtime.db.transaction() as session:
        won = mentoring.claim_introduction(session, pairing_id, now=now())
        pairing = mentoring.get_pairing(session, pairing_id)
    assert pairing is not None
    if not won:
        return pairing.intro_ts is not None
    try:
        channel = client.conversations_open(users=f"{pairing.mentor_slack},{pairing.mentee_slack}")["channel"]["id"]
        with runtime.db.reading() as session:
            first = mentoring.next_checkin(session, pairing_id)
        posted = client.chat_postMessage(channel=channel, **blocks.message(
            views.intro_blocks(pairing, first_checkin=first, tz=runtime.settings.tz)))
    except SlackApiError as e:
        log.warning("could not introduce pairing %s (%s)", pairing_id, e.response.get("error"))
        with runtime.db.transaction() as session:
            mentoring.release_introduction(session, pairing_id)
        return False
    with runtime.db.transaction() as session:
        mentoring.record_introduction(session, pairing_id, str(posted["channel"]), str(posted["ts"]))
    return True


def announce_end(runtime: Runtime, client: WebClient, pairing: mentoring.PairingInfo, by_slack: str) -> None:
    """Say it in the group DM, and offer each of them "Log it as CPD" (mentoring counts for both sides)."""
    if pairing.group_channel:
        try:
            client.chat_postMessage(channel=pairing.group_channel, **blocks.note(views.ended_text(pairing, by_slack)))
        except SlackApiError as e:
            log.warning("could not post the end of pairing %s (%s)", pairing.id, e.response.get("error"))
    ended = (pairing.ended_at or now()).astimezone(runtime.settings.tz).date()
    for person, role in ((pairing.mentee_slack, "mentee"), (pairing.mentor_slack, "mentor")):
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
            client.chat_postMessage(channel=person, **blocks.message(cpd_prompt_blocks(intro, draft)))
        except SlackApiError as e:
            log.warning("could not offer CPD to %s (%s)", person, e.response.get("error"))


def home_section(runtime: Runtime, actor: Actor) -> list[ui.Block]:
    guide = registration.cached_guide(runtime.settings.content_dir)
    with runtime.db.reading() as session:
        my = mentoring.my_mentoring(session, actor)
        line = status_line(guide, registration.status_of(session, actor.member_id))
    return views.home_blocks(my, actor.slack_user_id, line, today=member_today(runtime, actor),
                             tz=runtime.settings.tz)


def profile_form(values: dict[str, Any]) -> mentoring.MentorForm:
    return mentoring.MentorForm(
        areas=picked(values, ids.MENTOR_AREAS),
        capacity=typed(values, ids.MENTOR_CAPACITY),
        paused_until=date_picked(values, ids.MENTOR_PAUSED_UNTIL),
        specialisms=typed(values, ids.MENTOR_SPECIALISMS),
        intro=typed(values, ids.MENTOR_INTRO))


# Small helpers ------------------------------------------------------------------------------------

def replace(client: WebClient, body: dict[str, Any], actor: Actor, respond: Respond, text: str) -> None:
    """Replace the message the button sat in (its buttons are spent), or DM when there is none."""
    if body.get("response_url"):
        respond(replace_original=True, **blocks.message(views.decided_blocks(text)))
    else:
        client.chat_postMessage(channel=actor.slack_user_id, **blocks.note(text))


def dm(client: WebClient, slack_user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=slack_user_id, **blocks.note(text))
    except SlackApiError as e:
        log.warning("could not DM %s (%s)", slack_user_id, e.response.get("error"))
