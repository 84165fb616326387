"""Awards over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from datetime import datetime, timedelta, UTC
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import ids
from bot.standin import TEAM_ID, input_values, interaction_body, signed_headers, trigger_id, view_submission_payload
from digests.runner import run_due
from bot.slack_refs import member_details, slack_identity
from storage import awards, members
from storage.clock import now
from storage.models.awards import AwardAudit, Nomination, NominationSubmission, ShortlistEntry
from tests.harness import (MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, PANEL, SECRET, Harness, Reply, all_text,
                           buttons)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=14)
PANEL2 = "U0PANEL002"
THIRD = "U0MEMBER03"
OUTSIDER = "U0OUTSIDE1"
BOT = "U0HELPBOT1"
GONE = "U0GONE0001"
CITATION = ("Olu rebuilt the teaching lab's fume cupboards over the summer and trained forty first-year "
            "students to use them safely.")


@pytest.fixture
def slack(technet: Harness) -> Harness:
    technet.standin.add_user(PANEL2, "Pam Panel", title="Senior Technician")
    technet.standin.add_user(THIRD, "Tara Third", title="Workshop Technician")
    technet.standin.add_user(OUTSIDER, "Oscar Outsider", title="Technician")
    technet.standin.add_user(BOT, "Helper Bot", is_bot=True)
    technet.standin.add_user(GONE, "Gone Person", deleted=True)
    for user_id, department in ((MEMBER, "Chemistry"), (OTHER, "Chemistry"), (THIRD, "Engineering"),
                                (PANEL, "Physics"), (PANEL2, "Biology"), (ORGANISER, "Estates")):
        with technet.db.transaction() as session:
            member = members.upsert_member(session, slack_identity(user_id),
                                           member_details(technet.standin.state.users[user_id]), now=now())
            member.department = department
    return technet


# Driving Slack ------------------------------------------------------------------------

def open_cycle(technet: Harness, *, closes: datetime = CLOSES, rules: tuple[str, ...] = (),
               notify: str = awards.NOTIFY_NEVER, name: str = "Technician of the Year",
               opens: datetime | None = None) -> int:
    reply = technet.command(ORGANISER, "awards new")
    assert reply.status == 200 and "Opening the form" in reply.text
    view = technet.opened_view()
    assert view["callback_id"] == ids.AWARDS_NEW_MODAL
    reply = technet.submit(ORGANISER, view, {
        ids.AWARDS_NAME: name, ids.AWARDS_DESCRIPTION: "For technicians who made a difference.",
        ids.AWARDS_LABEL: "2025", ids.AWARDS_CLOSES: int(closes.timestamp()), ids.AWARDS_RULES: list(rules),
        ids.AWARDS_NOTIFY: notify, ids.AWARDS_PANEL: [PANEL, PANEL2], ids.AWARDS_CHAIR: PANEL,
        ids.AWARDS_OPENS: int(opens.timestamp()) if opens else None,
    })
    assert reply.json()["response_action"] == "update", reply.body
    with technet.db.reading() as session:
        return max(c.id for c in awards.all_cycles(session, now()))


def open_form(technet: Harness, user: str, text: str = "") -> dict[str, Any]:
    before = len(technet.standin.calls_to("views.open"))
    reply = technet.command(user, f"nominate {text}".strip())
    assert reply.status == 200 and reply.body == "", reply.text
    assert len(technet.standin.calls_to("views.open")) == before + 1
    return technet.opened_view()


def answers(cycle_id: int, nominee: str | None, citation: str = CITATION, **extra: Any) -> dict[str, Any]:
    return {ids.AWARDS_AWARD: str(cycle_id), ids.AWARDS_NOMINEE: nominee, ids.AWARDS_CITATION: citation, **extra}


def nominate(technet: Harness, user: str, cycle_id: int, nominee: str | None, citation: str = CITATION,
             **extra: Any) -> Reply:
    view = open_form(technet, user)
    return technet.submit(user, view, answers(cycle_id, nominee, citation, **extra))


def dms_to(technet: Harness, user: str) -> list[str]:
    return [all_text({"t": c.args.get("text"), "b": c.blocks()}) for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") in dm_channels(technet, user)]


def dm_channels(technet: Harness, user: str) -> set[str]:
    """Where a DM to `user` goes: the direct-message channels the stand-in opened with them, and
    their own id (chat.postMessage reads a user id as the app's DM with them; the delivery DMs so)."""
    return {c.result["channel"]["id"] for c in technet.standin.calls_to("conversations.open")
            if c.args.get("users") == user} | {user}


def channel_posts(technet: Harness) -> list[str]:
    return [all_text(c.blocks()) for c in technet.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == NETWORK_CHANNEL]


def nomination_count(technet: Harness) -> int:
    with technet.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Nomination))


def responses(technet: Harness) -> list[str]:
    return [all_text(c.args) for c in technet.standin.calls_to("response_url")]


# The whole story ------------------------------------------------------------------------

def test_a_cycle_from_opening_to_an_announced_winner(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet)
        assert run_due(technet.runtime, now()).done == 1
        assert "Nominations are open: Technician of the Year 2025" in channel_posts(technet)[-1]

        # Several staff nominate; the rules hold.
        frozen.move_to(T0 + timedelta(days=1))
        for nominator, nominee in ((MEMBER, OTHER), (THIRD, OTHER), (OTHER, THIRD), (PANEL, THIRD)):
            reply = nominate(technet, nominator, cycle_id, nominee)
            assert reply.json()["response_action"] == "update", reply.body
        assert "is in" in dms_to(technet, MEMBER)[-1] and "fume cupboards" in dms_to(technet, MEMBER)[-1]
        refused = nominate(technet, MEMBER, cycle_id, MEMBER)
        assert refused.json()["response_action"] == "errors"
        assert "self-nominations" in refused.json()["errors"][ids.AWARDS_NOMINEE]
        assert nomination_count(technet) == 4

        # Three days before the close: the reminder; nothing at all before it.
        frozen.move_to(CLOSES - timedelta(days=3, minutes=1))
        assert run_due(technet.runtime, now()).done == 0
        frozen.move_to(CLOSES - timedelta(days=3))
        assert run_due(technet.runtime, now()).done == 1
        assert "Three days left" in channel_posts(technet)[-1]

        # The close, on time: nothing a second early, the closing post at the second.
        frozen.move_to(CLOSES - timedelta(seconds=1))
        late_form = open_form(technet, THIRD)
        assert run_due(technet.runtime, now()).done == 0
        frozen.move_to(CLOSES)
        assert run_due(technet.runtime, now()).done == 1
        assert "have closed" in channel_posts(technet)[-1]
        late = technet.submit(THIRD, late_form, answers(cycle_id, MEMBER, "A late one, " + CITATION))
        assert "closed at" in late.json()["errors"][ids.AWARDS_AWARD]
        assert "A late one, Olu rebuilt" in dms_to(technet, THIRD)[-1]
        assert nomination_count(technet) == 4

        # The panel reviews and scores.
        frozen.move_to(CLOSES + timedelta(days=1))
        review = technet.command(PANEL, f"awards review {cycle_id}")
        assert "Olu Other" in review.text or f"<@{OTHER}>" in review.text
        assert "2 nominations ·" in review.text and "Chemistry" in review.text
        # The chair nominated Tara: recused, so Tara is not in the chair's list, only in its recusals.
        blocks = review.json()["blocks"]
        assert {json.loads(b["value"])["n"] for b in buttons(blocks, ids.AWARDS_READ)} == {OTHER}
        assert f"<@{PANEL}>: Tara Third (they nominated them)" in review.text
        blocks = technet.command(PANEL2, f"awards review {cycle_id}").json()["blocks"]
        values = {json.loads(b["value"])["n"]: b["value"] for b in buttons(blocks, ids.AWARDS_READ)}
        assert set(values) == {OTHER, THIRD}
        for scorer, score in ((PANEL, "5"), (PANEL2, "3")):
            technet.action(scorer, ids.AWARDS_READ, values[OTHER])
            modal = technet.opened_view()
            assert "fume cupboards" in all_text(modal["blocks"])
            score_answers = {f"{ids.AWARDS_SCORE_PREFIX}{i}": score for i in range(5)}
            done = technet.submit(scorer, modal, score_answers)
            assert done.json()["response_action"] == "update"
        # A button for Tara pressed by the chair anyway: no reading, no scoring.
        opened = len(technet.standin.calls_to("views.open"))
        technet.action(PANEL, ids.AWARDS_READ, values[THIRD])
        assert len(technet.standin.calls_to("views.open")) == opened
        assert "conflict of interest" in responses(technet)[-1]

        # Shortlist, winner, announcement with a preview (by Pam: the chair is recused from Tara).
        technet.action(PANEL2, ids.AWARDS_SHORTLIST, values[THIRD])
        technet.action(PANEL2, ids.AWARDS_WINNER, values[OTHER])
        refreshed = technet.standin.calls_to("response_url")[-1]
        assert "average 4.0/5" in all_text(refreshed.args) and "scored by 2 of 2" in all_text(refreshed.args)
        announce = buttons(refreshed.args["blocks"], ids.AWARDS_ANNOUNCE)[0]
        technet.action(PANEL2, ids.AWARDS_ANNOUNCE, announce["value"])
        preview = technet.opened_view()
        assert preview["callback_id"] == ids.AWARDS_ANNOUNCE_MODAL
        assert f"<@{OTHER}>" in all_text(preview["blocks"]) and f"<@{THIRD}>" in all_text(preview["blocks"])
        approved = technet.submit(PANEL2, preview, {ids.AWARDS_ANNOUNCE_TEXT:
                                                    f"Congratulations <@{OTHER}>! <!channel> stays literal."})
        assert approved.json()["response_action"] == "update"
        post = technet.standin.calls_to("chat.postMessage")[-1]
        assert post.args["channel"] == NETWORK_CHANNEL
        assert f"Congratulations <@{OTHER}>! &lt;!channel&gt; stays literal." in all_text(post.blocks())
        with technet.db.reading() as session:
            winners = awards.announced_winners(session, T0, now() + timedelta(seconds=1))
        assert [w.winner.user_ids for w in winners] == [(OTHER,)]

        # The CSV export, to the asker alone.
        technet.command(PANEL2, f"awards export {cycle_id}")
        rows = exported_rows(technet, PANEL2)
        assert sorted((r["nominee"], r["nominator"]) for r in rows) == [
            ("Olu Other", "Morgan Member"), ("Olu Other", "Tara Third"), ("Tara Third", "Olu Other"),
            ("Tara Third", "Pat Panel")]
        assert {r["winner"] for r in rows if r["nominee"] == "Olu Other"} == {"yes"}
        assert {r["average_score"] for r in rows if r["nominee"] == "Olu Other"} == {"4.00"}


def exported_rows(technet: Harness, user: str) -> list[dict[str, str]]:
    """Follow the upload flow: the URL handed out is the one the file went to, then it is shared with `user`."""
    granted = technet.standin.calls_to("files.getUploadURLExternal")[-1]
    file_id = granted.result["file_id"]
    assert granted.result["upload_url"].endswith(f"/upload/{file_id}")
    uploads = [c for c in technet.standin.calls_to("upload") if c.args["file_id"] == file_id]
    assert len(uploads) == 1
    completed = technet.standin.calls_to("files.completeUploadExternal")[-1]
    opened = technet.standin.calls_to("conversations.open")[-1]
    assert opened.args["users"] == user and completed.args["channel_id"] == opened.result["channel"]["id"]
    content = technet.standin.state.uploads[file_id]["content"]
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# Confidentiality ------------------------------------------------------------------------

def closed_cycle(technet: Harness, **options: Any) -> int:
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet, **options)
        frozen.move_to(T0 + timedelta(days=1))
        nominate(technet, MEMBER, cycle_id, OTHER, "=HYPERLINK(\"http://x\") " + CITATION)
        nominate(technet, THIRD, cycle_id, OTHER, "<!here> *bold* <https://evil.example|click> " + CITATION)
        nominate(technet, OTHER, cycle_id, THIRD)
    return cycle_id


@pytest.mark.parametrize("outsider", [ORGANISER, OUTSIDER])
def test_no_one_off_the_panel_sees_a_nomination_not_even_by_counts(slack: Harness, outsider: str):
    technet = slack
    cycle_id = closed_cycle(technet)
    with freeze_time(CLOSES + timedelta(days=1)):
        secret = ("fume cupboards", "Olu Other", "Tara Third", f"<@{OTHER}>", f"<@{THIRD}>")
        for command in (f"awards review {cycle_id}", "awards review", f"awards export {cycle_id}", "awards export",
                        f"awards audit {cycle_id}", "awards list", "awards figures", "awards mine", "awards"):
            reply = technet.command(outsider, command)
            assert reply.status == 200
            assert not any(s in reply.text for s in secret), (command, reply.text)
            if not (outsider == ORGANISER and command == "awards figures"):
                # An organiser's figures are a closed cycle's total (below); nothing else counts anything.
                assert not any(f"{n} nomination" in reply.text for n in (1, 2, 3)), (command, reply.text)
        # A panel button copied from elsewhere: refused, told, and logged.
        value = json.dumps({"c": cycle_id, "n": OTHER, "p": 0})
        opened = len(technet.standin.calls_to("views.open"))
        for action_id in (ids.AWARDS_READ, ids.AWARDS_SHORTLIST, ids.AWARDS_WINNER, ids.AWARDS_EXPORT,
                          ids.AWARDS_ANNOUNCE, ids.AWARDS_PAGE):
            technet.action(outsider, action_id, value)
        assert len(technet.standin.calls_to("views.open")) == opened
        assert technet.standin.calls_to("files.getUploadURLExternal") == []
        told = responses(technet)
        assert len(told) == 6 and all("this attempt has been recorded" in t for t in told)
        assert not any(s in t for t in told for s in secret)
        # The Home tab shows open awards only, never a count.
        technet.event({"type": "app_home_opened", "user": outsider, "tab": "home", "channel": "D0", "event_ts": "1"},
                      event_id=f"Ev{outsider}")
        assert not any(s in all_text(technet.standin.calls_to("views.publish")[-1].view()) for s in secret)
        # The chair reads every refusal.
        log = technet.command(PANEL, f"awards audit {cycle_id}")
        assert log.text.count("refused") >= 8 and f"<@{outsider}>" in log.text
    with technet.db.reading() as session:
        refusals = session.scalar(select(func.count()).select_from(AwardAudit).where(AwardAudit.allowed.is_(False)))
    assert refusals >= 8


def test_a_nominated_panel_member_is_recused_from_their_own_nomination(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet)
        frozen.move_to(T0 + timedelta(days=1))
        nominate(technet, MEMBER, cycle_id, PANEL2, "Pam's secret citation: " + CITATION)
        nominate(technet, OTHER, cycle_id, THIRD)
    with freeze_time(CLOSES + timedelta(days=1)):
        secret = ("Pam's secret citation", "Morgan Member", "Pam Panel")
        review = technet.command(PANEL2, f"awards review {cycle_id}")
        assert not any(s in review.text for s in secret), review.text
        assert {json.loads(b["value"])["n"] for b in buttons(review.json()["blocks"], ids.AWARDS_READ)} == {THIRD}
        # Pam's own nominee in a made-up button: not read, not shortlisted, not marked winner.
        opened = len(technet.standin.calls_to("views.open"))
        value = json.dumps({"c": cycle_id, "n": PANEL2, "p": 0})
        for action_id in (ids.AWARDS_READ, ids.AWARDS_SHORTLIST, ids.AWARDS_WINNER):
            technet.action(PANEL2, action_id, value)
        assert len(technet.standin.calls_to("views.open")) == opened
        told = responses(technet)[-3:]
        assert all("no nominations" in t for t in told) and not any(s in t for t in told for s in secret)
        with technet.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(ShortlistEntry)) == 0
        technet.command(PANEL2, f"awards export {cycle_id}")
        rows = exported_rows(technet, PANEL2)
        assert [(r["nominee"], r["nominator"]) for r in rows] == [("Tara Third", "Olu Other")]
        # The chair sees the recusal, and decides on Pam with the rest of the panel.
        chair_review = technet.command(PANEL, f"awards review {cycle_id}")
        assert f"<@{PANEL2}>: Pam Panel (their own nomination)" in chair_review.text
        assert PANEL2 in {json.loads(b["value"])["n"] for b in buttons(chair_review.json()["blocks"],
                                                                        ids.AWARDS_READ)}


def test_organisers_get_counts_only_after_the_close(slack: Harness):
    technet = slack
    cycle_id = closed_cycle(technet)
    with freeze_time(CLOSES - timedelta(days=1)):
        during = technet.command(ORGANISER, "awards figures")
        assert "counts are shown once it closes" in during.text
    with freeze_time(CLOSES + timedelta(days=1)):
        after = technet.command(ORGANISER, "awards figures")
    # Three nominations of two people: a count that could be one person's is withheld.
    assert "its counts are withheld (fewer than 5 nominees)" in after.text and "3 nominations" not in after.text
    assert "Olu" not in after.text and "Tara" not in after.text and "Chemistry" not in after.text
    with freeze_time(CLOSES + timedelta(days=1)):
        assert "only the panel" in technet.command(ORGANISER, f"awards review {cycle_id}").text.lower()


def test_figures_of_five_nominees_are_shown(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet)
        frozen.move_to(T0 + timedelta(days=1))
        for nominee in (OTHER, THIRD, PANEL, PANEL2, OUTSIDER):
            reply = nominate(technet, MEMBER, cycle_id, nominee)
            assert reply.json()["response_action"] == "update", reply.body
    with freeze_time(CLOSES + timedelta(days=1)):
        after = technet.command(ORGANISER, "awards figures")
    # One nominator, from one department: that figure is about one person, so it is left out.
    assert "*Technician of the Year 2025*: 5 nominations" in after.text and "departments" not in after.text


def test_markup_in_a_citation_is_shown_literally_and_the_csv_is_formula_safe(slack: Harness):
    technet = slack
    cycle_id = closed_cycle(technet)
    dm = dms_to(technet, THIRD)[0]
    assert "&lt;!here&gt; *bold* &lt;https://evil.example|click&gt;" in dm and "<!here>" not in dm
    with freeze_time(CLOSES + timedelta(days=1)):
        review = technet.command(PANEL, f"awards review {cycle_id}")
        assert "&lt;!here&gt;" in review.text and "<!here>" not in review.text
        technet.command(PANEL, "awards export")
    rows = exported_rows(technet, PANEL)
    citations = sorted(r["citation"] for r in rows)
    assert citations[0].startswith("'=HYPERLINK(") and "<!here> *bold*" in citations[1]


# Nominating: the edges --------------------------------------------------------------

def test_slack_retrying_a_submission_makes_one_nomination_and_one_message(slack: Harness):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    view = open_form(technet, MEMBER)
    first = technet.submit(MEMBER, view, answers(cycle_id, OTHER))
    again = technet.submit(MEMBER, view, answers(cycle_id, OTHER))
    assert first.json()["response_action"] == again.json()["response_action"] == "update"
    assert nomination_count(technet) == 1
    assert len(dms_to(technet, MEMBER)) == 1


def test_nominating_again_updates_and_says_so(slack: Harness):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    nominate(technet, MEMBER, cycle_id, OTHER)
    second = nominate(technet, MEMBER, cycle_id, OTHER, CITATION + " And the spill kits.")
    assert "updated" in all_text(second.json())
    assert "has been *updated*" in dms_to(technet, MEMBER)[-1]
    assert nomination_count(technet) == 1


@pytest.mark.parametrize(("citation", "says"), [("Great colleague.", "at least 50"), ("x" * 3001, "3,000")])
def test_a_citation_too_short_or_too_long_is_refused_next_to_the_field(slack: Harness, citation: str, says: str):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    reply = nominate(technet, MEMBER, cycle_id, OTHER, citation)
    assert reply.json()["response_action"] == "errors"
    assert says in reply.json()["errors"][ids.AWARDS_CITATION]
    assert nomination_count(technet) == 0 and dms_to(technet, MEMBER) == []


@pytest.mark.parametrize(("nominee", "says"), [(BOT, "Bots"), (GONE, "deactivated")])
def test_bots_and_deactivated_people_cannot_be_nominated(slack: Harness, nominee: str, says: str):
    # The form is answered from what the store knows (nothing calls Slack before the ack):
    # here it has met them before.
    technet = slack
    with technet.db.transaction() as session:
        members.upsert_member(session, slack_identity(nominee), member_details(technet.standin.state.users[nominee]),
                              now=now())
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    reply = nominate(technet, MEMBER, cycle_id, nominee)
    assert says in reply.json()["errors"][ids.AWARDS_NOMINEE]


@pytest.mark.parametrize(("nominee", "says"), [(BOT, "Bots"), (GONE, "deactivated")])
def test_a_bot_or_departed_account_never_seen_is_withdrawn_once_slack_says_so(slack: Harness, nominee: str,
                                                                             says: str):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    reply = nominate(technet, MEMBER, cycle_id, nominee)
    # Nobody the store knew: the form takes it, and users.info after the ack tells the truth.
    assert reply.json()["response_action"] == "update", reply.body
    assert f"<@{nominee}>" in all_text(reply.json())
    assert [c.args["user"] for c in technet.standin.calls_to("users.info")] == [nominee]
    with technet.db.reading() as session:
        assert session.scalar(select(Nomination.status)) == awards.WITHDRAWN
    [told] = dms_to(technet, MEMBER)
    assert "couldn't keep your nomination" in told and says in told and "fume cupboards" in told


def test_a_failure_after_the_ack_reaches_the_nominator_and_leaves_the_copy_to_send_again(
        slack: Harness, caplog: pytest.LogCaptureFixture):
    # The work handed over after the ack (bot.listeners.after_ack) reports failures as a lazy listener does.
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    technet.standin.refuse("chat.postMessage", "fatal_error")
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        # The ack has answered; the copy by DM then fails, and the nominator hears of it.
        assert nominate(technet, MEMBER, cycle_id, OTHER).json()["response_action"] == "update"
    [told] = [c.args["text"] for c in technet.standin.calls_to("chat.postMessage")
              if c.args.get("channel") == MEMBER and c.result.get("ok")]
    assert "Something went wrong on our side" in told
    # The nomination was saved: the person is not told that nothing changed.
    assert "nothing was changed" not in told and "What you asked for was saved" in told
    reference = told.split("reference `")[1].split("`")[0]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)
    with technet.db.reading() as session:
        assert session.scalar(select(NominationSubmission.dm_sent_at)) is None


def test_the_nomination_form_is_answered_before_slack_is_asked_about_the_nominee(slack: Harness):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    view = open_form(technet, MEMBER)
    held = technet.standin.hold("users.info")
    try:
        payload = view_submission_payload(MEMBER, view, input_values(view, answers(cycle_id, OUTSIDER)))
        body = interaction_body(payload)
        # Not Harness.submit: it waits for the work after the ack, which waits for users.info.
        reply = technet.post(body, signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded"))
        # The ack came while users.info was held: it did not wait for it.
        assert reply.json()["response_action"] == "update", reply.body
        assert technet.standin.calls_to("users.info") == []
    finally:
        held.set()
    technet.settle()
    # Then the nominee was looked up once, and the copy names them as Slack does.
    assert [c.args["user"] for c in technet.standin.calls_to("users.info")] == [OUTSIDER]
    [copy] = dms_to(technet, MEMBER)
    assert "Oscar Outsider" in copy
    with technet.db.reading() as session:
        assert members.get_member(session, slack_identity(OUTSIDER)).name == "Oscar Outsider"


def test_a_team_nomination(slack: Harness):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10), rules=("allow_team",),
                          name="Technical Team of the Year")
    view = open_form(technet, MEMBER)
    labels = {b["block_id"] for b in view["blocks"]}
    assert {ids.AWARDS_TEAM_MEMBERS, ids.AWARDS_TEAM_NAME} <= labels
    team: dict[str, Any] = {ids.AWARDS_TEAM_MEMBERS: [OTHER, THIRD], ids.AWARDS_TEAM_NAME: "Lab <Ops>"}
    reply = technet.submit(MEMBER, view, answers(cycle_id, None, **team))
    assert reply.json()["response_action"] == "update", reply.body
    assert "Lab &lt;Ops&gt;" in dms_to(technet, MEMBER)[-1]


def test_the_message_shortcut_prefills_the_author(slack: Harness):
    technet = slack
    open_cycle(technet, closes=now() + timedelta(days=10))
    technet.interact(message_action(technet, MEMBER, author=OTHER))
    view = technet.opened_view()
    nominee = next(b for b in view["blocks"] if b.get("block_id") == ids.AWARDS_NOMINEE)
    assert nominee["element"]["initial_user"] == OTHER
    technet.interact(message_action(technet, MEMBER, author=BOT, bot=True))
    assert "Bots and apps cannot be nominated" in responses(technet)[-1]


def message_action(technet: Harness, user: str, *, author: str, bot: bool = False) -> dict[str, Any]:
    message = {"type": "message", "user": author, "text": "Fixed the autoclave again", "ts": "1700000000.000100"}
    if bot:
        message["bot_id"] = "B0HELPER"
    return {"type": "message_action", "callback_id": ids.AWARDS_NOMINATE_SHORTCUT, "trigger_id": trigger_id(),
            "team": {"id": TEAM_ID, "domain": "technet"}, "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": "C0GENERAL", "name": "general"}, "message": message,
            "message_ts": message["ts"], "response_url": technet.standin.response_url(), "api_app_id": "A0TECHNET",
            "token": "legacy-unused"}


def test_nominate_with_a_mention_prefills_and_a_stranger_gets_a_clear_message(slack: Harness):
    technet = slack
    open_cycle(technet, closes=now() + timedelta(days=10))
    for text in (f"<@{OTHER}|olu>", "@Olu Other"):
        view = open_form(technet, MEMBER, text)
        nominee = next(b for b in view["blocks"] if b.get("block_id") == ids.AWARDS_NOMINEE)
        assert nominee["element"]["initial_user"] == OTHER
    reply = technet.command(MEMBER, "nominate @nobody-here")
    assert "couldn't tell who" in reply.text and "@nobody-here" in reply.text


def test_with_nothing_open_nominate_says_so(slack: Harness):
    reply = slack.command(MEMBER, "nominate")
    assert "No award is open" in reply.text
    assert slack.standin.calls_to("views.open") == []


def test_the_confirmation_lets_the_nominator_edit_and_withdraw_until_the_close(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet)
        nominate(technet, MEMBER, cycle_id, OTHER)
        dm = technet.standin.calls_to("chat.postMessage")[-1]
        edit = buttons(dm.blocks(), ids.AWARDS_NOMINATION_EDIT)[0]
        technet.action(MEMBER, ids.AWARDS_NOMINATION_EDIT, edit["value"])
        form = technet.opened_view()
        citation = next(b for b in form["blocks"] if b.get("block_id") == ids.AWARDS_CITATION)
        assert citation["element"]["initial_value"] == CITATION
        technet.submit(MEMBER, form, {ids.AWARDS_CITATION: CITATION + " Edited."})
        assert "updated" in dms_to(technet, MEMBER)[-1] and "Edited." in dms_to(technet, MEMBER)[-1]
        # Someone else pressing the copied button gets nothing.
        technet.action(OTHER, ids.AWARDS_NOMINATION_WITHDRAW, edit["value"])
        assert "not yours" in responses(technet)[-1]
        technet.action(MEMBER, ids.AWARDS_NOMINATION_WITHDRAW, edit["value"])
        assert "You withdrew" in responses(technet)[-1]
        with technet.db.reading() as session:
            assert session.scalar(select(Nomination.status)) == awards.WITHDRAWN
        frozen.move_to(CLOSES + timedelta(minutes=1))
        technet.action(MEMBER, ids.AWARDS_NOMINATION_EDIT, edit["value"])
        assert "has closed" in responses(technet)[-1]


def test_the_home_tab_lists_open_awards_with_a_nominate_button(slack: Harness):
    technet = slack
    cycle_id = open_cycle(technet, closes=now() + timedelta(days=10))
    technet.event({"type": "app_home_opened", "user": MEMBER, "tab": "home", "channel": "D0", "event_ts": "1"},
                  event_id="EvHome1")
    home = technet.standin.calls_to("views.publish")[-1].view()
    assert "Awards open for nominations" in all_text(home)
    button = buttons(home["blocks"], ids.AWARDS_NOMINATE_OPEN)[0]
    technet.action(MEMBER, ids.AWARDS_NOMINATE_OPEN, button["value"], container={"type": "view"})
    award = next(b for b in technet.opened_view()["blocks"] if b.get("block_id") == ids.AWARDS_AWARD)
    assert award["element"]["initial_option"]["value"] == str(cycle_id)


# Scheduled posts -----------------------------------------------------------------------

@pytest.mark.parametrize("notify", [awards.NOTIFY_AT_CLOSE, awards.NOTIFY_NEVER])
def test_nominees_are_told_at_the_close_only_when_the_cycle_says_so(slack: Harness, notify: str):
    technet = slack
    closed_cycle(technet, notify=notify)
    with freeze_time(CLOSES):
        run_due(technet.runtime, now())
        run_due(technet.runtime, now())
        run_due(technet.runtime, now())
    told = {c.args["channel"] for c in technet.standin.calls_to("chat.postMessage")
            if "you have been nominated" in all_text(c.blocks())}
    # Delivery's DMs address the member by id (see dm_channels).
    expected = {OTHER, THIRD} if notify == awards.NOTIFY_AT_CLOSE else set()
    assert told == expected and (len(told) == 2 or notify == awards.NOTIFY_NEVER)
    if told:
        notice = dms_to(technet, OTHER)[-1]
        assert "Morgan" not in notice and "Tara" not in notice and "fume" not in notice


def test_a_cycle_opening_later_is_announced_when_it_opens_with_a_nominate_button(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet, opens=T0 + timedelta(days=2))
        assert run_due(technet.runtime, now()).done == 0
        assert "No award is open" in technet.command(MEMBER, "nominate").text
        frozen.move_to(T0 + timedelta(days=2))
        assert run_due(technet.runtime, now()).done == 1
        opening = [c for c in technet.standin.calls_to("chat.postMessage") if c.args["channel"] == NETWORK_CHANNEL]
        assert "Nominations are open" in all_text(opening[-1].blocks())
        button = buttons(opening[-1].blocks(), ids.AWARDS_NOMINATE_OPEN)[0]
        technet.action(OTHER, ids.AWARDS_NOMINATE_OPEN, button["value"], channel_id=NETWORK_CHANNEL)
        award = next(b for b in technet.opened_view()["blocks"] if b.get("block_id") == ids.AWARDS_AWARD)
        assert award["element"]["initial_option"]["value"] == str(cycle_id)


def test_an_organiser_closes_a_cycle_early(slack: Harness):
    technet = slack
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(technet)
        run_due(technet.runtime, now())
        frozen.move_to(T0 + timedelta(days=2))
        assert "only network organisers" in technet.command(MEMBER, f"awards close {cycle_id}").text.lower()
        assert "is closed to nominations" in technet.command(ORGANISER, f"awards close {cycle_id}").text
        assert run_due(technet.runtime, now()).done == 1
        assert "have closed" in channel_posts(technet)[-1]
        frozen.move_to(CLOSES - timedelta(days=3))
        assert run_due(technet.runtime, now()).done == 0


# The panel at the same moment -------------------------------------------------------------

def test_two_panel_members_scoring_at_the_same_moment(slack: Harness):
    technet = slack
    cycle_id = closed_cycle(technet)
    with freeze_time(CLOSES + timedelta(days=1)):
        value = json.dumps({"c": cycle_id, "n": OTHER, "p": 0})
        modals = {}
        for scorer in (PANEL, PANEL2):
            technet.action(scorer, ids.AWARDS_READ, value)
            modals[scorer] = technet.opened_view()
        start = threading.Barrier(2)
        replies: dict[str, Reply] = {}

        def score(scorer: str, value: str) -> None:
            start.wait(timeout=10)
            replies[scorer] = technet.submit(scorer, modals[scorer],
                                             {f"{ids.AWARDS_SCORE_PREFIX}{i}": value for i in range(5)})

        threads = [threading.Thread(target=score, args=args) for args in ((PANEL, "5"), (PANEL2, "2"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert {s: r.json()["response_action"] for s, r in replies.items()} == {PANEL: "update", PANEL2: "update"}
        review = technet.command(PANEL, f"awards review {cycle_id}")
    assert "average 3.5/5" in review.text and "scored by 2 of 2" in review.text


def test_a_failure_after_the_ack_reaches_the_member_and_the_log(slack: Harness, caplog: pytest.LogCaptureFixture):
    # The form opens in a lazy listener; bot/app.py wraps every one with telling_failures.
    technet = slack
    open_cycle(technet, closes=now() + timedelta(days=10))
    technet.standin.refuse("views.open", "invalid_blocks")
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        reply = technet.command(MEMBER, "nominate")
    assert reply.status == 200 and reply.body == ""
    told = technet.standin.calls_to("response_url")[-1].args
    assert told["response_type"] == "ephemeral" and "Something went wrong on our side" in told["text"]
    reference = told["text"].split("reference `")[1].split("`")[0]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


# Every subcommand: usage, help, bad input -----------------------------------------------------

def test_awards_alone_and_help_show_usage_for_the_role(slack: Harness):
    member = slack.command(MEMBER, "awards")
    assert "/tech awards list" in member.text and "/tech awards review" not in member.text
    assert slack.command(MEMBER, "awards help").text == member.text
    organiser = slack.command(ORGANISER, "awards")
    assert "/tech awards new" in organiser.text and "/tech awards figures" in organiser.text
    assert "/tech awards review" in slack.command(PANEL, "awards").text


def test_nominate_help_answers(slack: Harness):
    assert "/tech nominate @colleague" in slack.command(MEMBER, "nominate help").text


@pytest.mark.parametrize(("text", "says"), [
    ("awards frobnicate", "I don't know `/tech awards frobnicate`"),
    ("awards review abc", "Give the cycle's number"),
    ("awards close", "Give the cycle's number"),
    ("awards close 99", "no such award cycle"),
    ("awards new", "Only network organisers"),
])
def test_bad_input_gets_a_clear_message(slack: Harness, text: str, says: str):
    reply = slack.command(MEMBER if "new" in text else ORGANISER, text)
    assert reply.status == 200 and says.lower() in reply.text.lower()
