"""Nothing before verification (DESIGN decision 14).

A forged, stale, malformed, oversize or odd-typed request to /slack/events gets a bare 400, 401,
413 or 415, and causes no Slack call, no stored row and at most one short log line, whatever its
body names (a response_url, a user to DM).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.app import create_app
from bot.guard import MAX_BODY
from bot.runtime import Runtime
from bot.standin import command_body, event_body
from storage.models import Base
from tests.harness import MEMBER, SECRET, Harness, Reply

REFUSED = {400, 401, 413, 415}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Put in every refused body: it must never reach the log.
MARKER = "FORGED-7f3a"


def row_counts(technet: Harness) -> dict[str, int]:
    with technet.db.reading() as session:
        return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables}


@contextmanager
def nothing_happens(technet: Harness, caplog: pytest.LogCaptureFixture,
                    level: int = logging.DEBUG) -> Iterator[list[str]]:
    """No Slack call, no row, at most one log line (from anyone: ours, Bolt's, waitress's) and no body in it.

    Yields the list that holds the lines logged, once the block has ended.
    """
    before, mark = row_counts(technet), technet.standin.mark()
    caplog.clear()
    lines: list[str] = []
    with caplog.at_level(level):
        yield lines
        technet.settle()
    lines += [record.getMessage() for record in caplog.records]
    assert technet.standin.since(mark) == []
    assert row_counts(technet) == before
    assert len(lines) <= 1, [line[:200] for line in lines]
    assert not any(MARKER in line for line in lines)
    assert all(len(line) < 200 and record.exc_info is None for line, record in zip(lines, caplog.records, strict=True))


def help_command(technet: Harness) -> str:
    """A slash command that, were it trusted, would be answered at the response_url it names."""
    return command_body(MEMBER, f"help {MARKER}", response_url=technet.standin.response_url())


def signature(body: str | bytes, timestamp: str, secret: str = SECRET) -> str:
    if isinstance(body, bytes):
        # Slack's scheme signs bytes; slack_sdk signs only text, so a body that is not UTF-8 is signed here.
        digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return f"v0={digest}"
    return str(SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body))


def signed(body: str | bytes, content_type: str | None = FORM, *, timestamp: str | None = None,
           secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature(body, timestamp, secret)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def post_raw(technet: Harness, body: bytes, headers: dict[str, str], *, send_body: bool = True) -> int:
    """A POST exactly as given: no header added (urllib adds a Content-Type), Content-Length free to lie.

    Without send_body only the headers go, and the answer is read before any of the body.
    """
    connection = http.client.HTTPConnection("127.0.0.1", technet.server.port, timeout=5)
    try:
        connection.putrequest("POST", "/slack/events", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body if send_body else None)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def refused(technet: Harness, caplog: pytest.LogCaptureFixture, send: Callable[[], Reply | int]) -> int:
    with nothing_happens(technet, caplog):
        reply = send()
    status = reply if isinstance(reply, int) else reply.status
    assert status in REFUSED
    if not isinstance(reply, int):
        # Bare, but for waitress's own fixed 413 text when it refuses a Content-Length unread.
        assert reply.body == "" or status == 413 and MARKER not in reply.body
    return status


# Forged and stale -------------------------------------------------------------------------------

def test_a_forged_signature_is_refused(technet: Harness, caplog):
    body = help_command(technet)
    assert refused(technet, caplog, lambda: technet.post(body, signed(body, secret="not-the-secret"))) == 401


def test_a_refusal_is_logged_in_one_line_saying_why(technet: Harness, caplog):
    body = help_command(technet)
    with nothing_happens(technet, caplog) as lines:
        technet.post(body, signed(body, secret="not-the-secret"))
    assert len(lines) == 1
    assert lines[0].startswith("401 /slack/events") and "signature does not match" in lines[0]


def test_a_signature_of_another_body_is_refused(technet: Harness, caplog):
    body = help_command(technet)
    headers = signed(help_command(technet))
    assert refused(technet, caplog, lambda: technet.post(body, headers)) == 401


def test_a_stale_timestamp_is_refused_even_when_signed(technet: Harness, caplog):
    body = help_command(technet)
    headers = signed(body, timestamp=str(int(time.time()) - 6 * 60))
    assert refused(technet, caplog, lambda: technet.post(body, headers)) == 401


@pytest.mark.parametrize("timestamp", ["abc", "1.7e9", "", "9" * 5000, "-1", " 1700000000", "1e3", "١٢٣"])
def test_a_timestamp_that_is_not_a_plain_integer_is_refused(technet: Harness, caplog, timestamp: str):
    # Signed for its own odd timestamp, so nothing but the timestamp is wrong. slack_sdk's verifier
    # raised on int(timestamp), and the failure report answered the response_url the body named.
    body = help_command(technet)
    headers = signed(body, timestamp=timestamp)
    assert refused(technet, caplog, lambda: post_raw(technet, body.encode(), {
        **headers, "X-Slack-Request-Timestamp": timestamp.encode().decode("latin-1"),
        "Content-Length": str(len(body))})) == 401


def test_an_odd_timestamp_on_an_event_does_not_dm_the_user_it_names(technet: Harness, caplog):
    body = event_body({"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": MARKER,
                       "event_ts": "1.0"}, event_id="EvFORGED1")
    assert refused(technet, caplog, lambda: technet.post(body, signed(body, JSON, timestamp="abc"))) == 401


@pytest.mark.parametrize("missing", [["X-Slack-Request-Timestamp"], ["X-Slack-Signature"],
                                     ["X-Slack-Request-Timestamp", "X-Slack-Signature"]])
def test_missing_headers_are_refused(technet: Harness, caplog, missing: list[str]):
    body = help_command(technet)
    headers = {name: value for name, value in signed(body).items() if name not in missing}
    assert refused(technet, caplog, lambda: technet.post(body, headers)) == 401


@pytest.mark.parametrize("odd", ["v1=" + "0" * 64, "v0=" + "g" * 64, "v0=abc", "", "v0=" + "a" * 5000])
def test_a_malformed_signature_is_refused(technet: Harness, caplog, odd: str):
    body = help_command(technet)
    headers = {**signed(body), "X-Slack-Signature": odd}
    assert refused(technet, caplog, lambda: technet.post(body, headers)) == 401


def test_an_unsigned_body_naming_ssl_check_and_more_is_refused(technet: Harness, caplog):
    # Slack's SSL check comes unsigned; anything riding along with it must still verify.
    payload = {"type": "block_actions", "user": {"id": MEMBER}, "response_url": technet.standin.response_url(),
               "actions": [{"action_id": MARKER}]}
    body = urlencode({"ssl_check": "1", "payload": json.dumps(payload)})
    assert refused(technet, caplog, lambda: technet.post(body, {"Content-Type": FORM})) == 401


def test_slacks_unsigned_ssl_check_gets_a_bare_200_and_nothing_else(technet: Harness, caplog):
    with nothing_happens(technet, caplog):
        reply = technet.post(urlencode({"ssl_check": "1", "token": "legacy-unused"}), {"Content-Type": FORM})
    assert (reply.status, reply.body) == (200, "")


# Size -------------------------------------------------------------------------------------------

def test_a_body_over_the_cap_is_refused_unread(technet: Harness, caplog):
    # Refused from its Content-Length before a byte of it is read. The client sends none: a body
    # sent while the server answers and closes only races with the close (a broken pipe).
    body = (help_command(technet) + "&pad=" + "x" * (2 * 1024 * 1024)).encode()
    headers = {**signed(body), "Content-Length": str(len(body))}
    assert refused(technet, caplog, lambda: post_raw(technet, body, headers, send_body=False)) == 413


def test_a_content_length_over_the_cap_is_refused_without_waiting_for_the_body(technet: Harness, caplog):
    body = help_command(technet).encode()
    headers = {**signed(body), "Content-Length": str(5 * MAX_BODY)}
    assert refused(technet, caplog, lambda: post_raw(technet, body, headers)) == 413


def test_a_content_length_shorter_than_the_body_is_refused(technet: Harness, caplog):
    # Only Content-Length bytes are the request; the signature was over the whole body.
    body = help_command(technet).encode()
    headers = {**signed(body), "Content-Length": str(len(body) // 2)}
    assert refused(technet, caplog, lambda: post_raw(technet, body, headers)) == 401


def test_a_body_that_turns_out_longer_than_the_cap_is_refused(technet: Harness, caplog):
    # Behind a server that passes the body on without a Content-Length (chunked, say), the guard
    # itself stops reading one byte past the cap.
    body = io.BytesIO(b"x" * (2 * MAX_BODY))
    environ: dict[str, object] = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": body}
    setup_testing_defaults(environ)
    environ.pop("CONTENT_LENGTH", None)
    statuses: list[str] = []
    with nothing_happens(technet, caplog):
        answer = b"".join(technet.wsgi(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["413 Request Entity Too Large"] and answer == b""
    assert body.tell() == MAX_BODY + 1


# Content type -----------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml",
                                          "application/json-seq", "Application/X-WWW-Form-Urlencoded", None])
def test_a_content_type_slack_never_sends_is_refused(technet: Harness, caplog, content_type: str | None):
    body = help_command(technet)
    headers = {**signed(body, content_type), "Content-Length": str(len(body))}
    assert refused(technet, caplog, lambda: post_raw(technet, body.encode(), headers)) == 415


# Unparseable, signed correctly ------------------------------------------------------------------

UNPARSEABLE = [
    (FORM, b"payload={not json"),
    (FORM, b"payload="),
    (FORM, b"payload=" + json.dumps([1, 2]).encode()),
    (FORM, b"payload=" + json.dumps("a string").encode()),
    (FORM, b"payload=" + b"[" * 100_000),
    (FORM, b"payload=%7B%22type%22%3A+%22block_actions%22%2C+%22user%22%3A+5%7D"),
    (FORM, b"payload=" + "{\"type\": \"block_actions\", \"text\": \"\xff\"}".encode("latin-1")),
    (FORM, b"{not json at all"),
    (FORM, b""),
    (JSON, b"command=%2Ftech&text=help"),
    (JSON, b"[1, 2]"),
    (JSON, b"null"),
    (JSON, b""),
    (JSON, b"{\"type\": \"event_callback\", \"event\": {\"type\": \"app_mention\"}, \"enterprise\": 7}"),
    (JSON, b"{\"type\": \"event_callback\", \"authorizations\": [5]}"),
]


@pytest.mark.parametrize(("content_type", "body"), UNPARSEABLE,
                         ids=[f"{kind.split('/')[1][:4]}:{body[:24].decode('latin-1')}" for kind, body in UNPARSEABLE])
def test_an_unparseable_body_signed_correctly_gets_a_400(technet: Harness, caplog, content_type: str, body: bytes):
    headers = {**signed(body, content_type), "Content-Length": str(len(body))}
    assert refused(technet, caplog, lambda: post_raw(technet, body, headers)) == 400


def test_a_signed_command_with_a_charset_still_works(technet: Harness):
    # The guard reads the content type as Bolt does: a charset parameter is fine.
    body = command_body(MEMBER, "help", response_url=technet.standin.response_url())
    reply = technet.post(body, signed(body, f"{FORM}; charset=utf-8"))
    assert reply.status == 200
    assert "/tech help" in reply.text


def test_a_signed_event_still_works(technet: Harness):
    event = {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}
    assert technet.event(event, event_id="EvHOME1").status == 200
    assert technet.standin.wait_for("views.publish")[0].args["user_id"] == MEMBER


def test_bolts_own_headers_from_outside_are_not_obeyed(technet: Harness):
    # X-Slack-Bolt-Lazy-Only tells Bolt to skip a listener's ack (where the checks are) and run only
    # its work after the ack. Only a Bolt app calling itself sends it, and no signature covers it.
    body = command_body(MEMBER, "help", response_url=technet.standin.response_url())
    reply = technet.post(body, {**signed(body), "X-Slack-Bolt-Lazy-Only": "1",
                                "X-Slack-Bolt-Lazy-Function-Name": "ack_only"})
    assert reply.status == 200
    assert "/tech help" in reply.text


# The failure report, whichever way a request reached Bolt -----------------------------------------

@pytest.mark.parametrize("timestamp", ["abc", "1.7e9", ""])
def test_the_failure_report_never_answers_an_unverified_request(technet: Harness, caplog, timestamp: str):
    # The HTTP guard stops these; this is the second line: Bolt handed a request directly (as the
    # shell does) whose verification raised must not make the failure report trust its body.
    # Bolt's own DEBUG lines ("Applying ... middleware") are its business here: count from INFO.
    # The harness's app is created guarded (Bolt leaves the signature to the guard in front of it),
    # so this is an app as the shell creates it, on the same database and Slack.
    runtime = Runtime.build(technet.settings, threads=2)
    app = create_app(runtime)
    form, event = help_command(technet), event_body(
        {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": MARKER}, event_id="EvFORGED2")
    try:
        for body, content_type in ((form, FORM), (event, JSON)):
            headers = signed(body, content_type, timestamp=timestamp)
            with nothing_happens(technet, caplog, logging.INFO):
                response = app.dispatch(BoltRequest(body=body, headers={**headers}))
            assert response.status == 401
    finally:
        runtime.close()


def test_a_command_that_says_payload_is_answered(technet: Harness):
    # Bolt reads any form body with the word "payload" in it as an interaction: this was a 404.
    reply = technet.command(MEMBER, "ask what payload can the drone lift?")
    assert reply.status == 200
    assert "what payload can the drone lift?" in reply.text
