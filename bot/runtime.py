"""Everything a running technet holds, built once from Settings by the app factory."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from jinja2 import Environment
from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import content
import digests
from core.commands import Subcommands
# HomeSection lives in core.routes; features not yet routed still name it from here.
from core.routes import Routes
from core.services import HomeSection
from core.settings import Settings
from bot.newcomers import Newcomers
from bot.slack_delivery import SlackDelivery
from core.delivery import Delivery
from bot.slack_refs import role_grants
from core.templating import environment
from core.due import DueKinds
from storage.db import Database
from storage.members import RoleGrants

P = ParamSpec("P")
T = TypeVar("T")


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's executor for work after ack(); it can tell when all of it has finished.

    The local shell waits on it before printing, so replies appear in order.
    """

    def __init__(self, max_workers: int):
        super().__init__(max_workers=max_workers, thread_name_prefix="technet-listener")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30.0) -> None:
        # Work can schedule more work, so look again until nothing is left.
        for _ in range(1000):
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result(timeout=timeout)


class BriefRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out a 429 in the call only when Retry-After is short.

    A longer wait would hold a worker thread for minutes; the scheduler's ledger
    defers the item by Retry-After instead, and a listener reports the failure.
    """

    def __init__(self, max_retry_count: int = 2, longest_wait: float = 5.0):
        super().__init__(max_retry_count=max_retry_count)
        self.longest_wait = longest_wait

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        for name, values in response.headers.items():
            if name.lower() == "retry-after":
                value = values[0] if isinstance(values, list) else values
                try:
                    return float(value) <= self.longest_wait
                except ValueError:
                    return False
        return True


def web_client(settings: Settings) -> WebClient:
    """Every Web API call goes through SLACK_API_URL, with slack_sdk's retry handlers."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            BriefRateLimitRetryHandler(),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass
class Runtime:
    settings: Settings
    db: Database
    client: WebClient
    content: content.Content
    templates: Environment
    grants: RoleGrants
    executor: ListenerExecutor
    # Everything sent outside a request's own reply (digests, DMs from work after an ack).
    delivery: Delivery
    subcommands: Subcommands = field(default_factory=Subcommands)
    routes: Routes = field(init=False)
    newcomers: Newcomers = field(init=False)
    due_kinds: DueKinds = field(default_factory=DueKinds)
    home_sections: list[HomeSection] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, *, threads: int = 8) -> Runtime:
        client = web_client(settings)
        return cls(
            settings=settings,
            db=Database(settings.database_url, pool_size=threads + 2),
            client=client,
            content=content.load(settings.content_dir),
            templates=environment(),
            grants=role_grants(settings.organisers, settings.awards_panel),
            executor=ListenerExecutor(max_workers=threads),
            delivery=SlackDelivery(client),
        )

    def __post_init__(self) -> None:
        self.routes = Routes(self.subcommands)
        self.newcomers = Newcomers(self.db)
        digests.register_all(self.due_kinds)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.db.dispose()
