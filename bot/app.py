"""The app factory: one Bolt app, its global middleware, error handler and listeners."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware, RequestVerification
from slack_sdk import WebClient

import handlers
from bot import dispatch, slack_events
from bot.listeners import VERIFIED, mark_verified, report_failure
from bot.runtime import Runtime
from bot.slack_refs import slack_identity
from bot.slack_payloads import field_errors, is_user_id
from storage import deliveries, members
from storage.clock import now
from storage.errors import DomainError

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, process_before_response: bool = True, guarded: bool = False) -> App:
    """Build the Bolt app.

    guarded: every request reaches the app through the HTTP guard (bot/guard.py, which
    bot/http.TechnetWSGI puts in front), which has verified its signature already, so Bolt does
    not check it a second time. The shell and tests that hand Bolt a request directly leave it
    False, and Bolt checks.

    HTTP mode and the shell use process_before_response=True: the listener's ack()
    is the HTTP response, sent as soon as the fast work is done, and slower work runs
    after it: handed what it needs (bot.listeners.after_ack) or in lazy listeners
    (DESIGN decision 10). Socket Mode can ack early instead.
    """
    settings = runtime.settings
    app = _TechnetApp(
        name="technet",
        client=runtime.client,
        signing_secret=settings.signing_secret or "",
        # Socket Mode has no HTTP signature to check; behind the guard it is checked once, there.
        request_verification_enabled=bool(settings.signing_secret) and not guarded,
        process_before_response=process_before_response,
        listener_executor=runtime.executor,
        logger=logging.getLogger("technet.bolt"),
    )
    app.middleware(_TechnetMiddleware(runtime))
    app.error(_on_error(runtime))
    dispatch.register(app, runtime)  # first: a routed request is found in one lookup
    slack_events.register(app, runtime)
    handlers.register_all(runtime)
    return app


class _TechnetApp(App):
    """Bolt's App, refusing a verified event callback whose event is not an object with a type.

    Bolt's own middleware reads `body["event"]` as such before ours runs, and would fail with a 500.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        verifying = kwargs.get("request_verification_enabled", True) and kwargs.get("signing_secret")
        self.verification = RequestVerification(kwargs["signing_secret"]) if verifying else None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        event = req.body.get("event") if req.body.get("type") == "event_callback" else {"type": ""}
        if isinstance(event, dict) and isinstance(event.get("type"), str):
            return super().dispatch(req)

        def refuse() -> BoltResponse:
            log.warning("refused a malformed event callback (its event is %s)", type(event).__name__)
            return BoltResponse(status=200, body="")

        if self.verification is None:
            return refuse()
        # Nothing before verification: Bolt's own check of the signature (Socket Mode skips it), then the refusal.
        # Behind the guard (verification None) the signature has been checked already.
        return self.verification.process(req=req, resp=BoltResponse(status=200), next=refuse)


class _TechnetMiddleware(Middleware):
    """Our four steps, in order, as one Bolt middleware. A Middleware object, not a function: Bolt
    inspects a function middleware's signature and builds its arguments on every request.

    mark_verified first: the failure report trusts only what passed it.
    """

    def __init__(self, runtime: Runtime):
        self.once_per_event, self.identify_member = _once_per_event(runtime), _identify_member(runtime)

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse | None]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        body, context = req.body, req.context
        return mark_verified(context, lambda: _readable(body, context, lambda: self.once_per_event(
            body, lambda: self.identify_member(context, context.client, body, next))))

    @property
    def name(self) -> str:
        return "technet"  # as Bolt names it in its log lines


def _on_error(runtime: Runtime) -> Callable[..., BoltResponse | None]:
    def on_error(error: Exception, body: dict[str, Any], client: WebClient, context: BoltContext,
                 response: BoltResponse | None) -> BoltResponse | None:
        if not context.get(VERIFIED):
            return report_failure(runtime, error, body, client, context)  # a bare 401: nothing read from the body
        if isinstance(error, DomainError) and response is not None and body.get("type") == "view_submission":
            # A refused form says why by its first field, where the person is looking.
            view = body.get("view")
            if not isinstance(view, dict):
                view = {}
            if any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []):
                errors = field_errors(view, {error.field or "": error.message})
                return BoltResponse(status=200, body=json.dumps({"response_action": "errors", "errors": errors}),
                                    headers={"content-type": "application/json;charset=utf-8"})
        report_failure(runtime, error, body, client, context)
        # A refusal is an answer, not a server error: Slack shows the request as failed on a 5xx.
        return BoltResponse(status=200, body="") if isinstance(error, DomainError) and response is not None else None

    return on_error


def _once_per_event(runtime: Runtime) -> Callable[..., BoltResponse | None]:
    """Slack redelivers an event (X-Slack-Retry-Num) when an ack is slow; act on it once."""

    def once_per_event(body: dict[str, Any], next: Any) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with runtime.db.transaction() as session:
                first = deliveries.record_delivery(session, event_id, now=now())
            if not first:
                log.info("event %s already handled; acknowledging the redelivery", event_id)
                return BoltResponse(status=200, body="")
        return next()

    return once_per_event


_TRIGGERED = ("block_actions", "message_action", "shortcut", "view_submission")


def _readable(body: dict[str, Any], context: BoltContext, next: Any) -> BoltResponse | None:  # noqa: A002 - Bolt's name
    """Refuse, in one log line, ids the middleware after this would store or look up as they are.

    Slack's event ids are short strings (the deliveries table holds 64); a user id is Slack's
    shape. Bolt finds no user id at all when the field holds something else (a list, a number).
    A command, a click, a shortcut or a form carries the trigger_id a form is opened with.
    """
    event = body.get("event")
    if not isinstance(event, dict):
        event = {}
    event_id, user_id = body.get("event_id"), context.user_id
    if body.get("type") == "event_callback" and not (isinstance(event_id, str) and 0 < len(event_id) <= 64):
        problem = f"its event_id is {type(event_id).__name__}"
    elif (body.get("command") or body.get("type") in _TRIGGERED) and not isinstance(body.get("trigger_id"), str):
        problem = f"its trigger_id is {type(body.get('trigger_id')).__name__}"
    elif user_id is not None and not is_user_id(user_id):
        problem = f"its user id is {type(user_id).__name__}"
    elif user_id is None and event.get("type") != "user_change" and any(
            source.get("user") is not None for source in (body, event)):
        problem = "it names a user Bolt cannot read"
    else:
        return next()
    log.warning("refused a malformed request (%s)", problem)
    return BoltResponse(status=200, body="")


def _identify_member(runtime: Runtime) -> Callable[..., Any]:
    """Put the asking member, read once, in the context; a newcomer is created from the request.

    Nothing calls Slack before the ack: a newcomer's profile (names, time zone) comes from
    users.info after the request is answered, once.
    """

    def identify_member(context: BoltContext, client: WebClient, body: dict[str, Any], next: Any) -> Any:  # noqa: A002 - Bolt's name
        user_id = context.user_id
        if not user_id or body.get("type") == "event_callback" and (_is_bot_event(body) or _is_account_change(body)):
            return next()
        moment = now()
        identity = slack_identity(user_id)
        known = members.recognise(runtime.db, identity, runtime.grants, now=moment)
        if known is not None and known.seen_today:
            # The common case: a known member, already seen today. One query, no write.
            context["actor"] = known.actor
            return next()
        newcomer = known is None
        with runtime.db.transaction() as session:
            member = members.ensure_member(session, identity, fallback_name=_name_in(body), now=moment)
            members.touch(member, moment)
            context["actor"] = members.actor_for(session, member, runtime.grants, identity)
        if not newcomer:
            return next()
        runtime.newcomers.expect(user_id)
        response = next()
        runtime.executor.submit(runtime.newcomers.fill_in, user_id, client)
        return response

    return identify_member


def _name_in(body: dict[str, Any]) -> str:
    return str(body.get("user_name") or (body.get("user") or {}).get("name") or "")


def _is_bot_event(body: dict[str, Any]) -> bool:
    event = body.get("event") or {}
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message"


def _is_account_change(body: dict[str, Any]) -> bool:
    # user_change carries the whole user object, and its own listener (bot/slack_events.py) applies
    # it to a member we know. Looking the member up here, or creating one from users.info, is wasted
    # work, would count a profile edit as activity, and could race with that listener's write.
    return (body.get("event") or {}).get("type") == "user_change"
