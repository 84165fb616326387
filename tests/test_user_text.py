"""Whatever a person types reaches Slack literally: no `<!channel>` pings, no smuggled mentions or links.

Every free-text field is filled with MARK (behind a label naming the field) and sent, through the real
app over signed HTTP and through the digests' run functions, to every message that shows it. Then
everything Slack received is read as Slack reads it: the HTTP replies (acks, form answers) and every call
the stand-in recorded (messages, their fallback text, updates, views, response_url posts, file comments).
Slack parses mrkdwn text objects and a message's plain `text` (its notification fallback, which is
mrkdwn too), including a confirm dialog's text; it shows plain_text and rich_text literally, so an
event title in a header or a rich_text block is not a leak.
"""

from __future__ import annotations

import ast
import json
from datetime import datetime, timedelta, UTC
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from core import ids
from digests import careers
from digests.runner import run_due
from bot.slack_refs import member_details, slack_identity
from storage.clock import now
from tests.harness import MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, Harness, Reply, buttons, settings_for

MARK = "<!channel> <!here> <@U0EVIL> <#C0EVIL> <http://evil.example|x>"
# Tags are kept under 60 characters.
SHORT_MARK = "<!here> <@U0EVIL>"
# What would make Slack ping, mention or link, cut or whole (tags are lowercased). None of these ids exist.
RAW = ("<!channel", "<!here", "<@u0evil", "<#c0evil", "<http://evil")


def typed(field: str, mark: str = MARK) -> str:
    """What a person typed into `field`: its name (to find it again), then the markers."""
    return f"{field} {mark}"


class Recording(Harness):
    """The served app, keeping every HTTP reply Slack got from it (acks carry messages and views too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replies: list[Reply] = []

    def signed(self, body: str, content_type: str, **extra_headers: str) -> Reply:
        reply = super().signed(body, content_type, **extra_headers)
        self.replies.append(reply)
        return reply


@pytest.fixture
def slack(database_url: str, standin) -> Any:
    harness = Recording(settings_for(standin, database_url), standin)
    yield harness
    harness.close()


def received(slack: Recording) -> list[tuple[str, Any]]:
    """Everything Slack was sent, with where it came from."""
    found: list[tuple[str, Any]] = [(f"reply {n}", _json(r.body)) for n, r in enumerate(slack.replies) if r.body]
    found += [(f"{c.method} #{n}", {k: _json(v) for k, v in c.args.items()})
              for n, c in enumerate(slack.standin.calls)]
    return found


def _json(value: Any) -> Any:
    """Form-encoded calls carry blocks and views as JSON strings."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def read_as_mrkdwn(node: Any) -> list[str]:
    """The strings in a payload that Slack parses as mrkdwn."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        if not isinstance(node, dict) or node.get("type") in ("plain_text", "rich_text"):
            return  # shown literally
        for key, value in node.items():
            if key in ("text", "initial_comment") and isinstance(value, str):
                found.append(value)
            else:
                walk(value)

    walk(node)
    return found


def leaks(slack: Recording) -> list[str]:
    return [f"{where}: {text[:300]!r}" for where, payload in received(slack) for text in read_as_mrkdwn(payload)
            if any(raw in text.lower() for raw in RAW)]


def shown(slack: Recording) -> str:
    """Everything Slack received, as one string: to check each field got somewhere."""
    return json.dumps([payload for _, payload in received(slack)], ensure_ascii=False)


def assert_literal_everywhere(slack: Recording, *fields: str) -> None:
    everything = shown(slack)
    assert not [f for f in fields if f not in everything], "some fields never reached Slack: the test is not testing"
    assert leaks(slack) == []


def tick(slack: Recording, moment: datetime) -> None:
    with freeze_time(moment):
        careers.plan(slack.runtime, moment)
        run_due(slack.runtime, moment)


# Events ---------------------------------------------------------------------------------------------------

def test_event_titles_descriptions_places_and_reasons(slack: Recording):
    from tests.test_events_notices import cancel, edit
    from tests.test_events_slack import FORM, T0, click, click_post, create, event_ids, local, menu

    title, place, about = typed("event title"), typed("event place"), typed("event description")
    with freeze_time(T0):
        create(slack, **{ids.EVENTS_TITLE: title, ids.EVENTS_LOCATION: place, ids.EVENTS_DESCRIPTION: about,
                         ids.EVENTS_ANNOUNCE: ["yes"]})
        event_id = event_ids(slack)[-1]
        [post] = [c for c in slack.standin.calls_to("chat.postMessage") if c.args.get("channel") == NETWORK_CHANNEL]
        click_post(slack, MEMBER, post, ids.EVENTS_GOING)
        listing = slack.command(OTHER, "events").json()["blocks"]
        click(slack, OTHER, listing, ids.EVENTS_GOING, event_id)
        slack.command(MEMBER, f"event {event_id}")
        slack.command(MEMBER, "events mine")
        slack.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0", "event_ts": "1"},
                    event_id="EvHome1")
        slack.command(ORGANISER, f"event attendees {event_id}")
        menu(slack, ORGANISER, slack.command(ORGANISER, "events").json()["blocks"], "attendees", event_id)
        moved = typed("event new place")
        edit(slack, event_id, **{ids.EVENTS_TITLE: title, ids.EVENTS_LOCATION: moved,
                                 ids.EVENTS_DESCRIPTION: about})
        menu(slack, ORGANISER, slack.command(ORGANISER, "events").json()["blocks"], "remind", event_id)
    # The reminders, the morning post and, after it, the prompt to log it as CPD.
    for moment in (local(2026, 7, 14, 10), local(2026, 7, 15, 8), local(2026, 7, 15, 9, 30),
                   local(2026, 7, 15, 13), local(2026, 7, 16, 10)):
        tick(slack, moment)
    with freeze_time(T0):
        create(slack, **{ids.EVENTS_TITLE: typed("second event"), ids.EVENTS_STARTS: FORM[ids.EVENTS_STARTS] + 86400,
                         ids.EVENTS_ENDS: FORM[ids.EVENTS_ENDS] + 86400})
        second = event_ids(slack)[-1]
        click(slack, MEMBER, slack.command(MEMBER, "events").json()["blocks"], ids.EVENTS_GOING, second)
        reason = typed("cancellation reason")
        cancel(slack, second, reason)
        tick(slack, now())
    assert_literal_everywhere(slack, "event title", "event place", "event new place", "event description",
                              "second event", "cancellation reason")


# Announcements --------------------------------------------------------------------------------------------

def test_announcement_text(slack: Recording):
    from storage import announcements
    from tests.test_announce_slack import CHANNEL, FIRST, T0, schedule

    slack.standin.add_channel(CHANNEL)
    text = typed("announcement text")
    with freeze_time(T0):
        schedule(slack, **{ids.ANNOUNCE_TEXT: text, ids.ANNOUNCE_REPEAT: announcements.WEEKLY,
                           ids.ANNOUNCE_UNTIL: "2026-04-13"})
        slack.command(ORGANISER, "announce list")
    tick(slack, FIRST + timedelta(hours=2))  # posted late, and says so
    tick(slack, FIRST + timedelta(days=7, hours=7))  # beyond the grace: skipped, the author is told
    slack.standin.refuse("chat.postMessage", "channel_not_found", times=10)
    tick(slack, FIRST + timedelta(days=14))  # Slack refuses it: the author is told why
    assert_literal_everywhere(slack, "announcement text")


# Questions and answers ------------------------------------------------------------------------------------

def test_questions_answers_and_the_faq(slack: Recording):
    from tests.test_ask_slack import ask_unanswerable, forward

    question_id = ask_unanswerable(slack, typed("question"))
    forward(slack, question_id)
    slack.command(ORGANISER, "ask inbox")
    slack.action(ORGANISER, ids.ASK_REPLY, question_id)
    answer = typed("answer")
    slack.submit(ORGANISER, slack.opened_view(), {ids.ASK_ANSWER: answer, ids.ASK_ADD_TO_FAQ: ["yes"],
                                                  ids.ASK_TAGS: "parking, answer"})
    slack.command(OTHER, "ask question channel here evil")  # finds the FAQ addition
    assert_literal_everywhere(slack, "question", "answer")


# News and the e-zine --------------------------------------------------------------------------------------

def test_news_and_the_e_zine(slack: Recording):
    from tests.harness import PANEL
    from tests.test_dev_slack import add_via_form
    from tests.test_events_slack import create
    from tests.test_ezine_slack import ASK, DUE, PERIOD, T0
    from tests.test_news_slack import send_news
    from tests.test_profile import FULL
    from tests.test_profile import open_form as open_profile

    # What else the issue shows: an event and an opportunity coming up, an open award, a spotlight.
    slack.standin.add_user(OTHER, typed("spotlight name"))
    with freeze_time(T0):
        slack.submit(OTHER, open_profile(slack, OTHER), {**FULL, ids.PROFILE_BIO: typed("spotlight bio"),
                                                         ids.PROFILE_JOB_TITLE: typed("spotlight job")})
        starts = int(datetime(2026, 12, 15, 10, tzinfo=UTC).timestamp())
        create(slack, **{ids.EVENTS_TITLE: typed("issue event"), ids.EVENTS_LOCATION: typed("issue place"),
                         ids.EVENTS_STARTS: starts, ids.EVENTS_ENDS: starts + 3600})
        add_via_form(slack, **{ids.DEV_TITLE: typed("issue opportunity"), ids.DEV_PROVIDER: typed("issue provider"),
                               ids.DEV_STARTS: "2027-01-10", ids.DEV_DEADLINE: "2026-12-20"})
        slack.command(ORGANISER, "awards new")
        slack.submit(ORGANISER, slack.opened_view(), {
            ids.AWARDS_NAME: typed("issue award"), ids.AWARDS_DESCRIPTION: "For all.", ids.AWARDS_LABEL: "2026",
            ids.AWARDS_CLOSES: int(datetime(2026, 12, 31, 12, tzinfo=UTC).timestamp()),
            ids.AWARDS_PANEL: [PANEL], ids.AWARDS_CHAIR: PANEL})
        # One approved from the organiser's DM, one turned down from the queue with a reason.
        send_news(slack, **{ids.NEWS_TITLE: typed("news title"), ids.NEWS_BODY: typed("news body")})
        [ask] = [c for c in slack.standin.calls_to("chat.postMessage") if c.args.get("channel") == ORGANISER]
        send_news(slack, **{ids.NEWS_TITLE: typed("turned-down title"), ids.NEWS_BODY: "Short."})
        [approve] = buttons(ask.blocks(), ids.NEWS_APPROVE)
        slack.action(ORGANISER, ids.NEWS_APPROVE, approve["value"])
        [reject] = buttons(slack.command(ORGANISER, "news queue").json()["blocks"], ids.NEWS_REJECT)
        slack.action(ORGANISER, ids.NEWS_REJECT, reject["value"])
        slack.submit(ORGANISER, slack.opened_view(), {ids.NEWS_REASON: typed("reason for no")})
        slack.command(MEMBER, "news mine")
        slack.command(ORGANISER, "digest preview")
    tick(slack, ASK)
    with freeze_time(ASK + timedelta(hours=1)):
        slack.action(ORGANISER, ids.EZINE_EDIT_INTRO, PERIOD)
        slack.submit(ORGANISER, slack.opened_view(), {ids.EZINE_INTRO: typed("e-zine introduction")})
        slack.action(ORGANISER, ids.EZINE_APPROVE, PERIOD)
    tick(slack, DUE)
    with freeze_time(DUE + timedelta(hours=1)):
        slack.command(MEMBER, "digest")
    issue = json.dumps([c.args for c in slack.standin.calls_to("chat.postMessage")
                        if c.args.get("channel") == NETWORK_CHANNEL and "technet e-zine" in c.args["text"]])
    assert all(f in issue for f in ("news title", "spotlight bio", "issue event", "issue opportunity", "issue award"))
    assert_literal_everywhere(slack, "news title", "news body", "turned-down title", "reason for no",
                              "e-zine introduction", "spotlight name", "spotlight bio", "spotlight job",
                              "issue place", "issue provider")


# Awards ---------------------------------------------------------------------------------------------------

def test_awards_cycles_nominations_and_the_announcement(slack: Recording):
    from storage import awards, members
    from tests.harness import PANEL
    from tests.test_awards_slack import CLOSES, PANEL2, T0, THIRD, answers, open_form

    slack.standin.add_user(PANEL2, "Pam Panel")
    slack.standin.add_user(THIRD, typed("nominee display name"))
    for user_id in (MEMBER, OTHER, THIRD, PANEL, PANEL2, ORGANISER):
        with slack.db.transaction() as session:
            member = members.upsert_member(session, slack_identity(user_id),
                                           member_details(slack.standin.state.users[user_id]), now=now())
            member.department = typed("department")
    with freeze_time(T0) as frozen:
        slack.command(ORGANISER, "awards new")
        slack.submit(ORGANISER, slack.opened_view(), {
            ids.AWARDS_NAME: typed("award name"), ids.AWARDS_DESCRIPTION: typed("award description"),
            ids.AWARDS_CRITERIA: typed("criterion"), ids.AWARDS_LABEL: "2025",
            ids.AWARDS_CLOSES: int(CLOSES.timestamp()), ids.AWARDS_RULES: ["allow_team"],
            ids.AWARDS_NOTIFY: awards.NOTIFY_AT_CLOSE, ids.AWARDS_PANEL: [PANEL, PANEL2], ids.AWARDS_CHAIR: PANEL})
        with slack.db.reading() as session:
            cycle_id = max(c.id for c in awards.all_cycles(session, now()))
        run_due(slack.runtime, now())  # the opening post
        frozen.move_to(T0 + timedelta(days=1))
        slack.submit(MEMBER, open_form(slack, MEMBER), answers(
            cycle_id, THIRD, typed("citation"), **{ids.AWARDS_EXAMPLES[0]: typed("example")}))
        slack.submit(OTHER, open_form(slack, OTHER), answers(
            cycle_id, None, typed("team citation"), **{ids.AWARDS_TEAM_MEMBERS: [THIRD, MEMBER],
                                                        ids.AWARDS_TEAM_NAME: typed("team name")}))
        for command in ("awards", "awards list", "awards mine"):
            slack.command(MEMBER, command)
        slack.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0", "event_ts": "1"},
                    event_id="EvHome1")
        frozen.move_to(CLOSES - timedelta(days=3))
        run_due(slack.runtime, now())  # the reminder
        late_form = open_form(slack, MEMBER)
        frozen.move_to(CLOSES)
        run_due(slack.runtime, now())  # the closing post, then the nominees' notices
        run_due(slack.runtime, now())
        slack.submit(MEMBER, late_form, answers(cycle_id, OTHER, typed("late citation")))  # returned by DM
        frozen.move_to(CLOSES + timedelta(days=1))
        review = slack.command(PANEL, f"awards review {cycle_id}").json()["blocks"]
        values = {json.loads(b["value"])["n"]: b["value"] for b in buttons(review, ids.AWARDS_READ)}
        for value in values.values():
            slack.action(PANEL2, ids.AWARDS_READ, value)
            slack.submit(PANEL2, slack.opened_view(), {f"{ids.AWARDS_SCORE_PREFIX}{i}": "4" for i in range(5)})
        for value in values.values():
            slack.action(PANEL, ids.AWARDS_SHORTLIST, value)
        slack.action(PANEL, ids.AWARDS_WINNER, values[THIRD])
        [announce] = buttons(slack.standin.calls_to("response_url")[-1].args["blocks"], ids.AWARDS_ANNOUNCE)
        slack.action(PANEL, ids.AWARDS_ANNOUNCE, announce["value"])
        preview = slack.opened_view()
        [drafted] = [b["element"]["initial_value"] for b in preview["blocks"]
                     if b.get("block_id") == ids.AWARDS_ANNOUNCE_TEXT]
        slack.submit(PANEL, preview, {ids.AWARDS_ANNOUNCE_TEXT: drafted + " " + typed("panel's words")})
        slack.command(PANEL, f"awards audit {cycle_id}")
        slack.command(PANEL, f"awards export {cycle_id}")
        slack.command(ORGANISER, "awards figures")
    assert_literal_everywhere(slack, "award name", "award description", "criterion", "citation", "example",
                              "team name", "team citation", "late citation", "nominee display name", "department",
                              "panel's words")


# CPD ------------------------------------------------------------------------------------------------------

def test_cpd_activities_and_notes(slack: Recording):
    from tests.test_cpd_slack import GOOD, T0, open_log

    with freeze_time(T0):
        slack.submit(MEMBER, open_log(slack), {**GOOD, ids.CPD_ACTIVITY: typed("cpd activity"),
                                               ids.CPD_NOTE: typed("cpd note")})
        for command in ("cpd", "cpd list", "cpd export"):
            slack.command(MEMBER, command)
        slack.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0", "event_ts": "1"},
                    event_id="EvHome1")
        slack.command(ORGANISER, "cpd summary")
    # The delete button's confirm dialog quotes the activity: Slack reads its text as mrkdwn.
    assert "cpd activity" in shown(slack) and '"confirm"' in shown(slack)
    assert_literal_everywhere(slack, "cpd activity", "cpd note")


# Profiles, the directory, the welcome, registration and the report ----------------------------------------

def test_display_names_and_profile_fields(slack: Recording):
    from storage.profiles import OTHER_DEPARTMENT
    from tests.test_profile import FULL, open_form
    from tests.test_welcome import join

    slack.standin.add_user(MEMBER, typed("display name"), title=typed("slack job title"))
    slack.submit(MEMBER, open_form(slack, MEMBER), {
        **FULL, ids.PROFILE_JOB_TITLE: typed("job title"), ids.PROFILE_DEPARTMENT: OTHER_DEPARTMENT,
        ids.PROFILE_DEPARTMENT_OTHER: typed("own department"), ids.PROFILE_SKILLS: [typed("skill", SHORT_MARK), "HPLC"],
        ids.PROFILE_EQUIPMENT: [typed("equipment", SHORT_MARK)], ids.PROFILE_BIO: typed("bio")})
    slack.command(OTHER, f"profile <@{MEMBER}>")
    slack.command(MEMBER, "profile me")
    slack.command(OTHER, "find HPLC")
    slack.command(OTHER, "find skill")
    slack.command(ORGANISER, "find export")
    join(slack, MEMBER, "EvJoin1")
    slack.command(ORGANISER, "register summary")
    slack.command(ORGANISER, "report")
    slack.event({"type": "app_home_opened", "user": OTHER, "tab": "home", "channel": "D0", "event_ts": "1"},
                event_id="EvHome1")
    assert_literal_everywhere(slack, "display name", "job title", "own department", "skill", "equipment", "bio")


# Mentoring ------------------------------------------------------------------------------------------------

def test_mentor_profiles_requests_and_pairings(slack: Recording):
    from tests.test_mentor_slack import T0, accept, make_mentor, request, request_id

    slack.standin.add_user(MEMBER, typed("mentee name"))
    slack.standin.add_user(OTHER, typed("mentor name"))
    with freeze_time(T0) as frozen:
        make_mentor(slack, OTHER, specialisms=typed("specialisms"), intro=typed("mentor intro"))
        slack.command(MEMBER, "mentor find registration")
        slack.command(MEMBER, "mentor")
        request(slack, MEMBER, OTHER, note=typed("request note"))
        slack.command(OTHER, "mentor")
        accept(slack, OTHER, request_id(slack))
        slack.command(ORGANISER, "mentor summary")
        frozen.move_to(datetime(2025, 4, 2, 9, 0, tzinfo=UTC))
        run_due(slack.runtime, now())  # the first check-in, in the group DM
        [end] = buttons(slack.command(MEMBER, "mentor end").json()["blocks"], ids.MENTOR_END)
        slack.action(MEMBER, ids.MENTOR_END, end["value"])
    assert_literal_everywhere(slack, "mentee name", "mentor name", "specialisms", "mentor intro", "request note")


# Development opportunities ---------------------------------------------------------------------------------

def test_development_opportunities(slack: Recording):
    from tests.test_dev_slack import REMIND_AT, T0, add_via_form

    with freeze_time(T0):
        slack.command(MEMBER, "dev follow hplc")
        add_via_form(slack, **{ids.DEV_TITLE: typed("opportunity title"),
                               ids.DEV_DESCRIPTION: typed("opportunity description"),
                               ids.DEV_PROVIDER: typed("provider"), ids.DEV_COST: typed("cost"),
                               ids.DEV_TAGS: "HPLC, " + typed("tag", SHORT_MARK)})
        listing = slack.command(MEMBER, "dev").json()["blocks"]
        slack.command(MEMBER, "dev opportunity")
        [remind] = buttons(listing, ids.DEV_REMIND)
        slack.action(MEMBER, ids.DEV_REMIND, remind["value"])
        run_due(slack.runtime, now())  # the followers' DMs
    tick(slack, REMIND_AT)  # the deadline reminder
    assert_literal_everywhere(slack, "opportunity title", "opportunity description", "provider", "cost", "tag")


# No message text written by hand ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SENDS = {"chat_postMessage", "chat_update", "chat_postEphemeral", "chat_scheduleMessage", "respond", "ack", "send"}


def test_handlers_and_digests_never_write_a_messages_text_by_hand():
    """A message's text comes from bot.blocks (message, ephemeral, note, comment, confirm), which escape it."""
    offenders = []
    for path in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "digests").rglob("*.py")]:
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "text" for k in node.keys):
                offenders.append(f"{where}:{node.lineno} a message as a dict with its own text")
            if not isinstance(node, ast.Call):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called == "ConfirmObject":
                offenders.append(f"{where}:{node.lineno} a confirm dialog not from blocks.confirm")
            for keyword in node.keywords:
                value = ast.unparse(keyword.value)
                if keyword.arg == "text" and called in SENDS:
                    offenders.append(f"{where}:{node.lineno} {called}(text={value})")
                if keyword.arg == "initial_comment" and not value.startswith("blocks.comment("):
                    offenders.append(f"{where}:{node.lineno} initial_comment={value}")
    assert offenders == []
