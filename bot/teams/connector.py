"""The Bot Connector: the bot's outgoing token and the activities it sends, over plain HTTP.

Synchronous, from worker threads, beside the synchronous core: the SDK's ApiClient is async (httpx)
and retries neither 429 nor 5xx, so it would need an event loop only to hand errors back that we
must sort ourselves. A failed send raises core.delivery.DeliveryError, refused or ambiguous (DESIGN
decision 13). Refused, nothing was posted: a 429 (with its Retry-After) and a connection refused may be
tried again through the due ledger; other 4xx are permanent (403: the bot was removed or blocked, 404:
the conversation is gone), and those two say the person is unreachable. Ambiguous, it may have been
posted: a 5xx, a timeout or a connection dropped once the request was out. The Bot Connector chooses
an activity's id, so no key of ours can find the earlier post: the ledger tries an ambiguous send
again, which may post it twice.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode

from core.delivery import UNANSWERED, DeliveryError, unanswered

SCOPE = "https://api.botframework.com/.default"
TIMEOUT = 10.0


class TokenSource:
    """The client-credentials token for the Bot Connector, fetched from TEAMS_TOKEN_URL and kept
    until shortly before it expires (a plain POST: MSAL insists on an https authority)."""

    def __init__(self, token_url: str, app_id: str, password: str):
        self.token_url, self.app_id, self.password = token_url, app_id, password
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires:
                form = urlencode({"grant_type": "client_credentials", "client_id": self.app_id,
                                  "client_secret": self.password, "scope": SCOPE}).encode()
                answer = _call("POST", self.token_url, form, {"Content-Type": "application/x-www-form-urlencoded"})
                token, lifetime = answer.get("access_token"), answer.get("expires_in", 3600)
                if not isinstance(token, str) or not isinstance(lifetime, int | float):
                    raise DeliveryError("token endpoint answered without a token")
                self._token, self._expires = token, time.monotonic() + max(float(lifetime) - 300, 30)
            return self._token


class Connector:
    def __init__(self, token: TokenSource):
        self.token = token

    def send(self, service_url: str, conversation: str, activity: dict[str, Any], *,
             reply_to: str | None = None) -> str:
        """Post an activity in a conversation (as a reply to `reply_to` in a thread): its id."""
        path = f"v3/conversations/{quote(conversation, safe='')}/activities"
        if reply_to:
            path += f"/{quote(reply_to, safe='')}"
        return str(self._authorised("POST", service_url, path, activity).get("id") or "")

    def update(self, service_url: str, conversation: str, activity_id: str, activity: dict[str, Any]) -> None:
        path = f"v3/conversations/{quote(conversation, safe='')}/activities/{quote(activity_id, safe='')}"
        self._authorised("PUT", service_url, path, {**activity, "id": activity_id})

    def create_conversation(self, service_url: str, bot_id: str, user_id: str, tenant: str) -> str:
        """The personal chat of the bot with `user_id`, created (or found: Teams gives the same id again)."""
        body = {"isGroup": False, "bot": {"id": bot_id}, "members": [{"id": user_id}], "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}}}
        conversation = self._authorised("POST", service_url, "v3/conversations", body).get("id")
        if not isinstance(conversation, str):
            raise DeliveryError("the Bot Connector created no conversation")
        return conversation

    def _authorised(self, method: str, service_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = service_url.rstrip("/") + "/" + path
        return _call(method, url, json.dumps(body).encode(),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"})


def _call(method: str, url: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read(1024 * 1024)
    except urllib.error.HTTPError as e:
        raise _refusal(e) from None
    except UNANSWERED as e:
        raise unanswered(e) from None
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) else {}


def _refusal(e: urllib.error.HTTPError) -> DeliveryError:
    status = e.code
    if status == 429:
        try:
            wait: float | None = float(e.headers.get("Retry-After") or "")
        except ValueError:
            wait = None
        return DeliveryError("rate_limited", retry_after=wait)
    if status >= 500:
        # The request was out: the Bot Connector may have posted the activity before it failed.
        return DeliveryError(f"bot_connector_{status}", ambiguous=True)
    unreachable = status in (403, 404)
    return DeliveryError({401: "not_authorised", 403: "bot_blocked_or_removed", 404: "conversation_not_found"}
                         .get(status, f"refused_{status}"), permanent=True, unreachable=unreachable)
