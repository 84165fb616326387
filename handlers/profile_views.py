"""Profiles as neutral blocks: the edit modal, a colleague's card, the welcome DM, tags as chips."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from core import ids, ui
from core.markup import escape
from storage.models import Member
from storage.models.profiles import Profile
from storage.profiles import BIO_LIMIT, EQUIPMENT, MAX_TAGS, OTHER_DEPARTMENT, SKILL, TITLE_LIMIT, Card

FIELD_LABELS = {
    "job_title": "Job title",
    "department": "Department",
    "skills": "Skills and techniques",
    "equipment": "Equipment expertise",
    "bio": "Bio",
    "registration": "Professional registration status",
}
LISTED, SPOTLIGHT, PUBLIC_WEB = "listed", "spotlight", "public_web"
# A service's field name -> the modal block that shows its error.
FIELD_BLOCKS = {
    "job_title": ids.PROFILE_JOB_TITLE,
    "department": ids.PROFILE_DEPARTMENT,
    "department_other": ids.PROFILE_DEPARTMENT_OTHER,
    "fte": ids.PROFILE_FTE,
    "skills": ids.PROFILE_SKILLS,
    "equipment": ids.PROFILE_EQUIPMENT,
    "bio": ids.PROFILE_BIO,
    "public_fields": ids.PROFILE_PUBLIC_FIELDS,
}

PROFILE_USAGE = (
    "*Your profile*\n"
    "`/tech profile`  edit your profile: job title, department, FTE, skills, equipment, bio, and whether "
    "colleagues can find you\n"
    "`/tech profile @colleague`  see a colleague's profile card (only what they chose to show)\n"
    "`/tech find [skill or words]`  find technicians who know something"
)


def chip(label: str) -> str:
    """A tag shown literally in mrkdwn: code style stops *bold*, :emoji: and links; escaping stops <@U123>."""
    return "`" + escape(label.replace("`", "ˋ")) + "`"


def chips(labels: Sequence[str], *, budget: int = 2500) -> str:
    """Tags as chips, as many as fit in `budget` characters, then how many more there are."""
    shown: list[str] = []
    used = 0
    for i, label in enumerate(labels):
        piece = chip(label)
        if used + len(piece) + 1 > budget:
            shown.append(f"and {len(labels) - i} more")
            break
        shown.append(piece)
        used += len(piece) + 1
    return " ".join(shown)


def message_url(team_id: str | None, slack_user_id: str) -> str:
    """Slack's deep link that opens a direct message with the user."""
    query = {"team": team_id, "id": slack_user_id} if team_id else {"id": slack_user_id}
    return "slack://user?" + urlencode(query)


def tag_options(labels: Sequence[str]) -> tuple[ui.Option, ...]:
    return tuple(ui.option(label, label) for label in labels)


# The edit modal -----------------------------------------------------------------------

def profile_modal(member: Member, profile: Profile | None, departments: Sequence[str],
                  registration: str | None, registration_hint: str = "") -> ui.Form:
    """The profile form, prefilled with what technet knows (Slack's name, title and time zone, and ours)."""
    department_options = (*(ui.option(d, d) for d in departments), ui.option("Other (type it below)", OTHER_DEPARTMENT))
    chosen_department = None
    other_department = None
    if member.department:
        if member.department in departments:
            chosen_department = next(o for o in department_options if o.value == member.department)
        else:
            chosen_department, other_department = department_options[-1], member.department
    skills = [t.label for t in profile.tags(SKILL)] if profile else []
    equipment = [t.label for t in profile.tags(EQUIPMENT)] if profile else []
    visibility = (ui.option("List me in the skills directory: colleagues can find me by skill", LISTED),
                  ui.option("I may be featured in the e-zine spotlight (when listed)", SPOTLIGHT),
                  ui.option("Publish my profile on the network's public web pages, for anyone to see", PUBLIC_WEB))
    chosen_visibility = tuple(o for o in visibility
                              if profile and ((o.value == LISTED and profile.listed)
                                              or (o.value == SPOTLIGHT and profile.spotlight_opt_in)
                                              or (o.value == PUBLIC_WEB and profile.public_web)))
    fields = [f for f in FIELD_LABELS if f != "registration" or registration is not None]
    public_options = tuple(ui.option(FIELD_LABELS[f], f) for f in fields)
    shown = set(profile.public_fields) if profile else set(fields)
    where = " · ".join(escape(x) for x in (member.name, member.timezone) if x)
    body: list[ui.Block] = [
        ui.context(f"From Slack: *{where}*. Change your name or time zone in Slack itself."),
        ui.Field(id=ids.PROFILE_JOB_TITLE, label="Job title", required=False, initial=member.job_title or None,
                 max_length=TITLE_LIMIT),
        ui.Field(id=ids.PROFILE_DEPARTMENT, label="Department, school or faculty", kind=ui.FieldKind.SELECT,
                 required=False, placeholder="Choose yours", options=department_options, initial=chosen_department),
        ui.Field(id=ids.PROFILE_DEPARTMENT_OTHER, label="Not in the list? Type it here", required=False,
                 initial=other_department, max_length=TITLE_LIMIT),
        ui.Field(id=ids.PROFILE_FTE, label="FTE (your share of full time)", kind=ui.FieldKind.NUMBER, decimal=True,
                 hint="1 is full time, 0.6 is three days a week. Your CPD target is pro rata.",
                 initial=member.fte),
        ui.Field(id=ids.PROFILE_SKILLS, label="Skills and techniques", kind=ui.FieldKind.SEARCH, required=False,
                 hint=f"Type to search; anything new becomes a tag. Up to {MAX_TAGS}.",
                 placeholder="e.g. HPLC, cell culture, TIG welding", min_query_length=1, max_selected=MAX_TAGS,
                 initial=tag_options(skills)),
        ui.Field(id=ids.PROFILE_EQUIPMENT, label="Equipment expertise", kind=ui.FieldKind.SEARCH, required=False,
                 placeholder="e.g. confocal microscope, 400 MHz NMR", min_query_length=1, max_selected=MAX_TAGS,
                 initial=tag_options(equipment)),
        ui.Field(id=ids.PROFILE_BIO, label="A short bio", required=False, multiline=True, max_length=BIO_LIMIT,
                 initial=(profile.bio if profile else None) or None,
                 placeholder="What you do, what you love fixing, what people ask you"),
    ]
    if registration is not None:
        body.append(ui.section(f"*Professional registration:* {escape(registration)}{registration_hint}",
                               block_id=ids.PROFILE_REGISTRATION))
    body += [
        ui.Field(id=ids.PROFILE_VISIBILITY, label="Who can find you", kind=ui.FieldKind.CHECKBOXES, required=False,
                 options=visibility, initial=chosen_visibility),
        ui.Field(id=ids.PROFILE_PUBLIC_FIELDS, label="What colleagues see on your card",
                 kind=ui.FieldKind.CHECKBOXES, required=False, hint="Your name is always shown. FTE is never shown.",
                 options=public_options, initial=tuple(o for o in public_options if o.value in shown)),
    ]
    return ui.Form(id=ids.PROFILE_MODAL, title="Your profile", submit="Save", blocks=tuple(body))


# A colleague's card -------------------------------------------------------------------

# The most research outputs a card lists (newest first), one block each: a card stays well inside
# a message's 50 blocks.
CARD_OUTPUTS = 8

def registration_line(registration: str) -> str:
    """The card's line ("Professional registration: Registered: RSciTech"), also in the directory's results."""
    return f"Professional registration: {escape(registration)}"


def card_blocks(card: Card, *, registration: str | None, team_id: str | None) -> list[ui.Block]:
    """The card as colleagues see it: only the fields its owner shows."""
    result: list[ui.Block] = [ui.header(card.name)]
    role = " · ".join(escape(x) for x in (card.job_title, card.department) if x)
    if role:
        result.append(ui.section(role))
    if card.skills:
        result.append(ui.section("*Skills and techniques*\n" + chips(card.skills)))
    if card.equipment:
        result.append(ui.section("*Equipment expertise*\n" + chips(card.equipment)))
    if card.bio:
        # Plain text: a bio is shown exactly as written, with no formatting, links or mentions.
        result.append(ui.section(ui.Plain(card.bio)))
    if registration is not None and card.shows_registration:
        result.append(ui.context(registration_line(registration)))
    if card.outputs:
        result.append(ui.section("*Recognised in research*"))
        result += [ui.section(f"• {escape(o.title)} ({o.kind_label.lower()}, {o.year}; {o.credit.lower()})\n"
                              f"{escape(o.url)}") for o in card.outputs[:CARD_OUTPUTS]]
        if len(card.outputs) > CARD_OUTPUTS:
            result.append(ui.context(f"and {len(card.outputs) - CARD_OUTPUTS} more"))
    if card.own:
        note = ("This is your card as colleagues see it." if card.listed else
                "Only you can see this: you are not listed in the directory, so colleagues can't.")
        result += [ui.context(note), ui.actions(ui.button("Edit my profile", ids.PROFILE_EDIT))]
    else:
        result.append(ui.actions(ui.button(f"Message {card.name}", ids.FIND_MESSAGE, card.user_id,
                                           url=message_url(team_id, card.user_id))))
    return result


# The welcome DM -----------------------------------------------------------------------

def welcome_blocks(text: str) -> list[ui.Block]:
    return [
        ui.section(text),
        ui.actions(ui.button("Fill in my profile", ids.PROFILE_EDIT, style="primary")),
        ui.context(ui.Plain("You get this message once. Type /tech help any time.")),
    ]
