"""Nominating in chat: `/tech nominate`, the message shortcut, Nominate buttons and the form.

The nominator's copy comes by DM, with Edit and Withdraw while the cycle is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core import ids, ui
from core.delivery import DeliveryError
from core.markup import escape
from core.request import Answer, Effect, FollowUp, LookUp, OpenForm, Reply, Request, UpdateForm
from core.views import moments
from handlers._common import field_choice, field_ids, field_text, metadata_object, payload_id
from core.services import Services
from storage.identities import Identity
from handlers.awards import views
from storage import awards, members
from storage.awards import NominationForm
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor

if TYPE_CHECKING:
    from datetime import tzinfo

    from core.services import Services

NOMINATE_USAGE = ("`/tech nominate` opens the nomination form; `/tech nominate @colleague` fills in who. "
                  "You can also use *Nominate for an award* in a message's menu (⋮ More actions).")


def register(runtime: Services) -> None:
    routes = runtime.routes

    # /tech nominate [@colleague] -----------------------------------------------------
    @routes.command("nominate", owner=__name__)
    def nominate(request: Request) -> Reply:
        rest = request.words
        if rest.lower() == "help":
            return Answer(ui.note(NOMINATE_USAGE))
        with runtime.db.reading() as session:
            cycles = awards.open_cycles(session, now())
            nominee = _nominee_in_text(session, rest)
        if not cycles:
            return Answer(ui.note("No award is open for nominations right now. `/tech awards list` shows the cycles."))
        if rest and nominee is None:
            return Answer(ui.note(f"I couldn't tell who “{escape(rest[:80])}” is. Type `/tech nominate` and choose "
                                  "them in the form, or mention them: `/tech nominate @colleague`."))
        return OpenForm(views.nomination_modal(cycles, request.tz, nominee=nominee))

    # The message shortcut, and Nominate buttons (Home tab, channel posts) -------------
    @routes.shortcut(ids.AWARDS_NOMINATE_SHORTCUT)
    def shortcut(request: Request) -> Reply:
        if not request.author:
            return Answer(ui.note("Bots and apps cannot be nominated: use the shortcut on a colleague's message."))
        return _open_form(runtime, request.tz, nominee=request.author)

    @routes.action(ids.AWARDS_NOMINATE_OPEN)
    def nominate_button(request: Request) -> Reply:
        return _open_form(runtime, request.tz, selected=payload_id(request.value, "the Nominate button's cycle"))

    # The nomination form ---------------------------------------------------------------
    @routes.form(ids.AWARDS_NOMINATE_MODAL)
    def nomination_submitted(request: Request) -> Reply:
        """Answered from what the store knows; the surface is asked about the nominees after the ack."""
        actor = request.actor
        form = _form(request)
        try:
            with runtime.db.transaction() as session:
                met = _meet(session, actor.identity, form)
                result = awards.submit_nomination(session, actor, form, submission_id=request.submission, now=now())
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.AWARDS_AWARD: e.message})
        # The nominee each time, as a stored member may have left since; team members on first contact.
        follow_up: list[Effect] = [LookUp(tuple(sorted({form.nominee} | met if form.nominee else met))),
                     FollowUp(lambda: _nomination_dm(runtime, actor, request.tz, form, result))]
        if result.outcome == awards.REFUSED_CLOSED:
            assert result.cycle is not None
            reason = (f"Nominations for {result.cycle.title} closed at "
                      f"{moments.when(result.cycle.closes_at, request.tz)}. "
                      "I've sent you what you wrote in a direct message, so it is not lost.")
            return [ui.FieldErrors({ids.AWARDS_AWARD: reason}), *follow_up]
        copy = result.nomination
        assert copy is not None
        said = "updated" if result.outcome == awards.UPDATED else "saved"
        # Someone the store had never seen has no name yet: Slack shows a mention as their name.
        nominee = views.nominee_label(copy) if copy.nominee_user in met else f"*{escape(copy.nominee_name)}*"
        return [UpdateForm(views.done_view(
            "Nomination " + said, f"Your nomination of {nominee} for *{escape(copy.cycle.title)}* is {said}. "
            "A copy is on its way to you by direct message.")), *follow_up]

    @routes.form(ids.AWARDS_DONE_MODAL)
    def done(request: Request) -> Reply:
        """"OK" on a form that only says what happened closes it."""
        return None

    @routes.action(ids.AWARDS_NOMINATION_EDIT)
    def edit_nomination(request: Request) -> Reply:
        with runtime.db.reading() as session:
            copy = awards.check_can_edit(session, request.actor, payload_id(request.value, "the Edit's nomination"),
                                         now=now())
        return OpenForm(views.nomination_modal([], request.tz, editing=copy))

    @routes.action(ids.AWARDS_NOMINATION_WITHDRAW)
    def withdraw_nomination(request: Request) -> Reply:
        with runtime.db.transaction() as session:
            copy = awards.withdraw_nomination(session, request.actor,
                                              payload_id(request.value, "the Withdraw's nomination"), now=now())
        intro = f"You withdrew your nomination of {views.nominee_label(copy)} for *{escape(copy.cycle.title)}*."
        return Answer(ui.message(views.nomination_blocks(copy, request.tz, intro)), replace=True)


def _open_form(runtime: Services, tz: tzinfo, *, selected: int | None = None, nominee: str | None = None) -> Reply:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    if not cycles or selected is not None and selected not in {c.id for c in cycles}:
        return Answer(ui.note("That award is not open for nominations any more." if cycles else
                              "No award is open for nominations right now."))
    return OpenForm(views.nomination_modal(cycles, tz, selected=selected, nominee=nominee))


def _nomination_dm(runtime: Services, actor: Actor, tz: tzinfo, form: NominationForm,
                   result: awards.SubmissionResult) -> None:
    """Once the nominees are looked up: withdraw a nomination of a bot or a departed account, and
    send the submission's one message (its confirmation, or the nominator's text back)."""
    why = None
    if result.nomination is not None and result.outcome != awards.REFUSED_CLOSED:
        with runtime.db.transaction() as session:
            why = awards.withdraw_if_ineligible(session, result.nomination.id, now=now())
    with runtime.db.transaction() as session:
        claim = awards.claim_submission_dm(session, result.key, now=now())
    if claim is None:
        return  # a repeated delivery whose message has gone already
    try:
        runtime.delivery.dm(claim.nominator_user, _submission_dm(runtime, actor, tz, claim, form, withdrawn=why))
    except DeliveryError:
        with runtime.db.transaction() as session:
            awards.release_submission_dm(session, result.key)
        raise


def _nominee_in_text(session: Session, text: str) -> str | None:
    """`<@U123|name>` (escaped mentions) or `@name` (Slack sends names as typed when escaping is off)."""
    text = text.strip()
    if text.startswith("<@") and text.endswith(">"):
        return text[2:-1].split("|")[0] or None
    return awards.member_by_name(session, text) if text else None


def _form(request: Request) -> NominationForm:
    given = request.values
    editing = metadata_object(request.metadata, request.form_id).get("nomination")
    award = field_choice(given, ids.AWARDS_AWARD)
    return NominationForm(
        cycle_id=payload_id(award, "the nomination form's award") if award else None,
        nominee=field_text(given, ids.AWARDS_NOMINEE),
        team_members=tuple(field_ids(given, ids.AWARDS_TEAM_MEMBERS)),
        team_name=field_text(given, ids.AWARDS_TEAM_NAME),
        citation=field_text(given, ids.AWARDS_CITATION) or "",
        examples=tuple(v for v in (field_text(given, b) for b in ids.AWARDS_EXAMPLES) if v),
        link=field_text(given, ids.AWARDS_LINK),
        nomination_id=None if editing is None else payload_id(str(editing), "the nomination being edited"),
    )


def _meet(session: Session, asker: Identity, form: NominationForm) -> set[str]:
    """Each nominee as a member before the rules look at them; returns those the store had never seen.

    Nothing calls Slack before the ack: the rules use what the store knows (bots and
    deactivated accounts it knows of are refused in the form); someone new is added with
    what little we know, and a LookUp asks the surface about them after the ack.
    """
    met: set[str] = set()
    for user_id in {u for u in (form.nominee, *form.team_members) if u}:
        # People picked in a form are on the asker's surface.
        if members.find_member(session, asker.colleague(user_id)) is None:
            members.ensure_member(session, asker.colleague(user_id), now=now())
            met.add(user_id)
    return met


def _submission_dm(runtime: Services, actor: Actor, tz: tzinfo, claim: awards.DmClaim, form: NominationForm, *,
                   withdrawn: str | None = None) -> ui.Message:
    if withdrawn:
        intro = (f"I couldn't keep your nomination: {escape(withdrawn)} "
                 "Here is what you wrote, so it is not lost.")
        return ui.message(views.returned_blocks(intro, form.as_text()))
    if claim.outcome == awards.REFUSED_CLOSED:
        with runtime.db.reading() as session:
            cycle = awards.get_cycle(session, form.cycle_id, now()) if form.cycle_id else None
            if cycle is None and form.nomination_id:
                cycle = awards.my_nomination(session, actor, form.nomination_id, now=now()).cycle
        assert cycle is not None
        intro = runtime.templates.get_template("awards_returned.md.j2").render(
            title=cycle.title, closed=moments.when(cycle.closes_at, tz))
        return ui.message(views.returned_blocks(intro, form.as_text()))
    copy = claim.nomination
    assert copy is not None
    intro = runtime.templates.get_template("awards_confirmation.md.j2").render(
        outcome=claim.outcome, nominee=copy.nominee_name, title=copy.cycle.title,
        closes=moments.when(copy.cycle.closes_at, tz))
    return ui.message(views.nomination_blocks(copy, tz, intro))
