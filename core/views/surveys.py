"""A survey's invitation and reminders by DM: what it is, whether it is anonymous, when it closes,
and a Take the survey button."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core import ids, ui
from core.markup import escape
from storage.surveys import SurveyInfo
from storage.words import plural

ANONYMOUS_NOTE = ("Anonymous: technet keeps that you answered (so you are not reminded) apart from what you "
                  "answered, with nothing that joins the two; results show only groups of 5 or more.")
NAMED_NOTE = "Named: the organisers see your answers with your name."


def invitation_blocks(survey: SurveyInfo, tz: ZoneInfo, *, reminder: int = 0) -> list[ui.Block]:
    lead = (f":bell: A reminder: *{escape(survey.title)}* is waiting for your answers." if reminder
            else f":clipboard: *{escape(survey.title)}*: the network would like to hear from you.")
    if survey.audience == "feedback":
        lead = (f":star: Thank you for coming to *{escape(survey.title.removeprefix('Feedback: '))}*. How was it? "
                "A rating from 1 to 5 and, if you like, a comment.")
    return [
        ui.section(f"{lead}\n{plural(len(survey.questions), 'question')}, open until "
                   f"{survey.closes_at.astimezone(tz):%a %-d %b %Y, %H:%M}."),
        ui.context(ANONYMOUS_NOTE if survey.anonymous else NAMED_NOTE),
        ui.actions(ui.button("Take the survey", ids.SURVEY_TAKE, str(survey.id), style="primary"),
                   block_id=f"survey_{survey.id}"),
    ]


def invitation(survey: SurveyInfo, tz: ZoneInfo, *, reminder: int = 0) -> ui.Message:
    title = f"Reminder: {survey.title}" if reminder else f"Survey: {survey.title}"
    return ui.message(invitation_blocks(survey, tz, reminder=reminder), title=title)
