"""core.delivery for Slack: Block Kit through the Web API, Slack's errors as DeliveryError."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import ui
from core.delivery import DeliveryError, Kept, Outgoing
from bot.slack_refs import SLACK, posted_message
from core.request import MessageRef

# Slack errors that no retry will fix: give up at once and tell someone.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "account_inactive",
    "invalid_blocks", "msg_too_long", "no_text", "restricted_action", "cannot_dm_bot", "user_disabled",
})


# Slack errors that say the person cannot be messaged: they left, or never could be.
UNREACHABLE = frozenset({"user_disabled", "account_inactive", "user_not_found", "cannot_dm_bot", "channel_not_found",
                         "user_not_visible"})


class SlackDelivery:
    """Sends through `client` (the app's WebClient, with its retry handlers for brief 429s and 5xx)."""

    surface = SLACK

    def __init__(self, client: WebClient):
        self.client = client

    def dm(self, member: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        # chat.postMessage takes a user id as its channel and posts in the app's DM with them;
        # the answer names that DM's own id, which chat.update needs later.
        return self.post(member, message, link_previews=link_previews)

    def post(self, conversation: str, message: Outgoing, *, link_previews: bool = True) -> MessageRef:
        arguments = _kwargs(message)
        if not link_previews:
            arguments["unfurl_links"] = False  # only a "no" is sent: Slack's default unfurls
        with refused_as_delivery_error():
            posted = self.client.chat_postMessage(channel=conversation, **arguments)
        return posted_message(posted)

    def keep(self, message: ui.Message) -> Kept:
        rendered = blocks.message(message)
        return Kept(rendered["text"], rendered["blocks"])

    def update(self, ref: MessageRef, message: Outgoing) -> None:
        with refused_as_delivery_error():
            self.client.chat_update(channel=ref.conversation, ts=ref.message_id, **_kwargs(message))

    def upload(self, to: str, file: ui.File, *more: ui.File) -> None:
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
    """Slack's refusals (ok=false, HTTP 429 or 5xx once the client's own retries are spent) as DeliveryError."""
    try:
        yield
    except SlackApiError as e:
        raise delivery_error(e) from e


def delivery_error(error: SlackApiError) -> DeliveryError:
    reason = str(error.response.get("error") or "slack_error")
    return DeliveryError(reason, permanent=reason in PERMANENT_ERRORS, retry_after=retry_after(error),
                         unreachable=reason in UNREACHABLE)


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

