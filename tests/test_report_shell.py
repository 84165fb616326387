"""`technet shell` shows the network report: an organiser asks, the DM and its charts arrive."""

from storage.members import Role


def test_an_organiser_asks_for_the_report_in_the_shell(shell_for):
    script = shell_for(Role.ORGANISER, "/tech report", ":home", ":quit")
    text = script.text
    assert "Preparing the network report for the" in text
    dm = text[text.index("NETWORK REPORT: "):]
    # The six demo members: enough to report, each department too small to show.
    assert "*Members during the period*: *6*" in dm and "Biosciences _fewer than 5_" in dm
    assert "a file (The charts of the network report" in text
    home = text[text.index("── Home tab of"):]
    assert "Network figures" in home


def test_a_member_is_refused_in_the_shell(shell_for):
    script = shell_for(Role.MEMBER, "/tech report", ":quit")
    assert "Only network organisers can see the network report." in script.text
    assert "NETWORK REPORT: " not in script.text
