"""A Teams stand-in on a loopback port: the Bot Framework's edge, for tests and the benchmark.

It serves the OpenID metadata and the JWKS of a key it generates (so it signs activities as the
Bot Framework does), the token endpoint for the bot's outgoing token, and a Bot Connector that
records every activity the bot sends and can answer 429 (with Retry-After) or 500 on demand.
Nothing of ours is faked: the app verifies these tokens and calls these endpoints over HTTP.
Needs the `teams` extra (PyJWT and cryptography).
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from bot.standin import LoopbackServer
from storage.clock import now

APP_ID = "00000000-0000-4000-8000-00000000a991"
TENANT_ID = "00000000-0000-4000-8000-0000000074e1"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"


@dataclass
class Sent:
    """One call the bot made to the Bot Connector."""

    method: str
    path: str
    body: dict[str, Any]
    token: str | None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation(self) -> str:
        parts = self.path.split("/")  # "", connector, v3, conversations, <id>, ...
        return unquote(parts[4]) if len(parts) > 4 else ""

    def card(self) -> dict[str, Any]:
        """The Adaptive Card of the activity sent ({} when it has none)."""
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment["content"])
        return {}


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    times: int = 1


class TeamsStandIn(LoopbackServer):
    thread_name = "teams-standin"

    def __init__(self, host: str = "127.0.0.1") -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "standin-key-1"
        self.sent: list[Sent] = []
        self.token_requests: list[dict[str, str]] = []
        self.failures: list[Failure] = []
        self.conversations: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer((host, 0), _handler(self))
        self._server.daemon_threads = True

    # Addresses ----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl its activities name: the Bot Connector's base."""
        return f"{self.url}/connector/"

    @property
    def openid_url(self) -> str:
        return f"{self.url}/openid"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    # Signing activities as the Bot Framework does --------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        import jwt

        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, *, service_url: str | None = None, audience: str = APP_ID, issuer: str = ISSUER,
              issued: datetime | None = None, lifetime: timedelta = timedelta(hours=1), key: Any = None,
              kid: str | None = None, **claims: Any) -> str:
        import jwt

        at = issued or now()
        payload = {"iss": issuer, "aud": audience, "nbf": int(at.timestamp()), "iat": int(at.timestamp()),
                   "exp": int((at + lifetime).timestamp()), "serviceurl": service_url or self.service_url,
                   **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def headers(self, **token_options: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**token_options)}", "Content-Type": "application/json"}

    # What the bot sent ----------------------------------------------------------------------------
    def fail(self, status: int = 500, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` Bot Connector calls answer `status`."""
        with self._lock:
            self.failures.append(Failure(status, retry_after, times))

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Sent]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.sent) >= count, timeout=timeout)
            return list(self.sent)

    def mark(self) -> int:
        with self._lock:
            return len(self.sent)

    def since(self, mark: int) -> list[Sent]:
        with self._lock:
            return self.sent[mark:]

    # Serving ------------------------------------------------------------------------------------
    def _get(self, path: str) -> tuple[int, dict[str, Any]]:
        if path == "/openid":
            return 200, {"issuer": ISSUER, "jwks_uri": f"{self.url}/keys",
                         "id_token_signing_alg_values_supported": ["RS256"]}
        if path == "/keys":
            return 200, self.jwks()
        return 404, {}

    def _post_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != APP_ID:
            return 400, {"error": "invalid_client"}
        return 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": f"bot-token-{uuid.uuid4().hex}"}

    def _connector(self, method: str, path: str, body: dict[str, Any], token: str | None
                   ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            failure = self.failures[0] if self.failures else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.pop(0)
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return failure.status, {"error": {"code": "standin", "message": "as asked"}}, headers
            if token is None or not token.startswith("bot-token-"):
                return 401, {"error": {"code": "Unauthorized"}}, {}
            parts = path.strip("/").split("/")  # connector, v3, conversations, [id, activities, [id]]
            if method == "POST" and len(parts) == 3:
                conversation = f"a:standin-{next(self._ids)}"
                self.conversations[conversation] = body
                result: dict[str, Any] = {"id": conversation}
            elif method == "PUT" and len(parts) == 6:
                result = {"id": parts[5]}
            else:
                result = {"id": f"activity-{next(self._ids)}"}
            self.sent.append(Sent(method, path, body, token, result))
            self._changed.notify_all()
            return 200 if method == "PUT" else 201, result, {}


def _handler(standin: TeamsStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            self._reply(*standin._get(self.path))

        def do_POST(self) -> None:
            raw = self._body()
            if self.path == "/token":
                self._reply(*standin._post_token(dict(parse_qsl(raw.decode()))))
                return
            self._connect("POST", raw)

        def do_PUT(self) -> None:
            self._connect("PUT", self._body())

        def _connect(self, method: str, raw: bytes) -> None:
            if not self.path.startswith("/connector/v3/conversations"):
                self._reply(404, {})
                return
            auth = self.headers.get("Authorization") or ""
            token = auth[7:] if auth.startswith("Bearer ") else None
            self._reply(*standin._connector(method, self.path, json.loads(raw or b"{}"), token))

    return Handler


# Activities as Teams sends them (recorded shapes, with the ids of this stand-in) -------------------

def person(user_id: str, name: str, aad: str) -> dict[str, Any]:
    return {"id": user_id, "name": name, "aadObjectId": aad}


def message_activity(standin: TeamsStandIn, sender: dict[str, Any], text: str, *, conversation: str = "",
                     channel: bool = False, mention: bool = False, timezone: str = "Europe/London",
                     channel_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message typed to the bot: in the personal chat, or with `@technet` in a channel."""
    entities: list[dict[str, Any]] = [{"type": "clientInfo", "locale": "en-GB", "timezone": timezone}]
    if mention:
        text = f"<at>technet</at> {text}"
        entities.append({"type": "mention", "text": "<at>technet</at>",
                         "mentioned": {"id": BOT_ID, "name": "technet"}})
    conversation = conversation or ("19:standin-channel@thread.tacv2" if channel else f"a:personal-{sender['id']}")
    activity: dict[str, Any] = {
        "type": "message", "id": f"1{uuid.uuid4().int % 10**12}", "timestamp": now().isoformat(),
        "localTimestamp": now().isoformat(), "localTimezone": timezone, "serviceUrl": standin.service_url,
        "channelId": "msteams", "from": sender, "recipient": {"id": BOT_ID, "name": "technet"},
        "conversation": {"id": conversation, "conversationType": "channel" if channel else "personal",
                         "tenantId": TENANT_ID, **({"isGroup": True} if channel else {})},
        "text": text, "textFormat": "plain", "locale": "en-GB", "entities": entities,
        "channelData": channel_data if channel_data is not None else {"tenant": {"id": TENANT_ID}},
    }
    return activity
