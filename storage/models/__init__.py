"""Typed SQLAlchemy 2.0 models, one module per feature.

Importing this package imports every model module, so Base.metadata is complete for
Alembic and for the test that keeps models and migrations in agreement.
"""

from storage.models.core import Base, DueItem, Member, MemberIdentity, SlackDelivery, UTCDateTime
from storage.models import events  # noqa: F401 - network events, series, RSVPs, change notices
from storage.models import awards  # noqa: F401 - awards, cycles, nominations, scores, audit
from storage.models import profiles  # noqa: F401 - profiles, directory tags, welcomes
from storage.models import careers  # noqa: F401 - development opportunities, follows, reminders, CPD entries
from storage.models import mentoring  # noqa: F401 - mentors, pairings, requests, registration, questions
from storage.models import news  # noqa: F401 - announcements, news items, e-zine issues and their messages
from storage.models import site  # noqa: F401 - calendar feeds and page views of the public pages
from storage.models import teams  # noqa: F401 - Teams conversation references for proactive messages
from storage.models import downloads  # noqa: F401 - files handed out by link (Teams)
from storage.models import delivery  # noqa: F401 - every attempt to send a due item (the delivery report)
from storage.models import actions  # noqa: F401 - the action plan: actions, owners, updates
from storage.models import proposals  # noqa: F401 - sessions led by technicians, proposed and decided
from storage.models import surveys  # noqa: F401 - polls, surveys, who was asked and what was answered
from storage.models import outputs  # noqa: F401 - research outputs and the technicians they credit
from storage.models import drafts  # noqa: F401 - private drafts of nominations for external awards

__all__ = ["Base", "DueItem", "Member", "MemberIdentity", "SlackDelivery", "UTCDateTime"]
