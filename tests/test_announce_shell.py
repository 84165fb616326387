"""`technet shell` shows scheduling an announcement: the form, the preview, the list."""

from __future__ import annotations

from datetime import timedelta

from storage.clock import now
from storage.members import Role
from tests.harness import Script


def test_an_organiser_schedules_an_announcement_in_the_shell(shell_for):
    tomorrow = (now() + timedelta(days=1)).date()
    until = tomorrow + timedelta(days=20)
    script: Script = shell_for(
        Role.ORGANISER, "/tech announce", "Tea in the common room, *all welcome*", "C0TECHNETS",
        tomorrow.isoformat(), "10:00", "2", until.isoformat(), "/tech announce list", ":quit")
    text = script.text
    assert "┌ Schedule an announcement" in text and "Time (Europe/London) [HH:MM]" in text
    assert "┌ Preview" in text and "This is how it will appear in #C0TECHNETS" in text
    assert "Tea in the common room, *all welcome*\n  Announcement from Priya Shah" in text
    assert "┌ Scheduled" in text and "└ submitted" in text
    assert "SCHEDULED ANNOUNCEMENTS" in text and "[1] Edit  [2] Post now  [3] Cancel" in text


def test_a_member_is_told_announcements_are_for_organisers(shell_for):
    script: Script = shell_for(Role.MEMBER, "/tech announce", ":quit")
    assert "Only network organisers can schedule announcements" in script.text
    assert "┌ Schedule an announcement" not in script.text
