"""When something breaks, the person is told what to do and the log has the traceback."""

import logging

from sqlalchemy import text

from tests.harness import MEMBER, Harness


def test_a_failure_is_logged_and_the_member_told_ephemerally(technet: Harness, caplog):
    with technet.db.transaction() as session:
        # The members table vanishing makes every request fail in the middleware.
        session.execute(text("ALTER TABLE members RENAME TO members_away"))
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        reply = technet.command(MEMBER, "help")
    assert reply.status == 500
    told = technet.standin.wait_for("response_url")[0].args
    assert told["response_type"] == "ephemeral"
    assert "Something went wrong on our side" in told["text"]
    reference = told["text"].split("reference `")[1].split("`")[0]
    failure = [r for r in caplog.records if reference in r.getMessage()]
    assert failure and failure[0].exc_info is not None
