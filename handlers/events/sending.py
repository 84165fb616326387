"""What follows an RSVP or a change: the message a click came from, refreshed where it sits, and
the channel announcement brought up to date. Each is an effect (core.request) the surface
carries out after its ack; the notices a change owes people are due rows it sends (SendDue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ui
from core.request import Answer, Effect, MessageRef, RefreshHome, Request, UpdateMessage
from core.views.events import SCOPES, event_blocks, note, post_blocks, post_lead
from handlers.events.replies import card_reply, list_reply
from storage import events
from storage.clock import now

if TYPE_CHECKING:
    from core.services import Services


def refreshed(runtime: Services, request: Request, event_id: int, scope: str, offset: int, *, lead: str | None,
              failed: bool = False) -> list[Effect]:
    """Refresh what the click came from (`scope`, where its button sits), and confirm to the clicker alone."""
    if scope in SCOPES:
        return [Answer(list_reply(runtime, request, scope, offset=offset, lead=lead), replace=True)]
    if scope == "card":
        return [Answer(card_reply(runtime, request, event_id, lead=lead), replace=True)]
    said: list[Effect] = [Answer(ui.message([note(lead)]))] if lead else []
    if scope == "home":
        # The Home page shows the answer itself; only a refusal needs saying (by DM: it has no thread).
        return [RefreshHome(), *(said if failed else [])]
    shown = request.where.message
    if scope in ("post", "dm") and shown is not None:
        return [_message_refreshed(runtime, request, event_id, shown, personal=scope == "dm"), *said]
    return said


def _message_refreshed(runtime: Services, request: Request, event_id: int, shown: MessageRef, *,
                       personal: bool) -> UpdateMessage:
    """The event in a message of ours: a DM shows the member's own view, a channel post everyone's.

    The announcement is rebuilt whole. Another post (the morning's) or a DM keeps its first block,
    what it said had happened, which only the message itself still holds.
    """
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id, viewer=request.actor.member_id if personal else None)
    if not personal and shown == _announcement_of(info):
        return UpdateMessage(shown, announcement(runtime, info))
    tz = request.tz if personal else runtime.settings.tz
    fresh = event_blocks(info, now=now(), tz=tz, scope="dm" if personal else "post", personal=personal,
                         full=not personal)
    return UpdateMessage(shown, ui.message(fresh, title=info.title), keep_lead=True)


def post_refreshed(runtime: Services, event_id: int) -> UpdateMessage | None:
    """The channel announcement of an event brought up to date (a change, a cancellation); None
    when it was never posted."""
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id)
    posted = _announcement_of(info)
    return UpdateMessage(posted, announcement(runtime, info)) if posted else None


def announcement(runtime: Services, info: events.EventInfo) -> ui.Message:
    """The channel post of an event as it stands: the same for everyone, so no personal status."""
    with runtime.db.reading() as session:
        count = events.series_size(session, info.series_id) if info.series_id else 1
    lead = post_lead(runtime.templates, info, tz=runtime.settings.tz, count=count)
    return ui.message(post_blocks(info, now=now(), tz=runtime.settings.tz, lead=lead),
                      title=f"{info.kind_label}: {info.title}")


def _announcement_of(info: events.EventInfo) -> MessageRef | None:
    return info.announce
