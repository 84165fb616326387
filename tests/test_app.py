"""The app's middleware through signed requests: who is asking, and deliveries no member makes."""

from datetime import UTC, datetime

from bot.slack_refs import slack_identity
from core.request import Kind
from storage.members import find_member
from tests.harness import MEMBER, Harness

LONG_AGO = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)


def renamed(technet: Harness, user_id: str, real_name: str) -> dict:
    user = technet.standin.state.users[user_id]
    return {**user, "real_name": real_name, "profile": {**user["profile"], "real_name": real_name}}


def test_a_profile_change_updates_the_member_without_asking_slack(technet: Harness):
    technet.command(MEMBER, "help")  # first contact: the member comes from users.info
    with technet.db.transaction() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None
        member.last_active_at = LONG_AGO
    event = {"type": "user_change", "user": renamed(technet, MEMBER, "Morgan Renamed")}
    assert technet.event(event, event_id="EvRename1").status == 200
    assert len(technet.standin.calls_to("users.info")) == 1
    with technet.db.reading() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None and member.real_name == "Morgan Renamed"
        # Slack telling of a profile edit is not the member using technet.
        assert member.last_active_at is not None and member.last_active_at.date() == LONG_AGO.date()


def test_a_profile_change_of_someone_new_creates_no_member(technet: Harness):
    technet.standin.add_user("U0NEWCOMER", "Nia Newcomer")
    event = {"type": "user_change", "user": technet.standin.state.users["U0NEWCOMER"]}
    assert technet.event(event, event_id="EvNewcomer1").status == 200
    assert technet.standin.calls_to("users.info") == []
    with technet.db.reading() as session:
        assert find_member(session, slack_identity("U0NEWCOMER")) is None


def test_every_subcommand_is_found_in_the_route_table_in_one_lookup(technet: Harness):
    routes, names = technet.runtime.routes, technet.runtime.subcommands.names
    assert len(set(names.values())) >= 14  # every feature answers `/tech` something
    assert all(routes.find(Kind.COMMAND, name) is not None for name in names)
    # What no feature owns goes to help's handler, which answers it with the nearest commands.
    unknown, help_route = routes.find(Kind.COMMAND, "nonsense"), routes.find(Kind.COMMAND, "help")
    assert unknown is not None and help_route is not None and unknown.handler is help_route.handler
    assert "I don't know" in technet.command(MEMBER, "nonsense").text
    assert "Only network organisers" in technet.command(MEMBER, "report").text
