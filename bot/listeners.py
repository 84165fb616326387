"""Helpers shared by listeners in handlers/, and how a failure reaches the person."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from core.markup import escape
from storage.errors import DomainError

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("bot.app")

# Set in the context of a request that has passed Bolt's built-in middleware (its signature check).
VERIFIED = "technet_verified"


def mark_verified(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
    """The first global middleware: Bolt runs it after its own, so after the signature check (Bolt's,
    or, for an app created guarded, the HTTP guard's before Bolt saw the request).

    Socket Mode requests, which Bolt does not check, come authenticated by the app token.
    """
    context[VERIFIED] = True
    return next()


def report_failure(runtime: Runtime, error: Exception, body: dict[str, Any], client: WebClient,
                   context: BoltContext, *, saved: bool | None = False) -> BoltResponse | None:
    """Log with the traceback and tell the person, ephemerally, what to do.

    `saved`: whether the request's own unit of work had committed when this failed: False for
    a listener's failure (its transaction rolled back), True for work handed on after a
    committed ack (after_ack), None when it cannot be known (a lazy listener may have saved
    something before it failed). The person is told so, never "nothing was changed" wrongly.

    A DomainError is a rule saying no: its message is for the person and needs no log.
    A request that failed before it verified (slack_sdk raises on a timestamp that is not an
    integer) is not a person's: whatever user or response_url its body names is nobody's word,
    so it is answered a bare 401 and logged in one line, without its body or traceback.
    """
    if not context.get(VERIFIED):
        log.warning("a request failed before it verified (%s); answered 401, nobody told", type(error).__name__)
        return BoltResponse(status=401, body="")
    if isinstance(error, DomainError):
        # A refusal may quote what someone typed (a title, a name): & < > stay literal.
        text = f":no_entry: {escape(error.message)}"
    else:
        reference = uuid.uuid4().hex[:8]
        log.error("listener failed (reference %s)", reference, exc_info=error)
        text = runtime.templates.get_template("error.md.j2").render(reference=reference, saved=saved)
    tell(client, body, text)
    return None


def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Reach the person wherever the request came from; never let this raise."""
    user_id = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    response_url = body.get("response_url") or next(iter(body.get("response_urls") or []),
                                                     dict[str, Any]()).get("response_url")
    try:
        if response_url:
            WebhookClient(response_url).send(text=text, response_type="ephemeral")
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        log.exception("could not tell %s about an error", user_id)


def after_ack(runtime: Runtime, body: dict[str, Any], client: WebClient, context: BoltContext,
              work: Callable[[], None]) -> None:
    """Hand `work` to the listener executor: what a listener does once its unit of work has
    committed and it has acked, given explicitly what it needs (ids, the due rows it made).

    Bolt's lazy listeners cannot carry that: in Socket Mode Bolt starts them with the ack
    listener, not after it, so they could only poll for its commit. Called last in the ack
    listener, this runs after the ack in both modes (HTTP mode sends it when the listener
    returns), and its failures reach the person as a lazy listener's do.
    """

    def follow_up() -> None:
        try:
            runtime.newcomers.fill_in(context.user_id, client)
            work()
        except Exception as error:
            report_failure(runtime, error, body, client, context, saved=True)

    runtime.executor.submit(follow_up)
