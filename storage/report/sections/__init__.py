"""One builder per feature's section of the report, in the order the report shows them.

Each reads its feature's tables (never writes them) through the shared Context.
"""

from __future__ import annotations

from collections.abc import Callable

from storage.report.building import Context
from storage.report.model import Section
from storage.report.sections.actions import actions_section
from storage.report.sections.awards import awards_section
from storage.report.sections.cpd import cpd_section
from storage.report.sections.events import events_section
from storage.report.sections.members import members_section
from storage.report.sections.mentoring import mentoring_section
from storage.report.sections.news import news_section
from storage.report.sections.opportunities import opportunities_section
from storage.report.sections.registration import registration_section
from storage.report.sections.research import research_section
from storage.report.sections.surveys import surveys_section
from storage.report.sections.web import web_section

SECTIONS: dict[str, Callable[[Context], Section]] = {
    "members": members_section,
    "events": events_section,
    "awards": awards_section,
    "registration": registration_section,
    "cpd": cpd_section,
    "mentoring": mentoring_section,
    "news": news_section,
    "opportunities": opportunities_section,
    "web": web_section,
    "actions": actions_section,
    "surveys": surveys_section,
    "research": research_section,
}
