"""core.delivery for Slack: Block Kit through the Web API, Slack's errors as DeliveryError.

A post made for a due item (core.delivery.sending) carries the item's key in the message's
metadata (`event_type` technet_due, `event_payload` {"key": ...}); when an earlier attempt may have
posted, the conversation's history since then is read for that key first (conversations.history
with include_all_metadata: the channels:history, groups:history, im:history and mpim:history
scopes). Posts go through a client without slack_sdk's connection-error and server-error retry
handlers: those re-send a request Slack may already have acted on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler

from bot import blocks
from core import ui
from core.delivery import UNANSWERED, DeliveryError, Kept, Outgoing, before_send, current, unanswered
from bot.slack_refs import SLACK, posted_message, slack_ref
from core.request import MessageRef

# Slack errors that no retry will fix: give up at once and tell someone.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "account_inactive",
    "invalid_blocks", "msg_too_long", "no_text", "restricted_action", "cannot_dm_bot", "user_disabled",
})


# Slack errors that say the person cannot be messaged: they left, or never could be.
UNREACHABLE = frozenset({"user_disabled", "account_inactive", "user_not_found", "cannot_dm_bot", "channel_not_found",
                         "user_not_visible"})


# The metadata event type of a due item's post; its payload's "key" names the item and the post.
DUE_EVENT = "technet_due"
# How far before the earlier attempt's claim to look: clocks of replicas and Slack disagree a little.
LOOK_BACK_MARGIN = timedelta(minutes=1)
# Pages of 200 messages read when looking for a post: a channel busier than that since the
# earlier attempt is not one the bot posts in.
LOOK_PAGES = 5


def posting_client(client: WebClient) -> WebClient:
    """`client` without the retry handlers that could send a post twice: a connection error or a
    500 may come after Slack accepted the message. A 429 is a refusal, so its handler stays."""
    keep = [h for h in client.retry_handlers
            if not isinstance(h, (ConnectionErrorRetryHandler, ServerErrorRetryHandler))]
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=keep)


class SlackDelivery:
    """Sends through `client` (the app's WebClient, with its retry handlers for brief 429s and 5xx);
    posts through `posting` (by default `client` less the retries that could post twice)."""

    surface = SLACK

    def __init__(self, client: WebClient, posting: WebClient | None = None):
        self.client = client
        self.posting = posting or posting_client(client)

    def dm(self, member: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        # chat.postMessage takes a user id as its channel and posts in the app's DM with them;
        # the answer names that DM's own id, which chat.update needs later.
        return self.post(member, message, link_previews=link_previews)

    def post(self, conversation: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        arguments = _kwargs(message)
        if not link_previews:
            arguments["unfurl_links"] = False  # only a "no" is sent: Slack's default unfurls
        context = current()
        if context is not None:
            key = context.next_key()
            before_send(SLACK, conversation)
            if context.look_since is not None:
                if conversation not in context.earlier:
                    context.earlier[conversation] = self.find_posted(conversation, context.key,
                                                                     since=context.look_since)
                found = context.earlier[conversation].get(key)
                if found is not None:
                    context.found = True
                    return found
            arguments["metadata"] = {"event_type": DUE_EVENT, "event_payload": {"key": key}}
        with refused_as_delivery_error():
            posted = self.posting.chat_postMessage(channel=conversation, **arguments)
        return posted_message(posted)

    def find_posted(self, conversation: str, item: str, *, since: datetime) -> dict[str, MessageRef]:
        """The posts of due item `item` in `conversation` (a channel, or a member's DM) since `since`,
        by their keys: one read of the history for all of the item's posts there."""
        prefix = f"{item}:"
        posted: dict[str, MessageRef] = {}
        with refused_as_delivery_error():
            # History wants the DM's own id; chat.postMessage took the member's.
            channel = self._open(conversation) if conversation.startswith(("U", "W")) else conversation
            oldest = f"{(since - LOOK_BACK_MARGIN).timestamp():.6f}"
            cursor = None
            for _ in range(LOOK_PAGES):
                page = self.client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                                         include_all_metadata=True, cursor=cursor)
                for message in page.get("messages") or []:
                    metadata = message.get("metadata") or {}
                    key = str((metadata.get("event_payload") or {}).get("key") or "")
                    if metadata.get("event_type") == DUE_EVENT and key.startswith(prefix):
                        posted.setdefault(key, slack_ref(channel, str(message["ts"])))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    break
        return posted

    def keep(self, message: ui.Message) -> Kept:
        rendered = blocks.message(message)
        return Kept(rendered["text"], rendered["blocks"])

    def update(self, ref: MessageRef, message: Outgoing) -> None:
        before_send()
        with refused_as_delivery_error():
            self.client.chat_update(channel=ref.conversation, ts=ref.message_id, **_kwargs(message))

    def upload(self, to: str, file: ui.File, *more: ui.File) -> None:
        before_send()
        with refused_as_delivery_error():
            # A file upload needs the DM's channel id: a user id will not do here.
            channel = self._open(to)
            self.client.files_upload_v2(
                channel=channel, initial_comment=blocks.comment(file.comment) if file.comment else None,
                file_uploads=[_upload(f) for f in (file, *more)])

    def group(self, members: Sequence[str]) -> str:
        with refused_as_delivery_error():
            return self._open(",".join(members))

    def permalink(self, ref: MessageRef) -> str:
        with refused_as_delivery_error():
            found = self.client.chat_getPermalink(channel=ref.conversation, message_ts=ref.message_id)
        return str(found["permalink"])

    def check_postable(self, conversation: str) -> None:
        with refused_as_delivery_error():
            channel = self.client.conversations_info(channel=conversation)["channel"]
        if channel.get("is_im") or channel.get("is_mpim"):
            raise DeliveryError("not_a_channel", permanent=True)
        if channel.get("is_archived"):
            raise DeliveryError("is_archived", permanent=True)
        if not channel.get("is_member"):
            raise DeliveryError("not_in_channel", permanent=True)

    def _open(self, users: str) -> str:
        return str(self.client.conversations_open(users=users)["channel"]["id"])


def _upload(file: ui.File) -> dict[str, Any]:
    upload = {"filename": file.name, "content": file.content, "title": file.title or file.name}
    # Slack reads alt_txt to screen-reader users in place of the image.
    return upload | ({"alt_txt": file.alt} if file.alt else {})


def _kwargs(message: Outgoing) -> dict[str, Any]:
    """chat.postMessage's or chat.update's keyword arguments for `message`.

    A Kept message was rendered already (the e-zine's, stored as planned): it goes as it is.
    """
    if isinstance(message, Kept):
        return {"text": message.text, "blocks": message.blocks}
    return blocks.message(message)


@contextmanager
def refused_as_delivery_error() -> Iterator[None]:
    """Slack's answers and the network's failures as DeliveryError: refused (ok=false, 4xx, 429, a
    connection refused) or ambiguous (5xx, a timeout, a connection dropped once the request was out)."""
    try:
        yield
    except SlackApiError as e:
        raise delivery_error(e) from e
    except UNANSWERED as e:
        raise unanswered(e) from e


def delivery_error(error: SlackApiError) -> DeliveryError:
    reason = str(error.response.get("error") or "slack_error")
    status = getattr(error.response, "status_code", 200)
    return DeliveryError(reason, permanent=reason in PERMANENT_ERRORS, retry_after=retry_after(error),
                         unreachable=reason in UNREACHABLE, ambiguous=status >= 500)


def retry_after(error: SlackApiError) -> float | None:
    """Retry-After of a 429, in seconds, when Slack sent one we can read."""
    headers = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            values = value if isinstance(value, list) else [value]
            try:
                return float(values[0])
            except (TypeError, ValueError):
                return None
    return None

