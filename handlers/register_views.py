"""Block Kit for professional registration: the guide, one register, the guided questions and their
suggestion, the status form, and the organisers' uptake figures.

The guide's text is organiser-authored mrkdwn from content/registration.yaml, shown as written
(like help.yaml); what members type is escaped.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from storage import registration
from storage.registration import Guide, Register, StatusInfo, Suggestion, Uptake

REGISTER_USAGE = (
    "*Professional registration*\n"
    "`/tech register`  the registers for technicians, the fee support, and where you are\n"
    "`/tech register &lt;name&gt;`  one register in detail, e.g. `/tech register rscitech`\n"
    "`/tech register suggest`  three questions, and the register to aim for\n"
    "`/tech register status`  record where you are: not started, preparing, submitted, registered\n"
    "`/tech register mentor`  find a registration mentor"
)
ORGANISER_USAGE = "`/tech register summary`  registration uptake by status and department (organisers)"


def usage(organiser: bool) -> str:
    return REGISTER_USAGE + ("\n" + ORGANISER_USAGE if organiser else "")


def status_line(guide: Guide, info: StatusInfo | None) -> str:
    """Where the member is, in one line (the Home tab, the guide)."""
    if info is None or (info.status == "not_started" and not info.register):
        aim = f" The questions suggested *{guide.name(info.suggested)}*." if info and info.suggested else ""
        return f"Not recorded yet.{aim} `/tech register` explains the registers."
    if info.status == "registered":
        return f":medal: Registered: *{guide.name(info.register)}*."
    if info.status == "not_started":
        return f"Not started; aiming for *{guide.name(info.register)}*."
    return f"{info.status_label}: *{guide.name(info.register)}*."


def actions() -> Block:
    return blocks.actions(
        blocks.button("Which register suits me?", ids.REGISTER_SUGGEST_OPEN, style="primary"),
        blocks.button("Record my status", ids.REGISTER_STATUS_OPEN),
        blocks.button("Find a registration mentor", ids.REGISTER_FIND_MENTOR))


def guide_blocks(guide: Guide, status: StatusInfo | None, *, organiser: bool) -> list[Block]:
    result: list[Block] = [blocks.header("Professional registration"), blocks.section(guide.intro)]
    bodies: dict[str, list[Register]] = {}
    for r in guide.registers:
        bodies.setdefault(r.body.key, []).append(r)
    for group in bodies.values():
        body = group[0].body
        lines = [f"*<{body.link}|{body.name}>*" + (f", {body.via}" if body.via else "")]
        lines += [f"• *{r.name}* ({r.title}): {r.for_whom}" for r in group]
        result.append(blocks.section("\n".join(lines)))
    result.append(blocks.section(guide.fee_support))
    if guide.how_to_apply:
        result.append(blocks.section(f"*How to apply.* {guide.how_to_apply}"))
    result += [blocks.section(f"*You:* {status_line(guide, status)}"), actions(), blocks.context(usage(organiser))]
    return result[: blocks.MESSAGE_BLOCK_LIMIT]


def register_blocks(guide: Guide, r: Register) -> list[Block]:
    text = (f"*{r.title}* ({r.level}), {r.body.name}\n{r.for_whom}\n*Typically:* {r.typical}\n"
            f"<{r.link}|More about {r.name}>")
    return [blocks.header(r.name), blocks.section(text), blocks.section(guide.fee_support), actions()]


# The guided questions ----------------------------------------------------------------------------

def suggest_modal(status: StatusInfo | None) -> View:
    roles = [blocks.option(label, key) for key, label in registration.ROLES.items()]
    qualifications = [blocks.option(label, key) for key, (label, _) in registration.QUALIFICATIONS.items()]
    role = next((o for o in roles if status and o.value == status.role), None)
    qualification = next((o for o in qualifications if status and o.value == status.qualification), None)
    return View(
        type="modal", callback_id=ids.REGISTER_SUGGEST_MODAL, title=blocks.plain("Which register?"),
        submit=blocks.plain("Suggest"), close=blocks.plain("Cancel"),
        blocks=[
            blocks.section("Three questions, and I'll suggest the register to aim for. Professional bodies look at "
                           "experience as well as certificates, so this is a starting point."),
            InputBlock(block_id=ids.REGISTER_ROLE, label="The kind of work you do",
                       element=StaticSelectElement(action_id=ids.REGISTER_ROLE, placeholder="Choose one",
                                                   options=roles, initial_option=role)),
            InputBlock(block_id=ids.REGISTER_QUALIFICATION, label="Your highest qualification",
                       element=StaticSelectElement(action_id=ids.REGISTER_QUALIFICATION, placeholder="Choose one",
                                                   options=qualifications, initial_option=qualification)),
            InputBlock(block_id=ids.REGISTER_YEARS, label="Years of experience in technical roles",
                       element=NumberInputElement(action_id=ids.REGISTER_YEARS, is_decimal_allowed=False,
                                                  min_value="0", max_value=str(registration.MAX_YEARS),
                                                  initial_value=str(status.years) if status and status.years is not None
                                                  else None)),
        ])


def suggestion_text(guide: Guide, s: Suggestion) -> str:
    aim = guide.get(s.register)
    title = f" ({aim.title})" if aim else ""
    text = f":dart: Aim for *{guide.name(s.register)}*{title}: {s.reason}."
    if aim:
        text += f"\n{aim.body.name}, {aim.body.via}." if aim.body.via else f"\n{aim.body.name}."
    if s.next_register:
        text += f"\n*Next step up:* {guide.name(s.next_register)}, {s.next_step}."
    alternatives = [guide.name(a) for a in s.alternatives if guide.get(a)]
    if alternatives:
        text += f"\n*Also worth a look:* {', '.join(alternatives)}."
    return text


def suggestion_view(guide: Guide, s: Suggestion) -> View:
    return View(type="modal", title=blocks.plain("Your register"), close=blocks.plain("Done"), blocks=[
        blocks.section(suggestion_text(guide, s)),
        blocks.section(guide.fee_support),
        blocks.context("Record where you are with `/tech register status`; `/tech register mentor` finds a "
                       "colleague who has been through it."),
    ])


# Status --------------------------------------------------------------------------------------------

def status_modal(guide: Guide, status: StatusInfo | None) -> View:
    statuses = [blocks.option(label, key) for key, label in registration.STATUSES.items()]
    chosen = next((o for o in statuses if o.value == (status.status if status else "not_started")), None)
    registers = [blocks.option(f"{r.name}: {r.title}", r.key) for r in guide.registers][:100]
    wanted = status.register if status and status.register else (status.suggested if status else None)
    register = next((o for o in registers if o.value == wanted), None)
    return View(
        type="modal", callback_id=ids.REGISTER_STATUS_MODAL, title=blocks.plain("Registration status"),
        submit=blocks.plain("Save"), close=blocks.plain("Cancel"),
        blocks=[
            InputBlock(block_id=ids.REGISTER_STATUS, label="Where are you with registration?",
                       element=RadioButtonsElement(action_id=ids.REGISTER_STATUS, options=statuses,
                                                   initial_option=chosen)),
            InputBlock(block_id=ids.REGISTER_REGISTER, label="With the register", optional=True,
                       hint="Needed once you are preparing, have submitted or are registered.",
                       element=StaticSelectElement(action_id=ids.REGISTER_REGISTER, placeholder="Choose a register",
                                                   options=registers, initial_option=register)),
        ])


def status_saved_view(guide: Guide, info: StatusInfo) -> View:
    text = f":white_check_mark: Recorded. {status_line(guide, info)}"
    if info.status == "registered":
        text += "\nCongratulations! Keep your CPD up to date (`/tech cpd`) for your renewal."
    elif info.status in ("preparing", "not_started"):
        text += "\nA registration mentor makes it quicker: `/tech register mentor`."
    elif info.status == "submitted":
        text += "\nGood luck with the review! Time you spent preparing counts as CPD (`/tech cpd log`)."
    return View(type="modal", title=blocks.plain("Status saved"), close=blocks.plain("Done"),
                blocks=[blocks.section(text)])


# Organisers ---------------------------------------------------------------------------------------

def uptake_blocks(u: Uptake) -> list[Block]:
    share = f" ({u.registered_share.text})" if u.registered_share.exact else ""
    result: list[Block] = [
        blocks.header("Professional registration uptake"),
        SectionBlock(fields=[MarkdownTextObject(text=f"*{label}*\n{count.text}")
                             for label, count in u.by_status.items()]
                     + [MarkdownTextObject(text=f"*Members*\n{u.members.text}")]),
        blocks.section(f"*Registered:* {u.registered.text}{share}; "
                       f"*in progress* (preparing or submitted): {u.in_progress.text}."),
    ]
    if u.by_department:
        lines = [f"• {escape(d)}: " + " · ".join(f"{label} {n.text}" for label, n in counts.items())
                 for d, counts in u.by_department.items()]
        result.append(blocks.section("*By department*\n" + "\n".join(lines)))
    if u.by_register:
        lines = [f"• {escape(name)}: " + " · ".join(f"{label} {n.text}" for label, n in counts.items())
                 for name, counts in u.by_register.items()]
        result.append(blocks.section("*By register*\n" + "\n".join(lines)))
    result.append(blocks.context("Counts only: no member's status is shown, and a group of fewer than "
                                 f"{u.members.min_group} shows no exact number."))
    return result
