"""Who someone is and where a message is, on any surface (Slack, Teams, the shell).

Storage names people by member id. A surface names them by its own ids, so a member has an
identity per surface, and services are told who is asking with an `Identity` the surface
built from its payload. A posted message is found again by a `MessageRef`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """A person as one surface names them: its user id, within a tenant where the surface has
    several (a Teams tenant; "" where one install serves one workspace)."""

    surface: str
    external_id: str
    tenant: str = ""

    def colleague(self, external_id: str) -> Identity:
        """Someone else on the same surface and tenant: a user picked in a form, a mention."""
        return Identity(self.surface, external_id, self.tenant)

    def __str__(self) -> str:
        return f"{self.surface}:{self.external_id}"


def parse_identity(text: str, *, default_surface: str) -> Identity:
    """'teams:29:1abc' -> Identity('teams', '29:1abc'); a bare id is on `default_surface`.

    Only the first colon separates the surface: Teams ids have colons of their own."""
    surface, sep, external_id = text.partition(":")
    if not sep or not surface.isalpha():
        return Identity(default_surface, text)
    return Identity(surface.lower(), external_id)


@dataclass(frozen=True)
class MessageRef:
    """A posted message: the surface, the conversation it is in and its id there.

    Slack: (channel id, ts). Teams: (conversation id, activity id); both are long, hence
    String(255) columns."""

    surface: str
    conversation: str
    message_id: str

    def to_json(self) -> list[str]:
        return [self.surface, self.conversation, self.message_id]

    @classmethod
    def from_json(cls, value: Sequence[str]) -> MessageRef:
        surface, conversation, message_id = (str(part) for part in value)
        return cls(surface, conversation, message_id)
