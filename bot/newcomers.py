"""A newcomer's profile (names, time zone, job title) from users.info, after their first ack.

Nothing calls Slack before a request is answered, so a member first met is made from what the
request says, and their profile is filled in once the answer has gone: by whichever of the
request's follow-ups comes first (its work after the ack, or a task of its own), while the
others that need it wait for that one fill-in rather than show a profile half made.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_refs import member_details, slack_identity
from storage import members
from storage.clock import now

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)


class Newcomers:
    def __init__(self, db: Database):
        self.db = db
        self._lock = threading.Lock()
        self._pending: dict[str, threading.Lock] = {}

    def expect(self, user_id: str) -> None:
        """Mark `user_id`'s profile as still to be filled in (before the request's follow-ups start)."""
        with self._lock:
            self._pending.setdefault(user_id, threading.Lock())

    def fill_in(self, user_id: str | None, client: WebClient) -> None:
        """Fill in the profile if it is still pending; if another thread is at it, wait for it."""
        with self._lock:
            filling = self._pending.get(user_id or "")
        if filling is None:
            return
        with filling:
            with self._lock:
                if self._pending.get(user_id or "") is not filling:
                    return  # filled in while this thread waited
            try:
                self._fill_in(user_id or "", client)
            finally:
                with self._lock:
                    self._pending.pop(user_id or "", None)

    def _fill_in(self, user_id: str, client: WebClient) -> None:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            log.warning("users.info for %s failed (%s); the member keeps the name the request gave",
                        user_id, e.response.get("error"))
            return
        with self.db.transaction() as session:
            members.upsert_member(session, slack_identity(user_id), member_details(user), now=now())
