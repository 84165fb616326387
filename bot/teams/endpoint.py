"""POST /api/messages: Teams' activities, verified, parsed into requests for the route table.

Our own small adapter instead of the SDK's App: that one brings its own FastAPI/uvicorn server (we
serve Slack and Teams from one waitress), reads CLIENT_ID and a .env when imported, routes card
actions by `data.action` rather than by our route table, and answers a `trigger: "automatic"` card
refresh with a 500. An activity here goes: capped body -> JWT verified (bot.teams.auth) -> the
member met (storage.teams.meet) -> one route lookup -> effects carried out through the Bot
Connector (replies) or in the invoke's own response (a clicked card, refreshed).

Nothing before verification (DESIGN decision 14): a body that is not JSON, a token that does not
verify, or a token for another serviceUrl get a bare 401, one log line, and nothing is stored,
looked up or sent, whatever the body names.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import downloads
from bot.guard import MAX_BODY
from bot.runtime import Runtime
from bot.teams import SURFACE, cards
from bot.teams.auth import TokenVerifier, Unauthorized
from bot.teams.connector import Connector
from core import ui
from core.commands import COMMAND, split
from core.delivery import DeliveryError
from core.request import (Answer, CloseForm, Container, DirectMessage, Effect, FollowUp, Kind, LookUp, OpenForm,
                          RefreshHome, Request, SendDue, SendFile, UpdateForm, UpdateMessage, Where, effects)
from digests.runner import send_due_now
from handlers._common import member_tz
from storage import members, teams
from storage.clock import now
from storage.errors import DomainError
from storage.identities import MessageRef
from storage.models import Member

log = logging.getLogger(__name__)

PATH = "/api/messages"
StartResponse = Callable[..., Any]
_MENTION = re.compile(r"<at>[^<]*</at>")


@dataclass(frozen=True)
class Answered:
    status: int
    body: dict[str, Any] | None = None


class TeamsEndpoint:
    def __init__(self, runtime: Runtime, verifier: TokenVerifier, connector: Connector):
        self.runtime, self.verifier, self.connector = runtime, verifier, connector
        self.settings = runtime.settings

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            activity = self._admit(environ)
        except Unauthorized as refused:
            log.warning("%s %s from %s: %s", HTTPStatus.UNAUTHORIZED.value, PATH, environ.get("REMOTE_ADDR", "?"),
                        refused.reason)
            return _bare(start_response, HTTPStatus.UNAUTHORIZED)
        except _TooLarge:
            return _bare(start_response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        tenant = _tenant(activity)
        if self.settings.teams_tenant_id and tenant != self.settings.teams_tenant_id:
            log.warning("403 %s: an activity from another tenant", PATH)
            return _bare(start_response, HTTPStatus.FORBIDDEN)
        answered = self.handle(activity, tenant)
        if answered.body is None:
            return _bare(start_response, HTTPStatus(answered.status))
        payload = json.dumps(answered.body).encode()
        start_response(f"{answered.status} {HTTPStatus(answered.status).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    def _admit(self, environ: dict[str, Any]) -> dict[str, Any]:
        length = str(environ.get("CONTENT_LENGTH") or "")
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            raise _TooLarge
        raw = environ["wsgi.input"].read(int(length) if length else MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise _TooLarge
        try:
            activity = json.loads(raw)
        except ValueError:
            raise Unauthorized("body is not JSON") from None
        # The serviceUrl is read before the token verifies only to check the token's claim against it.
        service_url = activity.get("serviceUrl") if isinstance(activity, dict) else None
        if not isinstance(service_url, str) or not service_url:
            raise Unauthorized("no serviceUrl to check the token against")
        self.verifier.verify(str(environ.get("HTTP_AUTHORIZATION") or ""), service_url)
        return dict(activity)

    # Verified from here ---------------------------------------------------------------------------
    def handle(self, activity: dict[str, Any], tenant: str) -> Answered:
        kind = activity.get("type")
        try:
            if kind == "message":
                return self.message(activity, tenant)
            if kind == "invoke" and activity.get("name") == "adaptiveCard/action":
                return self.card_action(activity, tenant)
            if kind == "invoke" and activity.get("name") == "task/fetch":
                return self.open_dialog(activity, tenant)
            if kind == "invoke" and activity.get("name") in ("task/submit", "composeExtension/submitAction"):
                return self.submit_dialog(activity, tenant)
            if kind == "invoke" and activity.get("name") == "composeExtension/fetchTask":
                return self.message_action(activity, tenant)
            if kind == "installationUpdate":
                return self.installation(activity, tenant)
            if kind == "conversationUpdate":
                return self.conversation_update(activity, tenant)
        except _Malformed as e:
            log.warning("refused a malformed %s activity: %s", kind, e)
            return Answered(400)
        return Answered(200) if kind != "invoke" else Answered(200, {"statusCode": 200, "type":
                                                                     "application/vnd.microsoft.activity.message",
                                                                     "value": "Nothing to do."})

    def message(self, activity: dict[str, Any], tenant: str) -> Answered:
        subcommand, words = _command(activity)
        request = self._request(activity, tenant, Kind.COMMAND, subcommand=subcommand, words=words)
        if request.subcommand == "home" and not request.words:
            # Teams has no Home tab: `home` brings the Home page's content as a card, as installing does.
            self._home(replace(request, kind=Kind.HOME), str(activity["serviceUrl"]), request.where.conversation or "")
            return Answered(200)
        route = self.runtime.routes.find(Kind.COMMAND, request.subcommand)
        done = self._run(route.handler if route else None, request)
        self._send(done, activity, request, source={"kind": "command", "subcommand": subcommand, "words": words})
        return Answered(200)

    def card_action(self, activity: dict[str, Any], tenant: str) -> Answered:
        value = _object(activity, "value")
        action = _object(value, "action")
        data = _object(action, "data")
        action_id = data.get("action_id") or action.get("verb")
        if not isinstance(action_id, str) or not action_id:
            raise _Malformed("a card action without its id")
        if value.get("trigger") == "automatic":
            # A card's refresh asks for the card as it is now: nothing of ours refreshes by itself yet.
            return Answered(200, {"statusCode": 204, "type": "application/vnd.microsoft.activity.message",
                                  "value": ""})
        clicked = str(activity.get("replyToId") or "")
        conversation = _conversation(activity)
        request = self._request(activity, tenant, Kind.ACTION, action_id=action_id, value=str(data.get("value") or ""),
                                container=Container.MESSAGE,
                                message=MessageRef(SURFACE, conversation, clicked) if clicked else None)
        route = self.runtime.routes.find(Kind.ACTION, action_id)
        if route is None:
            return Answered(200, _invoke_text("That button no longer does anything."))
        done = self._run(route.handler, request)
        # The card clicked is answered in the invoke's response: the first replacing answer refreshes it.
        refreshed = next((e for e in done if isinstance(e, Answer) and e.replace), None)
        # What the clicker alone should read (Slack's ephemeral reply) is the invoke's message: Teams shows
        # it to them only. A post the click changed (its counts) is updated for everyone by the connector.
        private = next((e for e in done if isinstance(e, Answer) and not (e.replace or e.public or e.to)), None)
        rest = [e for e in done if e is not refreshed and (e is not private or refreshed is not None)]
        self._send(rest, activity, request, source={"kind": "action", "action_id": action_id,
                                                     "value": str(data.get("value") or "")})
        if refreshed is not None:
            return Answered(200, {"statusCode": 200, "type": cards.CARD, "value": cards.card(refreshed.message.blocks)})
        return Answered(200, _invoke_text(cards.plain(private.message) if private is not None else "Done."))

    def installation(self, activity: dict[str, Any], tenant: str) -> Answered:
        conversation, service_url = _conversation(activity), str(activity["serviceUrl"])
        if activity.get("action") in ("remove", "remove-upgrade"):
            with self.runtime.db.transaction() as session:
                teams.forget(session, tenant=tenant, conversation_id=conversation, reason="uninstalled", now=now())
            return Answered(200)
        request = self._request(activity, tenant, Kind.HOME)
        self._home(request, service_url, conversation)
        return Answered(200)

    def conversation_update(self, activity: dict[str, Any], tenant: str) -> Answered:
        bot_id = _object(activity, "recipient").get("id")
        added = [m.get("id") for m in activity.get("membersAdded") or [] if isinstance(m, dict)]
        removed = [m.get("id") for m in activity.get("membersRemoved") or [] if isinstance(m, dict)]
        conversation = _conversation(activity)
        if bot_id in removed:
            with self.runtime.db.transaction() as session:
                teams.forget(session, tenant=tenant, conversation_id=conversation, reason="removed", now=now())
        elif bot_id in added:
            with self.runtime.db.transaction() as session:
                teams.remember(session, tenant=tenant, conversation_id=conversation,
                               kind=_conversation_kind(activity), service_url=str(activity["serviceUrl"]), now=now())
        return Answered(200)

    # Requests and effects ------------------------------------------------------------------------
    def _request(self, activity: dict[str, Any], tenant: str, kind: Kind, *, container: Container = Container.NONE,
                 message: MessageRef | None = None, **what: Any) -> Request:
        speaker = _speaker(activity, tenant)
        conversation, conversation_kind = _conversation(activity), _conversation_kind(activity)
        moment = now()
        with self.runtime.db.transaction() as session:
            member = teams.meet(session, speaker, now=moment)
            teams.remember(session, tenant=tenant, conversation_id=conversation, kind=conversation_kind,
                           service_url=str(activity["serviceUrl"]),
                           member_id=member.id if conversation_kind == "personal" else None, now=moment)
            actor = members.actor_for(session, member, self.runtime.grants, speaker.identity)
        where = Where(SURFACE, conversation, container=container, message=message, tenant=tenant)
        return Request(kind=kind, actor=actor, where=where, tz=member_tz(self.runtime, actor), **what)

    def _run(self, handler: Callable[[Request], Any] | None, request: Request) -> list[Effect]:
        if handler is None:
            return []
        try:
            return effects(handler(request))
        except DomainError as refused:
            return [Answer(ui.note(ui.Markup(_escape(refused.message))))]

    def _send(self, done: list[Effect], activity: dict[str, Any], request: Request,
              source: dict[str, str] | None = None, *, pointed: list[bool] | None = None) -> None:
        service_url, conversation = str(activity["serviceUrl"]), _conversation(activity)
        # In a channel or a group chat, answers for everyone go in the thread of the message that asked;
        # answers for the asker alone (Slack's ephemeral ones, files) go to their chat with the bot.
        shared = _conversation_kind(activity) != "personal"
        thread = str(activity.get("id") or "") if _conversation_kind(activity) == "channel" else None
        # Whether the thread was told its answer went privately: once a request, follow-ups included.
        pointed = [False] if pointed is None else pointed
        for effect in done:
            if isinstance(effect, FollowUp):
                self._send(effects(effect.work()), activity, request, source, pointed=pointed)
                continue
            if isinstance(effect, SendDue):
                send_due_now(self.runtime, effect.due)
                continue
            if isinstance(effect, CloseForm | ui.FieldErrors | UpdateForm):
                continue  # a dialog's own answer (submit_dialog); nothing to send
            if isinstance(effect, UpdateMessage | DirectMessage):
                self._deliver(effect)
                continue
            if isinstance(effect, LookUp):
                continue  # Teams names people on every activity: nothing to look up
            if isinstance(effect, RefreshHome):
                self._home(replace(request, kind=Kind.HOME), service_url, conversation)
                continue
            private: ui.Message | None = None
            if isinstance(effect, SendFile):
                private = self._files(effect, request)
            elif isinstance(effect, Answer) and not effect.public and shared:
                private = effect.message
            if private is not None and shared:
                note = self._privately(private, request)
                if pointed[0] and note is None:
                    continue
                pointed[0] = True
                outgoing = cards.activity(note or ui.note(ui.Markup("I have answered you in your chat with technet.")))
            elif private is not None:
                outgoing = cards.activity(private)
            elif isinstance(effect, Answer):
                outgoing = cards.activity(effect.message)
            elif isinstance(effect, OpenForm) and source is not None:
                outgoing = cards.opener(effect.form, source)
            else:
                log.info("a %s is not carried out on Teams yet", type(effect).__name__)
                outgoing = cards.activity(ui.note("That does something technet cannot do in Teams yet; "
                                                  "use it in Slack for now."))
            try:
                self.connector.send(service_url, conversation, outgoing, reply_to=thread)
            except DeliveryError as e:
                log.warning("could not answer in %s: %s", conversation, e.reason)

    def _files(self, effect: SendFile, request: Request) -> ui.Message:
        """Teams takes no upload from a bot's message: the files go by link, served by technet."""
        base = self.runtime.settings.public_url
        if base is None:
            log.warning("a file was asked for on Teams, but TECHNET_PUBLIC_URL is not set to link to it")
            return ui.note(ui.Markup("technet cannot hand out files here until its administrator sets its "
                                     "public address (TECHNET_PUBLIC_URL)."))
        files = (effect.file, *effect.more)
        return downloads.hand_out(self.runtime.db, base, files, member_id=request.actor.member_id,
                                  heading=files[0].title or files[0].name)

    def _privately(self, message: ui.Message, request: Request) -> ui.Message | None:
        """Send the asker their answer in their chat with the bot; None, or what to say in the channel instead."""
        try:
            self.runtime.delivery.dm(request.actor.user_id, message)
        except DeliveryError as e:
            log.warning("could not answer %s privately: %s", request.actor.user_id, e.reason)
            return ui.note(ui.Markup("I could not reach you in a private chat. Open a chat with technet and "
                                     "ask there."))
        return None

    def _deliver(self, effect: UpdateMessage | DirectMessage) -> None:
        """A message outside the request's reply, through the delivery (another conversation, a post)."""
        try:
            if isinstance(effect, UpdateMessage):
                self.runtime.delivery.update(effect.ref, effect.message)
                return
            with self.runtime.db.reading() as session:
                member = session.get(Member, effect.member_id)
                user_id = member.user_id if member is not None else None
            if user_id is not None:
                self.runtime.delivery.dm(user_id, effect.message)
        except DeliveryError as e:
            log.warning("could not deliver a %s: %s", type(effect).__name__, e.reason)

    # Dialogs ------------------------------------------------------------------------------------
    def open_dialog(self, activity: dict[str, Any], tenant: str) -> Answered:
        """task/fetch: run what opened the form again, and show the form it returns as a dialog."""
        data = _object(_object(activity, "value"), "data")
        source = _source(data)
        form, others = self._form_from(activity, tenant, source)
        if form is None:
            text = next((cards.summary(e.message) for e in others if isinstance(e, Answer)), "Nothing to open.")
            return Answered(200, {"task": {"type": "message", "value": text}})
        return Answered(200, {"task": {"type": "continue", "value": cards.dialog(form, source, uuid.uuid4().hex)}})

    def submit_dialog(self, activity: dict[str, Any], tenant: str) -> Answered:
        """task/submit: the form's values, typed by its schema, to its route; errors come back in the dialog."""
        data = _object(_object(activity, "value"), "data")
        form_id, source = data.get(cards.FORM), _source(data)
        schema = data.get(cards.SCHEMA)
        if not isinstance(form_id, str) or not isinstance(schema, dict):
            raise _Malformed("a dialog submitted without its form")
        submission = str(data.get(cards.SUBMISSION) or "")[:64]
        request = self._request(activity, tenant, Kind.FORM, form_id=form_id,
                                metadata=str(data.get(cards.METADATA) or ""), submission=submission)
        request = replace(request, values=_values(data, schema, request.tz))
        route = self.runtime.routes.find(Kind.FORM, form_id)
        if route is None:
            return Answered(200, {"task": {"type": "message", "value": "That form no longer does anything."}})
        try:
            done = effects(route.handler(request))
        except DomainError as refused:
            done = [ui.FieldErrors({refused.field or "": refused.message})]
        first = done[0] if done else None
        if isinstance(first, ui.FieldErrors | UpdateForm):
            form = first.form if isinstance(first, UpdateForm) else self._form_from(activity, tenant, source)[0]
            self._send(done[1:], activity, request)
            if form is None:
                return Answered(200, {"task": {"type": "message", "value": " ".join(first.errors.values())
                                               if isinstance(first, ui.FieldErrors) else "Done."}})
            errors = first.errors if isinstance(first, ui.FieldErrors) else None
            shown = {k: v for k, v in data.items() if isinstance(v, str)} if errors else None
            return Answered(200, {"task": {"type": "continue", "value": cards.dialog(
                form, source, submission, errors=errors, values=_redisplayed(shown, schema))}})
        self._send(done, activity, request)
        return Answered(200, {})

    def message_action(self, activity: dict[str, Any], tenant: str) -> Answered:
        """A message extension action on a message ("Nominate for an award"): Slack's message shortcut.
        Its command id is the shortcut's id; the message's author is named by their Entra object id."""
        value = _object(activity, "value")
        command = value.get("commandId")
        if not isinstance(command, str) or not command:
            raise _Malformed("a message action without its command id")
        sender = _object(_object(_object(value, "messagePayload"), "from"), "user")
        author = sender.get("id") if sender.get("userIdentityType") in (None, "aadUser") else None
        source = {"kind": "shortcut", "action_id": command, "author": author if isinstance(author, str) else ""}
        form, others = self._form_from(activity, tenant, source)
        if form is None:
            text = next((cards.plain(e.message) for e in others if isinstance(e, Answer)), "Nothing to open.")
            return Answered(200, {"task": {"type": "message", "value": text}})
        return Answered(200, {"task": {"type": "continue", "value": cards.dialog(form, source, uuid.uuid4().hex)}})

    def _form_from(self, activity: dict[str, Any], tenant: str, source: dict[str, str]
                   ) -> tuple[ui.Form | None, list[Effect]]:
        if source.get("kind") == "shortcut":
            request = self._request(activity, tenant, Kind.SHORTCUT, action_id=source.get("action_id", ""),
                                    author=source.get("author", ""))
            route = self.runtime.routes.find(Kind.SHORTCUT, request.action_id)
        elif source.get("kind") == "command":
            request = self._request(activity, tenant, Kind.COMMAND, subcommand=source.get("subcommand", ""),
                                    words=source.get("words", ""))
            route = self.runtime.routes.find(Kind.COMMAND, request.subcommand)
        elif source.get("kind") == "action":
            request = self._request(activity, tenant, Kind.ACTION, action_id=source.get("action_id", ""),
                                    value=source.get("value", ""))
            route = self.runtime.routes.find(Kind.ACTION, request.action_id)
        else:
            raise _Malformed("a dialog that names nothing that opens it")
        done = self._run(route.handler if route else None, request)
        form = next((e.form for e in done if isinstance(e, OpenForm)), None)
        return form, done

    def _home(self, request: Request, service_url: str, conversation: str) -> None:
        if self.runtime.routes.home is None:
            return
        home = self.runtime.routes.home(request)
        try:
            self.connector.send(service_url, conversation, cards.activity(ui.Message(home.blocks, title="technet")))
        except DeliveryError as e:
            log.warning("could not send the home card to %s: %s", conversation, e.reason)


class _TooLarge(Exception):
    pass


class _Malformed(Exception):
    pass


def _bare(start_response: StartResponse, status: HTTPStatus) -> Iterable[bytes]:
    start_response(f"{status.value} {status.phrase}", [("Content-Length", "0")])
    return [b""]


def _invoke_text(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def _escape(text: str) -> str:
    from core.markup import escape

    return escape(text)


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    found = parent.get(name)
    return found if isinstance(found, dict) else {}


def _tenant(activity: dict[str, Any]) -> str:
    # Recorded shapes differ: conversation.tenantId on most, channelData.tenant.id on some (and
    # channelData may be {}); both are the same tenant when both are there.
    tenant = _object(activity, "conversation").get("tenantId") or _object(_object(activity, "channelData"),
                                                                         "tenant").get("id")
    return tenant if isinstance(tenant, str) else ""


def _conversation(activity: dict[str, Any]) -> str:
    conversation = activity.get("conversation")
    found = conversation.get("id") if isinstance(conversation, dict) else None
    if not isinstance(found, str) or not found or len(found) > 255:
        raise _Malformed("no conversation id")
    return found


def _conversation_kind(activity: dict[str, Any]) -> str:
    kind = _object(activity, "conversation").get("conversationType")
    return kind if kind in ("personal", "channel", "groupChat") else "personal"


def _speaker(activity: dict[str, Any], tenant: str) -> teams.Speaker:
    sender = activity.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str) or not sender["id"]:
        raise _Malformed("no sender id")
    aad = sender.get("aadObjectId")
    return teams.Speaker(user_id=sender["id"][:255], tenant=tenant, name=str(sender.get("name") or "")[:200],
                         aad_object_id=aad if isinstance(aad, str) and aad else None,
                         timezone=_timezone(activity))


def _timezone(activity: dict[str, Any]) -> str | None:
    """The zone the member's client reports (localTimezone, or the clientInfo entity's), if a real one."""
    zone = activity.get("localTimezone")
    for entity in activity.get("entities") or []:
        if not zone and isinstance(entity, dict) and entity.get("type") == "clientInfo":
            zone = entity.get("timezone")
    if not isinstance(zone, str) or not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return zone


def _command(activity: dict[str, Any]) -> tuple[str, str]:
    """The words typed, as `/tech` would have them: @mentions of the bot and a leading /tech dropped."""
    text = activity.get("text")
    if not isinstance(text, str):
        text = ""
    text = _MENTION.sub(" ", text).replace("&nbsp;", " ").strip()
    if text.lower().startswith(COMMAND + " ") or text.lower() == COMMAND:
        text = text[len(COMMAND):]
    subcommand, words = split(text)
    return subcommand, words.strip()


def _source(data: dict[str, Any]) -> dict[str, str]:
    source = data.get(cards.OPEN)
    if not isinstance(source, dict):
        raise _Malformed("a dialog that names nothing that opens it")
    return {str(k): str(v)[:2000] for k, v in source.items() if isinstance(v, str)}


def _values(data: dict[str, Any], schema: dict[str, Any], tz: ZoneInfo) -> dict[str, ui.FieldValue]:
    """What a dialog returned (every input a string) as the neutral form values, by each field's kind."""
    values: dict[str, ui.FieldValue] = {}
    for field_id, described in schema.items():
        if not isinstance(described, list) or len(described) != 2 or not isinstance(described[1], dict):
            raise _Malformed(f"input {field_id}: no kind")
        try:
            kind = ui.FieldKind(described[0])
        except ValueError:
            raise _Malformed(f"input {field_id}: an unknown kind") from None
        values[str(field_id)] = _typed(data, str(field_id), kind, described[1], tz)
    return values


def _typed(data: dict[str, Any], field_id: str, kind: ui.FieldKind, labels: dict[str, Any],  # noqa: C901
           tz: ZoneInfo) -> ui.FieldValue:
    raw = data.get(field_id)
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        if kind is ui.FieldKind.DATETIME:
            day, hour = data.get(f"{field_id}.date"), data.get(f"{field_id}.time")
            if not (isinstance(day, str) and day and isinstance(hour, str) and hour):
                return None
            local = datetime.combine(date.fromisoformat(day), time.fromisoformat(hour), tzinfo=tz)
            return local.astimezone(UTC)
        if not text:
            return () if kind in (ui.FieldKind.MULTI_SELECT, ui.FieldKind.CHECKBOXES, ui.FieldKind.SEARCH,
                                  ui.FieldKind.MEMBERS) else None
        if kind is ui.FieldKind.DATE:
            return date.fromisoformat(text)
        if kind is ui.FieldKind.TIME:
            return time.fromisoformat(text)
    except ValueError:
        raise _Malformed(f"input {field_id}: not a {kind.value}") from None
    if kind in (ui.FieldKind.SELECT, ui.FieldKind.RADIO):
        return ui.Option(label=str(labels.get(text, text)), value=text)
    if kind in (ui.FieldKind.MULTI_SELECT, ui.FieldKind.CHECKBOXES, ui.FieldKind.SEARCH):
        return tuple(ui.Option(label=str(labels.get(v, v)), value=v) for v in text.split(",") if v)
    if kind is ui.FieldKind.MEMBERS:
        return tuple(v for v in text.split(",") if v)
    return text


def _redisplayed(shown: dict[str, str] | None, schema: dict[str, Any]) -> dict[str, Any] | None:
    """What the person entered, to fill the dialog in again beside its errors (as strings; choices as ids)."""
    if shown is None:
        return None
    return {field_id: shown[field_id] for field_id in schema if field_id in shown}
