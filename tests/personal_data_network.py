"""A network with data in every table that refers to members, for the personal-data tests.

The demo data (bot/demo.py) fills most features; `fill` adds what it leaves out for Rosa Evans,
so she has rows in every holding, with text of her own that appears nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo import load_demo_data
from bot.slack_refs import slack_identity
from storage.db import Database
from storage.members import find_member
from storage.models import Member
from storage.models.awards import (Award, AwardAudit, AwardCycle, AwardScore, Nomination, NominationSubmission,
                                    ShortlistEntry)
from storage.models.actions import PlanAction, PlanActionOwner, PlanActionUpdate
from storage.models.careers import CpdEntry, Opportunity, OpportunityFollow, OpportunityReminder
from storage.models.events import Event, EventNotice, EventSeries
from storage.models.mentoring import AskedQuestion, FaqAddition, MentoringPairing, MentoringRequest
from storage.models.news import Announcement, EzineIssue, EzineMessage, NewsItem
from storage.models.drafts import AwardDraft
from storage.models.outputs import OutputCredit, ResearchOutput
from storage.models.proposals import SessionProposal
from storage.models.profiles import Profile, ProfileWelcome
from storage.models.site import CalendarFeed
from storage.models.downloads import Download
from storage.models.surveys import Idea, Poll, PollVote, Survey, SurveyInvitation, SurveyResponse
from storage.models.teams import TeamsConversation
from storage.models.delivery import DeliveryAttempt
from storage.models import DueItem

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
ROSA, PRIYA, TOM = "U0DEMOROSA", "U0DEMOPRIY", "U0DEMOTOMK"
ROSA_NAME = "Rosa Evans"
ROSA_EMAIL = "rosa.evans@example.ac.uk"
# What Rosa writes in this network: none of it is anyone else's.
ROSA_WRITES = {
    "draft": "In my words: Priya kept the cryogenics store running through two floods",
    "bio": "I keep the Haas mill singing and restore antique lathes at weekends",
    "cpd": "Quarterly reflection on the glovebox retrofit with Fenwick rig",
    "question": "Whom should I ask about the Fenwick rig calibration?",
    "mentoring": "Could you help me plan my Fenwick rig EngTech portfolio?",
    "news": "The Fenwick rig is back in service after a three week rebuild",
    "action": "Fenwick rig induction videos are half recorded",
    "proposal": "A hands-on hour with the new Fenwick rig controller",
}


@dataclass(frozen=True)
class Network:
    rosa: int
    priya: int
    tom: int


def member_id(session: Session, user_id: str) -> int:
    member = find_member(session, slack_identity(user_id))
    assert member is not None
    return member.id


def build(db: Database) -> Network:
    load_demo_data(db, now=T0)
    with db.transaction() as session:
        network = Network(member_id(session, ROSA), member_id(session, PRIYA), member_id(session, TOM))
        fill(session, network)
    return network


def fill(session: Session, n: Network) -> None:
    rosa = session.get_one(Member, n.rosa)
    rosa.email = ROSA_EMAIL
    profile = session.get_one(Profile, n.rosa)
    profile.bio, profile.bio_key = ROSA_WRITES["bio"], ROSA_WRITES["bio"].casefold()
    session.add(ProfileWelcome(member_id=n.rosa, surface="slack", conversation="C0NETWORK", welcomed_at=T0))
    series = EventSeries(frequency="monthly", until=date(2027, 6, 1), organiser_id=n.rosa, created_at=T0)
    session.add(series)
    session.flush()
    event = Event(uid="rosa-event@technet", series_id=series.id, title="Workshop open afternoon", kind="workshop",
                  starts_at=T0 + timedelta(days=3), ends_at=T0 + timedelta(days=3, hours=2),
                  timezone="Europe/London", organiser_id=n.rosa, created_at=T0, updated_at=T0)
    session.add(event)
    session.flush()
    session.add(EventNotice(event_id=event.id, kind="changed", recipients=[n.rosa, n.tom],
                            details={"title": event.title}, created_by_id=n.rosa, created_at=T0))
    award = session.scalars(select(Award).order_by(Award.id)).first()
    assert award is not None
    cycle = AwardCycle(award_id=award.id, label="Winter", opens_at=T0 - timedelta(days=60),
                       closes_at=T0 - timedelta(days=30), chair_id=n.rosa, created_by_id=n.priya,
                       panel=[n.rosa, n.priya], notify_nominees="at_close", created_at=T0 - timedelta(days=61))
    session.add(cycle)
    session.flush()
    tom_user = TOM
    session.add(Nomination(cycle_id=cycle.id, nominator_id=n.priya, nominee_key=ROSA, nominee_id=n.rosa,
                           citation="Rosa Evans rebuilt the Fenwick rig on her own", created_at=T0 - timedelta(days=40),
                           updated_at=T0 - timedelta(days=40)))
    hers = Nomination(cycle_id=cycle.id, nominator_id=n.rosa, nominee_key=tom_user, nominee_id=n.tom,
                      citation="Tom ran every teaching lab this term", created_at=T0 - timedelta(days=40),
                      updated_at=T0 - timedelta(days=40))
    session.add(hers)
    session.flush()
    session.add(NominationSubmission(key="rosa-submission", nominator_id=n.rosa, nomination_id=hers.id,
                                     outcome="created", created_at=T0 - timedelta(days=40)))
    session.add(AwardScore(cycle_id=cycle.id, nominee_key=tom_user, scorer_id=n.rosa, criterion="Impact", score=4,
                           scored_at=T0 - timedelta(days=20)))
    session.add(AwardScore(cycle_id=cycle.id, nominee_key=ROSA, scorer_id=n.priya, criterion="Impact", score=5,
                           scored_at=T0 - timedelta(days=20)))
    session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key=tom_user, marked_by_id=n.rosa,
                               marked_at=T0 - timedelta(days=19)))
    session.add(AwardAudit(cycle_id=cycle.id, actor_id=n.rosa, action="read", detail=f"nominations of {ROSA_NAME}",
                           at=T0 - timedelta(days=20)))
    opportunity = Opportunity(natural_key="rosa's course", title="CNC safety refresher", kind="course",
                              created_by_id=n.rosa, tags=["cnc"], deadline=date(2027, 1, 10), created_at=T0,
                              updated_at=T0)
    session.add(opportunity)
    session.flush()
    session.add(OpportunityFollow(member_id=n.rosa, tag="cnc", created_at=T0))
    session.add(OpportunityReminder(member_id=n.rosa, opportunity_id=opportunity.id, created_at=T0))
    session.add(CpdEntry(member_id=n.rosa, done_on=date(2026, 11, 20), activity=ROSA_WRITES["cpd"],
                         category="reflection", minutes=90, note="Rosa's own note on it", created_at=T0))
    question = AskedQuestion(asker_id=n.rosa, question=ROSA_WRITES["question"], status="answered",
                             answer="Ask Priya.", answered_by_id=n.priya, created_at=T0)
    session.add(question)
    session.add(AskedQuestion(asker_id=n.tom, question="Where are the spare fume hood filters?", status="answered",
                              answer="In the store behind the workshop.", answered_by_id=n.rosa, created_at=T0))
    session.add(FaqAddition(question="Where are the spare filters?", answer="In the store.", added_by_id=n.rosa,
                            created_at=T0))
    request = MentoringRequest(mentee_id=n.rosa, mentor_id=n.priya, area="registration",
                               message=ROSA_WRITES["mentoring"], status="accepted", created_at=T0)
    session.add(request)
    session.flush()
    session.add(MentoringPairing(request_id=request.id, mentor_id=n.priya, mentee_id=n.rosa, area="registration",
                                 started_at=T0 - timedelta(days=10)))
    session.add(Announcement(author_id=n.rosa, text="Workshop closed on Friday", surface="slack",
                             channel_id="C0NETWORK", first_local="2026-12-10T09:00", timezone="Europe/London",
                             first_at=T0 + timedelta(days=3), created_at=T0, updated_at=T0))
    issue = EzineIssue(period="2026-11-02", period_start=T0 - timedelta(days=60), due_at=T0 - timedelta(days=35),
                       status="posted", decided_by_id=n.rosa, spotlight_member_id=n.rosa,
                       content={"spotlight": {"name": ROSA_NAME, "user_id": ROSA},
                                "news": [{"title": "Back in service: the rebuilt rig", "body": ROSA_WRITES["news"]}]},
                       html=f"<p>Spotlight: {ROSA_NAME}</p><p>{ROSA_WRITES['news']}</p>",
                       posted_at=T0 - timedelta(days=35), created_at=T0 - timedelta(days=60))
    session.add(issue)
    session.flush()
    session.add(EzineMessage(issue_id=issue.id, position=0, text=f"Spotlight: {ROSA_NAME} <@{ROSA}>",
                             blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": ROSA_WRITES["news"]}}],
                             state="posted", posted_at=T0 - timedelta(days=35)))
    session.add(NewsItem(submission_key="rosa-news-2", author_id=n.rosa, title="Back in service: the rebuilt rig",
                         body=ROSA_WRITES["news"], category="equipment", status="approved", issue_id=issue.id,
                         reviewed_by_id=n.priya, created_at=T0 - timedelta(days=40),
                         updated_at=T0 - timedelta(days=40)))
    session.add(CalendarFeed(member_id=n.rosa, token="rosa-private-calendar-token", created_at=T0))
    session.add(TeamsConversation(tenant="tenant-rosa", conversation_id="a:rosa-personal-chat", kind="personal",
                                  service_url="https://smba.example.test/", member_id=n.rosa))
    session.add(Download(digest="0" * 64, member_id=n.rosa, name="technet-cpd-2026.csv", mime="text/csv",
                         content=b"day,hours\n", created_at=T0, expires_at=T0 + timedelta(hours=24)))
    reminder = DueItem(kind="events.reminder", subject="event:1", occurrence=f"1h:{ROSA}", due_at=T0, not_before=T0,
                       payload={"member": ROSA}, status="done", attempts=1, done_at=T0)
    session.add(reminder)
    session.flush()
    session.add(DeliveryAttempt(due_item_id=reminder.id, kind=reminder.kind, subject=reminder.subject,
                                occurrence=reminder.occurrence, attempt=1, member_id=n.rosa, surface="slack",
                                recipient=ROSA, attempted_at=T0, due_at=T0, lateness_seconds=0.0, outcome="sent",
                                message_id="1700000000.000900"))
    action = PlanAction(natural_key="record induction videos", title="Record induction videos", pillar="visibility",
                        due_on=date(2027, 3, 31), measure="Videos published", status="on track", created_at=T0,
                        updated_at=T0)
    session.add(action)
    session.flush()
    session.add(PlanActionOwner(action_id=action.id, member_id=n.rosa))
    session.add(PlanActionUpdate(action_id=action.id, member_id=n.rosa, status="on track", note=ROSA_WRITES["action"],
                                 created_at=T0))
    session.add(SessionProposal(proposer_id=n.rosa, title="The Fenwick rig, hands on", abstract=ROSA_WRITES["proposal"],
                                format="demo", minutes=60, preferred_dates="Any Wednesday", status="declined",
                                reason="Next term, please", decided_by_id=n.priya, created_at=T0, updated_at=T0))
    poll = Poll(question="Which day for the tea round?", options=["Tuesday", "Thursday"], created_by_id=n.rosa,
                conversation="C0NETWORK", closes_at=T0 + timedelta(days=1), created_at=T0)
    session.add(poll)
    session.flush()
    session.add(PollVote(poll_id=poll.id, member_id=n.rosa, option=1, voted_at=T0))
    survey = Survey(title="Rosa's workshop pulse", questions=[{"kind": "text", "text": "What should change?"}],
                    anonymous=False, audience="all", opens_at=T0, closes_at=T0 + timedelta(days=7),
                    created_by_id=n.rosa, created_at=T0)
    session.add(survey)
    session.flush()
    session.add(SurveyInvitation(survey_id=survey.id, member_id=n.rosa, answered=True))
    session.add(SurveyResponse(id="rosa-named-answer", survey_id=survey.id, member_id=n.rosa, department="Workshop",
                               answers={"0": "More bench space by the Fenwick rig"}, updated_at=T0))
    session.add(Idea(text="A session on the Fenwick rig's calibration", anonymous=True, author_id=n.rosa,
                     status="answered", reply="Booked for March.", decided_by_id=n.priya, decided_at=T0,
                     created_at=T0))
    output = ResearchOutput(creator_id=n.rosa, title="Flow in the Fenwick rig", link="10.5555/fenwick.2026",
                            year=2026, kind="paper", submission_id="rosa-output-1", created_at=T0)
    session.add(output)
    session.flush()
    session.add(OutputCredit(output_id=output.id, member_id=n.rosa, credit="author", status="confirmed",
                             answered_at=T0))
    session.add(OutputCredit(output_id=output.id, member_id=n.priya, credit="acknowledged", status="pending"))
    papin = Opportunity(natural_key="papin prizes 2027", title="Papin Prizes 2027", kind="award",
                        description="The national technician awards", created_by_id=n.priya, created_at=T0,
                        updated_at=T0)
    session.add(papin)
    session.flush()
    session.add(AwardDraft(member_id=n.rosa, opportunity_id=papin.id, colleague_id=n.priya,
                           citation=ROSA_WRITES["draft"], created_at=T0, updated_at=T0))
    session.add(AwardDraft(member_id=n.priya, opportunity_id=papin.id, colleague_id=n.rosa,
                           citation="Private words about a colleague", created_at=T0, updated_at=T0))
