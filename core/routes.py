"""The route table: from a command's subcommand, an action id, a form id or an options request
to the handler that answers it, found in one lookup.

Handlers register here (plain functions of a core.request.Request, returning effects); each
surface asks `find` and carries out what the handler returns. `after_ack` marks a handler whose
work may take longer than a platform waits for its acknowledgement: the surface acknowledges
first and runs it after, answering through the request's reply channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.commands import Subcommands
from core.request import Kind, Reply, Request
from core.ui import Home

Handler = Callable[[Request], Reply]
HomeBuilder = Callable[[Request], Home]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    after_ack: bool = False


class Routes:
    def __init__(self, subcommands: Subcommands):
        self.subcommands = subcommands
        self._table: dict[tuple[Kind, str], Route] = {}
        self._fallback: Route | None = None
        self.home: HomeBuilder | None = None

    def command(self, *subcommands: str, owner: str, after_ack: bool = False) -> Callable[[Handler], Handler]:
        """Register the handler of `/tech <subcommand>` for each of `subcommands`."""
        self.subcommands.claim(*subcommands, owner=owner)
        return self._add(Kind.COMMAND, subcommands, after_ack)

    def unknown_command(self, owner: str) -> Callable[[Handler], Handler]:
        """Register the handler of `/tech` alone and of any subcommand nobody claimed (help's)."""

        def add(handler: Handler) -> Handler:
            if self._fallback is not None:
                raise ValueError("the unknown-command handler is registered already")
            self._fallback = Route(handler)
            return handler

        return add

    def action(self, *action_ids: str, after_ack: bool = False) -> Callable[[Handler], Handler]:
        return self._add(Kind.ACTION, action_ids, after_ack)

    def form(self, *form_ids: str, after_ack: bool = False) -> Callable[[Handler], Handler]:
        return self._add(Kind.FORM, form_ids, after_ack)

    def shortcut(self, *callback_ids: str) -> Callable[[Handler], Handler]:
        """Register the handler of a shortcut used on a message (Slack's message menu)."""
        return self._add(Kind.SHORTCUT, callback_ids, False)

    def options(self, *action_ids: str) -> Callable[[Handler], Handler]:
        return self._add(Kind.OPTIONS, action_ids, False)

    def home_page(self, builder: HomeBuilder) -> HomeBuilder:
        """Register what builds a member's Home page (on opening it, and on RefreshHome)."""
        if self.home is not None:
            raise ValueError("the Home page has a builder already")
        self.home = builder
        return builder

    def find(self, kind: Kind, key: str) -> Route | None:
        """The route for a request; a command nobody claimed goes to the unknown-command handler."""
        route = self._table.get((kind, key))
        if route is None and kind is Kind.COMMAND and key not in self.subcommands.names:
            return self._fallback
        return route

    def keys(self, kind: Kind) -> frozenset[str]:
        """What is registered for a kind of request (action ids, form ids, ...): for checks and tests."""
        return frozenset(key for k, key in self._table if k is kind)

    def _add(self, kind: Kind, keys: tuple[str, ...], after_ack: bool) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            for key in keys:
                if (kind, key) in self._table:
                    raise ValueError(f"the {kind} {key} has a handler already")
                self._table[(kind, key)] = Route(handler, after_ack)
            return handler

        return add
