"""A Slack stand-in: the Web API on a loopback port, and the requests Slack would send.

The local shell and the tests run the real Bolt app against it, so Slack is replaced
only at its network edge (DESIGN decision 4). It records every call, keeps the
messages and views the bot produced, and can answer HTTP 429 (with Retry-After) or
500 on demand; or act on a call and then answer late, drop the connection, or answer 500
(`after_accepting`), the ambiguous failures a client cannot tell from refusals. Messages keep
their metadata, and conversations.history returns it (include_all_metadata).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0TECHNET"
BOT_USER_ID = "U0TECHBOT"


class LoopbackServer:
    """A stand-in's HTTP server on loopback, served from a daemon thread: `with` it, or start() and stop()."""

    _server: ThreadingHTTPServer
    _thread: threading.Thread | None = None
    thread_name = "standin"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Call:
    """One request the bot made: a Web API method, or a post to a response_url."""

    method: str
    args: dict[str, Any]
    token: str | None = None
    # What the stand-in answered (the JSON body), so tests can follow ids it handed out.
    result: dict[str, Any] = field(default_factory=dict)

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or (self.args.get("view") or {}).get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def view(self) -> dict[str, Any]:
        view = self.args.get("view") or {}
        return json.loads(view) if isinstance(view, str) else view


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None
    times: int = 1
    # After accepting a call: "late" (answer after `delay` seconds), "drop" (close the connection
    # unanswered) or "500" (answer HTTP 500).
    after: str | None = None
    delay: float = 0.0


# handle()'s status for "close the connection without answering".
DROP = 0


@dataclass
class StandInState:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # channel id -> whether the bot is a member
    channels: dict[str, bool] = field(default_factory=dict)
    # channel id -> its name, for channels added with one (the shell lists them by name)
    channel_names: dict[str, str] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    # multi-person DM id -> its members (the bot included), as conversations.open made them
    group_dms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a DM's channel id -> the member it is with (chat.postMessage may name either)
    dm_users: dict[str, str] = field(default_factory=dict)


class SlackStandIn(LoopbackServer):
    """The Slack Web API on 127.0.0.1 at a free port. Use as a context manager."""

    thread_name = "slack-standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.state = StandInState()
        self.calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = {}
        self._after_accepting: dict[str, list[Failure]] = {}
        self._holds: dict[str, threading.Event] = {}
        self._changed = threading.Condition()
        # One Web API call at a time changes or reads the workspace, as if Slack were one machine: the
        # server answers on a thread per connection, and the bot sends from several threads at once.
        self._workspace = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self.socket_mode_url: str | None = None
        self.add_user(BOT_USER_ID, "technet", is_bot=True)

    # Life cycle -------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self._server.socket.getsockname()[:2]  # server_address, typed as str or bytes
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # The workspace ----------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        title: str = "",
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "real_name": real_name or name,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "profile": {
                "display_name": name,
                "real_name": real_name or name,
                "email": email or f"{name.lower().replace(' ', '.')}@example.ac.uk",
                "title": title,
            },
        }
        self.state.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, *, bot_is_member: bool = True, name: str | None = None) -> None:
        self.state.channels[channel_id] = bot_is_member
        if name:
            self.state.channel_names[channel_id] = name

    def response_url(self) -> str:
        return f"{self.base}/respond/{next(self._ids)}"

    # Failure injection ------------------------------------------------------------
    def fail(self, method: str, status: int = 500, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP `status` (429 carries Retry-After)."""
        self._failures.setdefault(method, []).append(Failure(status, retry_after, times=times))

    def refuse(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` answer 200 with ok=false and this error."""
        self._failures.setdefault(method, []).append(Failure(200, error=error, times=times))

    def after_accepting(self, method: str, what: str, *, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` successful calls of `method` take effect (a post is posted), then: "late"
        answers after `delay` seconds (longer than the client waits), "drop" closes the connection
        without an answer, "500" answers HTTP 500."""
        assert what in ("late", "drop", "500"), what
        self._after_accepting.setdefault(method, []).append(Failure(200, times=times, after=what, delay=delay))

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait, unanswered and unrecorded, until the returned event is set
        (at most 30 s): a test can show that a reply did not wait for that call."""
        gate = self._holds[method] = threading.Event()
        return gate

    def _take_failure(self, method: str, faults: dict[str, list[Failure]] | None = None) -> Failure | None:
        with self._changed:
            return self._take(method, self._failures if faults is None else faults)

    @staticmethod
    def _take(method: str, faults: dict[str, list[Failure]]) -> Failure | None:
        queue = faults.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    # What the bot did -------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` calls of `method` were recorded (lazy listeners run in threads)."""
        deadline_polls = int(timeout / 0.05)
        with self._changed:
            for _ in range(deadline_polls):
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                # Condition.wait uses the real clock, so this is safe under freezegun.
                self._changed.wait(0.05)
        raise AssertionError(f"expected {count} call(s) to {method}, saw {len(self.calls_to(method))}")

    def mark(self) -> int:
        """A position in the call log; `since(mark)` returns what came after it."""
        with self._changed:
            return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        with self._changed:
            return list(self.calls[mark:])

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # The Web API ------------------------------------------------------------------
    def handle(self, method: str, args: dict[str, Any],
               token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        gate = self._holds.get(method)
        if gate is not None:
            gate.wait(30)
        status, body, headers = self._answer(method, args, token)
        self._record(Call(method, args, token, body))
        fault = self._take_failure(method, self._after_accepting) if body.get("ok") else None
        if fault is not None:
            if fault.after == "late":
                time.sleep(fault.delay)  # the real clock: freezegun leaves sleep alone
            elif fault.after == "drop":
                return DROP, {}, {}
            else:
                return 500, {"ok": False, "error": "internal_error"}, {}
        return status, body, headers

    def _answer(self, method: str, args: dict[str, Any],
                token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        failure = self._take_failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            if failure.error:
                return 200, {"ok": False, "error": failure.error}, headers
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return failure.status, {"ok": False, "error": error}, headers
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        api = getattr(self, "api_" + method.replace(".", "_"), None)
        if api is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        try:
            with self._workspace:
                return 200, {"ok": True, **api(args)}, {}
        except _ApiError as e:
            return 200, {"ok": False, "error": e.error}, {}

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://technet.example/", "team": "Technet", "user": "technet", "team_id": TEAM_ID,
                "user_id": BOT_USER_ID, "bot_id": "B0TECHBOT"}

    def api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        # The caller sets socket_mode_url to a running bot.standin_socket.SocketModeStandIn.
        if not self.socket_mode_url:
            raise _ApiError("socket_mode_not_enabled")
        return {"url": self.socket_mode_url}

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.state.users.get(args.get("user", ""))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": user}

    def api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        people = list(dict.fromkeys(u.strip() for u in str(args.get("users", "")).split(",") if u.strip()))
        if len(people) > 1:
            return self._open_group_dm(people)
        users = str(args.get("users", "")).split(",")
        channel_id = "D" + "".join(sorted(u.strip() for u in users))[1:][:30]
        self.state.channels.setdefault(channel_id, True)
        self.state.dm_users[channel_id] = users[0].strip()
        return {"channel": {"id": channel_id}}

    def _open_group_dm(self, people: list[str]) -> dict[str, Any]:
        """As Slack: 2 to 8 people and the app make a multi-person DM (an mpim); the same people, the same one."""
        if len(people) > 8:
            raise _ApiError("too_many_users")
        for user_id in people:
            user = self.state.users.get(user_id)
            if user is None:
                raise _ApiError("user_not_found")
            if user.get("deleted"):
                raise _ApiError("user_disabled")
            if user.get("is_bot"):
                raise _ApiError("cannot_dm_bot")
        members = tuple(sorted({*people, BOT_USER_ID}))
        channel_id = next((c for c, m in self.state.group_dms.items() if m == members), None)
        if channel_id is None:
            channel_id = f"G{next(self._ids):08d}"
            self.state.group_dms[channel_id] = members
            self.state.channels[channel_id] = True
        name = "mpdm-" + "--".join(self.state.users[u]["name"] for u in members if u != BOT_USER_ID) + "-1"
        return {"channel": {"id": channel_id, "name": name, "is_mpim": True, "is_im": False, "is_private": True}}

    def api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if channel not in self.state.channels:
            raise _ApiError("channel_not_found")
        return {"channel": {"id": channel, "is_member": self.state.channels[channel]}}

    def _check_can_post(self, channel: str) -> None:
        if channel.startswith(("U", "W")) and self.state.users.get(channel, {}).get("deleted"):
            raise _ApiError("user_disabled")  # as Slack, for a DM to a deactivated account
        if channel.startswith(("D", "U", "W")):
            return
        if channel not in self.state.channels:
            raise _ApiError("channel_not_found")
        if not self.state.channels[channel]:
            raise _ApiError("not_in_channel")

    def _ts(self) -> str:
        # As Slack's: the time it was posted (freezegun's, in tests), unique by a counter.
        return f"{int(time.time())}.{next(self._ids) % 1_000_000:06d}"

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        self._check_can_post(channel)
        ts = self._ts()
        metadata = args.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        message = {"ts": ts, "channel": channel, "text": args.get("text"), "blocks": args.get("blocks"),
                   "user": BOT_USER_ID, "metadata": metadata}
        self.state.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on; metadata only with include_all_metadata, as Slack."""
        channel = args.get("channel", "")
        names = {channel, self.state.dm_users.get(channel, channel)}
        if channel not in self.state.channels:
            raise _ApiError("channel_not_found")
        if not self.state.channels[channel]:
            raise _ApiError("not_in_channel")
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = sorted((m for (c, _), m in list(self.state.messages.items())
                        if c in names and float(m["ts"]) >= oldest), key=lambda m: float(m["ts"]), reverse=True)
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page = [{k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in found[start:start + limit]]
        more = start + limit < len(found)
        return {"messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_can_post(args.get("channel", ""))
        return {"message_ts": self._ts()}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("ts", ""))
        if key not in self.state.messages:
            raise _ApiError("message_not_found")
        self.state.messages[key].update(text=args.get("text"), blocks=args.get("blocks"))
        return {"channel": key[0], "ts": key[1]}

    def api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("ts", ""))
        if self.state.messages.pop(key, None) is None:
            raise _ApiError("message_not_found")
        return {"channel": key[0], "ts": key[1]}

    def api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"permalink": f"https://technet.example/archives/{args.get('channel')}/p{args.get('message_ts')}"}

    def _store_view(self, view: dict[str, Any] | str, view_id: str | None = None) -> dict[str, Any]:
        view = json.loads(view) if isinstance(view, str) else dict(view)
        view_id = view_id or f"V{next(self._ids):08d}"
        view.update(id=view_id, hash=f"h{next(self._ids)}")
        self.state.views[view_id] = view
        return view

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            raise _ApiError("invalid_trigger_id")
        return {"view": self._store_view(args["view"])}

    def api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.api_views_open(args)

    def api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if view_id not in self.state.views:
            raise _ApiError("not_found")
        return {"view": self._store_view(args["view"], view_id)}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._store_view(args["view"])
        self.state.home[args.get("user_id", "")] = view
        return {"view": view}

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        # Slack keeps the declared length and the image's alt text (alt_txt) with the file.
        self.state.uploads[file_id] = {"filename": args.get("filename"), "content": b"",
                                       "length": args.get("length"), "alt_txt": args.get("alt_txt")}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        for f in files:
            if f["id"] not in self.state.uploads:
                raise _ApiError("file_not_found")
            self.state.uploads[f["id"]].update(title=f.get("title"), channel=args.get("channel_id"))
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def uploaded(self, file_id: str, content: bytes) -> None:
        self.state.uploads.setdefault(file_id, {})["content"] = content
        self._record(Call("upload", {"file_id": file_id, "size": len(content)}))

    def responded(self, path: str, body: dict[str, Any]) -> None:
        self._record(Call("response_url", {**body, "url": f"{self.base}{path}"}))


class _ApiError(Exception):
    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


def _handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            # slack_sdk sends a few read methods (conversations.history) as GET with a query string.
            path, _, query = self.path.partition("?")
            if not path.startswith("/api/"):
                return self._send(404, {"ok": False, "error": "not_found"})
            args: dict[str, Any] = dict(parse_qsl(query))
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else args.pop("token", None)
            self._send(*standin.handle(path[len("/api/"):], args, token))

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.startswith("/respond/"):
                standin.responded(self.path, json.loads(raw or b"{}"))
                return self._send(200, {"ok": True})
            if self.path.startswith("/upload/"):
                standin.uploaded(self.path.rsplit("/", 1)[1], raw)
                return self._send(200, {"ok": True})
            if not self.path.startswith("/api/"):
                return self._send(404, {"ok": False, "error": "not_found"})
            method = self.path[len("/api/"):].split("?")[0]
            args = _parse_args(raw, self.headers.get("Content-Type", ""))
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else args.pop("token", None)
            self._send(*standin.handle(method, args, token))

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            if status == DROP:
                self.close_connection = True  # acted on, never answered: the client sees the connection go
                return
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            try:
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting (a late answer): as Slack, shrug

    return Handler


def _parse_args(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(raw)
    return dict(parse_qsl(raw.decode()))


# What Slack sends ---------------------------------------------------------------------

def signed_headers(secret: str, body: str, timestamp: int | None = None,
                   content_type: str | None = None) -> dict[str, str]:
    """Headers exactly as Slack signs a request (v0 HMAC-SHA256 of 'v0:ts:body')."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # None only without a timestamp or body
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": content_type or "application/x-www-form-urlencoded",
    }


_trigger_ids = itertools.count(1)


def trigger_id() -> str:
    return f"{next(_trigger_ids)}.{TEAM_ID}.trigger"


def command_body(user_id: str, text: str, *, response_url: str, command: str = "/tech",
                 channel_id: str = "C0GENERAL", user_name: str = "") -> str:
    return urlencode({
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "team_domain": "technet",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0TECHNET",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id(),
    })


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _interaction(kind: str, user_id: str) -> dict[str, Any]:
    """What every interaction payload starts with: its type, the workspace, the person, the app."""
    return {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": "technet"},
        "user": {"id": user_id, "team_id": TEAM_ID},
        "api_app_id": "A0TECHNET",
        "token": "legacy-unused",
    }


def block_action_payload(user_id: str, action: dict[str, Any], *, response_url: str | None = None,
                         container: dict[str, Any] | None = None, view: dict[str, Any] | None = None,
                         message: dict[str, Any] | None = None, channel_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        **_interaction("block_actions", user_id),
        "trigger_id": trigger_id(),
        "container": container or {"type": "message"},
        "actions": [{"action_ts": f"{time.time():.6f}", **action}],
    }
    if response_url:
        payload["response_url"] = response_url
    if view is not None:
        payload["view"] = view
    if message is not None:
        payload["message"] = message
    if channel_id:
        payload["channel"] = {"id": channel_id}
    return payload


def block_suggestion_payload(user_id: str, *, action_id: str, block_id: str, value: str,
                             view: dict[str, Any] | None = None) -> dict[str, Any]:
    """What Slack sends as a member types in an external select: the app answers with options."""
    payload: dict[str, Any] = {
        **_interaction("block_suggestion", user_id),
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "container": {"type": "view", "view_id": view.get("id")} if view else {"type": "message"},
    }
    if view is not None:
        payload["view"] = view
    return payload


def view_submission_payload(user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        **_interaction("view_submission", user_id),
        "trigger_id": trigger_id(),
        "view": {**view, "state": {"values": values}},
    }


def event_body(event: dict[str, Any], *, event_id: str, event_time: int | None = None) -> str:
    return json.dumps({
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TECHNET",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time or int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    })


def input_values(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Turn {block_id: answer} into the `state.values` Slack would send for this view.

    The answer's shape follows the element type: text for inputs, a value (or list of
    values) for selects and checkboxes, a user id for user selects, a date string for
    date pickers.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or element is None:
            continue
        block_id, action_id = block["block_id"], element["action_id"]
        answer = answers.get(block_id)
        values[block_id] = {action_id: element_state(element, answer)}
    return values


def element_state(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        return {"type": kind, "value": None if answer in (None, "") else str(answer)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer or None}
    if kind == "timepicker":
        return {"type": kind, "selected_time": answer or None}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": int(answer) if answer else None}
    if kind in ("users_select",):
        return {"type": kind, "selected_user": answer or None}
    if kind in ("multi_users_select",):
        return {"type": kind, "selected_users": list(answer or [])}
    if kind in ("conversations_select", "channels_select"):
        key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
        return {"type": kind, key: answer or None}
    options = _options(element)
    if kind in ("external_select", "multi_external_select"):
        # The app served these options (block_suggestion); Slack sends back the chosen option
        # objects. An answer is such an option, or a value (the text is then the value).
        options = {**{o["value"]: o for o in element.get("initial_options") or []}, **options}
        chosen_external = [_external_option(a, options) for a in _as_list(answer)]
        if kind == "external_select":
            return {"type": kind, "selected_option": chosen_external[0] if chosen_external else None}
        return {"type": kind, "selected_options": chosen_external}
    if kind in ("static_select", "radio_buttons"):
        chosen = options.get(answer) if answer else None
        return {"type": kind, "selected_option": chosen}
    if kind in ("checkboxes", "multi_static_select"):
        chosen_list = [options[a] for a in (answer or []) if a in options]
        return {"type": kind, "selected_options": chosen_list}
    return {"type": kind, "value": answer}


def _as_list(answer: Any) -> list[Any]:
    if answer in (None, ""):
        return []
    return list(answer) if isinstance(answer, list | tuple) else [answer]


def _external_option(answer: Any, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if isinstance(answer, dict):
        return answer
    return known.get(str(answer)) or {"text": {"type": "plain_text", "text": str(answer)[:75], "emoji": True},
                                      "value": str(answer)}


def _options(element: dict[str, Any]) -> dict[str, dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return {o["value"]: o for o in options}


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every interactive element with the block it sits in, in reading order."""
    for block in blocks:
        if block.get("type") == "actions":
            for element in block.get("elements", []):
                yield block, element
        elif block.get("type") == "section" and block.get("accessory"):
            accessory = block["accessory"]
            if accessory.get("type") not in ("image",):
                yield block, accessory


