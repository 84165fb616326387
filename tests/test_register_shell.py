"""`technet shell` shows professional registration: the guide, the guided questions, recording a status, uptake."""

from storage.members import Role


def test_a_member_reads_the_guide_answers_the_questions_and_records_a_status(shell_for):
    script = shell_for(
        Role.MEMBER,
        "/tech register",
        "1",          # Which register suits me?
        "1",          # laboratory or scientific
        "3",          # A levels, BTEC or an advanced apprenticeship
        "-2",         # years: refused...
        "",           # role kept
        "",           # qualification kept
        "6",          # ...then given
        "/tech register status",
        "3",          # submitted
        "",           # with the register already chosen (RSciTech, from the demo data)
        ":quit",
    )
    text = script.text
    assert "PROFESSIONAL REGISTRATION" in text and "*RSciTech* (Registered Science Technician)" in text
    assert "*EngTech* (Engineering Technician)" in text and "*Help with the costs.*" in text
    assert "*You:* Preparing: *RSciTech*." in text  # Alex's demo status
    assert "[1] Which register suits me?  [2] Record my status  [3] Find a registration mentor" in text
    assert "  ! Years of experience can't be negative." in text
    assert "Aim for *RSciTech* (Registered Science Technician): the technician standard fits where you are now." in text
    assert "*Next step up:* RSci" in text
    assert "Recorded. Submitted: *RSciTech*." in text and "Good luck with the review!" in text


def test_an_organiser_sees_uptake(shell_for):
    script = shell_for(Role.ORGANISER, "/tech register summary", ":quit")
    text = script.text
    assert "PROFESSIONAL REGISTRATION UPTAKE" in text
    # The demo data: Alex preparing RSciTech, Rosa registered EngTech, Tom not started; three not recorded.
    # Every group is smaller than 5, and so is every department (pooled, never named).
    assert "*Registered* fewer than 5" in text and "*Preparing* fewer than 5" in text
    assert "*Not started* fewer than 5" in text and "*Not recorded* fewer than 5" in text and "*Members* 6" in text
    assert "• (departments of fewer than 5 members): Not started fewer than 5 · Preparing fewer than 5" in text
    assert "Engineering" not in text and "Chemistry" not in text
