"""Events over signed HTTP against the served app and the Slack stand-in: an organiser's
quarterly series through the modal, RSVPs with capacity and a waitlist, changes and
cancellations, reminders once each at the right local times (DST included), two app
instances on one database, and the edge cases the issue lists."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from icalendar import Calendar
from sqlalchemy import func, select

from core import ids
from bot.runtime import Runtime
from bot.standin import Call, block_action_payload, interaction_body, signed_headers
from digests.runner import TickReport, run_due
from bot.slack_refs import slack_identity
from storage import events, ledger
from storage.members import actor_for, find_member
from storage.models import DueItem
from storage.models.events import Event, Rsvp
from tests.harness import (MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, SECRET, Harness, Reply, all_text,
                           buttons, settings_for)

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
THIRD, FOURTH = "U0MEMBER03", "U0MEMBER04"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


FORM: dict[str, Any] = {
    ids.EVENTS_TITLE: "Quarterly network meeting",
    ids.EVENTS_KIND: "network_meeting",
    ids.EVENTS_STARTS: epoch(local(2026, 7, 15, 10)),
    ids.EVENTS_ENDS: epoch(local(2026, 7, 15, 12)),
    ids.EVENTS_LOCATION: "Room 1.02, Life Sciences",
    ids.EVENTS_CAPACITY: 2,
    ids.EVENTS_DESCRIPTION: "Updates from each faculty, then the technician commitment action plan.",
}


# Driving the app ----------------------------------------------------------------------------

def add_members(technet: Harness, *user_ids: str) -> None:
    for user_id in user_ids:
        technet.standin.add_user(user_id, f"Member {user_id[-2:]}")


def open_form(technet: Harness, user: str = ORGANISER) -> dict[str, Any]:
    reply = technet.command(user, "event new")
    assert "Opening the form" in reply.text
    return technet.opened_view()


def create(technet: Harness, **answers: Any) -> Reply:
    reply = technet.submit(ORGANISER, open_form(technet), {**FORM, **answers})
    assert reply.status == 200
    return reply


def event_ids(technet: Harness) -> list[int]:
    with technet.db.reading() as session:
        return list(session.scalars(select(Event.id).order_by(Event.starts_at)))


def channel_posts(technet: Harness) -> list[Call]:
    return [c for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == NETWORK_CHANNEL and c.result.get("ok")]


def current(technet: Harness, call: Call) -> dict[str, Any]:
    """A message as it stands now (chat.update changes it in place)."""
    return technet.standin.state.messages[(call.result["channel"], call.result["ts"])]


def dm_channel(user_id: str) -> str:
    return "D" + user_id[1:]  # how the stand-in's conversations.open names a DM


def dms(technet: Harness, user_id: str) -> list[str]:
    return [all_text(c.args) for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") in (dm_channel(user_id), user_id) and c.result.get("ok")]


def find(blocks: list[dict[str, Any]], action_id: str, event_id: int | None = None) -> tuple[dict, dict]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") != action_id:
                continue
            value = element.get("value") or ""
            if event_id is None or value.split("|")[0] == str(event_id) or value.endswith(f":{event_id}"):
                return block, element
            for option in element.get("options") or []:
                if option["value"].endswith(f":{event_id}"):
                    return block, element
    raise AssertionError(f"no {action_id} for event {event_id} in {blocks}")


def click(technet: Harness, user: str, blocks: list[dict[str, Any]], action_id: str, event_id: int | None = None,
          *, message: tuple[str, str] | None = None) -> Reply:
    """Press a button in blocks the bot showed: an ephemeral reply, or a message (channel, ts)."""
    block, element = find(blocks, action_id, event_id)
    if message is None:
        options: dict[str, Any] = {"container": {"type": "message", "is_ephemeral": True}}
    else:
        channel, ts = message
        options = {"container": {"type": "message", "channel_id": channel, "message_ts": ts},
                   "channel_id": channel, "message": {"ts": ts, "blocks": blocks}}
    return technet.action(user, action_id, element["value"], block_id=block["block_id"], **options)


def click_post(technet: Harness, user: str, post: Call, action_id: str) -> Reply:
    message = current(technet, post)
    return click(technet, user, message["blocks"], action_id, message=(message["channel"], message["ts"]))


def menu(technet: Harness, user: str, blocks: list[dict[str, Any]], verb: str, event_id: int) -> Reply:
    """Choose an entry of an event's ⋯ menu."""
    block, element = find(blocks, ids.EVENTS_MANAGE, event_id)
    option = next(o for o in element["options"] if o["value"] == f"{verb}:{event_id}")
    action = {"action_id": ids.EVENTS_MANAGE, "block_id": block["block_id"], "type": "overflow",
              "selected_option": option}
    return technet.interact(block_action_payload(user, action, response_url=technet.standin.response_url(),
                                                 container={"type": "message", "is_ephemeral": True}))


def said(technet: Harness) -> str:
    """The last thing said to the clicker through the response_url."""
    return all_text(technet.standin.calls_to("response_url")[-1].args)


def tick(technet: Harness, moment: datetime) -> TickReport:
    with freeze_time(moment):
        return run_due(technet.runtime, moment)


def tick_at_once(runtimes: list[Runtime], moment: datetime) -> None:
    """A tick at `moment` on each runtime at the same instant, as replicas' schedulers do."""
    barrier = threading.Barrier(len(runtimes))

    def run(runtime: Runtime, worker: str) -> None:
        barrier.wait()
        run_due(runtime, moment, worker=worker)

    threads = [threading.Thread(target=run, args=(r, f"replica-{n}")) for n, r in enumerate(runtimes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def mrkdwn_texts(data: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node.get("text", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


# The whole flow ----------------------------------------------------------------------------

def test_a_quarterly_series_rsvps_with_a_waitlist_and_reminders_once_each(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        done = create(technet, **{ids.EVENTS_REPEAT: "quarterly", ids.EVENTS_UNTIL: "2027-04-30",
                                  ids.EVENTS_ANNOUNCE: ["yes"]}).json()
        assert done["response_action"] == "update"
        assert "4 events, each with its own RSVPs" in all_text(done["view"])
        first = event_ids(technet)[0]
        assert len(event_ids(technet)) == 4
        [post] = channel_posts(technet)
        assert "Repeats every quarter until 30 Apr 2027: this is the first of 4" in all_text(post.args)

        click_post(technet, MEMBER, post, ids.EVENTS_GOING)
        assert "You're going to “Quarterly network meeting”" in said(technet)
        click_post(technet, OTHER, post, ids.EVENTS_GOING)
        assert "*2* going of 2" in all_text(current(technet, post))
        click_post(technet, THIRD, post, ids.EVENTS_GOING)
        assert "is full: you're #1 on the waitlist" in said(technet)
        assert "1 on the waitlist" in all_text(current(technet, post))
        assert dms(technet, THIRD) == []

        click_post(technet, MEMBER, post, ids.EVENTS_NOT_GOING)
        assert "Your place went to the next on the waitlist" in said(technet)
        [promoted] = dms(technet, THIRD)
        assert "A place came up at Quarterly network meeting (Wed 15 Jul, 10:00–12:00 BST)" in promoted
        assert "*2* going of 2" in all_text(current(technet, post))

    # Reminders: the day before at 10:00 BST, the channel on the morning, an hour before.
    assert tick(technet, local(2026, 7, 14, 9, 59)).done == 0
    assert tick(technet, local(2026, 7, 14, 10)).done == 2
    assert tick(technet, local(2026, 7, 14, 10, 1)).done == 0
    assert tick(technet, local(2026, 7, 15, 8)).done == 1
    assert tick(technet, local(2026, 7, 15, 9)).done == 2
    assert tick(technet, local(2026, 7, 15, 9, 30)).done == 0
    for member in (OTHER, THIRD):
        reminders = [t for t in dms(technet, member) if "Reminder" in t]
        assert len(reminders) == 2
        assert "starts tomorrow at 10:00 BST" in reminders[0] and "starts in an hour (10:00 BST)" in reminders[1]
    assert [t for t in dms(technet, MEMBER) if "Reminder" in t] == []
    morning = channel_posts(technet)[1]
    assert "Today: Quarterly network meeting at 10:00 BST, Room 1.02, Life Sciences" in all_text(morning.args)
    assert "2 people are going" in all_text(morning.args)
    # The other three meetings of the series have their own (empty) RSVPs.
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id != first)) == 0


@pytest.mark.parametrize("created, start, expected", [
    # Sunday 29 March 2026: the clocks go forward at 01:00 GMT; the meeting is at 10:00 BST.
    (datetime(2026, 3, 1, 9, tzinfo=UTC), local(2026, 3, 29, 10), [
        (datetime(2026, 3, 28, 10, tzinfo=UTC), "dm"),       # Saturday 10:00 GMT
        (datetime(2026, 3, 29, 7, tzinfo=UTC), "channel"),   # 08:00 BST
        (datetime(2026, 3, 29, 8, tzinfo=UTC), "dm")]),      # 09:00 BST
    # Sunday 25 October 2026: the clocks go back at 02:00 BST; the meeting is at 10:00 GMT.
    (datetime(2026, 10, 1, 9, tzinfo=UTC), local(2026, 10, 25, 10), [
        (datetime(2026, 10, 24, 9, tzinfo=UTC), "dm"),       # Saturday 10:00 BST
        (datetime(2026, 10, 25, 8, tzinfo=UTC), "channel"),  # 08:00 GMT
        (datetime(2026, 10, 25, 9, tzinfo=UTC), "dm")]),     # 09:00 GMT
], ids=["march", "october"])
def test_reminders_keep_local_time_across_the_clock_changes(technet: Harness, created: datetime, start: datetime,
                                                            expected: list[tuple[datetime, str]]):
    with freeze_time(created):
        create(technet, **{ids.EVENTS_STARTS: epoch(start), ids.EVENTS_ENDS: epoch(start + timedelta(hours=1)),
                           ids.EVENTS_CAPACITY: None})
        listing = technet.command(MEMBER, "events all")
        event_id = event_ids(technet)[0]
        click(technet, MEMBER, listing.json()["blocks"], ids.EVENTS_GOING, event_id)
    zone = f"{start:%Z}"
    assert f"10:00–11:00 {zone}" in listing.text
    posted: list[tuple[datetime, str]] = []
    moment = start - timedelta(days=2)
    while moment <= start:
        before = len(technet.standin.calls_to("chat.postMessage"))
        tick(technet, moment)
        for call in technet.standin.calls_to("chat.postMessage")[before:]:
            posted.append((moment, "channel" if call.args["channel"] == NETWORK_CHANNEL else "dm"))
        moment += timedelta(minutes=30)
    assert posted == expected
    reminders = dms(technet, MEMBER)
    assert f"starts tomorrow at 10:00 {zone}" in reminders[0] and f"starts in an hour (10:00 {zone})" in reminders[1]


def test_two_app_instances_on_one_database_post_each_reminder_once(technet: Harness, standin, database_url):
    going = [f"U0GOING{n:03d}" for n in range(6)]
    add_members(technet, *going)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_CAPACITY: None})
        listing = technet.command(MEMBER, "events").json()["blocks"]
        event_id = event_ids(technet)[0]
        for user in going:
            click(technet, user, listing, ids.EVENTS_GOING, event_id)
    second = Harness(settings_for(standin, database_url), standin)
    try:
        for moment in (local(2026, 7, 14, 10), local(2026, 7, 15, 8), local(2026, 7, 15, 9)):
            tick_at_once([technet.runtime, second.runtime], moment)
    finally:
        second.close()
    for user in going:
        assert len(dms(technet, user)) == 2, user
    assert len(channel_posts(technet)) == 1  # the morning post
    with technet.db.reading() as session:
        statuses = dict(session.execute(select(DueItem.status, func.count()).group_by(DueItem.status)).all())
    assert statuses == {ledger.DONE: 13}


# RSVPs: the edge cases -------------------------------------------------------------------------

def test_double_clicks_and_redelivered_clicks_make_one_rsvp(technet: Harness):
    with freeze_time(T0):
        create(technet)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        event_id = event_ids(technet)[0]
        block, element = find(listing, ids.EVENTS_GOING, event_id)
        payload = block_action_payload(MEMBER, {"action_id": ids.EVENTS_GOING, "block_id": block["block_id"],
                                                "type": "button", "value": element["value"]},
                                       response_url=technet.standin.response_url(),
                                       container={"type": "message", "is_ephemeral": True})
        # Signed here: freezegun gives threads started in the test the real clock.
        body = interaction_body(payload)
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        threads = [threading.Thread(target=technet.post, args=(body, headers)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        technet.interact(payload)  # the same delivery again
        technet.settle()
    with technet.db.reading() as session:
        rows = [(r.status, r.generation) for r in session.scalars(select(Rsvp))]
        reminders = session.scalar(select(func.count()).select_from(DueItem).where(DueItem.kind == events.REMINDER))
    assert rows == [(events.GOING, 1)] and reminders == 2
    replies = [all_text(c.args) for c in technet.standin.calls_to("response_url")]
    assert sum("You're going to" in r for r in replies) == 1
    assert sum("You're already going" in r for r in replies) == 4


def test_a_full_event_waitlists_and_a_cancelled_or_past_one_refuses(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_CAPACITY: 1})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
        full = technet.standin.calls_to("response_url")[-1].args
        assert "is full: you're #1 on the waitlist" in all_text(full)
        assert "You're #1 on the waitlist" in all_text(full) and "full: Going joins the waitlist" in all_text(full)
        # The organiser cancels; a stale button then gets a clear refusal and the buttons go.
        organiser_view = technet.command(ORGANISER, "events").json()["blocks"]
        menu(technet, ORGANISER, organiser_view, "cancel", event_id)
        technet.submit(ORGANISER, technet.opened_view(), {ids.EVENTS_REASON: "Room double-booked"})
        click(technet, THIRD, listing, ids.EVENTS_GOING, event_id)
        refused = technet.standin.calls_to("response_url")[-1].args
        assert "was cancelled, so it takes no RSVPs" in all_text(refused)
        assert ":no_entry_sign: Cancelled" in all_text(refused)
        with pytest.raises(AssertionError):
            find(refused["blocks"], ids.EVENTS_GOING, event_id)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_TITLE: "Workshop", ids.EVENTS_KIND: "workshop"})
        workshop = event_ids(technet)[-1]
        listing = technet.command(MEMBER, "events").json()["blocks"]
    with freeze_time(local(2026, 7, 15, 13)):
        click(technet, MEMBER, listing, ids.EVENTS_GOING, workshop)
    assert "“Workshop” is over." in said(technet)


def test_titles_with_channel_mentions_and_bold_are_shown_literally(technet: Harness):
    title = "<!channel> *bold* & <https://evil.example|click>"
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_TITLE: title, ids.EVENTS_ANNOUNCE: ["yes"]})
        listing = technet.command(MEMBER, "events").json()
        card = technet.command(MEMBER, f"event {event_ids(technet)[0]}").json()
    [post] = channel_posts(technet)
    for shown in (listing, card, post.args):
        # The title is literal text in rich_text (Slack does not parse it) ...
        assert title in all_text(shown)
        # ... and never inside mrkdwn, where it would ping the channel or turn bold.
        assert not any("<!channel>" in t or "*bold*" in t for t in mrkdwn_texts(shown))
    assert card["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
    assert "<!channel>" not in post.args["text"] and "&lt;!channel&gt;" in post.args["text"]


def test_a_3000_character_description_is_kept_and_shown_whole(technet: Harness):
    description = ("Bring your lab coat & safety glasses <required>. " * 70)[:2999] + "!"
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_DESCRIPTION: description})
        event_id = event_ids(technet)[0]
        card = technet.command(MEMBER, f"event {event_id}").json()
        listing = technet.command(MEMBER, "events").json()
        too_long = technet.submit(ORGANISER, open_form(technet), {**FORM, ids.EVENTS_DESCRIPTION: description + "x"})
    assert description in all_text(card)
    assert description not in all_text(listing) and description[:200] in all_text(listing)
    assert all(len(t) <= 3000 for t in mrkdwn_texts(listing) + mrkdwn_texts(card))
    assert too_long.json() == {"response_action": "errors", "errors": {
        ids.EVENTS_DESCRIPTION: "Keep the description to 3,000 characters (it is 3,001)."}}


def test_200_upcoming_events_page_within_slacks_50_blocks(technet: Harness):
    technet.command(ORGANISER, "help")
    first = local(2026, 6, 2, 9)
    with technet.db.transaction() as session:
        organiser = find_member(session, slack_identity(ORGANISER))
        assert organiser is not None
        actor = actor_for(session, organiser, technet.runtime.grants)
        for n in range(200):
            start = first + timedelta(hours=8 * n)
            events.create_event(session, actor, events.EventForm(
                title=f"Event {n:03d}", kind="workshop", starts_at=start, ends_at=start + timedelta(hours=1),
                location="Workshop 3"), now=T0, tz="Europe/London", rules=events.ReminderRules())
    seen: list[str] = []
    with freeze_time(T0):
        reply = technet.command(MEMBER, "events all").json()
        pages = 1
        while True:
            assert len(reply["blocks"]) <= 50
            seen += [t.split("  ·  ")[0] for t in all_text(reply["blocks"]).split("\n") if t.startswith("Event ")]
            try:
                block, element = find(reply["blocks"], ids.EVENTS_PAGE)
            except AssertionError:
                break
            nav = [e for e in block["elements"] if e["text"]["text"].startswith("Next")]
            if not nav:
                break
            technet.action(MEMBER, ids.EVENTS_PAGE, nav[0]["value"], block_id=block["block_id"],
                           container={"type": "message", "is_ephemeral": True})
            response = technet.standin.calls_to("response_url")[-1].args
            assert response["replace_original"] in (True, "true")
            reply = response
            pages += 1
    assert seen == [f"Event {n:03d}" for n in range(200)] and pages == 20
    # The default view is the next eight weeks only.
    within = sum(1 for n in range(200) if first + timedelta(hours=8 * n) < T0 + timedelta(weeks=8))
    assert 0 < within < 200
    with freeze_time(T0):
        assert f"Showing 1–10 of {within}." in technet.command(MEMBER, "events").text


def test_a_member_who_left_the_workspace_gets_nothing_and_frees_their_place(technet: Harness):
    add_members(technet, THIRD, FOURTH)
    with freeze_time(T0):
        create(technet)
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        for user in (MEMBER, OTHER, THIRD):
            click(technet, user, listing, ids.EVENTS_GOING, event_id)
        # Olu leaves: Slack deactivates the account and tells the app.
        account = technet.standin.add_user(OTHER, "Olu Other", deleted=True)
        technet.event({"type": "user_change", "user": account}, event_id="Ev0LEFT01")
        with technet.db.reading() as session:
            member = find_member(session, slack_identity(OTHER))
            assert member is not None and member.deactivated
        # The next answer gives the freed place to the waitlist.
        click(technet, FOURTH, listing, ids.EVENTS_MAYBE, event_id)
        assert any("A place came up" in t for t in dms(technet, THIRD))
        attendees = technet.command(ORGANISER, f"event attendees {event_id}")
        assert f"<@{OTHER}> (left the workspace)" in attendees.text and "*Going* (2 of 2)" in attendees.text
    tick(technet, local(2026, 7, 14, 10))
    assert dms(technet, OTHER) == []
    assert len([t for t in dms(technet, MEMBER) if "Reminder" in t]) == 1
    assert len([t for t in dms(technet, THIRD) if "Reminder" in t]) == 1


def test_a_dm_slack_refuses_fails_for_that_member_only(technet: Harness):
    with freeze_time(T0):
        create(technet)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        event_id = event_ids(technet)[0]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
    # One account was deactivated without the app hearing of it: Slack refuses that DM.
    technet.standin.refuse("chat.postMessage", "user_disabled")
    report = tick(technet, local(2026, 7, 14, 10))
    assert (report.done, report.failed) == (1, 1)
    assert len(dms(technet, MEMBER) + dms(technet, OTHER)) == 1


def test_a_reminder_rate_limited_is_retried_after_retry_after(technet: Harness):
    with freeze_time(T0):
        create(technet)
        click(technet, MEMBER, technet.command(MEMBER, "events").json()["blocks"], ids.EVENTS_GOING,
              event_ids(technet)[0])
    technet.standin.fail("chat.postMessage", 429, retry_after=90)
    assert tick(technet, local(2026, 7, 14, 10)).retried == 1
    assert tick(technet, local(2026, 7, 14, 10, 1)).done == 0
    assert tick(technet, local(2026, 7, 14, 10, 1, 30)).done == 1
    assert len(dms(technet, MEMBER)) == 1


# Organisers: changes, cancellations, reminders now, attendance ---------------------------------

def test_moving_an_event_tells_going_and_waitlisted_once_and_reminds_afresh(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_ANNOUNCE: ["yes"], ids.EVENTS_CAPACITY: 1})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
        click(technet, THIRD, listing, ids.EVENTS_MAYBE, event_id)
    tick(technet, local(2026, 7, 14, 10))
    assert len(dms(technet, MEMBER)) == 1
    with freeze_time(local(2026, 7, 14, 11)):
        organiser_view = technet.command(ORGANISER, "events").json()["blocks"]
        menu(technet, ORGANISER, organiser_view, "edit", event_id)
        form = technet.opened_view()
        assert form["private_metadata"] == f"{event_id}:0"
        saved = technet.submit(ORGANISER, form, {**FORM, ids.EVENTS_CAPACITY: 1,
                                                 ids.EVENTS_STARTS: epoch(local(2026, 7, 16, 14)),
                                                 ids.EVENTS_ENDS: epoch(local(2026, 7, 16, 15)),
                                                 ids.EVENTS_LOCATION: "Lecture theatre B"}).json()
        # The same form submitted again (a retry) changes nothing and tells nobody twice.
        technet.submit(ORGANISER, form, {**FORM, ids.EVENTS_CAPACITY: 1,
                                         ids.EVENTS_STARTS: epoch(local(2026, 7, 16, 14)),
                                         ids.EVENTS_ENDS: epoch(local(2026, 7, 16, 15)),
                                         ids.EVENTS_LOCATION: "Lecture theatre B"})
    assert "2 people going or on the waitlist get a DM" in all_text(saved["view"])
    for user in (MEMBER, OTHER):
        changed = [t for t in dms(technet, user) if "has changed" in t]
        assert len(changed) == 1, user
        assert "It now runs Thu 16 Jul, 14:00–15:00 BST (it was Wed 15 Jul, 10:00–12:00 BST)." in changed[0]
        assert "It's now at Lecture theatre B (it was Room 1.02, Life Sciences)." in changed[0]
    assert [t for t in dms(technet, THIRD) if "has changed" in t] == []
    [post] = channel_posts(technet)
    assert "Thu 16 Jul, 14:00–15:00 BST" in all_text(current(technet, post))
    # The old time's reminders are gone; the new time gets its own.
    assert tick(technet, local(2026, 7, 15, 9)).done == 0
    assert tick(technet, local(2026, 7, 15, 14)).done == 1
    reminders = [t for t in dms(technet, MEMBER) if "Reminder" in t]
    assert len(reminders) == 2 and "starts tomorrow at 14:00 BST" in reminders[1]


def test_cancelling_asks_first_then_tells_going_maybe_and_waitlisted(technet: Harness):
    add_members(technet, THIRD, FOURTH)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_ANNOUNCE: ["yes"], ids.EVENTS_CAPACITY: 1})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        for user, choice in ((MEMBER, ids.EVENTS_GOING), (OTHER, ids.EVENTS_GOING), (THIRD, ids.EVENTS_MAYBE),
                             (FOURTH, ids.EVENTS_NOT_GOING)):
            click(technet, user, listing, choice, event_id)
        menu(technet, ORGANISER, technet.command(ORGANISER, "events").json()["blocks"], "cancel", event_id)
        confirm = technet.opened_view()
        assert confirm["callback_id"] == ids.EVENTS_CANCEL_MODAL
        assert "3 people who said going or maybe, or are on the waitlist, will get a DM" in all_text(confirm)
        assert dms(technet, MEMBER) == []  # nothing happens until it is confirmed
        done = technet.submit(ORGANISER, confirm, {ids.EVENTS_REASON: "Speaker *ill*"}).json()
        technet.submit(ORGANISER, confirm, {ids.EVENTS_REASON: "Speaker *ill*"})
    assert "is cancelled. 3 people" in all_text(done["view"])
    for user in (MEMBER, OTHER, THIRD):
        [told] = dms(technet, user)
        assert "has been cancelled by Orla Organiser" in told and "Why: Speaker *ill*" in told
    assert dms(technet, FOURTH) == []
    [post] = channel_posts(technet)
    assert "CANCELLED" in all_text(current(technet, post))
    assert tick(technet, local(2026, 7, 14, 10)).done == 0
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 4


def test_only_the_organiser_may_change_an_event(technet: Harness):
    with freeze_time(T0):
        refused = technet.command(MEMBER, "event new")
        assert "Only network organisers can create events" in refused.text
        assert technet.standin.calls_to("views.open") == []
        create(technet)
        event_id = event_ids(technet)[0]
        organiser_view = technet.command(ORGANISER, "events").json()["blocks"]
        member_view = technet.command(MEMBER, "events").json()["blocks"]
        with pytest.raises(AssertionError):
            find(member_view, ids.EVENTS_MANAGE, event_id)
        # A member replaying the organiser's menu is refused by storage, not just the UI.
        menu(technet, MEMBER, organiser_view, "cancel", event_id)
        assert "Only network organisers can do that" in said(technet)
        menu(technet, ORGANISER, organiser_view, "edit", event_id)
        form = technet.opened_view()
        hijack = technet.submit(MEMBER, form, {**FORM, ids.EVENTS_TITLE: "Mine now"}).json()
    assert hijack["response_action"] == "errors" and "Only network organisers" in hijack["errors"][ids.EVENTS_TITLE]
    with technet.db.reading() as session:
        assert events.get_event(session, event_id).title == "Quarterly network meeting"


def test_a_failure_after_the_ack_reaches_the_organiser_and_the_log(technet: Harness, caplog):
    # The form opens after the ack, in a lazy listener; bot/app.py reports its failures.
    technet.standin.refuse("views.open", "expired_trigger_id")
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        assert "Opening the form" in technet.command(ORGANISER, "event new").text
    assert "Something went wrong on our side" in said(technet)
    assert any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("answers, errors", [
    ({ids.EVENTS_ENDS: epoch(local(2026, 7, 15, 9))},
     {ids.EVENTS_ENDS: "It ends before it starts: the end must be after Wed 15 Jul 10:00 BST."}),
    ({ids.EVENTS_STARTS: epoch(T0 - timedelta(hours=1)), ids.EVENTS_ENDS: epoch(T0 + timedelta(hours=1))},
     {ids.EVENTS_STARTS: "That start is in the past: choose a time from now on."}),
    ({ids.EVENTS_LINK: "teams dot com"},
     {ids.EVENTS_LINK: "That isn't a web link: it should look like https://teams.example.ac.uk/meet/123."}),
    ({ids.EVENTS_LOCATION: ""}, {ids.EVENTS_LOCATION: "Give a place, an online link, or both."}),
    ({ids.EVENTS_REPEAT: "monthly"}, {ids.EVENTS_UNTIL: "Until when does it repeat? Choose the date of the last one."}),
], ids=["end-before-start", "past-start", "bad-link", "no-place", "repeat-without-end"])
def test_the_form_says_what_is_wrong_next_to_the_field(technet: Harness, answers: dict[str, Any],
                                                       errors: dict[str, str]):
    with freeze_time(T0):
        reply = create(technet, **answers).json()
    assert reply == {"response_action": "errors", "errors": errors}
    assert event_ids(technet) == []


def test_capacity_below_those_going_is_refused_in_the_edit_form(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_CAPACITY: 3})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        for user in (MEMBER, OTHER, THIRD):
            click(technet, user, listing, ids.EVENTS_GOING, event_id)
        menu(technet, ORGANISER, technet.command(ORGANISER, "events").json()["blocks"], "edit", event_id)
        reply = technet.submit(ORGANISER, technet.opened_view(), {**FORM, ids.EVENTS_CAPACITY: 2}).json()
    assert reply["errors"] == {ids.EVENTS_CAPACITY: "3 people are going already: the capacity can't be below 3 "
                                                    "(leave it as it is or raise it)."}


def test_send_reminder_now_reaches_everyone_going_once(technet: Harness):
    with freeze_time(T0):
        create(technet)
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        click(technet, OTHER, listing, ids.EVENTS_MAYBE, event_id)
        organiser_view = technet.command(ORGANISER, "events").json()["blocks"]
        menu(technet, ORGANISER, organiser_view, "remind", event_id)
        assert "Reminders are on their way to the 1 member going" in said(technet)
        menu(technet, ORGANISER, organiser_view, "remind", event_id)
        assert "queued already" in said(technet)
    tick(technet, T0 + timedelta(seconds=30))
    [reminder] = dms(technet, MEMBER)
    assert "A reminder from Orla Organiser: Quarterly network meeting starts on Wed 15 Jul at 10:00 BST" in reminder
    assert dms(technet, OTHER) == []


def test_attendees_csv_and_recording_who_came(technet: Harness):
    add_members(technet, THIRD)
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_CAPACITY: 1})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
        click(technet, THIRD, listing, ids.EVENTS_MAYBE, event_id)
        assert "Only network organisers" in technet.command(MEMBER, f"event attendees {event_id}").text
        chooser = technet.command(ORGANISER, "event attendees").json()["blocks"]
        assert [b["value"] for b in buttons(chooser, ids.EVENTS_MANAGE)] == [f"attendees:{event_id}"]
        technet.action(ORGANISER, ids.EVENTS_MANAGE, f"attendees:{event_id}", block_id=f"choose_{event_id}",
                       container={"type": "message", "is_ephemeral": True})
        shown = technet.standin.calls_to("response_url")[-1].args
    text = all_text(shown)
    assert f"*Going* (1 of 1)\n<@{MEMBER}>" in text and f"*Waitlist* (1)\n1. <@{OTHER}>" in text
    assert f"*Maybe* (1)\n<@{THIRD}>" in text and "Record who came" not in text
    technet.action(ORGANISER, ids.EVENTS_CSV, str(event_id), container={"type": "message", "is_ephemeral": True})
    [upload] = technet.standin.calls_to("upload")
    csv_text = technet.standin.state.uploads[upload.args["file_id"]]["content"].decode()
    assert csv_text.splitlines()[0] == ",".join(events.CSV_COLUMNS)
    assert [line.split(",")[1] for line in csv_text.splitlines()[1:]] == [MEMBER, OTHER, THIRD]
    assert technet.standin.calls_to("files.completeUploadExternal")[-1].args["channel_id"] == dm_channel(ORGANISER)
    # After the meeting: record who came (Olu came after all, from the waitlist; Morgan didn't).
    with freeze_time(local(2026, 7, 15, 12, 30)):
        technet.action(ORGANISER, ids.EVENTS_RECORD, str(event_id),
                       container={"type": "message", "is_ephemeral": True})
        form = technet.opened_view()
        assert form["blocks"][1]["element"]["initial_users"] == [MEMBER]
        saved = technet.submit(ORGANISER, form, {ids.EVENTS_ATTENDED: [OTHER]}).json()
        after = technet.command(ORGANISER, f"event attendees {event_id}").text
    assert "Recorded: 1 person came" in all_text(saved["view"])
    assert f"<@{OTHER}> ✓" in after and "Attendance recorded: 1 came" in after
    with technet.db.reading() as session:
        assert events.attendance_count(session, local(2026, 7, 1), local(2026, 8, 1)) == 1


def test_add_to_calendar_sends_an_ics_with_the_local_zone(technet: Harness):
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_STARTS: epoch(local(2026, 10, 26, 10)),
                           ids.EVENTS_ENDS: epoch(local(2026, 10, 26, 11))})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events all").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_ICS, event_id)
        click(technet, MEMBER, listing, ids.EVENTS_ICS, event_id)
    uploads = technet.standin.calls_to("upload")
    first, second = (technet.standin.state.uploads[u.args["file_id"]]["content"] for u in uploads)
    one, two = (Calendar.from_ical(data).walk("VEVENT")[0] for data in (first, second))
    assert str(one["UID"]) == str(two["UID"])
    # Monday 26 October: after the clocks went back, 10:00 GMT is 10:00 UTC.
    assert one.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 26, 10, tzinfo=UTC)
    assert one["DTSTART"].params["TZID"] == "Europe/London"
    assert technet.standin.calls_to("files.completeUploadExternal")[-1].args["channel_id"] == dm_channel(MEMBER)


# Commands: usage, help, bad input, mine --------------------------------------------------------

def test_events_commands_answer_usage_help_and_bad_input(technet: Harness):
    with freeze_time(T0):
        assert "Nothing in the next 8 weeks" in technet.command(MEMBER, "events").text
        assert "`/tech events mine`" in technet.command(MEMBER, "events help").text
        bad = technet.command(MEMBER, "events <!here> soon").text
        assert "I don't know `/tech events &lt;!here&gt; soon`" in bad and "`/tech events all`" in bad
        usage = technet.command(MEMBER, "event").text
        assert "`/tech event <number>`" in usage.replace("&lt;", "<").replace("&gt;", ">")
        assert "`/tech event new`" not in usage
        assert "`/tech event new`" in technet.command(ORGANISER, "event help").text
        assert "I don't know `/tech event frobnicate`" in technet.command(MEMBER, "event frobnicate").text
        assert "There is no event number 99" in technet.command(MEMBER, "event 99").text
        assert "takes an event's number" in technet.command(ORGANISER, "event attendees soon").text


def test_mine_lists_what_the_member_is_going_to(technet: Harness):
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_TITLE: "Going to this"})
        create(technet, **{ids.EVENTS_TITLE: "Not this", ids.EVENTS_STARTS: epoch(local(2026, 7, 16, 10)),
                           ids.EVENTS_ENDS: epoch(local(2026, 7, 16, 11))})
        going, other = event_ids(technet)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, going)
        mine = technet.command(MEMBER, "events mine").text
        assert "You haven't said you're going" in technet.command(OTHER, "events mine").text
    assert "Going to this" in mine and "Not this" not in mine and "You're going" in mine


def test_the_home_tab_shows_next_events_and_some_to_join(technet: Harness):
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_TITLE: "Network meeting <!here>"})
        create(technet, **{ids.EVENTS_TITLE: "Microscopy workshop", ids.EVENTS_KIND: "workshop",
                           ids.EVENTS_STARTS: epoch(local(2026, 7, 16, 10)),
                           ids.EVENTS_ENDS: epoch(local(2026, 7, 16, 11))})
        meeting, workshop = event_ids(technet)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, meeting)
        technet.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0HOME"},
                      event_id="Ev0HOME001")
        home = technet.standin.calls_to("views.publish")[-1]
        text = all_text(home.view())
        assert "*Your next events*" in text and "Network meeting <!here>" in text
        assert "*You could join*" in text and "Microscopy workshop" in text
        block, element = find(home.view()["blocks"], ids.EVENTS_GOING, workshop)
        technet.action(MEMBER, ids.EVENTS_GOING, element["value"], block_id=block["block_id"],
                       container={"type": "view", "view_id": home.result["view"]["id"]})
        again = all_text(technet.standin.calls_to("views.publish")[-1].view())
    assert "*You could join*" not in again
    assert again.count(":white_check_mark: You're going") == 2
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.status == events.GOING)) == 2


def test_member_created_from_the_click_itself_can_answer(technet: Harness):
    # Someone whose first contact with technet is a button in the channel post.
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_ANNOUNCE: ["yes"]})
        add_members(technet, "U0NEWCOMER")
        [post] = channel_posts(technet)
        click_post(technet, "U0NEWCOMER", post, ids.EVENTS_GOING)
    with technet.db.reading() as session:
        member = find_member(session, slack_identity("U0NEWCOMER"))
        assert member is not None
        going = session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.member_id == member.id))
    assert going == 1 and "*1* going of 2" in all_text(current(technet, post))


def test_a_click_in_a_reminder_dm_refreshes_that_dm_and_keeps_what_it_said(technet: Harness):
    with freeze_time(T0):
        create(technet)
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_ids(technet)[0])
    tick(technet, local(2026, 7, 14, 10))
    [reminder] = [c for c in technet.standin.calls_to("chat.postMessage")
                  if c.args.get("channel") in (dm_channel(MEMBER), MEMBER) and c.result.get("ok")]
    with freeze_time(local(2026, 7, 14, 11)):
        click_post(technet, MEMBER, reminder, ids.EVENTS_MAYBE)
    shown = current(technet, reminder)
    assert "Reminder" in all_text(shown["blocks"][0]) and "starts tomorrow at 10:00 BST" in all_text(shown)
    assert "You said maybe" in all_text(shown) and "You're going" not in all_text(shown)
    assert "Noted: maybe for “Quarterly network meeting”" in said(technet)


def test_the_same_form_submitted_twice_creates_the_series_once(technet: Harness):
    with freeze_time(T0):
        form = open_form(technet)
        answers = {**FORM, ids.EVENTS_REPEAT: "monthly", ids.EVENTS_UNTIL: "2026-09-30", ids.EVENTS_ANNOUNCE: ["yes"]}
        first = technet.submit(ORGANISER, form, answers).json()
        again = technet.submit(ORGANISER, form, answers).json()
    assert first == again
    assert len(event_ids(technet)) == 3 and len(channel_posts(technet)) == 1


def test_a_going_button_in_another_features_message_records_and_only_confirms(technet: Harness):
    with freeze_time(T0):
        create(technet)
        event_id = event_ids(technet)[0]
        # e.g. the e-zine's events section: the button's value is the bare event id.
        technet.action(MEMBER, ids.EVENTS_GOING, str(event_id),
                       container={"type": "message", "channel_id": NETWORK_CHANNEL, "message_ts": "1.0"},
                       channel_id=NETWORK_CHANNEL)
    [reply] = technet.standin.calls_to("response_url")
    assert reply.args["replace_original"] in (False, "false")
    assert "You're going to “Quarterly network meeting”" in all_text(reply.args)
    assert technet.standin.calls_to("chat.update") == []


# What members are told matches what they get (issue 13, item 10) ------------------------------

def pending_reminders(technet: Harness, user_id: str) -> list[str]:
    """The reminder DMs queued for a member, by offset ('1d', '1h')."""
    with technet.db.reading() as session:
        rows = session.scalars(select(DueItem).where(DueItem.kind == events.REMINDER,
                                                     DueItem.status == ledger.PENDING))
        return sorted(str(r.payload["offset"]) for r in rows if r.payload["member"] == user_id)


@pytest.mark.parametrize("starts_in, promised, queued", [
    (timedelta(minutes=2), "It starts too soon for a reminder.", []),
    (timedelta(hours=3), "I'll remind you an hour before.", ["1h"]),
    (timedelta(days=3), "I'll remind you the day before and an hour before.", ["1d", "1h"]),
])
def test_going_promises_only_the_reminders_that_will_be_sent(technet: Harness, starts_in: timedelta,
                                                             promised: str, queued: list[str]):
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_STARTS: epoch(T0 + starts_in),
                           ids.EVENTS_ENDS: epoch(T0 + starts_in + timedelta(hours=1)), ids.EVENTS_CAPACITY: 1})
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        going = said(technet)
        assert pending_reminders(technet, MEMBER) == queued
        # A place that comes up from the waitlist promises the same, and queues the same.
        click(technet, OTHER, listing, ids.EVENTS_GOING, event_id)
        click(technet, MEMBER, listing, ids.EVENTS_NOT_GOING, event_id)
        [promoted] = dms(technet, OTHER)
        assert pending_reminders(technet, OTHER) == queued
    assert promised in going and promised in promoted
    if not queued:
        assert "remind you" not in going and "remind you" not in promoted


def test_a_member_sees_each_events_number_wherever_the_event_is_shown(technet: Harness):
    with freeze_time(T0):
        create(technet, **{ids.EVENTS_ANNOUNCE: ["yes"]})
        create(technet, **{ids.EVENTS_TITLE: "Microscopy workshop", ids.EVENTS_KIND: "workshop"})
        meeting, workshop = event_ids(technet)
        listing = technet.command(MEMBER, "events").json()
        assert f"/tech event {meeting}" in all_text(listing) and f"/tech event {workshop}" in all_text(listing)
        # The number shown is the one the command takes.
        card = technet.command(MEMBER, f"event {meeting}").json()
        assert "Quarterly network meeting" in all_text(card) and f"/tech event {meeting}" in all_text(card)
        [post] = channel_posts(technet)
        assert f"/tech event {meeting}" in all_text(post.args)
        click(technet, MEMBER, listing["blocks"], ids.EVENTS_GOING, meeting)
        technet.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0HOME"},
                      event_id="Ev0HOME002")
        home = all_text(technet.standin.calls_to("views.publish")[-1].view())
    assert f"/tech event {meeting}" in home and f"/tech event {workshop}" in home  # going, and could join
    tick(technet, local(2026, 7, 14, 10))
    [reminder] = [t for t in dms(technet, MEMBER) if "Reminder" in t]
    assert f"/tech event {meeting}" in reminder


def test_a_cancelled_event_no_longer_says_youre_going(technet: Harness):
    with freeze_time(T0):
        create(technet)
        event_id = event_ids(technet)[0]
        listing = technet.command(MEMBER, "events").json()["blocks"]
        click(technet, MEMBER, listing, ids.EVENTS_GOING, event_id)
        assert "You're going" in technet.command(MEMBER, "events mine").text
        organiser_view = technet.command(ORGANISER, "events").json()["blocks"]
        menu(technet, ORGANISER, organiser_view, "cancel", event_id)
        technet.submit(ORGANISER, technet.opened_view(), {ids.EVENTS_REASON: "Room double-booked"})
        [told] = dms(technet, MEMBER)
        shown = {"the DM": told, "the list": technet.command(MEMBER, "events").text,
                 "your events": technet.command(MEMBER, "events mine").text,
                 "the card": all_text(technet.command(MEMBER, f"event {event_id}").json())}
        card = technet.command(MEMBER, f"event {event_id}").json()["blocks"]
    for where, text in shown.items():
        assert ":no_entry_sign: Cancelled" in text, where
        assert "You're going" not in text, where
    assert buttons(card, ids.EVENTS_GOING) == [] and buttons(card, ids.EVENTS_MAYBE) == []
