"""Payloads Slack would not send (issue 13, item 5): each gets a polite refusal, never a 5xx.

An attacker with the signing secret, or a future Slack, can post anything. A property test
takes what the bot really sent (its buttons and the forms it opened), mutates it, posts it
to every action and form the app registers, and checks: no 5xx, no traceback in the log,
no row changed in any table.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import handlers
from core import ids
from core.request import Kind
from core.settings import Settings
from bot.demo import load_demo_data
from bot.runtime import Runtime
from bot.shell import stand_in_workspace
from bot.standin import (SlackStandIn, block_action_payload, block_suggestion_payload, event_body, input_values,
                         iter_elements, view_submission_payload)
from storage.clock import now
from storage.models import Base, SlackDelivery
from storage.models.events import Event
from tests.harness import MEMBER, ORGANISER, PANEL, Harness, settings_for

NOON = datetime(2026, 6, 22, 12, tzinfo=UTC)
# The sample data's people, with their roles granted as the shell grants them.
ALEX, PRIYA, JORDAN = "U0DEMOALEX", "U0DEMOPRIY", "U0DEMOJORD"
# Setup: what each person asks, so the bot sends its buttons and opens its forms.
ASKED = {
    ORGANISER: ["events all", "event attendees", "dev", "dev add", "cpd log", "mentor join", "register status",
                "register suggest", "news", "announce", "digest preview", "awards new", "event new", "nominate",
                "profile"],
    PRIYA: ["events all", "event attendees", "announce list", "news queue", "ask inbox", "ask how do I book the NMR",
            "mentor", "cpd"],
    JORDAN: ["awards review", "awards list", "mentor", "cpd"],
    ALEX: ["events all", "events mine", "cpd", "mentor", "mentor find leadership", "awards mine", "register", "dev"],
    MEMBER: ["news mine", "find NMR"],
    PANEL: ["awards review"],
}


@pytest.fixture
def technet(database_url: str, standin: SlackStandIn) -> Iterator[Harness]:
    """The served app with the sample data, whose organiser and panellist have their roles.

    The clock starts at a fixed noon and runs: a run that crossed midnight saw a member's first
    request of the new day record it (their last_active_at), a change the tests would count.
    """
    with freeze_time(NOON, tick=True):
        stand_in_workspace(standin, Settings(database_url=database_url))
        harness = Harness(settings_for(standin, database_url, organisers=frozenset({ORGANISER, PRIYA}),
                                       awards_panel=frozenset({PANEL, JORDAN})), standin)
        load_demo_data(harness.db, now=now())
        yield harness
        harness.close()


def registered(technet: Harness) -> dict[str, set[str]]:
    """Every action, form, shortcut and options id the features put in the route table."""
    runtime = Runtime.build(technet.settings, threads=1)
    try:
        handlers.register_all(runtime)
        return {name: set(runtime.routes.keys(kind)) for kind, name in (
            (Kind.ACTION, "action"), (Kind.FORM, "view"), (Kind.SHORTCUT, "shortcut"), (Kind.OPTIONS, "options"))}
    finally:
        runtime.close()


def snapshot(technet: Harness) -> dict[str, list[str]]:
    """Every row of every table, as text: a change anywhere shows as a difference."""
    with technet.db.reading() as session:
        return {table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
                for table in Base.metadata.sorted_tables}


class Tracebacks(logging.Handler):
    """Collects log records that carry a traceback or say something failed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture
def tracebacks() -> Iterator[Tracebacks]:
    handler = Tracebacks()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def real_traffic(technet: Harness) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """The buttons the bot sent (by action id) and the forms it opened (by callback id).

    Each person asks, then presses once each kind of button and menu option they were shown
    (which opens the forms, and sends others buttons of their own: a mentor's Accept), twice round.
    """
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    pressed: set[tuple[str, str]] = set()

    def note(user: str, found: list[dict[str, Any]]) -> None:
        for block, element in iter_elements(found):
            if element.get("action_id"):
                seen[element["action_id"]].append((user, {**element, "block_id": block.get("block_id", "b")}))

    def shown(mark: int, user: str) -> None:
        for call in technet.standin.since(mark):
            channel = call.args.get("channel") or call.args.get("user_id")
            note(channel if channel in ASKED else user, call.blocks())

    for user, asked in ASKED.items():
        for text in asked:
            mark = technet.standin.mark()
            reply = technet.command(user, text)
            note(user, reply.json().get("blocks") or [] if reply.body.startswith("{") else [])
            shown(mark, user)
        mark = technet.standin.mark()
        technet.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                       "event_ts": "1.0"}, event_id=f"EvHOME{user}")
        shown(mark, user)
    for _ in range(2):
        for action_id, found in list(seen.items()):
            user, element = found[0]
            options = [o["value"] for o in element.get("options") or []] or [element.get("value")]
            for value in options:
                if (action_id, str(value)) in pressed:
                    continue
                pressed.add((action_id, str(value)))
                mark = technet.standin.mark()
                technet.action(user, action_id, value, block_id=element["block_id"])
                shown(mark, user)
    forms: dict[str, dict[str, Any]] = {}
    for call in technet.standin.calls:
        if call.method in ("views.open", "views.push", "views.update") and call.result.get("view"):
            view = call.result["view"]
            # An edit form (it carries what it edits) over a blank one of the same kind.
            if view.get("private_metadata") or view.get("callback_id") not in forms:
                forms[view.get("callback_id")] = view
    return {action_id: [element for _, element in found] for action_id, found in seen.items()}, forms


# Mutations ------------------------------------------------------------------------------------

# Numbers no id can be, in a value of text or of JSON alike.
HUGE = st.sampled_from(["999999999999999999999", "2147483648", "9223372036854775808", "-1", "²", "١٢", "1e9",
                        "0x10", "+7", "1_000", "7.0"])
JUNK_TEXT = st.one_of(HUGE, st.sampled_from(["", "{", "[]", "null", "{}", "[1]", "|", ":", "||", "::", "a|b|c",
                                              '{"c": "x"}', '{"c": 99999999999999999999}', '{"id": []}',
                                              '{"draft": null}', '{"period": {}}', '"x"', "true"]),
                      # Text with no digit in it: a random id would sometimes be a real one.
                      st.text(max_size=12).filter(lambda t: not any(c.isdigit() for c in t)))
JUNK = st.one_of(JUNK_TEXT, st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.sampled_from(["value", "c", "id", "x"]), st.integers(), max_size=2))


@st.composite
def digits_replaced(draw: st.DrawFn, text: str) -> str:
    """The real value with one of its numbers replaced by a number no id can be.

    (In JSON, a number that is a value: digits inside a string, a nominee's Slack id, are not a number.)
    """
    runs = list(re.finditer(r"(?<=:)\d+" if text.startswith("{") else r"\d+", text))
    if not runs:
        return draw(JUNK_TEXT)
    run = draw(st.sampled_from(runs))
    return text[:run.start()] + draw(HUGE) + text[run.end():]


def mutated_action(element: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    action = {k: v for k, v in element.items() if k in ("action_id", "block_id", "type", "value")}
    real_value = str(element.get("value") or "")
    options = [o.get("value") for o in element.get("options") or [] if o.get("value")]
    return st.one_of(
        st.builds(lambda v: {**action, "value": v}, JUNK),
        st.builds(lambda v: {**action, "value": v}, digits_replaced(real_value)),
        st.just({k: v for k, v in action.items() if k != "value"}),
        st.builds(lambda o: {**action, "type": "static_select", "selected_option": o},
                  st.one_of(JUNK.filter(lambda o: o is not None), st.builds(lambda v: {"value": v}, JUNK),
                            *([st.sampled_from(options).flatmap(
                                lambda v: digits_replaced(v).map(lambda d: {"value": d}))] if options else []))),
    )


ELEMENT_JUNK = {
    "value": JUNK.filter(lambda v: not (isinstance(v, str) or v is None)),
    "selected_option": st.one_of(JUNK_TEXT, st.lists(st.integers(), max_size=1), st.just({}),
                                 st.builds(lambda v: {"value": v}, st.one_of(st.integers(), st.lists(st.integers()),
                                                                            st.none()))),
    "selected_options": st.one_of(JUNK_TEXT, st.lists(st.one_of(JUNK_TEXT, st.just({})), min_size=1, max_size=2)),
    "selected_date": st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "0001-01-01", "99999-01-01",
                                      "9999-12-31", "tomorrow", "２０２６-01-01", 20260101]),
    "selected_date_time": st.one_of(st.sampled_from([10 ** 20, -10 ** 15, "soon", "1.5e9", 1.5e300, [1]]),
                                    st.integers(min_value=10 ** 12)),
    "selected_time": st.sampled_from(["25:00", "noon", "12", "12:61", 1200]),
    "selected_user": st.one_of(st.integers(), st.lists(st.text(max_size=3), max_size=2), st.just({})),
    "selected_users": st.one_of(JUNK_TEXT, st.lists(st.one_of(st.integers(), st.none(), st.just({})), min_size=1,
                                                    max_size=2)),
    "selected_conversation": st.one_of(st.integers(), st.lists(st.text(max_size=3), max_size=2)),
    "selected_channel": st.one_of(st.integers(), st.lists(st.text(max_size=3), max_size=2)),
}


def initial_answers(view: dict[str, Any]) -> dict[str, Any]:
    """What the form shows when it opens, as answers: an edit form submitted unchanged."""
    answers: dict[str, Any] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        for key in ("initial_value", "initial_date", "initial_time", "initial_date_time", "initial_user",
                    "initial_users", "initial_conversation", "initial_channel"):
            if key in element:
                answers[block.get("block_id")] = element[key]
        if "initial_option" in element:
            answers[block.get("block_id")] = element["initial_option"]["value"]
        if "initial_options" in element:
            answers[block.get("block_id")] = [o["value"] for o in element["initial_options"]]
    return answers


@st.composite
def mutated_view(draw: st.DrawFn, view: dict[str, Any]) -> dict[str, Any]:
    """The form as it opened (an edit form unchanged), with one thing in it broken.

    A form whose metadata is broken is sent empty: the metadata is all that is wrong with it, and
    an empty form saves nothing even where metadata is read leniently.
    """
    kinds = ["state", "values", "block", "element", "element"]
    kind = draw(st.sampled_from(kinds + ["metadata"] * 2 if view.get("private_metadata") else kinds))
    values = input_values(view, {} if kind == "metadata" else initial_answers(view))
    submitted: dict[str, Any] = {**view, "state": {"values": values}}
    if kind == "state":
        submitted.pop("state") if draw(st.booleans()) else submitted.update(state=draw(JUNK))
    elif kind == "values":
        submitted["state"] = {"values": draw(JUNK)}
    elif kind == "block" and values:
        block_id = draw(st.sampled_from(sorted(values)))
        values[block_id] = draw(st.one_of(JUNK, st.builds(lambda v: {"x": v}, JUNK)))
    elif kind == "element" and values:
        block_id = draw(st.sampled_from(sorted(values)))
        action_id, element = next(iter(values[block_id].items()))
        keys = [k for k in element if k in ELEMENT_JUNK] or ["value"]
        key = draw(st.sampled_from(keys))
        values[block_id] = {action_id: {**element, key: draw(ELEMENT_JUNK[key])}}
    else:
        real = str(view.get("private_metadata") or "")
        submitted["private_metadata"] = draw(st.one_of(JUNK, digits_replaced(real)))
    return submitted


# The property tests ---------------------------------------------------------------------------

def check(technet: Harness, tracebacks: Tracebacks, before: dict[str, list[str]], reply: Any, what: Any) -> None:
    """No 5xx, nothing logged as a failure, no row changed since `before`."""
    assert reply.status < 500, (what, reply.status, reply.body[:300])
    assert not tracebacks.records, (what, [r.getMessage() for r in tracebacks.records])
    after = snapshot(technet)
    changed = {name for name in before if before[name] != after[name]}
    assert not changed, (what, changed)


def examples(count: int) -> Any:
    # Deterministic, and bounded per action or form so that every one of them is covered in CI time.
    return settings(max_examples=count, deadline=None, derandomize=True, database=None)


def test_mutated_buttons_get_a_refusal_never_a_failure_and_change_nothing(technet: Harness, tracebacks: Tracebacks):
    actions, _ = real_traffic(technet)
    action_ids = registered(technet)["action"]
    assert len(action_ids) > 40 and len(set(actions) & action_ids) > 30, "the setup shows too few buttons"
    for action_id in sorted(action_ids):
        # An action the bot never showed gets a button like its others: an id as its value.
        element = (actions.get(action_id) or [{"action_id": action_id, "block_id": "b", "type": "button",
                                               "value": "1"}])[0]
        before = snapshot(technet)

        # A button that carries nothing has less to get wrong.
        @examples(8 if element.get("value") or element.get("options") else 3)
        @given(user=st.sampled_from([ORGANISER, PANEL]), action=mutated_action(element),
               trigger=st.sampled_from(["as sent"] * 5 + ["none", "a list"]))
        def post(user: str, action: dict[str, Any], trigger: str) -> None:
            tracebacks.records.clear()
            payload = block_action_payload(user, {"action_id": action_id, **action},  # noqa: B023 - run below, in this iteration
                                           response_url=technet.standin.response_url())
            if trigger != "as sent":
                payload["trigger_id"] = None if trigger == "none" else [payload["trigger_id"]]
            check(technet, tracebacks, before, technet.interact(payload), (action, trigger))  # noqa: B023 - as above

        post()


def test_mutated_forms_get_a_refusal_never_a_failure_and_change_nothing(technet: Harness, tracebacks: Tracebacks):
    _, forms = real_traffic(technet)
    callback_ids = registered(technet)["view"]
    assert len(set(forms) & callback_ids) > 15, "the setup opens too few forms"
    for callback_id in sorted(callback_ids):
        # A form the bot never opened here is sent as a bare one, carrying an id as its metadata.
        view = forms.get(callback_id) or {"id": "V0FORGED", "type": "modal", "callback_id": callback_id,
                                         "blocks": [], "private_metadata": "1"}
        before = snapshot(technet)

        @examples(10)
        @given(user=st.sampled_from([ORGANISER, PANEL]), submitted=mutated_view(view))
        def post(user: str, submitted: dict[str, Any]) -> None:
            tracebacks.records.clear()
            payload = view_submission_payload(user, submitted, {})
            if "state" in submitted:
                payload["view"]["state"] = submitted["state"]
            else:
                payload["view"].pop("state")
            check(technet, tracebacks, before, technet.interact(payload), submitted)  # noqa: B023 - post() runs below

        post()


@examples(20)
@given(data=st.data())
def _events(technet: Harness, tracebacks: Tracebacks, before: dict[str, list[str]], data: st.DataObject) -> None:
    tracebacks.records.clear()
    body = json.loads(event_body({"type": "app_home_opened", "user": MEMBER, "tab": "home"}, event_id="EvX"))
    kind = data.draw(st.sampled_from(["event", "event_id", "user", "type"]))
    if kind == "event":
        body["event"] = data.draw(st.one_of(st.none(), JUNK_TEXT, st.lists(st.integers(), max_size=2)))
    elif kind == "event_id":
        body["event_id"] = data.draw(st.one_of(st.lists(st.text(max_size=3), max_size=2), st.integers(),
                                               st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
                                               st.just(""), st.text(min_size=65, max_size=80)))
    elif kind == "user":
        # (A number here fails in Bolt's parsing of the request, before its signature is checked:
        # that is bot/http.py's to refuse, with the other bodies Bolt cannot read.)
        body["event"]["user"] = data.draw(st.one_of(st.lists(st.text(max_size=3), max_size=2), st.just({}),
                                                    st.text(min_size=33, max_size=40), st.just("u0lower")))
    else:
        body["event"]["type"] = data.draw(st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3))))
    reply = technet.signed(json.dumps(body), "application/json")
    check(technet, tracebacks, before, reply, body)


def test_mutated_events_get_acknowledged_never_a_failure_and_change_nothing(technet: Harness,
                                                                            tracebacks: Tracebacks):
    technet.command(MEMBER, "help")
    _events(technet, tracebacks, snapshot(technet))


def test_mutated_shortcuts_and_suggestions_get_an_answer_never_a_failure(technet: Harness, tracebacks: Tracebacks):
    found = registered(technet)
    assert found["shortcut"] and found["options"]
    technet.command(ORGANISER, "help")
    before = snapshot(technet)

    @examples(25)
    @given(callback_id=st.sampled_from(sorted(found["shortcut"])), action_id=st.sampled_from(sorted(found["options"])),
           message=st.one_of(JUNK, st.fixed_dictionaries({"type": st.just("message"), "user": JUNK, "ts": JUNK})),
           typed=JUNK)
    def post(callback_id: str, action_id: str, message: Any, typed: Any) -> None:
        tracebacks.records.clear()
        shortcut = {"type": "message_action", "callback_id": callback_id, "trigger_id": "1.T0TECHNET.trigger",
                    "team": {"id": "T0TECHNET"}, "user": {"id": ORGANISER, "team_id": "T0TECHNET"},
                    "channel": {"id": "C0GENERAL"}, "message": message, "response_url": technet.standin.response_url()}
        check(technet, tracebacks, before, technet.interact(shortcut), shortcut)
        suggestion = {**block_suggestion_payload(ORGANISER, action_id=action_id, block_id=action_id, value=""),
                      "value": typed}
        check(technet, tracebacks, before, technet.interact(suggestion), suggestion)

    post()


# The cases the issue names, one by one ---------------------------------------------------------

def event_form(technet: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """The new-event form the bot opens, and its state filled in well."""
    technet.command(ORGANISER, "event new")
    view = technet.opened_view()
    starts = int(now().timestamp()) // 3600 * 3600 + 7 * 86400
    answers = {ids.EVENTS_TITLE: "Network meeting", ids.EVENTS_KIND: "network_meeting", ids.EVENTS_STARTS: starts,
               ids.EVENTS_ENDS: starts + 7200, ids.EVENTS_LOCATION: "Room 1.02"}
    return view, input_values(view, answers)


def event_count(technet: Harness) -> int:
    with technet.db.reading() as session:
        return len(session.scalars(select(Event.id)).all())


def broken(values: dict[str, Any], block_id: str, **element: Any) -> dict[str, Any]:
    (action_id, state), = values[block_id].items()
    return {**values, block_id: {action_id: {**state, **element}}}


@pytest.mark.parametrize("defect", ["no state", "a string for a moment", "a string for an option",
                                    "an impossible date", "an impossible event in the metadata"])
def test_a_form_slack_would_not_send_is_refused_by_its_field_in_one_log_line(technet: Harness, caplog, defect):
    view, values = event_form(technet)
    submitted = {
        "no state": {**view, "state": None},
        "a string for a moment": {**view, "state": {"values": broken(values, ids.EVENTS_STARTS,
                                                                     selected_date_time="tomorrow")}},
        "a string for an option": {**view, "state": {"values": broken(values, ids.EVENTS_KIND,
                                                                      selected_option="network_meeting")}},
        "an impossible date": {**view, "state": {"values": broken(values, ids.EVENTS_UNTIL,
                                                                  selected_date="2027-02-30")}},
        "an impossible event in the metadata": {**view, "private_metadata": "99999999999999999999:0",
                                                "state": {"values": values}},
    }[defect]
    counted = event_count(technet)
    with caplog.at_level(logging.WARNING):
        reply = technet.interact({**view_submission_payload(ORGANISER, view, values), "view": submitted})
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert "couldn't read that request, so nothing was changed" in " ".join(reply.json()["errors"].values())
    assert event_count(technet) == counted
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 1
    assert not any(r.exc_info or r.levelno >= logging.ERROR for r in caplog.records)
    # The same form, well formed, is saved: its one defect is what was refused.
    good = technet.interact(view_submission_payload(ORGANISER, view, values))
    assert good.json()["response_action"] == "update" and event_count(technet) == counted + 1


@pytest.mark.parametrize("field, value", [("event", None), ("event_id", ["Ev1", "Ev2"]), ("event_id", {"id": 1}),
                                          ("event", ["app_home_opened"])])
def test_an_event_callback_slack_would_not_send_is_acknowledged_stores_nothing_and_logs_one_line(
        technet: Harness, caplog, field, value):
    body = json.loads(event_body({"type": "app_home_opened", "user": MEMBER, "tab": "home"}, event_id="EvODD1"))
    mark = technet.standin.mark()
    with caplog.at_level(logging.WARNING):
        reply = technet.signed(json.dumps({**body, field: value}), "application/json")
    assert reply.status == 200
    assert technet.standin.since(mark) == []
    with technet.db.reading() as session:
        assert session.scalars(select(SlackDelivery.event_id)).all() == []
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 1
    assert not any(r.exc_info or r.levelno >= logging.ERROR for r in caplog.records)
