"""`technet shell` shows mentoring: find a mentor, request one, accept, the group DM, the organisers' figures."""

from storage.members import Role


def test_a_member_finds_a_registration_mentor_and_asks(shell_for):
    script = shell_for(
        Role.MEMBER,
        "/tech mentor find registration",
        "1",                                  # Request (the mentor with most free places first)
        "I'm preparing my RSciTech application",  # the note
        "/tech mentor",
        ":home",
        ":quit",
    )
    text = script.text
    assert "MENTORS FOR PROFESSIONAL REGISTRATION" in text
    found = text[text.index("MENTORS FOR PROFESSIONAL REGISTRATION"):text.index("┌ Ask for a mentor")]
    assert found.index("@Priya Shah") < found.index("@Rosa Evans")  # 3 free places, then 2
    assert "@Jordan Lee" not in found and "@Alex Morgan" not in found
    assert "┌ Ask for a mentor" in text and "└ submitted" in text
    assert "I've asked *Priya Shah* to mentor you in *Professional registration*" in text
    assert "*@Alex Morgan* (Senior Technician) asks you to mentor them in *Professional registration*" in text
    assert "> I'm preparing my RSciTech application" in text and "[1] Accept  [2] Decline" in text
    assert "Waiting for @Priya Shah to answer your request" in text
    home = text[text.index("── Home tab of Alex Morgan"):]
    assert "*Your mentoring*" in home and "Waiting for 1 mentor to answer." in home
    assert "Preparing: *RSciTech*" in home


def test_a_mentor_accepts_and_the_group_dm_opens(shell_for):
    script = shell_for(
        Role.ORGANISER,
        "/tech mentor",
        "1",                                  # Accept Tom's request
        "/tech mentor summary",
        ":quit",
    )
    text = script.text
    assert "@Tom Kowalski asks you to mentor them in *Professional registration*" in text
    assert "You accepted @Tom Kowalski's request" in text and "I've opened a group DM with you both" in text
    assert "@Priya Shah has agreed to mentor @Tom Kowalski in *Professional registration*" in text
    assert "I'll check in with you both here monthly" in text
    summary = text[text.index("MENTORING ACROSS THE NETWORK"):]
    # Jordan mentors Tom in the demo data; now Priya does too: two pairs, fewer than 5.
    assert "*Active pairs* fewer than 5" in summary and "*Requests waiting* 0" in summary
