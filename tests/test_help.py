"""`/tech help` travelling the whole way: signed HTTP, Bolt, storage, Block Kit."""

import time

from sqlalchemy import func, select

from bot.render import mrkdwn_to_text
from bot.standin import command_body, signed_headers
from bot.slack_refs import slack_identity
from storage.db import make_engine
from storage.members import find_member
from storage.models import Member
from tests.harness import MEMBER, ORGANISER, SECRET, Harness


def member_count(technet: Harness) -> int:
    with technet.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Member))


def test_help_answers_ephemerally_within_the_ack(technet: Harness):
    reply = technet.command(MEMBER, "help")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "/tech help" in reply.text
    assert "For organisers" not in reply.text


def test_tech_alone_is_help(technet: Harness):
    assert technet.command(MEMBER, "").text == technet.command(MEMBER, "help").text


def test_help_is_case_insensitive_and_ignores_spaces(technet: Harness):
    assert "/tech help" in technet.command(MEMBER, "  HELP ").text


def test_unknown_subcommand_suggests_the_nearest_and_points_to_help(technet: Harness):
    reply = technet.command(MEMBER, "hlep me")
    assert reply.json()["response_type"] == "ephemeral"
    assert "I don't know `/tech hlep me`" in reply.text
    assert "Did you mean `/tech help`" in reply.text


def test_unknown_input_is_shown_literally(technet: Harness):
    reply = technet.command(MEMBER, "<!channel> *hi*")
    assert "&lt;!channel&gt;" in reply.text
    assert "<!channel>" not in reply.text


def test_odd_unknown_input_reads_back_exactly_as_typed(technet: Harness):
    reply = technet.command(MEMBER, "<something & odd>")
    assert "I don't know `/tech &lt;something &amp; odd&gt;`" in reply.text
    assert "I don't know `/tech <something & odd>`" in mrkdwn_to_text(reply.text)


def test_placeholders_in_help_read_as_written(technet: Harness):
    # Unescaped, Slack would take <tag> for a link and show "tag".
    shown = technet.command(MEMBER, "help").text
    assert "<tag>" not in shown
    assert "`/tech dev follow <tag>`" in mrkdwn_to_text(shown)
    assert "(`/tech dev unfollow <tag>` stops it)" in mrkdwn_to_text(shown)


def test_first_contact_creates_the_member_from_users_info(technet: Harness):
    technet.command(MEMBER, "help")
    technet.command(MEMBER, "help")
    assert len(technet.standin.calls_to("users.info")) == 1
    with technet.db.transaction() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None
        assert member.real_name == "Morgan Member"
        assert member.job_title == "Technician"
        assert member.email == "morgan.member@example.ac.uk"
        assert member.last_active_at is not None


def test_users_info_failing_still_answers(technet: Harness):
    technet.standin.refuse("users.info", "user_not_found")
    reply = technet.command("U0STRANGER", "help")
    assert reply.status == 200 and "/tech help" in reply.text
    with technet.db.transaction() as session:
        assert find_member(session, slack_identity("U0STRANGER")) is not None


def test_organisers_see_their_commands_when_there_are_any(technet: Harness):
    organiser_help = mrkdwn_to_text(technet.command(ORGANISER, "help").text)
    member_help = mrkdwn_to_text(technet.command(MEMBER, "help").text)
    organiser_lines = [c for c in technet.runtime.content.commands if c.role == "organiser"]
    for command in organiser_lines:
        assert command.usage in organiser_help
        assert command.usage not in member_help


def test_every_web_api_call_carries_the_bot_token(technet: Harness):
    technet.command(MEMBER, "help")
    assert technet.standin.calls, "the app made no Web API call at all"
    assert {c.token for c in technet.standin.calls} == {"xoxb-test-token"}


def test_bad_signature_is_refused_and_nothing_is_stored(technet: Harness):
    body = command_body(MEMBER, "help", response_url=technet.standin.response_url())
    headers = signed_headers("not-the-secret", body)
    reply = technet.post(body, headers)
    assert reply.status == 401
    assert member_count(technet) == 0
    assert technet.standin.calls_to("users.info") == []


def test_stale_timestamp_is_refused_and_nothing_is_stored(technet: Harness):
    body = command_body(MEMBER, "help", response_url=technet.standin.response_url())
    # Slack's replay window is five minutes.
    headers = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    reply = technet.post(body, headers)
    assert reply.status == 401
    assert member_count(technet) == 0


def test_unsigned_request_is_refused(technet: Harness):
    body = command_body(MEMBER, "help", response_url=technet.standin.response_url())
    reply = technet.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 401
    assert member_count(technet) == 0


def test_health_check_reports_the_database(technet: Harness):
    reply = technet.get("/healthz")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "database": "ok"}


def test_health_check_says_unavailable_when_the_database_is_gone(technet: Harness):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    technet.runtime.db.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    reply = technet.get("/healthz")
    assert reply.status == 503
    assert reply.json()["database"] == "unreachable"


def test_other_paths_are_not_found(technet: Harness):
    assert technet.get("/").status == 404
