"""What a POST to /slack/events must be before Bolt sees any of it (DESIGN decision 14).

A request whose signature has not verified is never parsed, looked up, stored, answered beyond a
bare status, or logged beyond one short line, whatever its body names: Bolt parses a body (and
logs a refused one whole) before its own signature check, and its error handler would act on what
an unverified body names. So the guard reads at most a capped body, checks the headers' form and
Slack's signature, then that the body is something Slack sends and Bolt can read, and only then
builds Bolt's request from the body exactly as it was signed.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import Clock, SignatureVerifier

from storage.clock import now

# Slack's payloads are a few kB (a modal's full state at most tens); a body larger than this is not Slack.
MAX_BODY = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack refuses to replay a request older than this, and so do we.
WINDOW_SECONDS = 5 * 60

# Ten digits last until the year 2286; anything longer, signed or not, is not a Slack timestamp
# (and int() of 5,000 digits raises). [0-9], not \d, which also matches other scripts' digits.
_TIMESTAMP = re.compile(r"[0-9]{1,10}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_LENGTH = re.compile(r"[0-9]{1,18}")
# Bolt takes these headers as its own instructions (run only a lazy listener, skipping the ack);
# they are for a Bolt app calling itself, never sent by Slack, and no signature covers them.
_BOLT_HEADERS = "x-slack-bolt-"


class Stop(Exception):
    """The guard answers the request itself, with a bare `status`; Bolt never sees it.

    `reason` is for the one log line: a fixed phrase, never a value from the request.
    """

    def __init__(self, status: HTTPStatus, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class _OneClock(Clock):
    # slack_sdk reads time.time(); the one clock (storage.clock.now) is what freezegun controls.
    def now(self) -> float:
        return now().timestamp()


class SlackRequestGuard:
    def __init__(self, signing_secret: str, *, max_body: int = MAX_BODY):
        self.verifier = SignatureVerifier(signing_secret, clock=_OneClock())
        self.max_body = max_body

    def admit(self, environ: dict[str, Any]) -> BoltRequest:
        """Bolt's request for a verified body Slack could have sent; else raise Stop."""
        raw = self._read(environ)
        content_type = str(environ.get("CONTENT_TYPE") or "")
        if _is_ssl_check(raw, content_type):
            raise Stop(HTTPStatus.OK, "Slack's SSL check")
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Stop(HTTPStatus.UNAUTHORIZED, "no timestamp, or not a plain integer")
        if abs(now().timestamp() - int(timestamp)) > WINDOW_SECONDS:
            raise Stop(HTTPStatus.UNAUTHORIZED, "timestamp outside Slack's 5-minute window")
        if not _SIGNATURE.fullmatch(signature):
            raise Stop(HTTPStatus.UNAUTHORIZED, "no signature, or a malformed one")
        try:
            # Slack sends UTF-8, and slack_sdk can only verify text.
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Stop(HTTPStatus.BAD_REQUEST, "body is not UTF-8") from None
        if not self.verifier.is_valid(body, timestamp, signature):  # constant-time comparison
            raise Stop(HTTPStatus.UNAUTHORIZED, "signature does not match")
        fields = _check_shape(body, _media_type(content_type))
        readable = bolt_readable(body, _media_type(content_type), fields)
        if readable != body:
            # Bolt checks the signature again, of the body it is handed: sign the same fields anew.
            resigned = self.verifier.generate_signature(timestamp=timestamp, body=readable)
            assert resigned is not None  # None only without a timestamp or body
            signature = resigned
        return _bolt_request(environ, readable, signature)

    def _read(self, environ: dict[str, Any]) -> bytes:
        length = str(environ.get("CONTENT_LENGTH") or "")
        if length and not _LENGTH.fullmatch(length):
            raise Stop(HTTPStatus.BAD_REQUEST, "malformed Content-Length")
        if length and int(length) > self.max_body:
            raise Stop(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Content-Length over the cap")
        # Without a length (a chunked body, under some servers) read one byte past the cap to know.
        raw = environ["wsgi.input"].read(int(length) if length else self.max_body + 1)
        if len(raw) > self.max_body:
            raise Stop(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body over the cap")
        return bytes(raw)


def _media_type(content_type: str) -> str:
    # Exactly as Bolt reads it (slack_bolt.request.internals.extract_content_type), so that the
    # guard and Bolt agree on how the body is parsed.
    return content_type.split(";")[0]


def _is_ssl_check(raw: bytes, content_type: str) -> bool:
    # Slack checks a slash command URL's certificate with an unsigned form POST of ssl_check=1 and
    # a token (Bolt answers it before verifying). Only exactly that is answered unsigned: a body
    # with anything more is an ordinary request and must verify.
    if _media_type(content_type) != FORM or b"ssl_check" not in raw:
        return False
    fields = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(fields).get("ssl_check") == "1" and {name for name, _ in fields} <= {"ssl_check", "token"}


def _check_shape(body: str, media_type: str) -> dict[str, str] | None:
    """The body is one Slack sends, and Bolt's parser reads it without raising; a form's fields
    where bolt_readable needs them (the body has the word "payload")."""
    if media_type == JSON:
        _json_object(body, "JSON body")
        return None
    if media_type == FORM:
        # Bolt reads a body starting with "{" as JSON whatever its type; Slack's form data never does.
        if not body or body.startswith("{"):
            raise Stop(HTTPStatus.BAD_REQUEST, "form body empty or not form data")
        if "payload" not in body:
            # Bolt reads JSON out of a form only where the word is (bolt_readable), and reads any
            # other form without raising: nothing to check, and no fields needed.
            return None
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in fields:
            _json_object(fields["payload"], "payload")
        return fields
    raise Stop(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "a content type Slack never sends")


def _json_object(text: str, what: str) -> None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise Stop(HTTPStatus.BAD_REQUEST, f"{what} is not JSON") from None
    if not isinstance(document, dict):
        raise Stop(HTTPStatus.BAD_REQUEST, f"{what} is not a JSON object")


def bolt_readable(body: str, media_type: str, fields: dict[str, str] | None = None) -> str:
    """The same form fields, in a body Bolt reads as form data.

    Bolt (slack_bolt.request.internals.parse_body) takes a form body with the word "payload"
    anywhere in it for an interaction and, finding no payload field, reads it as empty: a signed
    `/tech ask what payload can the drone lift` was answered 404. The word with its first letter
    percent-encoded reads the same to every form parser, and Bolt no longer sees it.

    `fields`: the form's fields when the caller has parsed them already (the guard has).
    """
    if media_type != FORM or "payload" not in body:
        return body
    if "payload" in (fields if fields is not None else dict(parse_qsl(body, keep_blank_values=True))):
        return body
    return body.replace("payload", "%70ayload")


def _bolt_request(environ: dict[str, Any], body: str, signature: str) -> BoltRequest:
    headers = {name: value for name, value in WsgiHttpRequest(environ).get_headers().items()
               if not name.startswith(_BOLT_HEADERS)}
    headers["x-slack-signature"] = signature
    try:
        return BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        # Bolt reads ids out of the body as it builds the request (slack_bolt.request.internals
        # build_context) and raises on a shape Slack never sends ("user": 5, "authorizations": [5]).
        raise Stop(HTTPStatus.BAD_REQUEST, "a payload shape Bolt cannot read") from None
