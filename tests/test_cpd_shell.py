"""`technet shell` shows the CPD record: log in the form, progress, delete, the organisers' figures, the Home tab."""

from datetime import timedelta

from storage import cpd
from storage.clock import now
from storage.members import Role


def test_a_member_logs_cpd_sees_progress_and_deletes_an_entry(shell_for):
    script = shell_for(
        Role.MEMBER,
        "/tech cpd",
        "/tech cpd log",
        "",                              # date: keep today
        "Read up on column care",        # activity
        "9",                             # category: self-directed study
        "-1",                            # time: refused...
        "",                              # hours: keep
        "",                              # topic: none (optional)
        "",                              # note
        "",                              # link
        "2",                             # ...then given again
        "/tech cpd",
        "3",                             # Delete (the newest entry is first)
        ":home",
        ":quit",
    )
    text = script.text
    assert "YOUR CPD, " in text and "of 10 days" in text and "[1] Log CPD  [2] Export CSV" in text
    # The demo record: three entries for Alex.
    assert "Shadowing the NMR facility manager" in text and "Secondment or shadowing · 1 day" in text
    assert "  ! Time can't be negative: give the hours or days you spent." in text
    assert "┌ CPD logged" in text and "Logged *Read up on column care*: 2 hours" in text
    record = text[text.index("└ submitted"):]
    assert "Read up on column care" in record and "Self-directed study · 2 hours" in record
    assert "Deleted *Read up on column care* (2 hours) from your record." in text
    home = text[text.index("── Home tab of Alex Morgan"):]
    assert "*Your CPD, " in home and "▰" in home and "Development opportunities closing soon" in home


def test_an_organiser_sees_the_networks_figures(shell_for):
    script = shell_for(Role.ORGANISER, "/tech cpd summary", ":quit")
    text = script.text
    assert "CPD ACROSS THE NETWORK" in text
    # Alex's demo entries are 10 to 40 days old: in this development year unless it began less than 10 days ago.
    today = now().date()
    # One of six logged: a group too small to show, and the six would give it away beside the other five.
    logged, members = (("fewer than 5", "withheld") if cpd.development_year(today).contains(today - timedelta(days=10))
                       else ("0 (0%)", "6"))
    assert f"*Logged anything this year* {logged}" in text and f"*Members* {members}" in text
    assert "no member's entries are shown" in text
