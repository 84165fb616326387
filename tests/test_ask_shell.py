"""`technet shell` shows questions: an answer from the FAQ, forwarding one it can't answer, an organiser's reply."""

from storage.members import Role


def test_a_member_gets_an_answer_and_forwards_what_the_faq_cannot_answer(shell_for):
    script = shell_for(
        Role.MEMBER,
        "/tech ask how much CPD should I do?",
        "/tech ask where can I park my bike?",
        "1",              # Forward to the organisers
        "/tech ask ?!?",
        ":quit",
    )
    text = script.text
    assert "*How much CPD should I do each year?*" in text and "10 days of continuing professional development" in text
    assert "I don't have a good answer to “where can I park my bike?” in the FAQ." in text
    assert "[1] Forward to the organisers" in text
    # The organiser's DM (Priya is the shell's organiser), then the member's message is replaced.
    assert ":question: @Alex Morgan asked a question the FAQ couldn't answer:\n> where can I park my bike?" in text
    assert "Forwarded to the organisers" in text and "Their reply comes to you by DM." in text
    assert "I couldn't find anything to search for in “?!?”" in text


def test_an_organiser_replies_and_adds_the_answer_to_the_faq(shell_for):
    script = shell_for(
        Role.ORGANISER,
        "/tech ask inbox",
        "1",                                   # Reply to Rosa's question (demo data)
        "Yes: apprentices are very welcome.",  # the answer
        "1",                                   # also add it to the FAQ
        "apprentices, meetings",               # tags
        "/tech ask can apprentices come to the quarterly meeting",
        ":quit",
    )
    text = script.text
    assert "QUESTIONS WAITING FOR AN ANSWER (1)" in text
    assert "@Rosa Evans: Can apprentices come to the quarterly network meeting" in text
    assert "┌ Reply (modal; Ctrl-D cancels)" in text
    assert "@Priya Shah answered:\n> Yes: apprentices are very welcome." in text  # the DM to Rosa
    assert "Your answer goes to *Rosa Evans* by DM. It is in the FAQ now." in text
    answer = text[text.rindex("You asked: can apprentices come"):]
    assert "*Can apprentices come to the quarterly network meeting, or is it only for permanent staff?*" in answer
    assert "Yes: apprentices are very welcome." in answer


def test_a_question_that_says_payload_is_answered_in_the_shell(shell_for):
    # Bolt took a form body with the word "payload" anywhere for an interaction and answered 404.
    script = shell_for(Role.MEMBER, "/tech ask what payload can the drone lift?", ":quit")
    assert "(the app answered HTTP 404)" not in script.text
    assert "what payload can the drone lift?" in script.text
