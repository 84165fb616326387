"""The delivery report (issue #16): per announcement and event's reminders, what was sent, what is
pending and what failed with a reason a person understands, in Slack and as CSV."""

from __future__ import annotations

import csv
import io
import subprocess
from collections import Counter
from datetime import timedelta

from freezegun import freeze_time

from bot.slack_refs import slack_identity
from storage import announcements, events
from storage.members import actor_for, ensure_member
from tests.harness import ORGANISER, TECHNET, Harness
from tests.test_announce_slack import CHANNEL, FIRST, T0, schedule, tick

RULES = events.ReminderRules.from_labels(("1h",))
MEMBERS = [f"U0GOING{n:03d}" for n in range(30)]
GONE = MEMBERS[7]


def event_with_thirty_going(technet: Harness) -> int:
    """An event two hours after the announcement, with 30 members going; one has since been
    deactivated in Slack (technet has not heard yet)."""
    for user_id in MEMBERS:
        technet.standin.add_user(user_id, f"Member {user_id[-3:]}", deleted=user_id == GONE)
    with technet.db.transaction() as session:
        organiser = actor_for(session, ensure_member(session, slack_identity(ORGANISER), now=T0),
                              technet.runtime.grants)
        form = events.EventForm(title="Network meeting <!channel> & tea", kind="network_meeting",
                                starts_at=FIRST + timedelta(hours=3),
                                ends_at=FIRST + timedelta(hours=4), location="Room 1", online_link=None, capacity=None,
                                description="")
        [event] = events.create_event(session, organiser, form, now=T0, tz="Europe/London", rules=RULES)
        for user_id in MEMBERS:
            member = actor_for(session, ensure_member(session, slack_identity(user_id), now=T0), technet.runtime.grants)
            events.rsvp(session, member, event.id, events.GOING, now=T0, rules=RULES)
    return event.id


def test_the_report_counts_and_explains_an_announcement_and_thirty_reminders_in_slack_and_as_csv(technet: Harness):
    technet.standin.add_channel(CHANNEL)
    with freeze_time(T0):
        schedule(technet)
    event_id = event_with_thirty_going(technet)
    # The bot is removed from the channel before the announcement is due.
    technet.standin.add_channel(CHANNEL, bot_is_member=False)
    assert tick(technet, FIRST).failed == 1
    report = tick(technet, FIRST + timedelta(hours=2))
    assert (report.done, report.failed) == (29, 1)
    with freeze_time(FIRST + timedelta(hours=2, minutes=5)):
        reply = technet.command(ORGANISER, "deliveries 7d")
    text = reply.text
    # Each post by what a person calls it (the announcement's words, the event's title), escaped for Slack.
    assert ("Announcement: Coffee morning in the atrium, *all welcome* — 0 sent, 0 pending, 1 failed "
            "(technet is not in the channel: 1)") in text
    assert ("Event reminders: Network meeting &lt;!channel&gt; &amp; tea — 29 sent, 0 pending, 1 failed "
            "(account deactivated: 1); 99% sent within 0 s of due") in text
    assert f"event:{event_id}" not in text
    completed = technet.standin.wait_for("files.completeUploadExternal")[-1]
    file_id = completed.args["files"][0]["id"] if isinstance(completed.args["files"], list) else \
        technet.standin.calls_to("files.getUploadURLExternal")[-1].result["file_id"]
    rows = list(csv.DictReader(io.StringIO(technet.standin.state.uploads[file_id]["content"].decode("utf-8-sig"))))
    outcomes = Counter((r["kind"], r["outcome"], r["reason"]) for r in rows)
    assert outcomes == {
        (announcements.KIND, "given_up", "technet is not in the channel"): 1,
        (events.REMINDER, "sent", ""): 29,
        (events.REMINDER, "given_up", "account deactivated"): 1,
        (events.MORNING, "sent", ""): 1,  # a network meeting's morning post in the network channel
    }
    [gone] = [r for r in rows if r["outcome"] == "given_up" and r["kind"] == events.REMINDER]
    assert gone["recipient"] == GONE and gone["late_seconds"] == "0.0"
    assert gone["title"] == "Network meeting <!channel> & tea"


def test_technet_deliveries_prints_the_same(technet: Harness):
    technet.standin.add_channel(CHANNEL)
    with freeze_time(T0):
        schedule(technet)
    technet.standin.add_channel(CHANNEL, bot_is_member=False)
    tick(technet, FIRST)
    env = {"DATABASE_URL": technet.runtime.settings.database_url, "PATH": "/usr/bin:/bin"}
    printed = subprocess.run([TECHNET, "deliveries", "--since", "3650d"], capture_output=True, text=True,
                             env=env, check=True).stdout
    assert ("Announcement: Coffee morning in the atrium, *all welcome* — 0 sent, 0 pending, 1 failed "
            "(technet is not in the channel: 1)") in printed
    as_csv = subprocess.run([TECHNET, "deliveries", "--since", "3650d", "--csv"], capture_output=True, text=True,
                            env=env, check=True).stdout
    [row] = csv.DictReader(io.StringIO(as_csv))
    assert row["title"] == "Coffee morning in the atrium, *all welcome*" and row["subject"].startswith("announcement:")
    bad = subprocess.run([TECHNET, "deliveries", "--since", "soon"], capture_output=True, text=True, env=env)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
