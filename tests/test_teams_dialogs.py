"""Forms as Teams dialogs: a command opens a card whose button fetches the dialog; its submit is
routed as a form, field errors come back in the dialog, and a retried submit makes one."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.teams_harness import ORGANISER, TeamsHarness, teams_settings
from bot.teams.standin import TeamsStandIn, message_activity
from core import ids
from storage.models.events import Event
from tests.test_events_slack import T0


def invoke(teams_standin: TeamsStandIn, name: str, data: dict[str, Any]) -> dict[str, Any]:
    activity = message_activity(teams_standin, ORGANISER, "")
    activity.pop("text")
    return {**activity, "type": "invoke", "name": name, "value": {"data": data, "context": {"theme": "default"}}}


def open_dialog(teams: TeamsHarness, teams_standin: TeamsStandIn) -> dict[str, Any]:
    teams.send(message_activity(teams_standin, ORGANISER, "event new"))
    opener = teams_standin.wait_for(2)[-1].card()  # the answer, then the card that opens the form
    [button] = [a for b in opener["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    fetched = teams.send(invoke(teams_standin, "task/fetch", button["data"]))
    assert fetched.status == 200
    task = fetched.json()["task"]
    assert task["type"] == "continue" and task["value"]["title"] == "New event"
    return task["value"]["card"]["content"]


def submit(teams: TeamsHarness, teams_standin: TeamsStandIn, card: dict[str, Any], answers: dict[str, str]):
    [action] = card["actions"]
    return teams.send(invoke(teams_standin, "task/submit", {**action["data"], **answers}))


ANSWERS = {
    ids.EVENTS_TITLE: "Quarterly network meeting", ids.EVENTS_KIND: "network_meeting",
    f"{ids.EVENTS_STARTS}.date": "2026-07-15", f"{ids.EVENTS_STARTS}.time": "10:00",
    f"{ids.EVENTS_ENDS}.date": "2026-07-15", f"{ids.EVENTS_ENDS}.time": "12:00",
    ids.EVENTS_LOCATION: "Room 1.02", ids.EVENTS_CAPACITY: "2",
}


def events_saved(teams: TeamsHarness) -> list[tuple[str, int | None]]:
    with teams.db.reading() as session:
        return [(e.title, e.capacity) for e in session.scalars(select(Event))]


def test_event_new_opens_a_dialog_whose_errors_come_back_in_it_and_a_retried_submit_makes_one(teams, teams_standin):
    with freeze_time(T0):
        card = open_dialog(teams, teams_standin)
        inputs = {b["id"]: b for b in card["body"] if b["type"].startswith("Input.")}
        assert inputs[ids.EVENTS_TITLE]["type"] == "Input.Text"
        assert inputs[f"{ids.EVENTS_STARTS}.date"]["type"] == "Input.Date"
        # Ends before it starts: refused by the field, in the dialog, with what was typed kept.
        wrong = submit(teams, teams_standin, card, {**ANSWERS, f"{ids.EVENTS_ENDS}.time": "09:00"}).json()
        assert wrong["task"]["type"] == "continue"
        shown = wrong["task"]["value"]["card"]["content"]
        errors = [b["text"] for b in shown["body"] if b.get("color") == "Attention"]
        assert errors and events_saved(teams) == []
        kept = {b["id"]: b.get("value") for b in shown["body"] if b["type"].startswith("Input.")}
        assert kept[ids.EVENTS_TITLE] == "Quarterly network meeting"
        first = submit(teams, teams_standin, shown, ANSWERS)
        again = submit(teams, teams_standin, shown, ANSWERS)
    assert first.status == again.status == 200
    assert first.json()["task"]["value"]["title"] == "Event created"  # the confirmation, in the dialog
    assert events_saved(teams) == [("Quarterly network meeting", 2)]


# The Done-when flows: an announced event, a waitlist, a promotion by 1:1 message, one reminder -------

CHANNEL = "19:standin-channel@thread.tacv2"
FIRST = {"id": "29:1FirstMember", "name": "Fran First", "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000ab01"}
SECOND = {"id": "29:1SecondMember", "name": "Sol Second", "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000ab02"}


@pytest.fixture
def network(database_url, teams_standin):
    harness = TeamsHarness(teams_settings(teams_standin, database_url, teams_network_channel=CHANNEL,
                                          network_channel=CHANNEL), teams_standin)
    yield harness
    harness.close()


def click(teams: TeamsHarness, teams_standin: TeamsStandIn, who: dict[str, str], data: dict[str, str],
          on: Any = None):
    """Press a button of a card: `on`, the post it is in (else a card in the clicker's personal chat)."""
    activity = message_activity(teams_standin, who, "", channel=on is not None)
    activity.pop("text")
    reply = teams.send({**activity, "type": "invoke", "name": "adaptiveCard/action",
                        "replyToId": on.result["id"] if on is not None else "1",
                        "value": {"trigger": "manual", "action": {"type": "Action.Execute",
                                                                  "verb": data["action_id"], "data": data}}})
    assert reply.status == 200
    return reply.json()


def going_button(card: dict[str, Any]) -> dict[str, str]:
    found = [a["data"] for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]
             if a.get("data", {}).get("action_id") == ids.EVENTS_GOING]
    assert found, card
    return found[0]


def test_an_announced_event_a_waitlist_a_promotion_and_one_reminder_on_teams(network, teams_standin):
    from digests.runner import run_due
    from datetime import timedelta

    teams = network
    with freeze_time(T0):
        # The app installed in the network's team: the channel is known, and nothing is sent for it.
        install = message_activity(teams_standin, ORGANISER, "", channel=True)
        install.pop("text")
        teams.send({**install, "type": "conversationUpdate", "membersAdded": [{"id": install["recipient"]["id"]}]})
        for member in (FIRST, SECOND):
            teams.send(message_activity(teams_standin, member, "help"))  # each has a personal chat
        card = open_dialog(teams, teams_standin)
        done = submit(teams, teams_standin, card, {**ANSWERS, ids.EVENTS_CAPACITY: "1", ids.EVENTS_ANNOUNCE: "yes"})
        assert done.status == 200
        run_due(teams.runtime, T0)
        run_due(teams.runtime, T0)
        posts = [s for s in teams_standin.sent if s.conversation == CHANNEL and s.method == "POST"]
        assert len(posts) == 1 and "Quarterly network meeting" in str(posts[0].card())

        mark = teams_standin.mark()
        first = click(teams, teams_standin, FIRST, going_button(posts[0].card()), posts[0])
        assert "going" in json_text(first).lower()
        second = click(teams, teams_standin, SECOND, going_button(posts[0].card()), posts[0])
        assert "waitlist" in json_text(second).lower()
        # Fran drops out: Sol has the place and hears it in their personal chat.
        cannot_go = {**going_button(posts[0].card()), "action_id": ids.EVENTS_NOT_GOING}
        click(teams, teams_standin, FIRST, cannot_go, posts[0])
        to_second = [s for s in teams_standin.since(mark) if s.conversation == f"a:personal-{SECOND['id']}"]
        assert any("place" in str(s.card()).lower() for s in to_second), [s.card() for s in to_second]
        # The post's counts were brought up to date as people answered.
        assert any(s.method == "PUT" and s.conversation == CHANNEL for s in teams_standin.since(mark))

    # The day before: the first try meets a 429; a second replica (or this one restarted) on the same
    # database and this one both tick after Retry-After, and the reminder arrives once.
    day_before = T0.replace(month=7, day=14, hour=9, minute=30)
    replica = TeamsHarness(teams.settings, teams_standin)
    try:
        mark = teams_standin.mark()
        teams_standin.fail(429, retry_after=60)
        run_due(teams.runtime, day_before)
        assert teams_standin.since(mark) == []
        run_due(replica.runtime, day_before + timedelta(minutes=2))
        run_due(teams.runtime, day_before + timedelta(minutes=2))
        run_due(replica.runtime, day_before + timedelta(minutes=3))
    finally:
        replica.close()
    reminders = [s for s in teams_standin.since(mark) if s.conversation == f"a:personal-{SECOND['id']}"]
    assert len(reminders) == 1 and "Quarterly network meeting" in str(reminders[0].card())


def json_text(answer: dict[str, Any]) -> str:
    import json

    return json.dumps(answer)


def test_nominate_opens_a_dialog_and_a_retried_submit_saves_one_nomination_only_its_author_reads(teams, teams_standin):
    from datetime import timedelta

    from storage import members
    from storage.awards import cycles, nominating
    from storage.errors import NotFound
    from storage.models.awards import Nomination
    from tests.teams_harness import MEMBER

    colleague = {"id": "29:1ColleagueId", "name": "Olu Other", "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000ac01"}
    with freeze_time(T0):
        for person in (ORGANISER, MEMBER, colleague):
            teams.send(message_activity(teams_standin, person, "help"))
        with teams.db.transaction() as session:
            organiser = members.find_member(session, members.Identity("teams", ORGANISER["id"], teams_tenant()))
            assert organiser is not None
            actor = members.actor_for(session, organiser, teams.runtime.grants)
            cycle = cycles.open_cycle(session, actor, name="Technician of the Year", closes_at=T0 + timedelta(days=30),
                                      now=T0, default_panel=[members.Identity("teams", ORGANISER["id"],
                                                                              teams_tenant())])
        mark = teams_standin.mark()
        teams.send(message_activity(teams_standin, MEMBER, "nominate"))
        opener = teams_standin.wait_for(mark + 1)[-1].card()
        [button] = [a for b in opener["body"] if b["type"] == "ActionSet" for a in b["actions"]]
        activity = message_activity(teams_standin, MEMBER, "")
        activity.pop("text")
        fetched = teams.send({**activity, "type": "invoke", "name": "task/fetch", "value": {"data": button["data"]}})
        card = fetched.json()["task"]["value"]["card"]["content"]
        nominee = next(b for b in card["body"] if b.get("id") == ids.AWARDS_NOMINEE)
        assert nominee["choices.data"]["dataset"] == "graph.microsoft.com/users"  # Teams' people picker
        [action] = card["actions"]
        answers = {**action["data"], ids.AWARDS_AWARD: str(cycle.id), ids.AWARDS_NOMINEE: colleague["aadObjectId"],
                   ids.AWARDS_CITATION: "Olu rebuilt the teaching lab's fume cupboards over the summer and "
                                        "trained forty first-year students to use them safely."}
        for _ in range(2):  # Teams retries a submit it got no answer to in time
            submitted = teams.send({**activity, "type": "invoke", "name": "task/submit", "value": {"data": answers}})
            assert submitted.status == 200, submitted.body
    with teams.db.reading() as session:
        [nomination] = session.scalars(select(Nomination)).all()
        nominator = members.find_member(session, members.Identity("teams", MEMBER["id"], teams_tenant()))
        other = members.find_member(session, members.Identity("teams", colleague["id"], teams_tenant()))
        assert nominator is not None and other is not None and nomination.nominee_id == other.id
        grants = teams.runtime.grants
        mine = nominating.my_nomination(session, members.actor_for(session, nominator, grants), nomination.id, now=T0)
        assert "fume cupboards" in mine.citation
        with pytest.raises(NotFound):
            nominating.my_nomination(session, members.actor_for(session, other, grants), nomination.id, now=T0)
    # After the close the panel reads the citation in its review; the nominee, on no panel, cannot.
    from tests.test_teams import card_text

    with freeze_time(T0 + timedelta(days=31)):
        for person, reads in ((ORGANISER, True), (colleague, False)):
            mark = teams_standin.mark()
            teams.send(message_activity(teams_standin, person, f"awards review {cycle.id}"))
            shown = card_text(teams_standin.wait_for(mark + 1)[-1].card())
            assert ("fume cupboards" in shown) is reads, shown


def teams_tenant() -> str:
    from bot.teams.standin import TENANT_ID

    return TENANT_ID


def test_nominate_for_an_award_on_a_message_opens_the_dialog_with_its_author(teams, teams_standin):
    from datetime import timedelta

    from storage import members
    from storage.awards import cycles
    from tests.teams_harness import MEMBER

    author = {"id": "29:1AuthorId", "name": "Ada Author", "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000ad01"}
    with freeze_time(T0):
        for person in (ORGANISER, MEMBER, author):
            teams.send(message_activity(teams_standin, person, "help"))
        with teams.db.transaction() as session:
            organiser = members.find_member(session, members.Identity("teams", ORGANISER["id"], teams_tenant()))
            assert organiser is not None
            cycles.open_cycle(session, members.actor_for(session, organiser, teams.runtime.grants),
                              name="Technician of the Year", closes_at=T0 + timedelta(days=30), now=T0,
                              default_panel=[members.Identity("teams", ORGANISER["id"], teams_tenant())])
        activity = message_activity(teams_standin, MEMBER, "", channel=True)
        activity.pop("text")
        payload = {"id": "1700000000002", "messageType": "message", "body": {"contentType": "html",
                                                                               "content": "Fixed the autoclave"},
                   "from": {"user": {"id": author["aadObjectId"], "displayName": "Ada Author",
                                     "userIdentityType": "aadUser"}}}
        reply = teams.send({**activity, "type": "invoke", "name": "composeExtension/fetchTask",
                            "value": {"commandId": ids.AWARDS_NOMINATE_SHORTCUT, "commandContext": "message",
                                      "messagePayload": payload}})
    task = reply.json()["task"]
    assert task["type"] == "continue"
    card = task["value"]["card"]["content"]
    nominee = next(b for b in card["body"] if b.get("id") == ids.AWARDS_NOMINEE)
    assert nominee["value"] == author["aadObjectId"]  # the message's author, picked already


def test_events_lists_cards_in_the_members_own_time_zone(teams, teams_standin):
    from tests.teams_harness import MEMBER
    from tests.test_teams import card_text

    with freeze_time(T0):
        card = open_dialog(teams, teams_standin)
        submit(teams, teams_standin, card, ANSWERS)  # 10:00–12:00 in London (BST)
        mark = teams_standin.mark()
        teams.send(message_activity(teams_standin, MEMBER, "events", timezone="America/New_York"))
        listed = card_text(teams_standin.wait_for(mark + 1)[-1].card())
    assert "Quarterly network meeting" in listed
    assert "05:00–07:00 EDT" in listed
