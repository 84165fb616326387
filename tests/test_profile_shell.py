"""`technet shell` shows profiles and the directory: the modal with its tag search, cards, results."""

from storage.members import Role


def test_the_shell_edits_a_profile_with_tag_suggestions_and_then_finds_it(shell_for):
    script = shell_for(
        Role.MEMBER,
        "/tech profile",
        "",            # job title: keep
        "",            # department: keep Chemistry
        "",            # other department: none
        "0.5",         # FTE
        "lc-ms",       # skills: search, the app offers what was typed...
        "1",           # ...and it is chosen
        "",            # done with skills
        "",            # equipment: keep
        "",            # bio: keep
        "",            # visibility: keep
        "",            # card fields: keep
        "/tech find LC-MS",
        ":quit",
    )
    text = script.text
    assert "┌ Your profile (modal; Ctrl-D cancels)" in text
    assert "now: HPLC, GC-MS, NMR spectroscopy, COSHH assessments. Type to search" in text
    assert "    1. lc-ms" in text
    assert "now: HPLC, GC-MS, NMR spectroscopy, COSHH assessments, lc-ms." in text
    assert "└ submitted" in text and "── Home tab of Alex Morgan" in text
    results = text[text.rindex("── bot (only visible to you)"):]
    assert "1 technician matches" in results and "Alex Morgan* (you)" in results and "`lc-ms`" in results


def test_the_shell_shows_a_colleagues_card_and_search_results(shell_for):
    script = shell_for(Role.MEMBER, "/tech find welding", "1", "/tech profile Rosa Evans", "/tech profile Tom Kowalski")
    text = script.text
    assert "*Rosa Evans*  Workshop Technician · Engineering" in text and "[1] Message" in text
    assert "(opens slack://user?team=T0TECHNET&id=U0DEMOROSA in a browser)" in text
    assert "ROSA EVANS" in text and "`TIG welding` `CNC machining` `3D printing`" in text
    assert "Tom Kowalski has not chosen to share a profile" in text


def test_the_shell_tells_an_error_next_to_the_field_and_asks_again(shell_for):
    script = shell_for(Role.MEMBER, "/tech profile", "", "", "", "1.5", "", "", "", "", "", "0.9", ":quit")
    text = script.text
    assert "! FTE is your share of full time, more than 0 and at most 1" in text
    assert text.count("FTE (your share of full time)") == 2 and "└ submitted" in text
