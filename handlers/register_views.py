"""Professional registration's views: the guide, one register, the guided questions and their
suggestion, the status form, and the organisers' uptake figures.

The guide's text is organiser-authored markup from content/registration.yaml, shown as written
(like help.yaml); what members type is escaped.
"""

from __future__ import annotations

from core import ids, ui
from core.markup import escape
from core.views.registration import status_line
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


def actions() -> ui.Actions:
    return ui.actions(
        ui.button("Which register suits me?", ids.REGISTER_SUGGEST_OPEN, style="primary"),
        ui.button("Record my status", ids.REGISTER_STATUS_OPEN),
        ui.button("Find a registration mentor", ids.REGISTER_FIND_MENTOR))


def guide_blocks(guide: Guide, status: StatusInfo | None, *, organiser: bool) -> list[ui.Block]:
    result: list[ui.Block] = [ui.header("Professional registration"), ui.section(guide.intro)]
    bodies: dict[str, list[Register]] = {}
    for r in guide.registers:
        bodies.setdefault(r.body.key, []).append(r)
    for group in bodies.values():
        body = group[0].body
        lines = [f"*<{body.link}|{body.name}>*" + (f", {body.via}" if body.via else "")]
        lines += [f"• *{r.name}* ({r.title}): {r.for_whom}" for r in group]
        result.append(ui.section("\n".join(lines)))
    result.append(ui.section(guide.fee_support))
    if guide.how_to_apply:
        result.append(ui.section(f"*How to apply.* {guide.how_to_apply}"))
    result += [ui.section(f"*You:* {status_line(guide, status)}"), actions(), ui.context(usage(organiser))]
    return result[: ui.MESSAGE_BLOCK_LIMIT]


def register_blocks(guide: Guide, r: Register) -> list[ui.Block]:
    text = (f"*{r.title}* ({r.level}), {r.body.name}\n{r.for_whom}\n*Typically:* {r.typical}\n"
            f"<{r.link}|More about {r.name}>")
    return [ui.header(r.name), ui.section(text), ui.section(guide.fee_support), actions()]


# The guided questions ----------------------------------------------------------------------------

def suggest_form(status: StatusInfo | None) -> ui.Form:
    roles = tuple(ui.option(label, key) for key, label in registration.ROLES.items())
    qualifications = tuple(ui.option(label, key) for key, (label, _) in registration.QUALIFICATIONS.items())
    role = next((o for o in roles if status and o.value == status.role), None)
    qualification = next((o for o in qualifications if status and o.value == status.qualification), None)
    return ui.Form(
        id=ids.REGISTER_SUGGEST_MODAL, title="Which register?", submit="Suggest",
        blocks=(
            ui.section("Three questions, and I'll suggest the register to aim for. Professional bodies look at "
                       "experience as well as certificates, so this is a starting point."),
            ui.Field(id=ids.REGISTER_ROLE, label="The kind of work you do", kind=ui.FieldKind.SELECT,
                     placeholder="Choose one", options=roles, initial=role),
            ui.Field(id=ids.REGISTER_QUALIFICATION, label="Your highest qualification", kind=ui.FieldKind.SELECT,
                     placeholder="Choose one", options=qualifications, initial=qualification),
            ui.Field(id=ids.REGISTER_YEARS, label="Years of experience in technical roles", kind=ui.FieldKind.NUMBER,
                     min_value=0, max_value=registration.MAX_YEARS,
                     initial=status.years if status and status.years is not None else None),
        ))


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


def suggestion_form(guide: Guide, s: Suggestion) -> ui.Form:
    return ui.Form(id="", title="Your register", close="Done", blocks=(
        ui.section(suggestion_text(guide, s)),
        ui.section(guide.fee_support),
        ui.context("Record where you are with `/tech register status`; `/tech register mentor` finds a "
                   "colleague who has been through it."),
    ))


# Status --------------------------------------------------------------------------------------------

def status_form(guide: Guide, status: StatusInfo | None) -> ui.Form:
    statuses = tuple(ui.option(label, key) for key, label in registration.STATUSES.items())
    chosen = next((o for o in statuses if o.value == (status.status if status else "not_started")), None)
    registers = tuple(ui.option(f"{r.name}: {r.title}", r.key) for r in guide.registers)[:100]
    wanted = status.register if status and status.register else (status.suggested if status else None)
    register = next((o for o in registers if o.value == wanted), None)
    return ui.Form(
        id=ids.REGISTER_STATUS_MODAL, title="Registration status", submit="Save",
        blocks=(
            ui.Field(id=ids.REGISTER_STATUS, label="Where are you with registration?", kind=ui.FieldKind.RADIO,
                     options=statuses, initial=chosen),
            ui.Field(id=ids.REGISTER_REGISTER, label="With the register", kind=ui.FieldKind.SELECT, required=False,
                     hint="Needed once you are preparing, have submitted or are registered.",
                     placeholder="Choose a register", options=registers, initial=register),
        ))


def status_saved_form(guide: Guide, info: StatusInfo) -> ui.Form:
    text = f":white_check_mark: Recorded. {status_line(guide, info)}"
    if info.status == "registered":
        text += "\nCongratulations! Keep your CPD up to date (`/tech cpd`) for your renewal."
    elif info.status in ("preparing", "not_started"):
        text += "\nA registration mentor makes it quicker: `/tech register mentor`."
    elif info.status == "submitted":
        text += "\nGood luck with the review! Time you spent preparing counts as CPD (`/tech cpd log`)."
    return ui.Form(id="", title="Status saved", close="Done", blocks=(ui.section(text),))


# Organisers ---------------------------------------------------------------------------------------

def uptake_blocks(u: Uptake) -> list[ui.Block]:
    share = f" ({u.registered_share.text})" if u.registered_share.exact else ""
    result: list[ui.Block] = [
        ui.header("Professional registration uptake"),
        ui.section(fields=[*(f"*{label}*\n{count.text}" for label, count in u.by_status.items()),
                           f"*Members*\n{u.members.text}"]),
        ui.section(f"*Registered:* {u.registered.text}{share}; "
                   f"*in progress* (preparing or submitted): {u.in_progress.text}."),
    ]
    if u.by_department:
        lines = [f"• {escape(d)}: " + " · ".join(f"{label} {n.text}" for label, n in counts.items())
                 for d, counts in u.by_department.items()]
        result.append(ui.section("*By department*\n" + "\n".join(lines)))
    if u.by_register:
        lines = [f"• {escape(name)}: " + " · ".join(f"{label} {n.text}" for label, n in counts.items())
                 for name, counts in u.by_register.items()]
        result.append(ui.section("*By register*\n" + "\n".join(lines)))
    result.append(ui.context("Counts only: no member's status is shown, and a group of fewer than "
                             f"{u.members.min_group} shows no exact number."))
    return result
