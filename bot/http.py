"""HTTP mode: Bolt behind the request guard at /slack/events, a health check, the public
pages under /network/ (bot/web/) and files handed out by link under /files/, under waitress.

waitress is a threaded production WSGI server that also runs in-process, so the
tests, the benchmark and `technet serve` all use this same server.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy.exc import SQLAlchemyError
from waitress import wasyncore
from waitress.server import TcpWSGIServer, create_server

from bot import downloads
from bot.guard import MAX_BODY, SlackRequestGuard, Stop
from storage.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SITE_PATH = "/network"
TEAMS_PATH = "/api/messages"

StartResponse = Callable[..., Any]


class TechnetWSGI:
    """/slack/events (when Slack is set up), /api/messages (when Teams is: bot.teams.endpoint), the
    public pages under /network (bot.web), files by link under /files/ (bot.downloads) and /healthz."""

    def __init__(self, app: App | None, db: Database, *, signing_secret: str,
                 teams: Callable[..., Iterable[bytes]] | None = None,
                 site: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] | None = None):
        self.app = app
        # Only with Slack served: slack_sdk refuses an empty secret, and Teams alone has none.
        self.guard = SlackRequestGuard(signing_secret) if app is not None else None
        self.teams = teams
        self.site = site
        self.db = db

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return self.health(start_response)
        if path == TEAMS_PATH and method == "POST" and self.teams is not None:
            return self.teams(environ, start_response)
        if path == EVENTS_PATH and method == "POST" and self.app is not None:
            return self.events(environ, start_response)
        if path.startswith(downloads.PATH) and method in ("GET", "HEAD"):
            return downloads.serve(self.db, environ, start_response)
        if self.site is not None and (path == SITE_PATH or path.startswith(SITE_PATH + "/")):
            return self.site(environ, start_response)
        # Nothing else reaches Bolt: the app is created guarded (no signature check of its own),
        # so a request only gets to it through events() and the guard.
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    def events(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Only a request the guard admits (verified, and a body Slack sends) reaches Bolt."""
        assert self.guard is not None  # only routed here with an app, which has its guard
        try:
            request = self.guard.admit(environ)
        except Stop as stop:
            # One short line: the guard's fixed reason, never the body or a header's value.
            log.log(logging.INFO if stop.status == HTTPStatus.OK else logging.WARNING, "%s %s from %s: %s",
                    stop.status.value, EVENTS_PATH, environ.get("REMOTE_ADDR", "?"), stop.reason)
            start_response(f"{stop.status.value} {stop.status.phrase}", [("Content-Length", "0")])
            return [b""]
        assert self.app is not None  # only routed here with an app
        answer = self.app.dispatch(request)
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self.db.ping()
            status, body = "200 OK", {"status": "ok", "database": "ok"}
        except SQLAlchemyError as e:
            log.warning("health check: database unreachable: %s", e)
            status, body = "503 Service Unavailable", {"status": "unavailable", "database": "unreachable"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


class HttpServer:
    """A waitress server that can be stopped from another thread (tests, SIGTERM)."""

    def __init__(self, wsgi: Callable[..., Any], *, host: str, port: int, threads: int):
        # waitress reads a whole body (to a temporary file past 512 kB) before the app sees it, so
        # the guard's cap is its own too: a larger Content-Length is refused with 413 before a byte
        # is read. (waitress refuses a length equal to its limit, hence the + 1.)
        server = create_server(wsgi, host=host, port=port, threads=threads, ident="technet",
                               clear_untrusted_proxy_headers=True, max_request_body_size=MAX_BODY + 1)
        # One host and port make one TCP server (a MultiSocketServer is for several `listen` addresses).
        assert isinstance(server, TcpWSGIServer)
        self._server = server
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[attr-defined]  # set by waitress; not in its stubs

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"  # type: ignore[attr-defined]  # as effective_port

    def serve(self) -> None:
        # waitress's own run() loops until its socket map is empty, which another
        # thread cannot arrange safely; poll in short rounds and check for a stop.
        channels = self._server._map  # type: ignore[attr-defined]  # wasyncore.dispatcher's map; not in the stubs
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.5, map=channels, use_poll=True, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(channels)

    def start_in_thread(self) -> HttpServer:
        self._thread = threading.Thread(target=self.serve, name="technet-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        try:
            self._server.pull_trigger()  # wake the poll so the loop sees the stop at once
        except OSError:
            pass  # the loop already ended and closed its trigger: nothing to wake
        if self._thread is not None:
            self._thread.join(timeout=10)
