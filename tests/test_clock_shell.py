"""`technet shell` has a clock: `:later` moves it on and shows what falls due, in order;
files the bot sends are saved to a folder; the sample data has events already held."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.demo import load_demo_data
from bot.slack_refs import slack_identity
from storage import clock, events, ledger
from storage.clock import now
from storage.db import Database
from storage.members import Role, find_member
from storage.models.careers import CpdEntry
from storage.models.core import DueItem
from storage.models.events import Event, Rsvp
from tests.harness import Script, press

LONDON = ZoneInfo("Europe/London")


def _demo_event(runtime_db: Database, source_key: str) -> Event:
    with runtime_db.reading() as session:
        event = session.scalars(select(Event).where(Event.source_key == source_key)).first()
        assert event is not None
        session.expunge(event)
        return event


def test_later_shows_reminders_prompts_check_ins_and_award_posts_in_the_order_they_go(shell_for):
    script: Script = shell_for(Role.ORGANISER, ":now", ":later 22d", ":now", "/tech events", ":quit")
    text = script.text
    assert text.count("(the shell's time is ") == 3
    assert "22d ahead of real time" in text
    order = [
        # Yesterday's workshop: its CPD prompts go at once (what is already due goes first).
        "You said you were going to *Fume cupboard testing and LEV checks*",
        "Nominations are open: Papin Prize for sustainability",
        "⏰ Reminder: Soldering and electronics workshop starts tomorrow",
        "⏰ Reminder: Soldering and electronics workshop starts in an hour",
        "You said you were going to *Soldering and electronics workshop*",
        "📣 Today: Quarterly technicians' network meeting",
        "Checking in, @Tom Kowalski and @Jordan Lee",
        "Three days left to nominate for Technician of the Year",
        "Nominations for Technician of the Year",
    ]
    places = [text.find(line) for line in order]
    assert -1 not in places, [line for line, at in zip(order, places, strict=True) if at == -1]
    assert places == sorted(places)
    # Each goes once, to each of the three going.
    assert text.count("starts tomorrow") == 3 and text.count("starts in an hour") == 3
    assert "── bot → group DM with Jordan Lee, Tom Kowalski" in text or \
        "── bot → group DM with Tom Kowalski, Jordan Lee" in text
    # The day-before reminder is shown under the moment it went: the same local time, a day before.
    assert script.runtime is not None
    workshop = _demo_event(script.runtime.db, "demo:workshop")
    before = (workshop.starts_at.astimezone(LONDON) - timedelta(days=1))
    header = text[:text.index("starts tomorrow")].rsplit("🕑 ", 1)[1].splitlines()[0]
    assert header == f"{before:%a %-d %b %Y, %H:%M} {before.tzname()}"
    # Handlers read the same clock: 22 days on, the workshop is over and no longer listed.
    listing = text[text.rindex("UPCOMING EVENTS"):]
    assert "Soldering and electronics workshop" not in listing and "Teaching labs team meeting" in listing
    assert runtime_is_real_again()


def runtime_is_real_again() -> bool:
    """The shell puts its clock back when it ends."""
    return clock.offset() == timedelta(0)


def test_a_cpd_prompt_after_a_sample_event_is_pressed_and_logged(shell_for):
    script: Script = shell_for(Role.MEMBER, ":later 1m", press("Log it as CPD"), *[""] * 12, "/tech cpd", ":quit")
    text = script.text
    prompt = text[text.index("── bot → DM to Alex Morgan"):]
    assert "Did you attend? Log it as CPD" in prompt and "Fume cupboard testing and LEV checks" in prompt
    assert "┌ CPD logged" in text and "Logged *Fume cupboard testing and LEV checks*: 2 hours" in text
    assert script.runtime is not None
    workshop = _demo_event(script.runtime.db, "demo:past-workshop")
    with script.runtime.db.reading() as session:
        alex = find_member(session, slack_identity("U0DEMOALEX"))
        assert alex is not None
        logged = session.scalars(select(CpdEntry.source_ref).where(CpdEntry.member_id == alex.id,
                                                                   CpdEntry.source == "event")).all()
    assert logged == [f"event:{workshop.id}"]


def test_later_refuses_what_is_not_a_duration(shell_for):
    script: Script = shell_for(Role.MEMBER, ":later", ":later soon", ":later 0", ":later 99999999999d",
                               ":later 401d", ":now", ":quit")
    text = script.text
    assert text.count("Say how much later: :later 1d, :later 3h or :later 30m.") == 4
    assert "At most 400 days at a time." in text
    assert "ahead of real time" not in text


def test_a_file_the_bot_sends_is_saved_and_its_path_shown(shell_for, tmp_path: Path):
    script: Script = shell_for(Role.MEMBER, "/tech events", press("Add to calendar"), ":quit")
    text = script.text
    found = re.search(r"saved to (\S+\.ics)", text)
    assert found, text[-2000:]
    saved = Path(found.group(1))
    assert saved.parent == tmp_path / "shell-files"
    assert saved.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_the_sample_data_has_events_held_with_attendance_and_the_rest_ahead(db: Database):
    moment = now()
    load_demo_data(db, now=moment)
    with db.reading() as session:
        demo = session.scalars(select(Event).where(Event.source_key.like("demo:%"))).all()
        held = [e for e in demo if (e.source_key or "").startswith("demo:past-")]
        ahead = [e for e in demo if not (e.source_key or "").startswith("demo:past-")]
        assert {e.source_key for e in held} == {"demo:past-network-meeting", "demo:past-team-meeting",
                                                 "demo:past-workshop"}
        assert all(clock.as_utc(e.ends_at) < moment for e in held)
        assert ahead and all(clock.as_utc(e.starts_at) > moment for e in ahead)
        recorded = [e for e in held if e.attendance_recorded_at is not None]
        assert recorded
        meetings = events.attendance(session, moment - timedelta(days=120), moment)
        assert meetings.events == 2 and meetings.attendances > 0
        # Nothing owed for events already held: no reminder or morning post is pending for them.
        pending = session.scalars(select(DueItem.subject).where(
            DueItem.status == ledger.PENDING, DueItem.kind.in_((events.REMINDER, events.MORNING)))).all()
        assert not {f"event:{e.id}" for e in held} & set(pending)
    load_demo_data(db, now=moment)
    with db.reading() as session:
        assert session.scalar(select(Event.id).where(Event.source_key == "demo:past-workshop")) is not None
        assert len(session.scalars(select(Event).where(Event.source_key.like("demo:past-%"))).all()) == 3


def test_an_edit_form_keeps_its_dates_on_enter(shell_for):
    workshop = "Soldering and electronics workshop"

    def more(screen: str) -> str:
        tail = screen[screen.rindex(workshop):]
        found = re.search(r"\[(\d+)\] more…", tail)
        assert found, "no ⋯ menu on the workshop"
        return found.group(1)

    script: Script = shell_for(Role.ORGANISER, "/tech events", more, "1", *[""] * 10, ":quit")
    text = script.text
    assert script.runtime is not None
    event = _demo_event(script.runtime.db, "demo:workshop")
    starts = event.starts_at.astimezone(LONDON)
    assert f"Starts [YYYY-MM-DD HH:MM] (Enter keeps: {starts:%Y-%m-%d %H:%M})" in text
    assert "When does it start?" not in text and "closed without submitting" not in text
    assert "┌ Event saved" in text and f"Nothing changed in “{workshop}”" in text
    # Unchanged in the store: a change raises the event's SEQUENCE.
    assert event.sequence == 0


def test_the_announcement_channel_is_chosen_by_name(shell_for):
    tomorrow = (now() + timedelta(days=1)).astimezone(LONDON).date()
    script: Script = shell_for(Role.ORGANISER, "/tech announce", "Tea in the common room", "#technicians",
                               tomorrow.isoformat(), "", "", "", ":quit")
    text = script.text
    assert "    1. #technicians (C0TECHNETS)" in text
    assert "Time (Europe/London) [HH:MM] (Enter keeps: 09:00)" in text
    assert "This is how it will appear in #C0TECHNETS" in text and "┌ Scheduled" in text


def test_the_report_in_the_shell_draws_the_sample_events_attendance(shell_for, tmp_path: Path):
    script: Script = shell_for(Role.ORGANISER, "/tech report", ":quit")
    saved = [Path(p) for p in re.findall(r"saved to (\S+\.png)", script.text)]
    attendance = [p for p in saved if p.name.startswith("technet-events-attendance-")]
    assert len(attendance) == 1 and attendance[0].parent == tmp_path / "shell-files"
    assert attendance[0].read_bytes().startswith(b"\x89PNG")


def test_record_who_came_keeps_everyone_going_on_enter(shell_for):
    def attendees_of_the_workshop(screen: str) -> str:
        found = re.search(r"Fume cupboard testing and LEV checks .*\n\s*\[(\d+)\] Attendees", screen)
        assert found, "the held workshop is not listed"
        return found.group(1)

    script: Script = shell_for(Role.ORGANISER, "/tech event attendees", attendees_of_the_workshop,
                               press("Record who came"), "", ":quit")
    text = script.text
    assert "(Enter keeps: Alex Morgan, Rosa Evans, Tom Kowalski, Jordan Lee, Sami Okafor)" in text
    assert script.runtime is not None
    workshop = _demo_event(script.runtime.db, "demo:past-workshop")
    assert workshop.attendance_recorded_at is not None
    with script.runtime.db.reading() as session:
        came = session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id == workshop.id,
                                                                        Rsvp.attended.is_(True)))
    assert came == 5
