"""What each table holds about a member: one `Holding` per table that refers to members.

How to declare a new feature's part (the coverage test fails until you do):

    Holding("my_table", "What the member sees as the heading",
            by=("member_id",),              # every column naming the member: FKs to members.id and
                                            # JSON lists of member ids (mark those info={"member_ids": True})
            hidden=("claimed_at",),          # columns their copy leaves out (internal bookkeeping)
            writing=("note",),               # what the member wrote: blanked on erasure
            on_erase=KEEP)                   # KEEP the row for the counts (their writing blanked), or DELETE it

A table whose copy must follow a rule of its own (nominations about a person) gives `export`,
a function of (session, member id, now) returning the rows to show, and `complete=False`.
Everything else (who may ask, logging, rendering) is export.py's and erasure.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import MetaData, or_, select
from sqlalchemy.orm import Session

from storage.models.awards import AwardCycle, Nomination
from storage.models.drafts import AwardDraft
from storage.models.profiles import ProfileTag, ProfileTagLink

Row = dict[str, Any]
CustomExport = Callable[[Session, int, datetime], list[Row]]


class Erase(StrEnum):
    KEEP = "keep"  # the row stays (its counts, the other side's record); the member's writing is blanked
    DELETE = "delete"  # the row goes


KEEP, DELETE = Erase.KEEP, Erase.DELETE


@dataclass(frozen=True)
class Holding:
    table: str
    title: str
    by: tuple[str, ...]
    hidden: tuple[str, ...] = ()
    writing: tuple[str, ...] = ()
    # The column naming who wrote `writing` (default: the first of `by`): only their rows are blanked.
    author: str | None = None
    on_erase: Erase = KEEP
    export: CustomExport | None = None
    # False when the copy leaves out some rows that name the member, by rule (`export` says which).
    complete: bool = True

    @property
    def writer(self) -> str:
        return self.author or self.by[0]


def _nominations(session: Session, member_id: int, now: datetime) -> list[Row]:
    """Nominations they wrote, whole; nominations about them only as the award's rules tell a nominee:
    a cycle that tells its nominees at the close, once closed, says they were nominated for it. Never
    who wrote one, nor what it says."""
    rows: list[Row] = []
    # Team nominations are few: those are read whole and their member lists checked here.
    mine = or_(Nomination.nominator_id == member_id, Nomination.nominee_id == member_id,
               Nomination.team_name.is_not(None))
    for n in session.scalars(select(Nomination).where(mine).order_by(Nomination.id)):
        cycle = n.cycle
        title = f"{cycle.award.name} {cycle.label}"
        if n.nominator_id == member_id:
            rows.append({"id": n.id, "written_by_you": True, "award": title, "nominee": n.nominee_key,
                         "team_name": n.team_name, "citation": n.citation, "examples": list(n.examples),
                         "link": n.link, "status": n.status, "created_at": n.created_at,
                         "updated_at": n.updated_at})
        elif ((n.nominee_id == member_id or member_id in (n.team_members or [])) and n.status == "active"
              and cycle.notify_nominees == "at_close" and cycle.closes_at <= now):
            rows.append({"id": n.id, "written_by_you": False, "award": title,
                         "note": "You were nominated (the award tells its nominees at the close)."})
    return rows


def _panel_cycles(session: Session, member_id: int, now: datetime) -> list[Row]:
    rows = []
    # Cycles are few (a handful a year): read whole, the panel list checked here.
    for c in session.scalars(select(AwardCycle).order_by(AwardCycle.id)):
        roles = [name for name, yes in (("chair", c.chair_id == member_id), ("created", c.created_by_id == member_id),
                                        ("announced", c.announced_by_id == member_id),
                                        ("panel", member_id in (c.panel or []))) if yes]
        if roles:
            rows.append({"id": c.id, "award": c.award.name, "label": c.label, "your_part": roles,
                         "opens_at": c.opens_at, "closes_at": c.closes_at})
    return rows


def _tags(session: Session, member_id: int, now: datetime) -> list[Row]:
    links = session.execute(select(ProfileTagLink.member_id, ProfileTagLink.kind, ProfileTagLink.tag_id,
                                   ProfileTag.label, ProfileTagLink.position)
                            .join(ProfileTag, ProfileTag.id == ProfileTagLink.tag_id)
                            .where(ProfileTagLink.member_id == member_id)
                            .order_by(ProfileTagLink.kind, ProfileTagLink.position)).all()
    return [{"member_id": m, "kind": kind, "tag_id": tag_id, "label": label} for m, kind, tag_id, label, _ in links]


def _award_drafts(session: Session, member_id: int, now: datetime) -> list[Row]:
    """Drafts they wrote, whole; never another's draft about them (private to its writer)."""
    rows = session.scalars(select(AwardDraft).where(AwardDraft.member_id == member_id).order_by(AwardDraft.id))
    return [{"id": d.id, "opportunity_id": d.opportunity_id, "colleague_id": d.colleague_id, "citation": d.citation,
             "created_at": d.created_at, "updated_at": d.updated_at} for d in rows]


_MESSAGE_REF = ("surface", "conversation", "message_id")

HOLDINGS: tuple[Holding, ...] = (
    # The member themself: the row stays for the report's counts, emptied of everything personal
    # (erasure.py keeps department and FTE, which the report groups and weighs by, and no name).
    Holding("members", "You", by=("id",), hidden=("is_bot",)),
    Holding("member_identities", "Your accounts on chat surfaces", by=("member_id",), on_erase=DELETE),
    Holding("profiles", "Your profile", by=("member_id",), hidden=("bio_key",), on_erase=DELETE),
    Holding("profile_tag_links", "Skills and equipment on your profile", by=("member_id",), on_erase=DELETE,
            export=_tags),
    Holding("profile_welcomes", "Your welcome to the network channel", by=("member_id",), on_erase=DELETE),
    Holding("event_series", "Event series you organise", by=("organiser_id",)),
    Holding("events", "Events you organised", by=("organiser_id",),
            hidden=("uid", "source_key", "sequence", *(f"announce_{p}" for p in _MESSAGE_REF))),
    Holding("event_rsvps", "Your RSVPs and attendance", by=("member_id",)),
    Holding("event_notices", "Event changes you made or were told of", by=("created_by_id", "recipients"),
            hidden=("source_key", "recipients")),
    Holding("award_cycles", "Award cycles you chaired, ran or sat on the panel of",
            by=("chair_id", "created_by_id", "announced_by_id", "panel"), export=_panel_cycles),
    Holding("award_nominations", "Nominations", by=("nominator_id", "nominee_id", "team_members"),
            writing=("citation", "examples", "link"), author="nominator_id", export=_nominations, complete=False),
    Holding("award_submissions", "Nomination forms you submitted", by=("nominator_id",), hidden=("key",)),
    Holding("award_scores", "Scores you gave as a panel member", by=("scorer_id",), hidden=("nominee_key",)),
    Holding("award_shortlist", "Shortlist decisions you made as a panel member", by=("marked_by_id",),
            hidden=("nominee_key",)),
    Holding("award_audit", "Your reads of nominations (the awards audit log)", by=("actor_id",)),
    Holding("dev_opportunities", "Development opportunities you added", by=("created_by_id",),
            hidden=("natural_key",)),
    Holding("dev_follows", "Opportunity tags you follow", by=("member_id",), on_erase=DELETE),
    # Kept: the report counts the reminders asked for (a deactivated member is sent none).
    Holding("dev_reminders", "Opportunity deadlines you asked to be reminded of", by=("member_id",)),
    Holding("cpd_entries", "Your CPD record", by=("member_id",), hidden=("submission_id",),
            writing=("activity", "note", "link")),
    Holding("mentor_profiles", "Your mentor profile", by=("member_id",), on_erase=DELETE),
    Holding("mentoring_requests", "Mentoring requests you made or received", by=("mentee_id", "mentor_id"),
            hidden=("open_key", "notified_at", *(f"mentor_dm_{p}" for p in _MESSAGE_REF)),
            writing=("message",), author="mentee_id"),
    Holding("mentoring_pairings", "Your mentoring pairings", by=("mentor_id", "mentee_id", "ended_by_id"),
            hidden=("schedule_version", "group_surface", "group_conversation", "intro_claimed_at",
                    "intro_message_id")),
    Holding("registration_statuses", "Your professional registration", by=("member_id",),
            writing=("role", "qualification", "years", "suggested")),
    Holding("asked_questions", "Questions you asked or answered", by=("asker_id", "answered_by_id"),
            hidden=("organiser_messages", "reply_sent_at"), writing=("question",), author="asker_id"),
    Holding("faq_additions", "Answers you added to the FAQ", by=("added_by_id",)),
    Holding("announcements", "Announcements you scheduled", by=("author_id",), hidden=("edits_id",)),
    Holding("news_items", "News you submitted or reviewed", by=("author_id", "reviewed_by_id"),
            hidden=("submission_key",), writing=("title", "body", "link")),
    Holding("ezine_issues", "E-zine issues you decided on or were in the spotlight of",
            by=("decided_by_id", "spotlight_member_id"),
            hidden=("content", "html", "approval_messages", "template_warning", "intro")),
    # The token is a credential: the copy says the address exists, never what it is.
    Holding("calendar_feeds", "Your private calendar address", by=("member_id",), hidden=("token",),
            on_erase=DELETE),
    Holding("teams_conversations", "Your chats with technet in Microsoft Teams", by=("member_id",), on_erase=DELETE),
    # A file handed out by link: the copy names it; its content and the link's digest stay out.
    Holding("downloads", "Files technet made for you to download", by=("member_id",), hidden=("digest", "content"),
            on_erase=DELETE),
    Holding("delivery_attempts", "Messages technet sent you, or tried to (the delivery record)", by=("member_id",),
            on_erase=DELETE),
    Holding("plan_action_owners", "Action plan actions you own", by=("member_id",), on_erase=DELETE),
    Holding("plan_action_updates", "Updates you posted on action plan actions", by=("member_id",),
            writing=("note",)),
    Holding("session_proposals", "Sessions you proposed, or decided on as an organiser",
            by=("proposer_id", "decided_by_id"), hidden=("submission_id",), writing=("abstract", "preferred_dates"),
            author="proposer_id"),
    Holding("polls", "Polls you started", by=("created_by_id",),
            hidden=("refreshed_at", "post_surface", "post_conversation", "post_message_id")),
    # Kept: a poll's counts stay as they were (the votes of an anonymous poll show no names anyway).
    Holding("poll_votes", "Your votes in polls", by=("member_id",)),
    Holding("surveys", "Surveys you set up", by=("created_by_id",)),
    # Kept for the response rates. Says only whether they answered: never what (an anonymous answer has no
    # member, so it is in nobody's copy: it cannot be told apart from the others).
    Holding("survey_invitations", "Surveys you were asked to answer", by=("member_id",)),
    Holding("survey_responses", "Your answers to named surveys", by=("member_id",), hidden=("edit_key",),
            on_erase=DELETE),
    Holding("ideas", "Ideas you sent for the agenda, or answered", by=("author_id", "decided_by_id"),
            writing=("text",), author="author_id"),
    Holding("research_outputs", "Research outputs you logged", by=("creator_id",), hidden=("submission_id",)),
    # Kept for the report's counts; the member row it points at is what erasure anonymises.
    Holding("output_credits", "Your credit on research outputs, and your answers", by=("member_id",)),
    # Private to their writer: a copy for the person a draft is about leaves it out.
    Holding("award_drafts", "Your private drafts of nominations for external awards", by=("member_id", "colleague_id"),
            writing=("citation",), author="member_id", export=_award_drafts, complete=False),
)

_BY_TABLE = {h.table: h for h in HOLDINGS}


def holding_for(table: str) -> Holding | None:
    return _BY_TABLE.get(table)


def member_columns(metadata: MetaData) -> list[tuple[str, str]]:
    """(table, column) for every column naming a member: a foreign key to members.id, or a JSON
    list of member ids marked info={"member_ids": True}."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            refers = any(fk.target_fullname == "members.id" for fk in column.foreign_keys)
            if refers or column.info.get("member_ids") or (table.name == "members" and column.name == "id"):
                found.append((table.name, column.name))
    return found


def uncovered(metadata: MetaData) -> list[tuple[str, str]]:
    """The columns naming a member that no Holding declares: each is a feature that forgot its part."""
    return [(t, c) for t, c in member_columns(metadata) if (h := holding_for(t)) is None or c not in h.by]
