"""External awards over signed HTTP: an opportunity of kind "award" gets the deadline reminder as
any other kind, once, and a **Nominate a colleague** button that opens a private draft (the
colleague, the citation) the member reuses and edits later; nobody else sees it, and it is not a
nomination for technet's own awards (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from core import ids
from digests.runner import run_due
from storage.clock import now
from storage.models.awards import Nomination
from storage.models.drafts import AwardDraft
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons
from tests.test_dev_slack import REMIND_AT, T0, add_via_form, dms_to, last_response, opportunity_id

AWARD = "Papin Prizes 2025"
CITATION = "Olu rebuilt the <NMR> cryostat line over one summer."


def test_an_award_reminds_once_and_keeps_a_private_draft_nomination(technet: Harness):
    with freeze_time(T0) as frozen:
        add_via_form(technet, **{ids.DEV_TITLE: AWARD, ids.DEV_KIND: "award", ids.DEV_TAGS: "awards"})
        add_via_form(technet, **{ids.DEV_TITLE: "A course", ids.DEV_TAGS: "courses"})
        award_id, course_id = opportunity_id(technet, AWARD), opportunity_id(technet, "A course")
        assert award_id is not None and course_id is not None
        listing = technet.command(MEMBER, "dev").json()["blocks"]
        # Only the award offers a nomination draft.
        assert [b["value"] for b in buttons(listing, ids.DEV_NOMINATE)] == [str(award_id)]
        technet.action(MEMBER, ids.DEV_NOMINATE, str(course_id))
        assert "is not an award" in all_text(last_response(technet))

        # The deadline reminder, as for any kind: once, two days before, with the button in the DM.
        [remind] = [b for b in buttons(listing, ids.DEV_REMIND) if b["value"] == str(award_id)]
        technet.action(MEMBER, ids.DEV_REMIND, remind["value"])
        frozen.move_to(REMIND_AT)
        assert run_due(technet.runtime, now()).done == 1
        frozen.move_to(REMIND_AT + timedelta(hours=1))
        assert run_due(technet.runtime, now()).done == 0
        [dm] = [c.args for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == MEMBER]
        assert AWARD in all_text(dm) and len(dms_to(technet, MEMBER)) == 1
        assert [b["value"] for b in buttons(dm["blocks"], ids.DEV_NOMINATE)] == [str(award_id)]

        # Nominate a colleague: a private draft form, checked, then saved.
        technet.action(MEMBER, ids.DEV_NOMINATE, str(award_id))
        view = technet.opened_view()
        assert view["callback_id"] == ids.DEV_DRAFT_MODAL
        refused = technet.submit(MEMBER, view, {ids.DEV_DRAFT_COLLEAGUE: MEMBER, ids.DEV_DRAFT_CITATION: " "}).body
        assert "Write the citation" in refused and "choose someone else" in refused
        saved = technet.submit(MEMBER, view, {ids.DEV_DRAFT_COLLEAGUE: OTHER, ids.DEV_DRAFT_CITATION: CITATION})
        assert "Only you can see it" in saved.text

        # Reopened from the award: the same draft, in their words, edited in place.
        technet.action(MEMBER, ids.DEV_NOMINATE, str(award_id))
        again = technet.opened_view()
        assert CITATION in json.dumps(again) and OTHER in json.dumps(again)
        technet.submit(MEMBER, again, {ids.DEV_DRAFT_COLLEAGUE: OTHER,
                                       ids.DEV_DRAFT_CITATION: CITATION + " And trained six of us."})
        mine = technet.command(MEMBER, "dev drafts")
        assert "Olu rebuilt the &lt;NMR&gt; cryostat line over one summer. And trained six of us." in mine.text
        [edit] = buttons(mine.json()["blocks"], ids.DEV_DRAFT_EDIT)
        technet.action(MEMBER, ids.DEV_DRAFT_EDIT, edit["value"])
        assert "And trained six of us." in json.dumps(technet.opened_view())

        # Nobody else sees it: not the colleague it is about, not an organiser, not by its id.
        for user in (OTHER, ORGANISER):
            assert "no draft nominations" in technet.command(user, "dev drafts").text
            mark = technet.standin.mark()
            technet.action(user, ids.DEV_DRAFT_EDIT, edit["value"])
            assert "not there any more" in all_text(last_response(technet))
            assert [c.method for c in technet.standin.since(mark)].count("views.open") == 0
        assert "drafts" in technet.command(MEMBER, "dev help").text
    with technet.db.reading() as session:
        drafts = session.scalars(select(AwardDraft)).all()
        assert [(d.opportunity_id, d.citation.endswith("six of us.")) for d in drafts] == [(award_id, True)]
        # Not a nomination for technet's own awards.
        assert session.scalar(select(func.count()).select_from(Nomination)) == 0
