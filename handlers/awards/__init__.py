"""Awards in chat: `/tech nominate`, the "Nominate for an award" shortcut, and `/tech awards`.

Members nominate through a modal; the confirmation (or, after the close, their text
back) comes by DM. Organisers open and close cycles and see counts. The cycle's panel
reviews, scores, shortlists, exports and announces. Every rule is in storage/awards.py;
these listeners turn payloads into plain values and replies.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from bot import blocks, ids
from bot.commands import COMMAND, split
from bot.listeners import ack_only
from bot.mrkdwn import escape
from bot.runtime import HomeSection, Runtime
from handlers.awards import views
from handlers.help import visible
from storage import awards, members
from storage.awards import NominationForm
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")
NOMINATE_USAGE = ("`/tech nominate` opens the nomination form; `/tech nominate @colleague` fills in who. "
                  "You can also use *Nominate for an award* in a message's menu (⋮ More actions).")


def register(app: App, runtime: Runtime) -> None:
    reported = _reported(runtime)
    nominate = runtime.subcommands.matcher("nominate", owner=__name__)
    awards_matcher = runtime.subcommands.matcher("awards", owner=__name__)

    # /tech nominate [@colleague] -----------------------------------------------------
    def nominate_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        rest = split(body.get("text"))[1].strip()
        if rest.lower() == "help":
            return ack(**_say(NOMINATE_USAGE))
        with runtime.db.reading() as session:
            cycles = awards.open_cycles(session, now())
            nominee = _nominee_in_text(session, rest)
        if not cycles:
            return ack(**_say("No award is open for nominations right now. `/tech awards list` shows the cycles."))
        if rest and nominee is None:
            return ack(**_say(f"I couldn't tell who “{escape(rest[:80])}” is. Type `/tech nominate` and choose "
                              "them in the form, or mention them: `/tech nominate @colleague`."))
        ack()

    def nominate_open(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        rest = split(body.get("text"))[1].strip()
        if rest.lower() == "help":
            return
        with runtime.db.reading() as session:
            cycles = awards.open_cycles(session, now())
            nominee = _nominee_in_text(session, rest)
        if cycles and (nominee or not rest):
            client.views_open(trigger_id=body["trigger_id"],
                              view=views.nomination_modal(cycles, _tz(runtime, context["actor"]), nominee=nominee))

    app.command(COMMAND, matchers=[nominate])(ack=nominate_ack, lazy=[reported(nominate_open)])

    # The message shortcut, and Nominate buttons (Home tab, channel posts) -------------
    def shortcut_open(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        message = body.get("message") or {}
        author = message.get("user")
        if message.get("bot_id") or not author or author == context.get("bot_user_id"):
            respond(text="Bots and apps cannot be nominated: use the shortcut on a colleague's message.",
                    response_type="ephemeral")
            return
        _open_form(runtime, client, context["actor"], body["trigger_id"], nominee=author, respond=respond)

    app.shortcut(ids.AWARDS_NOMINATE_SHORTCUT)(ack=ack_only, lazy=[reported(shortcut_open)])

    def nominate_button(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                        respond: Respond) -> None:
        _open_form(runtime, client, context["actor"], body["trigger_id"], selected=int(action["value"]),
                   respond=respond if body.get("response_url") else None)

    app.action(ids.AWARDS_NOMINATE_OPEN)(ack=ack_only, lazy=[reported(nominate_button)])

    # The nomination form ---------------------------------------------------------------
    def nomination_submitted(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        form = _form(view)
        try:
            _meet(runtime, client, form)
            with runtime.db.transaction() as session:
                result = awards.submit_nomination(session, actor, form, submission_id=_submission_id(view),
                                                   now=now())
        except DomainError as e:
            return ack(response_action="errors", errors={_field(view, e.field): e.message})
        tz = _tz(runtime, actor)
        if result.outcome == awards.REFUSED_CLOSED:
            assert result.cycle is not None
            reason = (f"Nominations for {result.cycle.title} closed at {views.when(result.cycle.closes_at, tz)}. "
                      "I've sent you what you wrote in a direct message, so it is not lost.")
            return ack(response_action="errors", errors={_field(view, ids.AWARDS_AWARD): reason})
        assert result.nomination is not None
        said = "updated" if result.outcome == awards.UPDATED else "saved"
        ack(response_action="update", view=views.done_view(
            "Nomination " + said, f"Your nomination of *{escape(result.nomination.nominee_name)}* for "
            f"*{escape(result.nomination.cycle.title)}* is {said}. A copy is on its way to you by direct message."))

    def nomination_dm(body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        form = _form(view)
        key = awards.submission_key(_submission_id(view), actor.slack_user_id, form)
        claim = _when_recorded(runtime, lambda s: awards.submission_known(s, key),
                               lambda s: awards.claim_submission_dm(s, key, now=now()))
        if claim is None:
            return  # refused in the form, or a repeated delivery whose message has gone already
        try:
            _send_submission_dm(runtime, client, actor, claim, form)
        except SlackApiError:
            with runtime.db.transaction() as session:
                awards.release_submission_dm(session, key)
            raise

    app.view(ids.AWARDS_NOMINATE_MODAL)(ack=nomination_submitted, lazy=[reported(nomination_dm)])
    # "OK" on a modal that only says what happened closes it.
    app.view(ids.AWARDS_DONE_MODAL)(ack_only)

    def edit_nomination(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                        context: BoltContext) -> None:
        actor = context["actor"]
        with runtime.db.reading() as session:
            copy = awards.check_can_edit(session, actor, int(action["value"]), now=now())
        client.views_open(trigger_id=body["trigger_id"],
                          view=views.nomination_modal([], _tz(runtime, actor), editing=copy))

    def withdraw_nomination(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                            respond: Respond) -> None:
        actor = context["actor"]
        with runtime.db.transaction() as session:
            copy = awards.withdraw_nomination(session, actor, int(action["value"]), now=now())
        intro = f"You withdrew your nomination of {views.nominee_label(copy)} for *{escape(copy.cycle.title)}*."
        respond(replace_original=True, text=intro,
                blocks=blocks.to_dicts(views.nomination_blocks(copy, _tz(runtime, actor), intro)))

    app.action(ids.AWARDS_NOMINATION_EDIT)(ack=ack_only, lazy=[reported(edit_nomination)])
    app.action(ids.AWARDS_NOMINATION_WITHDRAW)(ack=ack_only, lazy=[reported(withdraw_nomination)])

    # /tech awards ... -------------------------------------------------------------------
    def awards_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        verb, argument = split(split(body.get("text"))[1])
        try:
            ack(**_awards_reply(runtime, actor, verb, argument))
        except DomainError as e:
            ack(**_say(f":no_entry: {escape(e.message)}"))

    def awards_lazy(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        verb, argument = split(split(body.get("text"))[1])
        if verb == "new" and actor.has(members.Role.ORGANISER):
            client.views_open(trigger_id=body["trigger_id"],
                              view=views.new_cycle_modal(sorted(runtime.grants.panel)))
        elif verb == "export":
            try:
                number = _cycle_number(argument, required=False)
                with runtime.db.reading() as session:
                    _exportable(session, actor, number)
            except DomainError:
                return  # the ack has said why (and recorded a refusal)
            _send_export(runtime, client, actor, number)

    app.command(COMMAND, matchers=[awards_matcher])(ack=awards_ack, lazy=[reported(awards_lazy)])

    def new_cycle_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        values = view["state"]["values"]
        try:
            with runtime.db.transaction() as session:
                cycle = awards.open_cycle(session, actor, now=now(), default_panel=runtime.grants.panel,
                                          **_new_cycle_values(values))
        except DomainError as e:
            return ack(response_action="errors", errors={_field(view, e.field): e.message})
        tz = _tz(runtime, actor)
        where = f"<#{runtime.settings.network_channel}>" if runtime.settings.network_channel else \
            "the network channel (TECHNET_NETWORK_CHANNEL is not set, so nothing will be posted)"
        ack(response_action="update", view=views.done_view("Award cycle opened", (
            f"*{escape(cycle.title)}* (cycle `{cycle.id}`) takes nominations from {views.when(cycle.opens_at, tz)} "
            f"to {views.when(cycle.closes_at, tz)}. The opening, a reminder three days before the close and "
            f"the close are posted in {where}. Panel: {', '.join(f'<@{p}>' for p in cycle.panel)}; "
            f"chair <@{cycle.chair}>.")))

    app.view(ids.AWARDS_NEW_MODAL)(new_cycle_submitted)

    # The panel's buttons and forms ------------------------------------------------------
    def read_and_score(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                       context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, key, _ = views.parse_value(action.get("value"))
        cycle, summary = _unit(runtime, lambda s: awards.nominee_detail(s, actor, cycle_id, key, now=now()))
        client.views_open(trigger_id=body["trigger_id"], view=views.score_modal(cycle, summary, _tz(runtime, actor)))

    def score_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, key, _ = views.parse_value(view.get("private_metadata"))
        values = view["state"]["values"]
        try:
            def work(session: Session) -> awards.NomineeSummary:
                cycle = awards.get_cycle(session, cycle_id, now())
                scores = {c: _int(_selected(values, f"{ids.AWARDS_SCORE_PREFIX}{i}")) for i, c in
                          enumerate(cycle.criteria)}
                return awards.score_nominee(session, actor, cycle_id, key, scores, now=now())

            summary = _unit(runtime, work)
        except DomainError as e:
            return ack(response_action="errors", errors={_field(view, e.field): e.message})
        average = f"{summary.average:.1f}/5" if summary.average is not None else "none"
        ack(response_action="update", view=views.done_view("Scores saved", (
            f"Your scores for *{escape(summary.name)}* are saved. Average now {average}, "
            f"from {summary.scorers} panel member(s).")))

    app.action(ids.AWARDS_READ)(ack=ack_only, lazy=[reported(read_and_score)])
    app.view(ids.AWARDS_SCORE_MODAL)(score_submitted)

    def panel_change(change: Callable[[Session, Actor, int, str], Any]) -> Callable[..., None]:
        def changed(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                    respond: Respond) -> None:
            actor = context["actor"]
            cycle_id, key, page = views.parse_value(action.get("value"))

            def work(session: Session) -> awards.Review:
                if key:
                    change(session, actor, cycle_id, key)
                return awards.review(session, actor, cycle_id, now=now())

            review = _unit(runtime, work)
            reply = blocks.ephemeral(views.review_blocks(review, _tz(runtime, actor), page=page),
                                     f"{review.cycle.title}: nominations")
            respond(replace_original=True, **reply)

        return changed

    def shortlist_toggle(session: Session, actor: Actor, cycle_id: int, key: str) -> Any:
        _, summary = awards.nominee_detail(session, actor, cycle_id, key, now=now(), audit=False)
        return awards.set_shortlisted(session, actor, cycle_id, key, not summary.shortlisted, now=now())

    app.action(ids.AWARDS_SHORTLIST)(ack=ack_only, lazy=[reported(panel_change(shortlist_toggle))])
    app.action(ids.AWARDS_WINNER)(ack=ack_only, lazy=[reported(panel_change(
        lambda s, a, c, k: awards.mark_winner(s, a, c, k, now=now())))])
    app.action(ids.AWARDS_PAGE)(ack=ack_only, lazy=[reported(panel_change(lambda *_: None))])

    def export_button(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        cycle_id, _, _ = views.parse_value(action.get("value"))
        _send_export(runtime, client, context["actor"], cycle_id)

    app.action(ids.AWARDS_EXPORT)(ack=ack_only, lazy=[reported(export_button)])

    # Announcing: a preview to approve, then the post ------------------------------------
    def open_announce(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                      context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, _, _ = views.parse_value(action.get("value"))
        draft = _unit(runtime, lambda s: awards.announcement_draft(s, actor, cycle_id, now=now()))
        text = runtime.templates.get_template("awards_announcement.md.j2").render(
            cycle=draft.cycle, winner=_mentions(draft.winner), shortlist=[_mentions(r) for r in draft.shortlist])
        client.views_open(trigger_id=body["trigger_id"], view=views.announce_modal(draft.cycle, text))

    def announce_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor = context["actor"]
        cycle_id, _, _ = views.parse_value(view.get("private_metadata"))
        text = _value_of(view["state"]["values"], ids.AWARDS_ANNOUNCE_TEXT) or ""
        if not runtime.settings.network_channel:
            return ack(response_action="errors", errors={ids.AWARDS_ANNOUNCE_TEXT: (
                "No network channel is configured (TECHNET_NETWORK_CHANNEL), so there is nowhere to post.")})
        try:
            draft = _unit(runtime, lambda s: awards.approve_announcement(s, actor, cycle_id, text, now=now()))
        except DomainError as e:
            return ack(response_action="errors", errors={ids.AWARDS_ANNOUNCE_TEXT: e.message})
        ack(response_action="update", view=views.done_view("Announcing", (
            f"The winner of *{escape(draft.cycle.title)}* is being announced in "
            f"<#{runtime.settings.network_channel}>.")))

    def post_announcement(body: dict[str, Any], view: dict[str, Any], client: WebClient,
                          context: BoltContext) -> None:
        cycle_id, _, _ = views.parse_value(view.get("private_metadata"))
        text = _when_recorded(runtime, lambda s: awards.get_cycle(s, cycle_id, now()).announced_at is not None,
                              lambda s: awards.begin_announcement_post(s, cycle_id))
        if text is None:
            return  # not approved, or posted (or being posted) already
        try:
            posted = client.chat_postMessage(channel=runtime.settings.network_channel or "", text=text[:3000],
                                             blocks=blocks.to_dicts(views.announcement_blocks(text)))
        except SlackApiError:
            with runtime.db.transaction() as session:
                awards.abandon_announcement(session, cycle_id)
            raise
        with runtime.db.transaction() as session:
            awards.finish_announcement_post(session, cycle_id, str(posted["ts"]))

    app.action(ids.AWARDS_ANNOUNCE)(ack=ack_only, lazy=[reported(open_announce)])
    app.view(ids.AWARDS_ANNOUNCE_MODAL)(ack=announce_submitted, lazy=[reported(post_announcement)])

    runtime.home_sections.append(HomeSection(30, "awards", _home))


# The replies of /tech awards ----------------------------------------------------------

def _awards_reply(runtime: Runtime, actor: Actor, verb: str, argument: str) -> dict[str, Any]:
    tz = _tz(runtime, actor)
    moment = now()
    if verb in ("", "help"):
        return _usage(runtime, actor)
    if verb == "list":
        with runtime.db.reading() as session:
            return blocks.ephemeral(views.cycles_blocks(awards.all_cycles(session, moment), tz), "Award cycles")
    if verb == "mine":
        with runtime.db.reading() as session:
            copies = awards.my_nominations(session, actor, now=moment)
        return blocks.ephemeral(views.my_nominations_blocks(copies, tz), "Your nominations")
    if verb == "new":
        actor.require(members.Role.ORGANISER, "open award cycles")
        return _say(":trophy: Opening the form for a new award cycle…")
    if verb == "close":
        number = _cycle_number(argument, required=True)
        with runtime.db.transaction() as session:
            cycle = awards.close_cycle(session, actor, number, now=moment)
        return _say(f":lock: *{escape(cycle.title)}* is closed to nominations; the closing post goes out shortly.")
    if verb == "figures":
        with runtime.db.reading() as session:
            rows = awards.figures(session, actor, now=moment)
        return blocks.ephemeral(views.figures_blocks(rows), "Award figures")
    if verb == "review":
        number = _cycle_number(argument, required=False)
        review = _unit(runtime, lambda s: awards.review(s, actor, number, now=moment))
        return blocks.ephemeral(views.review_blocks(review, tz), f"{review.cycle.title}: nominations")
    if verb == "export":
        cycle = _check_export(runtime, actor, _cycle_number(argument, required=False))
        return _say(f":outbox_tray: Exporting the nominations of *{escape(cycle.title)}*: the CSV arrives in a "
                    "direct message in a moment. The export is recorded in the audit log.")
    if verb == "audit":
        number = _cycle_number(argument, required=False)
        info, lines = _unit(runtime, lambda s: awards.audit_log(s, actor, number, now=moment))
        return blocks.ephemeral(views.audit_blocks(info, lines, tz), "Audit log")
    usage = _usage(runtime, actor)
    usage["blocks"].insert(0, blocks.section(f"I don't know `/tech awards {escape(verb[:40])}`.").to_dict())
    return usage


def _usage(runtime: Runtime, actor: Actor) -> dict[str, Any]:
    lines = [(c.usage, c.summary) for c in visible(runtime.content, actor.roles) if c.subcommand == "awards"]
    text = runtime.templates.get_template("awards_usage.md.j2").render(lines=lines)
    return blocks.ephemeral([blocks.section(text)], "Awards")


def _exportable(session: Session, actor: Actor, cycle_id: int | None) -> awards.CycleInfo:
    cycle = awards.panel_cycle(session, actor, cycle_id, action="export nominations", now=now())
    if cycle.state in (awards.UPCOMING, awards.OPEN):
        raise DomainError(f"{cycle.title} is still open for nominations; export it once it closes.")
    return cycle


def _check_export(runtime: Runtime, actor: Actor, cycle_id: int | None) -> awards.CycleInfo:
    return _unit(runtime, lambda session: _exportable(session, actor, cycle_id))


def _send_export(runtime: Runtime, client: WebClient, actor: Actor, cycle_id: int | None) -> None:
    """The CSV goes to the asker alone, through Slack's upload flow (upload URL, then complete)."""
    tz = _tz(runtime, actor)
    filename, data = _unit(runtime, lambda s: awards.export_csv(s, actor, cycle_id, tz=tz, now=now()))
    client.files_upload_v2(channel=_dm_channel(client, actor.slack_user_id), content=data, filename=filename, title=filename,
                           initial_comment="The nominations you asked for. Confidential: for the panel only.")


def _home(runtime: Runtime, actor: Actor) -> list[Any]:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    return views.home_blocks(cycles, _tz(runtime, actor))


# Nominating ---------------------------------------------------------------------------

def _open_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str, *, selected: int | None = None,
               nominee: str | None = None, respond: Respond | None = None) -> None:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    if not cycles or selected is not None and selected not in {c.id for c in cycles}:
        text = "That award is not open for nominations any more." if cycles else \
            "No award is open for nominations right now."
        if respond is not None:
            respond(text=text, response_type="ephemeral")
        else:
            _dm(client, actor.slack_user_id, text=text)
        return
    client.views_open(trigger_id=trigger_id, view=views.nomination_modal(cycles, _tz(runtime, actor),
                                                                           selected=selected, nominee=nominee))


def _nominee_in_text(session: Session, text: str) -> str | None:
    """`<@U123|name>` (escaped mentions) or `@name` (Slack sends names as typed when escaping is off)."""
    text = text.strip()
    if text.startswith("<@") and text.endswith(">"):
        return text[2:-1].split("|")[0] or None
    return awards.member_by_name(session, text) if text else None


def _submission_id(view: dict[str, Any]) -> str:
    """Slack's id of the opened modal: a retried delivery repeats it; a new modal gets a new one.

    (The local shell's submissions carry none; the content alone then tells repeats apart.)
    """
    return str(view.get("id") or "")


def _form(view: dict[str, Any]) -> NominationForm:
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    award = _selected(values, ids.AWARDS_AWARD)
    return NominationForm(
        cycle_id=int(award) if award and award.isdigit() else None,
        nominee=_state(values, ids.AWARDS_NOMINEE).get("selected_user"),
        team_members=tuple(_state(values, ids.AWARDS_TEAM_MEMBERS).get("selected_users") or ()),
        team_name=_value_of(values, ids.AWARDS_TEAM_NAME),
        citation=_value_of(values, ids.AWARDS_CITATION) or "",
        examples=tuple(v for v in (_value_of(values, b) for b in ids.AWARDS_EXAMPLES) if v),
        link=_value_of(values, ids.AWARDS_LINK),
        nomination_id=metadata.get("nomination"),
    )


def _meet(runtime: Runtime, client: WebClient, form: NominationForm) -> None:
    """Know each nominee before the rules look at them: bots and deactivated accounts are refused.

    The nominee is looked up in Slack each time (one quick read; a stored member may have
    left since); team members only on first contact, as the middleware does for askers.
    """
    refresh = {form.nominee} if form.nominee else set()
    for user_id in [u for u in (form.nominee, *form.team_members) if u]:
        with runtime.db.reading() as session:
            known = members.find_member(session, user_id) is not None
        if known and user_id not in refresh:
            continue
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            if known:
                continue
            field = ids.AWARDS_NOMINEE if user_id == form.nominee else ids.AWARDS_TEAM_MEMBERS
            raise DomainError(f"I couldn't look up <@{user_id}> in Slack ({e.response.get('error')}); "
                              "try again in a minute.", field=field) from None
        with runtime.db.transaction() as session:
            members.upsert_from_slack(session, user_id, user, now=now())


def _send_submission_dm(runtime: Runtime, client: WebClient, actor: Actor, claim: awards.DmClaim,
                        form: NominationForm) -> None:
    tz = _tz(runtime, actor)
    if claim.outcome == awards.REFUSED_CLOSED:
        with runtime.db.reading() as session:
            cycle = awards.get_cycle(session, form.cycle_id, now()) if form.cycle_id else None
            if cycle is None and form.nomination_id:
                cycle = awards.my_nomination(session, actor, form.nomination_id, now=now()).cycle
        assert cycle is not None
        intro = runtime.templates.get_template("awards_returned.md.j2").render(
            title=cycle.title, closed=views.when(cycle.closes_at, tz))
        body = views.returned_blocks(intro, form.as_text())
        _dm(client, claim.nominator_user, text="Your nomination arrived after the close",
                                blocks=blocks.to_dicts(body))
        return
    copy = claim.nomination
    assert copy is not None
    intro = runtime.templates.get_template("awards_confirmation.md.j2").render(
        outcome=claim.outcome, nominee=copy.nominee_name, title=copy.cycle.title,
        closes=views.when(copy.cycle.closes_at, tz))
    _dm(client, claim.nominator_user, text=f"Your nomination for {copy.cycle.title}",
                            blocks=blocks.to_dicts(views.nomination_blocks(copy, tz, intro)))


# Small helpers ------------------------------------------------------------------------

def _reported(runtime: Runtime) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Tell the person when work after the ack fails.

    Bolt runs lazy listeners outside the app's error handler (it only logs what they
    raise), so a refusal there would otherwise vanish. The listener must take `body`
    and `client`; Bolt reads the wrapped function's arguments through __wrapped__.
    """

    def wrap(listener: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(listener)
        def reported(**kwargs: Any) -> None:
            try:
                listener(**kwargs)
            except Exception as error:  # noqa: BLE001 - reported to the person and the log
                _report(runtime, kwargs["client"], kwargs["body"], error)

        return reported

    return wrap


def _report(runtime: Runtime, client: WebClient, body: dict[str, Any], error: Exception) -> None:
    if isinstance(error, DomainError):
        text = f":no_entry: {escape(error.message)}"
    else:
        reference = uuid.uuid4().hex[:8]
        log.error("awards listener failed (reference %s)", reference, exc_info=error)
        text = runtime.templates.get_template("error.md.j2").render(reference=reference)
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    try:
        if body.get("response_url"):
            WebhookClient(body["response_url"]).send(text=text, response_type="ephemeral")
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        log.exception("could not tell %s that an awards listener failed", user_id)


def _unit(runtime: Runtime, work: Callable[[Session], T]) -> T:
    """One unit of work. A refused panel request is rolled back, so it is recorded in a unit of its own."""
    try:
        with runtime.db.transaction() as session:
            return work(session)
    except awards.PanelRefusal as refusal:
        log.warning("awards: %s was refused %r (cycle %s)", refusal.actor, refusal.action, refusal.cycle_id)
        with runtime.db.transaction() as session:
            awards.record_refusal(session, refusal, now=now())
        raise


def _when_recorded(runtime: Runtime, recorded: Callable[[Session], bool], then: Callable[[Session], T]) -> T | None:
    """Run `then` once the ack's unit of work is visible.

    In HTTP mode (process_before_response) the ack has finished before a lazy listener
    starts; in Socket Mode Bolt starts both together, so look again for about a second.
    """
    for attempt in range(10):
        with runtime.db.reading() as session:
            ready = recorded(session)
        if ready:
            break
        if attempt < 9:
            time.sleep(0.1)
    else:
        return None
    with runtime.db.transaction() as session:
        return then(session)


def _dm_channel(client: WebClient, user_id: str) -> str:
    return str(client.conversations_open(users=user_id)["channel"]["id"])


def _dm(client: WebClient, user_id: str, **message: Any) -> None:
    """A direct message from the bot (the conversation is opened first, as files need it too)."""
    client.chat_postMessage(channel=_dm_channel(client, user_id), **message)


def _mentions(ref: awards.NomineeRef) -> str:
    people = ", ".join(f"<@{u}>" for u in ref.user_ids)
    return f"the {ref.team_name} team ({people})" if ref.team_name else people


def _say(mrkdwn: str) -> dict[str, Any]:
    return blocks.ephemeral([blocks.section(mrkdwn)], mrkdwn[:150])


def _tz(runtime: Runtime, actor: Actor) -> ZoneInfo:
    try:
        return ZoneInfo(actor.timezone) if actor.timezone else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def _cycle_number(argument: str, *, required: bool) -> int | None:
    argument = argument.strip().lstrip("#")
    if not argument and not required:
        return None
    if not argument.isdigit():
        raise DomainError("Give the cycle's number, e.g. `/tech awards review 3`; `/tech awards list` shows them.")
    return int(argument)


def _state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(iter((values.get(block_id) or {}).values()), {}) or {}


def _value_of(values: dict[str, Any], block_id: str) -> str | None:
    value = _state(values, block_id).get("value")
    return value if value else None


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    option = _state(values, block_id).get("selected_option")
    return option.get("value") if option else None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _field(view: dict[str, Any], field: str | None) -> str:
    """The block to show an error next to: the one named, else the first input of the view."""
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    return field if field in inputs else (inputs[0] if inputs else "")


def _new_cycle_values(values: dict[str, Any]) -> dict[str, Any]:
    def moment(block_id: str) -> datetime | None:
        stamp = _state(values, block_id).get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp else None

    closes = moment(ids.AWARDS_CLOSES)
    if closes is None:
        raise DomainError("Choose when nominations close.", field=ids.AWARDS_CLOSES)
    rules = {o["value"] for o in _state(values, ids.AWARDS_RULES).get("selected_options") or []}
    criteria = (_value_of(values, ids.AWARDS_CRITERIA) or "").splitlines()
    return dict(
        name=_value_of(values, ids.AWARDS_NAME) or "", description=_value_of(values, ids.AWARDS_DESCRIPTION) or "",
        criteria=criteria, label=_value_of(values, ids.AWARDS_LABEL) or "", opens_at=moment(ids.AWARDS_OPENS),
        closes_at=closes, allow_self="allow_self" in rules, allow_team="allow_team" in rules,
        notify_nominees=_selected(values, ids.AWARDS_NOTIFY) or awards.NOTIFY_NEVER,
        panel=_state(values, ids.AWARDS_PANEL).get("selected_users") or [],
        chair=_state(values, ids.AWARDS_CHAIR).get("selected_user"),
    )
