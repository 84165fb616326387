"""`/tech dev` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC
from typing import Any

from freezegun import freeze_time
from sqlalchemy import func, select

from core import ids
from digests.runner import run_due
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import ledger, opportunities
from storage.clock import now
from storage.members import actor_for, upsert_member
from storage.models import DueItem
from storage.models.careers import Opportunity
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
DEADLINE = date(2025, 3, 20)
# Two days before the deadline, 09:00 in London (GMT in March, before the clocks change).
REMIND_AT = datetime(2025, 3, 18, 9, 0, tzinfo=UTC)

FORM = {
    ids.DEV_TITLE: "HPLC troubleshooting masterclass",
    ids.DEV_KIND: "course",
    ids.DEV_DESCRIPTION: "A day on pressure, peak shape and baseline problems.",
    ids.DEV_PROVIDER: "Chromatography Society",
    ids.DEV_LINK: "https://example.ac.uk/hplc",
    ids.DEV_COST: "£180",
    ids.DEV_STARTS: "2025-04-01",
    ids.DEV_ENDS: None,
    ids.DEV_DEADLINE: DEADLINE.isoformat(),
    ids.DEV_TAGS: "HPLC, chromatography",
}


def add_via_form(technet: Harness, **changes: Any) -> Any:
    mark = technet.standin.mark()
    reply = technet.command(ORGANISER, "dev add")
    assert "Opening the form" in reply.text
    assert [c.method for c in technet.standin.since(mark)].count("views.open") == 1
    view = technet.opened_view()
    assert view["callback_id"] == ids.DEV_MODAL
    return technet.submit(ORGANISER, view, {**FORM, **changes})


def opportunity_id(technet: Harness, title: str | None) -> int | None:
    with technet.db.reading() as session:
        return session.scalar(select(Opportunity.id).where(Opportunity.title == title))


def dms_to(technet: Harness, user: str) -> list[str]:
    return [all_text(c.args) for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == user]


def last_response(technet: Harness) -> dict[str, Any]:
    return technet.standin.calls_to("response_url")[-1].args


def seed(technet: Harness, count: int, *, deadline: date = DEADLINE) -> None:
    """Opportunities added through the service, as an organiser would in the form."""
    with technet.db.transaction() as session:
        organiser = upsert_member(session, slack_identity(ORGANISER),
                                  member_details(technet.standin.state.users[ORGANISER]), now=now())
        actor = actor_for(session, organiser, role_grants(organisers=frozenset({ORGANISER})))
        for i in range(count):
            opportunities.save_opportunity(session, actor, opportunities.OpportunityForm(
                title=f"Workshop {i + 1:02d}", kind="workshop", description="Hands-on.", tags="skills",
                deadline=deadline + timedelta(days=i)), now=now(), tz=technet.settings.tz)


# Listing and searching ---------------------------------------------------------------------------

def test_tech_dev_alone_lists_what_is_open_with_the_usage(technet: Harness):
    with freeze_time(T0):
        empty = technet.command(MEMBER, "dev")
        assert "No development opportunities are open right now" in empty.text
        assert "/tech dev follow &lt;tag&gt;" in empty.text
        assert add_via_form(technet).json()["response_action"] == "update"
        reply = technet.command(MEMBER, "dev")
    assert reply.json()["response_type"] == "ephemeral"
    assert "1–1 of 1 open now" in reply.text and "HPLC troubleshooting masterclass" in reply.text
    assert "apply by *Thu 20 Mar 2025*" in reply.text and "`hplc` `chromatography`" in reply.text
    assert "/tech dev unfollow &lt;tag&gt;" in reply.text
    assert len(buttons(reply.json()["blocks"], ids.DEV_REMIND)) == 1
    # Members get no Edit button; organisers do.
    assert buttons(reply.json()["blocks"], ids.DEV_EDIT) == []
    with freeze_time(T0):
        organiser_view = technet.command(ORGANISER, "dev").json()["blocks"]
    assert len(buttons(organiser_view, ids.DEV_EDIT)) == 1 and len(buttons(organiser_view, ids.DEV_ADD)) == 1
    assert buttons(reply.json()["blocks"], ids.DEV_ADD) == []
    technet.action(ORGANISER, ids.DEV_ADD)
    assert technet.opened_view()["callback_id"] == ids.DEV_MODAL


def test_help_answers(technet: Harness):
    member_help = technet.command(MEMBER, "dev help").text
    assert "/tech dev &lt;words&gt;" in member_help and "/tech dev add" not in member_help
    assert "/tech dev add" in technet.command(ORGANISER, "dev help").text


def test_search_answers_best_match_first_and_says_when_nothing_matches(technet: Harness):
    with freeze_time(T0):
        add_via_form(technet)
        add_via_form(technet, **{ids.DEV_TITLE: "Lab leadership", ids.DEV_KIND: "workshop", ids.DEV_TAGS: "leadership",
                                 ids.DEV_DESCRIPTION: "Leading a team, including the HPLC suite's rota."})
        found = technet.command(MEMBER, "dev hplc")
        nothing = technet.command(MEMBER, "dev glassblowing")
        punctuation = technet.command(MEMBER, "dev ?!?")
    text = found.text
    assert "*2* open opportunities for “hplc”" in text
    assert text.index("HPLC troubleshooting masterclass") < text.index("Lab leadership")
    assert "No open opportunity matches “glassblowing”" in nothing.text
    assert "Search with a word or two" in punctuation.text


def test_organiser_text_is_shown_literally(technet: Harness):
    with freeze_time(T0):
        add_via_form(technet, **{ids.DEV_TITLE: "<!channel> free *course*", ids.DEV_COST: "<@U0MEMBER02>"})
        reply = technet.command(MEMBER, "dev")
    assert "&lt;!channel&gt; free *course*" in reply.text and "&lt;@U0MEMBER02&gt;" in reply.text
    assert "<!channel>" not in reply.body


def test_pages_of_ten(technet: Harness):
    with freeze_time(T0):
        seed(technet, 12)
        reply = technet.command(MEMBER, "dev")
        assert "1–10 of 12 open now" in reply.text and "Workshop 11" not in reply.text
        [next_page] = buttons(reply.json()["blocks"], ids.DEV_PAGE)
        assert next_page["text"]["text"] == "Next 2"
        technet.action(MEMBER, ids.DEV_PAGE, next_page["value"])
    shown = last_response(technet)
    assert shown["replace_original"] is True
    assert "11–12 of 12 open now" in all_text(shown) and "Workshop 12" in all_text(shown)
    assert [b["text"]["text"] for b in buttons(shown["blocks"], ids.DEV_PAGE)] == ["Previous"]


# The organisers' form ---------------------------------------------------------------------------

def test_members_cannot_open_the_form(technet: Harness):
    mark = technet.standin.mark()
    reply = technet.command(MEMBER, "dev add")
    assert "Only network organisers can add development opportunities" in reply.text
    technet.action(MEMBER, ids.DEV_ADD)
    assert "views.open" not in [c.method for c in technet.standin.since(mark)]
    assert "Only network organisers" in all_text(last_response(technet))


def test_the_form_shows_each_problem_by_its_field(technet: Harness):
    with freeze_time(T0):
        reply = add_via_form(technet, **{ids.DEV_TITLE: "", ids.DEV_STARTS: "2025-03-11", ids.DEV_ENDS: "2025-03-10",
                                          ids.DEV_LINK: "ftp://example.ac.uk/x"})
    errors = reply.json()["errors"]
    assert set(errors) == {ids.DEV_TITLE, ids.DEV_LINK, ids.DEV_ENDS, ids.DEV_DEADLINE}
    assert errors[ids.DEV_ENDS] == "The end date is before the start date."
    assert errors[ids.DEV_DEADLINE] == "The application deadline is after the opportunity ends."
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_an_organiser_edits_an_opportunity_in_the_prefilled_form(technet: Harness):
    with freeze_time(T0):
        add_via_form(technet)
        found = opportunity_id(technet, FORM[ids.DEV_TITLE])
        technet.action(ORGANISER, ids.DEV_EDIT, str(found))
        view = technet.opened_view()
        title = next(b for b in view["blocks"] if b["block_id"] == ids.DEV_TITLE)
        assert title["element"]["initial_value"] == FORM[ids.DEV_TITLE] and view["private_metadata"] == str(found)
        reply = technet.submit(ORGANISER, view, {**FORM, ids.DEV_COST: "£150 (was £180)"})
        assert "is updated" in all_text(reply.json())
        # A member pressing Edit (a crafted payload) is refused, and no form opens.
        mark = technet.standin.mark()
        technet.action(MEMBER, ids.DEV_EDIT, str(found))
        assert "views.open" not in [c.method for c in technet.standin.since(mark)]
    with technet.db.reading() as session:
        assert session.get_one(Opportunity, found).cost == "£150 (was £180)"


# Reminders ------------------------------------------------------------------------------------------

def test_remind_me_sends_one_dm_two_days_before_the_deadline(technet: Harness):
    with freeze_time(T0) as frozen:
        add_via_form(technet)
        listing = technet.command(MEMBER, "dev")
        [remind] = buttons(listing.json()["blocks"], ids.DEV_REMIND)
        technet.action(MEMBER, ids.DEV_REMIND, remind["value"])
        assert "Reminder set" in all_text(last_response(technet))
        assert "Tuesday 18 March at 09:00" in all_text(last_response(technet))
        technet.action(MEMBER, ids.DEV_REMIND, remind["value"])
        assert "Reminder already set" in all_text(last_response(technet))
        # The listing now says so instead of offering the button again.
        again = technet.command(MEMBER, "dev")
        assert buttons(again.json()["blocks"], ids.DEV_REMIND) == []
        assert "I'll remind you two days before the deadline" in again.text

        frozen.move_to(REMIND_AT - timedelta(minutes=1))
        run_due(technet.runtime, now())
        assert dms_to(technet, MEMBER) == []
        frozen.move_to(REMIND_AT)
        assert run_due(technet.runtime, now()).done == 1
        frozen.move_to(REMIND_AT + timedelta(hours=1))
        assert run_due(technet.runtime, now()).done == 0
    [dm] = dms_to(technet, MEMBER)
    assert "applications for *HPLC troubleshooting masterclass* close on *Thu 20 Mar 2025*" in dm
    assert dm.count("HPLC troubleshooting masterclass") >= 2


def test_a_moved_deadline_moves_the_reminder_and_a_removed_opportunity_skips_it(technet: Harness):
    with freeze_time(T0) as frozen:
        add_via_form(technet)
        found = opportunity_id(technet, FORM[ids.DEV_TITLE])
        technet.action(MEMBER, ids.DEV_REMIND, str(found))
        technet.action(ORGANISER, ids.DEV_EDIT, str(found))
        technet.submit(ORGANISER, technet.opened_view(), {**FORM, ids.DEV_DEADLINE: "2025-03-27"})
        frozen.move_to(REMIND_AT)
        assert run_due(technet.runtime, now()).done == 0
        frozen.move_to(REMIND_AT + timedelta(days=7))
        assert run_due(technet.runtime, now()).done == 1
        assert "close on *Thu 27 Mar 2025*" in dms_to(technet, MEMBER)[-1]


def test_a_reminder_too_close_to_the_deadline_is_explained(technet: Harness):
    with freeze_time(T0):
        add_via_form(technet, **{ids.DEV_DEADLINE: "2025-03-04"})
        found = opportunity_id(technet, FORM[ids.DEV_TITLE])
        listing = technet.command(MEMBER, "dev")
        assert buttons(listing.json()["blocks"], ids.DEV_REMIND) == []
        technet.action(MEMBER, ids.DEV_REMIND, str(found))
    assert "too close for a reminder" in all_text(last_response(technet))
    with technet.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(DueItem).where(
            DueItem.kind == opportunities.DEADLINE_REMINDER)) == 0


# Follows --------------------------------------------------------------------------------------------

def test_following_a_tag_brings_a_dm_when_one_is_added(technet: Harness):
    with freeze_time(T0):
        followed = technet.command(MEMBER, "dev follow #HPLC")
        assert "Now following `hplc`" in followed.text
        assert "You already follow `hplc`" in technet.command(MEMBER, "dev follow hplc").text
        technet.command(OTHER, "dev follow welding")
        assert "You follow `hplc`" in technet.command(MEMBER, "dev following").text
        add_via_form(technet)
        assert run_due(technet.runtime, now()).done == 1
        assert run_due(technet.runtime, now()).done == 0
    [dm] = dms_to(technet, MEMBER)
    assert "A new development opportunity tagged `hplc`" in dm and "HPLC troubleshooting masterclass" in dm
    assert dms_to(technet, OTHER) == []


def test_unfollowing_stops_the_dms_even_one_already_scheduled(technet: Harness):
    with freeze_time(T0):
        technet.command(MEMBER, "dev follow hplc")
        add_via_form(technet)
        assert "Stopped following `hplc`" in technet.command(MEMBER, "dev unfollow HPLC").text
        assert "weren't following `hplc`" in technet.command(MEMBER, "dev unfollow hplc").text
        assert "Say which tag" in technet.command(MEMBER, "dev unfollow").text
        report = run_due(technet.runtime, now())
    assert (report.done, report.skipped) == (0, 1)
    assert dms_to(technet, MEMBER) == []
    with technet.db.reading() as session:
        assert session.scalar(select(DueItem.status).where(DueItem.kind == opportunities.FOLLOWED_TAG)) == \
            ledger.SKIPPED


def test_follow_alone_lists_the_tags_and_says_how(technet: Harness):
    reply = technet.command(MEMBER, "dev follow")
    assert "You follow no tags" in reply.text and "/tech dev follow microscopy" in reply.text
