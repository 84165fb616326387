"""Scheduled announcements over signed HTTP against the served app and the Slack stand-in.

Times are frozen with freezegun; each scheduler tick is a direct call of run_due.
Monday 16 March 2026 is in GMT; the clocks go forward on Sunday 29 March.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, UTC
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from bot.standin import Call
from digests.runner import TickReport, run_due
from storage import announcements, ledger
from storage.models import DueItem
from tests.harness import MEMBER, ORGANISER, Harness, Reply, all_text, settings_for

T0 = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # Monday 23 March, 09:00 GMT
CHANNEL = "C0ANNOUNCE"
NOT_IN = "C0NOTBOTIN"


@pytest.fixture
def slack(technet: Harness) -> Harness:
    technet.standin.add_channel(CHANNEL)
    technet.standin.add_channel(NOT_IN, bot_is_member=False)
    return technet


def answers(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        ids.ANNOUNCE_TEXT: "Coffee morning in the atrium, *all welcome*",
        ids.ANNOUNCE_CHANNEL: CHANNEL,
        ids.ANNOUNCE_DATE: "2026-03-23",
        ids.ANNOUNCE_TIME: "09:00",
        ids.ANNOUNCE_REPEAT: announcements.NONE,
        ids.ANNOUNCE_UNTIL: None,
    }
    values.update(changes)
    return values


def compose(technet: Harness, **changes: Any) -> Reply:
    """Open the form with /tech announce and send it: the reply is the preview, or the errors."""
    reply = technet.command(ORGANISER, "announce")
    assert reply.status == 200 and "Opening the announcement form" in reply.text
    view = technet.opened_view()
    assert view["callback_id"] == ids.ANNOUNCE_MODAL
    return technet.submit(ORGANISER, view, answers(**changes))


def schedule(technet: Harness, **changes: Any) -> dict[str, Any]:
    """Compose, preview, confirm; returns the done view."""
    preview = compose(technet, **changes).json()
    assert preview["response_action"] == "update", preview
    assert preview["view"]["callback_id"] == ids.ANNOUNCE_PREVIEW_MODAL
    done = technet.submit(ORGANISER, preview["view"], {}).json()
    assert done["response_action"] == "update" and done["view"]["callback_id"] == ids.ANNOUNCE_DONE_MODAL
    return done["view"]


def tick(technet: Harness, moment: datetime) -> TickReport:
    with freeze_time(moment):
        return run_due(technet.runtime, moment)


def posts(technet: Harness, channel: str = CHANNEL) -> list[Call]:
    return [c for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == channel and c.result.get("ok")]


def dms_to(technet: Harness, user_id: str) -> list[str]:
    return [all_text(c.args) for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == user_id]


def the_only_announcement(technet: Harness) -> announcements.AnnouncementInfo:
    with technet.db.reading() as session:
        scheduled = announcements.scheduled(session)
    assert len(scheduled) == 1
    return scheduled[0]


def technet_submit(technet: Harness, view: dict[str, Any]) -> dict[str, Any]:
    return technet.submit(ORGANISER, view, {}).json()["view"]


# Scheduling --------------------------------------------------------------------------

def test_an_announcement_is_previewed_then_posted_once_exactly_as_previewed(slack: Harness):
    with freeze_time(T0):
        preview = compose(slack).json()["view"]
        done = technet_submit(slack, preview)
    assert "23 Mar 2026 at 09:00" in all_text(preview)
    assert "Scheduled for" in all_text(done) and "Next post Mon 23 Mar 2026 at 09:00" in all_text(done)
    shown = [b for b in preview["blocks"] if b["type"] in ("section", "context")][1:]
    assert tick(slack, FIRST - timedelta(minutes=1)).done == 0
    assert tick(slack, FIRST).done == 1
    assert tick(slack, FIRST + timedelta(minutes=1)).done == 0
    [post] = posts(slack)
    # The post is the previewed blocks, block for block.
    assert post.blocks() == shown
    assert "Coffee morning in the atrium, *all welcome*" in post.args["text"]


def test_a_weekly_announcement_posts_at_nine_local_on_both_sides_of_the_clock_change(slack: Harness):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_REPEAT: announcements.WEEKLY, ids.ANNOUNCE_UNTIL: "2026-04-06"})
    posted_at: list[datetime] = []
    for day in (23, 30):
        for hour in range(6, 12):
            moment = datetime(2026, 3, day, hour, 0, tzinfo=UTC)
            if tick(slack, moment).done:
                posted_at.append(moment)
            tick(slack, moment)  # a second process's tick at the same moment finds nothing
    for day in (6, 13):
        for hour in range(6, 12):
            moment = datetime(2026, 4, day, hour, 0, tzinfo=UTC)
            if tick(slack, moment).done:
                posted_at.append(moment)
    # 09:00 GMT, then 09:00 BST (08:00 UTC) twice; nothing after the last date.
    assert posted_at == [datetime(2026, 3, 23, 9, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC),
                         datetime(2026, 4, 6, 8, tzinfo=UTC)]
    assert len(posts(slack)) == 3
    with slack.db.reading() as session:
        assert announcements.scheduled(session) == []


def test_the_hour_skipped_in_march_is_refused_with_a_clear_message(slack: Harness):
    with freeze_time(T0):
        reply = compose(slack, **{ids.ANNOUNCE_DATE: "2026-03-29", ids.ANNOUNCE_TIME: "01:30"}).json()
    assert reply["response_action"] == "errors"
    assert "There is no 01:30 on Sunday 29 March 2026 in Europe/London" in reply["errors"][ids.ANNOUNCE_TIME]
    assert "clocks go forward" in reply["errors"][ids.ANNOUNCE_TIME]
    with slack.db.reading() as session:
        assert session.scalars(select(DueItem).where(DueItem.kind == announcements.KIND)).all() == []


def test_a_time_in_the_past_is_refused(slack: Harness):
    with freeze_time(T0):
        reply = compose(slack, **{ids.ANNOUNCE_DATE: "2026-03-16", ids.ANNOUNCE_TIME: "09:30"}).json()
    assert reply["response_action"] == "errors"
    assert "09:30 today has passed" in reply["errors"][ids.ANNOUNCE_TIME]


def refused_channel(technet: Harness, channel: str) -> str:
    """Send the form for `channel`: the preview shows at once (nothing asks Slack before the ack), then
    technet's check of the channel turns it back into the form; the reason it gives, on top."""
    with freeze_time(T0):
        reply = compose(technet, **{ids.ANNOUNCE_CHANNEL: channel}).json()
    assert reply["response_action"] == "update"
    [update] = technet.standin.calls_to("views.update")
    form = update.view()
    assert form["callback_id"] == ids.ANNOUNCE_MODAL
    assert any(b.get("element", {}).get("initial_conversation") == channel for b in form["blocks"])
    return all_text(form["blocks"][0])


def test_a_channel_the_bot_is_not_in_is_refused_when_saved(slack: Harness):
    reason = refused_channel(slack, NOT_IN)
    assert "technet is not a member of that channel" in reason
    assert "/invite @technet" in reason
    assert [c.args["channel"] for c in slack.standin.calls_to("conversations.info")] == [NOT_IN]
    with slack.db.reading() as session:
        assert announcements.scheduled(session) == []


def test_a_channel_slack_does_not_know_is_refused(slack: Harness):
    assert "cannot see that channel" in refused_channel(slack, "C0GONE0000")


def test_a_channel_technet_can_post_in_leaves_the_preview_as_it_is(slack: Harness):
    with freeze_time(T0):
        assert compose(slack).json()["response_action"] == "update"
    assert [c.args["channel"] for c in slack.standin.calls_to("conversations.info")] == [CHANNEL]
    assert slack.standin.calls_to("views.update") == []


def test_markup_in_an_announcement_is_shown_literally(slack: Harness):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_TEXT: "<!channel> fire drill & <b>tea</b>"})
    tick(slack, FIRST)
    [post] = posts(slack)
    text = post.blocks()[0]["text"]["text"]
    assert text == "&lt;!channel&gt; fire drill &amp; &lt;b&gt;tea&lt;/b&gt;"


# Late, too late, failing, two processes ---------------------------------------------------

def test_a_restart_spanning_the_time_posts_it_late_and_says_so(slack: Harness, database_url: str):
    with freeze_time(T0):
        schedule(slack)
    # The process that saved it stops; another starts two hours after the post was due.
    restarted = Harness(settings_for(slack.standin, database_url), slack.standin)
    try:
        assert tick(restarted, FIRST + timedelta(hours=2)).done == 1
        assert tick(restarted, FIRST + timedelta(hours=2, minutes=1)).done == 0
    finally:
        restarted.close()
    [post] = posts(slack)
    assert "Posted late: it was due Mon 23 Mar 2026 at 09:00" in all_text(post.blocks())


def test_a_post_later_than_the_grace_is_skipped_and_the_author_told(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
    report = tick(slack, FIRST + timedelta(hours=6, minutes=30))
    assert (report.done, report.skipped) == (0, 1)
    assert posts(slack) == []
    [dm] = dms_to(slack, ORGANISER)
    assert "was *not posted*" in dm and "more than 6 hours late" in dm


def test_the_grace_is_configurable(slack: Harness, database_url: str):
    with freeze_time(T0):
        schedule(slack)
    strict = Harness(settings_for(slack.standin, database_url, announce_grace=timedelta(hours=1)), slack.standin)
    try:
        assert tick(strict, FIRST + timedelta(minutes=90)).skipped == 1
    finally:
        strict.close()
    assert posts(slack) == []
    assert "more than 1 hour late" in dms_to(slack, ORGANISER)[0]


def test_two_processes_on_one_database_post_it_once(slack: Harness, database_url: str):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_REPEAT: announcements.WEEKLY, ids.ANNOUNCE_UNTIL: "2026-03-30"})
    other = Harness(settings_for(slack.standin, database_url), slack.standin)
    start = threading.Barrier(2)
    reports: list[TickReport] = []

    def work(harness: Harness) -> None:
        start.wait()
        reports.append(run_due(harness.runtime, FIRST + timedelta(seconds=5), worker=f"w{id(harness)}"))

    try:
        with freeze_time(FIRST + timedelta(seconds=5)):
            threads = [threading.Thread(target=work, args=(h,)) for h in (slack, other)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        other.close()
    assert sum(r.done for r in reports) == 1
    assert len(posts(slack)) == 1
    # The next week's post is scheduled once.
    assert the_only_announcement(slack).next_at == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_a_post_that_finally_fails_is_reported_to_the_author(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
    # Someone removed technet from the channel after it was saved.
    slack.standin.add_channel(CHANNEL, bot_is_member=False)
    report = tick(slack, FIRST)
    assert report.failed == 1
    [dm] = dms_to(slack, ORGANISER)
    assert "could not be posted" in dm and "technet is no longer a member" in dm


def test_a_slack_outage_is_retried_and_posts_once(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
    slack.standin.fail("chat.postMessage", 500)
    assert tick(slack, FIRST).retried == 1
    assert tick(slack, FIRST + timedelta(seconds=30)).done == 1
    [post] = posts(slack)
    assert "Posted late" not in all_text(post.blocks())


# The list: Edit, Post now, Cancel -----------------------------------------------------------

def test_the_list_shows_what_is_scheduled_with_its_buttons(slack: Harness):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_REPEAT: announcements.FORTNIGHTLY, ids.ANNOUNCE_UNTIL: "2026-05-04"})
        reply = slack.command(ORGANISER, "announce list")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Mon 23 Mar 2026 at 09:00" in reply.text and "every two weeks until Mon 4 May 2026" in reply.text
    buttons = [e["action_id"] for b in reply.json()["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.ANNOUNCE_EDIT, ids.ANNOUNCE_POST_NOW, ids.ANNOUNCE_CANCEL]


def test_cancel_from_the_list_means_nothing_is_posted(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
        info = the_only_announcement(slack)
        slack.action(ORGANISER, ids.ANNOUNCE_CANCEL, str(info.id))
    [refreshed] = slack.standin.calls_to("response_url")
    assert refreshed.args["replace_original"] is True and "No announcements are scheduled" in all_text(refreshed.args)
    assert tick(slack, FIRST).done == 0
    assert posts(slack) == []


def test_post_now_posts_at_once_and_not_again_at_its_time(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
        info = the_only_announcement(slack)
        slack.action(ORGANISER, ids.ANNOUNCE_POST_NOW, str(info.id))
        slack.action(ORGANISER, ids.ANNOUNCE_POST_NOW, str(info.id))  # a double click
    assert len(posts(slack)) == 1
    assert tick(slack, FIRST).done == 0
    assert len(posts(slack)) == 1


def test_editing_moves_the_post_to_the_new_time_with_the_new_text(slack: Harness):
    with freeze_time(T0):
        schedule(slack)
        info = the_only_announcement(slack)
        slack.action(ORGANISER, ids.ANNOUNCE_EDIT, str(info.id))
        form = slack.opened_view()
        text_block = next(b for b in form["blocks"] if b.get("block_id") == ids.ANNOUNCE_TEXT)
        assert text_block["element"]["initial_value"] == "Coffee morning in the atrium, *all welcome*"
        preview = slack.submit(ORGANISER, form, answers(**{ids.ANNOUNCE_TEXT: "Coffee moved to 11:00",
                                                           ids.ANNOUNCE_TIME: "11:00"})).json()["view"]
        assert preview["submit"]["text"] == "Update"
        slack.submit(ORGANISER, preview, {})
    assert tick(slack, FIRST).done == 0
    assert tick(slack, FIRST + timedelta(hours=2)).done == 1
    [post] = posts(slack)
    assert post.args["text"] == "Coffee moved to 11:00"
    assert the_only_announcement_or_none(slack) is None


def test_editing_a_repeat_under_way_starts_from_its_next_post(slack: Harness):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_REPEAT: announcements.WEEKLY, ids.ANNOUNCE_UNTIL: "2026-04-13"})
    tick(slack, FIRST)
    with freeze_time(FIRST + timedelta(days=1)):
        info = the_only_announcement(slack)
        slack.action(ORGANISER, ids.ANNOUNCE_EDIT, str(info.id))
        form = slack.opened_view()
        date_block = next(b for b in form["blocks"] if b.get("block_id") == ids.ANNOUNCE_DATE)
        assert date_block["element"]["initial_date"] == "2026-03-30"
        preview = slack.submit(ORGANISER, form, answers(**{
            ids.ANNOUNCE_TEXT: "Coffee, now with cake", ids.ANNOUNCE_DATE: "2026-03-30",
            ids.ANNOUNCE_REPEAT: announcements.WEEKLY, ids.ANNOUNCE_UNTIL: "2026-04-13"})).json()
        assert preview["response_action"] == "update", preview
        slack.submit(ORGANISER, preview["view"], {})
    assert tick(slack, datetime(2026, 3, 30, 8, tzinfo=UTC)).done == 1
    assert [p.args["text"] for p in posts(slack)] == ["Coffee morning in the atrium, *all welcome*",
                                                      "Coffee, now with cake"]
    assert the_only_announcement(slack).posts == 2


def the_only_announcement_or_none(technet: Harness) -> announcements.AnnouncementInfo | None:
    with technet.db.reading() as session:
        scheduled = announcements.scheduled(session)
    return scheduled[0] if scheduled else None


def test_change_in_the_preview_goes_back_to_the_filled_in_form(slack: Harness):
    with freeze_time(T0):
        slack.command(ORGANISER, "announce")
        opened = slack.opened_view()
        preview = slack.submit(ORGANISER, opened, answers()).json()["view"]
        change = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"])
        slack.action(ORGANISER, ids.ANNOUNCE_CHANGE, change["value"], view={**preview, "id": opened["id"]})
    [update] = slack.standin.calls_to("views.update")
    form = update.view()
    assert form["callback_id"] == ids.ANNOUNCE_MODAL
    assert any(b.get("element", {}).get("initial_value") == "Coffee morning in the atrium, *all welcome*"
               for b in form["blocks"])
    with slack.db.reading() as session:
        assert announcements.scheduled(session) == []


# The command's own checks --------------------------------------------------------------------

def test_members_cannot_schedule_or_list(slack: Harness):
    for text in ("announce", "announce list"):
        reply = slack.command(MEMBER, text)
        assert "Only network organisers can schedule announcements" in reply.text
    assert slack.standin.calls_to("views.open") == []


def test_help_and_bad_input(slack: Harness):
    assert "`/tech announce list`" in slack.command(ORGANISER, "announce help").text
    reply = slack.command(ORGANISER, "announce <!here> soon")
    assert "I don't know `/tech announce &lt;!here&gt; soon`" in reply.text


def test_the_ledger_rows_are_exactly_the_slots(slack: Harness):
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_REPEAT: announcements.MONTHLY, ids.ANNOUNCE_UNTIL: "2026-06-30"})
    for month in (3, 4, 5, 6, 7):
        for day in range(20, 25):
            tick(slack, datetime(2026, month, day, 8, tzinfo=UTC))
            tick(slack, datetime(2026, month, day, 9, tzinfo=UTC))
    with slack.db.reading() as session:
        rows = session.scalars(select(DueItem).where(DueItem.kind == announcements.KIND)
                               .order_by(DueItem.due_at)).all()
        done = [(r.due_at, r.status) for r in rows]
    assert done == [(datetime(2026, 3, 23, 9, tzinfo=UTC), ledger.DONE),
                    (datetime(2026, 4, 23, 8, tzinfo=UTC), ledger.DONE),
                    (datetime(2026, 5, 23, 8, tzinfo=UTC), ledger.DONE),
                    (datetime(2026, 6, 23, 8, tzinfo=UTC), ledger.DONE)]
    assert len(posts(slack)) == 4
