"""Helpers shared by listeners in handlers/."""

from __future__ import annotations

from slack_bolt import Ack


def ack_only(ack: Ack) -> None:
    """Acknowledge at once; the real work runs in a lazy listener after the response."""
    ack()
