"""`technet shell` shows development opportunities: the list, Remind me, a search, follows, the organisers' form."""

from storage.members import Role


def test_a_member_lists_asks_for_a_reminder_searches_and_follows(shell_for):
    script = shell_for(Role.MEMBER, "/tech dev", "1", "/tech dev microscopy", "/tech dev follow welding",
                       "/tech dev nothing-matches-this", ":quit")
    text = script.text
    listing = text[text.index("DEVELOPMENT OPPORTUNITIES"):]
    # The demo catalogue, soonest deadline first, each with its button.
    assert "1–4 of 4 open now" in listing
    assert listing.index("Electron microscopy facility secondment") < listing.index("HPLC troubleshooting masterclass")
    assert "[1] Remind me before the deadline" in listing
    assert ":bell: Reminder set: I'll send you a DM about *Electron microscopy facility secondment*" in text
    search = text[text.index("*1* open opportunity for “microscopy”"):]
    assert ":bell: I'll remind you two days before the deadline." in search
    assert "Now following `welding`" in text
    assert "No open opportunity matches “nothing-matches-this”" in text


def test_an_organiser_adds_an_opportunity_in_the_form(shell_for):
    script = shell_for(
        Role.ORGANISER,
        "/tech dev add",
        "Glassblowing for scientists",   # title
        "2",                             # kind: workshop
        "Two days at the lampwork bench.",
        "",                              # provider
        "",                              # link
        "Free",                          # cost
        "",                              # starts
        "",                              # ends
        "",                              # deadline
        "glassblowing, workshop skills",  # tags
        "/tech dev glass",
        ":quit",
    )
    text = script.text
    assert "┌ New opportunity (modal; Ctrl-D cancels)" in text and "    2. Workshop" in text
    assert "┌ Opportunity saved" in text and "*Glassblowing for scientists* is added to the catalogue" in text
    assert "└ submitted" in text
    results = text[text.index("open opportunit", text.index("└ submitted")):]
    assert "Glassblowing for scientists" in results and "[1] Edit" in results
