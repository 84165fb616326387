"""The mentoring scheme: mentor profiles, finding a mentor, requests, pairings and their check-ins,
and the organisers' figures.

Rules kept here (DESIGN decision 6):
- a mentor is offered only with a free place (active pairings below their capacity), when
  not paused, not the member asking, not a bot or a deactivated account, and not someone
  the member was paired with before unless they ask for those again;
- one open request per mentee and mentor (a double click asks once); only the mentor
  accepts or declines, only the mentee withdraws; accepting twice makes one pairing, and
  accepting beyond the mentor's capacity is refused;
- either side can end a pairing; check-ins go to both at the agreed cadence until then,
  through the due ledger (kind CHECKIN, one row per check-in).

Nothing here knows about Slack; the handlers send the DMs and open the group DM.

The modules: `areas.py` (the areas and which one a member means), `mentors.py` (mentor
profiles), `finding.py` (who has a free place), `requests.py` (asking, declining,
withdrawing, the DM to the mentor), `pairings.py` (accepting, the pairing's life and its
check-ins) and `overview.py` (what a member sees, the organisers' figures). Callers import
from `storage.mentoring`, which names everything public below.
"""

from storage.mentoring.areas import AREAS, SYNONYMS, area_label, resolve_area
from storage.mentoring.finding import AGAIN_WORDS, FindResult, MentorCard, find_mentors, parse_find
from storage.mentoring.mentors import (
    F_AREAS, F_CAPACITY, F_INTRO, F_MESSAGE, F_PAUSED, F_SPECIALISMS, INTRO_LIMIT, MAX_CAPACITY, SPECIALISMS_LIMIT,
    InvalidMentorProfile, MentorForm, MentorInfo, find_mentor_by_user, find_mentor_profile, save_mentor_profile,
)
from storage.mentoring.overview import MentoringSummary, MyMentoring, my_mentoring, summary
from storage.mentoring.pairings import (
    CADENCES, CHECKIN, CHECKIN_HOUR, DEFAULT_CADENCE, AcceptOutcome, PairingInfo, accept_request, checkin_at,
    checkin_day, checkin_subject, checkin_to_send, claim_introduction, end_pairing, get_pairing, next_checkin,
    record_introduction, record_meeting, release_introduction, schedule_checkin, set_cadence, set_group_conversation,
)
from storage.mentoring.requests import (
    ACCEPTED, CANCELLED, DECLINED, MESSAGE_LIMIT, PENDING, WITHDRAWN, RequestInfo, RequestOutcome, cancel_request,
    claim_request_notice, decline_request, mentor_for_request, open_request, record_request_notice,
    release_request_notice, request_mentor, withdraw_request,
)

__all__ = [
    "ACCEPTED", "AGAIN_WORDS", "AREAS", "CADENCES", "CANCELLED", "CHECKIN", "CHECKIN_HOUR", "DECLINED",
    "DEFAULT_CADENCE", "F_AREAS", "F_CAPACITY", "F_INTRO", "F_MESSAGE", "F_PAUSED", "F_SPECIALISMS", "INTRO_LIMIT",
    "MAX_CAPACITY", "MESSAGE_LIMIT", "PENDING", "SPECIALISMS_LIMIT", "SYNONYMS", "WITHDRAWN", "AcceptOutcome",
    "FindResult", "InvalidMentorProfile", "MentorCard", "MentorForm", "MentorInfo", "MentoringSummary", "MyMentoring",
    "PairingInfo", "RequestInfo", "RequestOutcome", "accept_request", "area_label", "cancel_request", "checkin_at",
    "checkin_day", "checkin_subject", "checkin_to_send", "claim_introduction", "claim_request_notice",
    "decline_request", "end_pairing", "find_mentor_by_user", "find_mentor_profile", "find_mentors", "get_pairing",
    "mentor_for_request", "my_mentoring", "next_checkin", "open_request", "parse_find", "record_introduction",
    "record_meeting", "record_request_notice", "release_introduction", "release_request_notice", "request_mentor",
    "resolve_area", "save_mentor_profile", "schedule_checkin", "set_cadence", "set_group_conversation", "summary",
    "withdraw_request",
]
