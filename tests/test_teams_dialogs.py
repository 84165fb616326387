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


@pytest.fixture
def teams_standin():
    with TeamsStandIn() as running:
        yield running


@pytest.fixture
def teams(database_url, teams_standin):
    harness = TeamsHarness(teams_settings(teams_standin, database_url), teams_standin)
    yield harness
    harness.close()


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
