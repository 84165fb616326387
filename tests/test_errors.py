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
    assert "Something went wrong on our side and nothing was changed" in told["text"]
    reference = told["text"].split("reference `")[1].split("`")[0]
    failure = [r for r in caplog.records if reference in r.getMessage()]
    assert failure and failure[0].exc_info is not None


def test_a_failure_after_the_ack_reaches_the_member_too(technet: Harness, caplog):
    # Work after ack() runs in Bolt's lazy listeners, outside its error handler.
    technet.standin.refuse("views.publish", "invalid_blocks")
    event = {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        assert technet.event(event, event_id="EvFAIL1").status == 200
    told = technet.standin.wait_for("chat.postMessage")[0].args
    assert told["channel"] == MEMBER
    assert "Something went wrong on our side" in told["text"]
    assert any(r.exc_info for r in caplog.records)
