"""Surveys by DM: set up, invite, remind, answer (anonymously where asked: storage/surveys/service.py
says how that holds in the database), close and repeat; results through the privacy rule."""

from storage.surveys.questions import KINDS, Question, check_answers, parse
from storage.surveys.results import DepartmentResult, QuestionResult, Results, build, results, to_csv
from storage.surveys.service import (AUDIENCES, QUARTERLY, SURVEY_CLOSE, SURVEY_INVITE, SURVEY_OPEN, SURVEY_REMIND,
                                     SURVEY_REMINDERS, SURVEY_SHUFFLE, InvalidSurvey, SurveyDraft, SurveyInfo,
                                     audience_ids, close, create, get, invitation_counts, listing, open_survey,
                                     plan_reminders, reminded, respond, shuffle, to_answer, to_remind)

__all__ = ["AUDIENCES", "KINDS", "QUARTERLY", "SURVEY_CLOSE", "SURVEY_INVITE", "SURVEY_OPEN", "SURVEY_REMIND",
           "SURVEY_REMINDERS", "SURVEY_SHUFFLE", "DepartmentResult", "InvalidSurvey", "Question", "QuestionResult",
           "Results", "SurveyDraft", "SurveyInfo", "audience_ids", "build", "check_answers", "close", "create", "get",
           "invitation_counts", "listing", "open_survey", "parse", "plan_reminders", "reminded", "respond", "results",
           "shuffle", "to_answer", "to_csv", "to_remind"]
