"""Professional registration: the guide (content/registration.yaml), the rules that suggest a
register from a member's role, qualifications and experience, each member's status, and
the organisers' uptake figures.

The suggestion rules are here, in code, so they are tested; the registers' names,
descriptions, links and the institution's fee support are content organisers edit.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content import ContentError, load_yaml
from storage import privacy
from storage.errors import DomainError
from storage.forms import FieldErrors, InvalidFields
from storage.members import Actor, Role
from storage.models import Member
from storage.models.mentoring import RegistrationStatus
from storage.privacy import Shown, share_of, suppress

ROLES: dict[str, str] = {
    "science": "Laboratory or scientific (research, teaching or analytical labs)",
    "engineering": "Engineering, workshop or electronics",
    "digital": "IT, digital or research computing",
    "teaching": "Mainly supporting teaching and learning",
    "other": "Something else (facilities, stores, management ...)",
}
# Key -> (what the member chooses, its level in the Regulated Qualifications Framework).
QUALIFICATIONS: dict[str, tuple[str, int]] = {
    "none": ("No formal qualification yet", 0),
    "level2": ("GCSEs or an intermediate (level 2) apprenticeship", 2),
    "level3": ("A levels, BTEC or an advanced (level 3) apprenticeship", 3),
    "level4": ("HNC, CertHE or a higher (level 4) apprenticeship", 4),
    "level5": ("HND, foundation degree or DipHE", 5),
    "level6": ("Bachelor's degree or degree apprenticeship", 6),
    "level7": ("Master's degree", 7),
    "level8": ("Doctorate (PhD)", 8),
}
STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "preparing": "Preparing",
    "submitted": "Submitted",
    "registered": "Registered",
}
NOT_RECORDED = "Not recorded"
MAX_YEARS = 60

# Ladders of registers by kind of work: technician, then practitioner, then chartered.
LADDERS: dict[str, tuple[str, str, str]] = {
    "science": ("rscitech", "rsci", "csci"),
    "teaching": ("rscitech", "rsci", "csci"),
    "other": ("rscitech", "rsci", "csci"),
    "engineering": ("engtech", "ieng", "ceng"),
    "digital": ("icttech", "ieng", "ceng"),
}
# The qualification level the middle rung usually asks for (RSci: level 5; IEng: a bachelor's).
MIDDLE_LEVEL = {"science": 5, "teaching": 5, "other": 5, "engineering": 6, "digital": 6}
# Other registers worth a look for some roles.
ALTERNATIVES = {"digital": ("rittech",), "teaching": ("afhea", "csciteach")}
SUGGESTED_KEYS = frozenset(k for ladder in LADDERS.values() for k in ladder) | \
    frozenset(k for keys in ALTERNATIVES.values() for k in keys)

# Field names: the forms' block ids (core/ids.py uses the same), so errors land by the field.
F_ROLE, F_QUALIFICATION, F_YEARS, F_STATUS, F_REGISTER = "role", "qualification", "years", "status", "register"


# The guide ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Body:
    key: str
    name: str
    link: str
    via: str


@dataclass(frozen=True)
class Register:
    key: str
    name: str
    title: str
    body: Body
    level: str
    for_whom: str
    typical: str
    link: str


@dataclass(frozen=True)
class Guide:
    intro: str
    fee_support: str
    how_to_apply: str
    registers: tuple[Register, ...]

    def get(self, key: str | None) -> Register | None:
        return next((r for r in self.registers if r.key == key), None)

    def name(self, key: str | None) -> str:
        found = self.get(key)
        return found.name if found else (key or "").upper()

    def find(self, text: str) -> Register | None:
        """The register a member means ("rscitech", "RSciTech", "Registered Science Technician")."""
        wanted = "".join(text.casefold().split())
        for r in self.registers:
            if wanted in (r.key, "".join(r.name.casefold().split()), "".join(r.title.casefold().split())):
                return r
        return None


def load_guide(override_dir: Path | None = None) -> Guide:
    """content/registration.yaml (a deployment's copy in TECHNET_CONTENT_DIR wins), checked."""
    data = load_yaml("registration.yaml", override_dir)
    try:
        bodies = {key: Body(key, str(b["name"]), str(b.get("link") or ""), str(b.get("via") or ""))
                  for key, b in (data.get("bodies") or {}).items()}
        registers: list[Register] = []
        for r in data["registers"]:
            body = bodies.get(r["body"])
            if body is None:
                raise ContentError(f"registration.yaml: register {r['key']!r} names an unknown body {r['body']!r}")
            registers.append(Register(
                key=str(r["key"]).strip().casefold(), name=str(r["name"]), title=str(r["title"]), body=body,
                level=str(r.get("level") or ""), for_whom=" ".join(str(r.get("for") or "").split()),
                typical=" ".join(str(r.get("typical") or "").split()), link=str(r.get("link") or body.link)))
        keys = [r.key for r in registers]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ContentError(f"registration.yaml: register keys must differ; {sorted(duplicates)} repeat")
        if not registers:
            raise ContentError("registration.yaml: list at least one register")
        return Guide(intro=" ".join(str(data["intro"]).split()), fee_support=" ".join(str(data["fee_support"]).split()),
                     how_to_apply=" ".join(str(data.get("how_to_apply") or "").split()), registers=tuple(registers))
    except (KeyError, TypeError, AttributeError) as e:
        raise ContentError(f"registration.yaml: missing or malformed {e}") from None


@functools.lru_cache(maxsize=8)
def cached_guide(override_dir: Path | None = None) -> Guide:
    """The guide as load_guide reads it, once per content directory (restart to pick up edits):
    what the registration and mentoring features show on each request and Home tab."""
    return load_guide(override_dir)


# The suggestion ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    register: str
    reason: str
    # The rung above, and what it usually needs; None at the top.
    next_register: str | None
    next_step: str | None
    alternatives: tuple[str, ...]


def parse_years(value: Any) -> int:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        raise DomainError("Give your years of experience in technical roles (0 if you are just starting).",
                          field=F_YEARS)
    try:
        years = float(text)
    except ValueError:
        raise DomainError(f"“{text[:10]}” is not a number of years.", field=F_YEARS) from None
    if years != years or years < 0:
        raise DomainError("Years of experience can't be negative.", field=F_YEARS)
    if years > MAX_YEARS:
        raise DomainError(f"At most {MAX_YEARS} years: check the number.", field=F_YEARS)
    return int(years)


def suggest(role: str, qualification: str, years: int) -> Suggestion:
    """The register to aim for now, from the kind of work, the highest qualification and the years of experience.

    Technician rung for everyone to start with; the practitioner rung (RSci, IEng) with the
    qualification it usually asks for and two years' experience, or long experience (eight
    years) from level 3; the chartered rung (CSci, CEng) with a master's and four years, or a
    bachelor's and eight. Professional bodies assess experience as well as certificates,
    so these are a starting point, not a verdict.
    """
    if role not in LADDERS:
        raise DomainError("Choose the kind of work you do from the list.", field=F_ROLE)
    if qualification not in QUALIFICATIONS:
        raise DomainError("Choose your highest qualification from the list.", field=F_QUALIFICATION)
    if years < 0:
        raise DomainError("Years of experience can't be negative.", field=F_YEARS)
    level = QUALIFICATIONS[qualification][1]
    technician, practitioner, chartered = LADDERS[role]
    middle = MIDDLE_LEVEL[role]
    if (level >= 7 and years >= 4) or (level >= 6 and years >= 8):
        rung, reason = chartered, (f"a level {level} qualification and {years} years' experience fit the chartered "
                                   "standard")
    elif (level >= middle and years >= 2) or (level >= 3 and years >= 8):
        route = ("your qualification and experience" if level >= middle
                 else "your long experience (an experiential route)")
        rung, reason = practitioner, f"{route} fit the practitioner standard"
    else:
        rung = technician
        if level < 3 and years < 2:
            reason = ("the technician register is the place to start; build a couple of years' experience, or a "
                      "level 3 qualification such as an apprenticeship, while you prepare")
        else:
            reason = "the technician standard fits where you are now"
    ladder = LADDERS[role]
    position = ladder.index(rung)
    next_register = ladder[position + 1] if position + 1 < len(ladder) else None
    next_step = None
    if next_register == practitioner:
        next_step = (f"usually a level {middle} qualification and two years' experience, or eight years' experience "
                     "from level 3")
    elif next_register == chartered:
        next_step = "usually a master's degree and four years' experience, or a bachelor's and eight years"
    return Suggestion(rung, reason, next_register, next_step, ALTERNATIVES.get(role, ()))


# Members' status -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusInfo:
    status: str
    register: str | None
    role: str | None
    qualification: str | None
    years: int | None
    suggested: str | None
    updated_at: datetime

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


def _info(row: RegistrationStatus) -> StatusInfo:
    return StatusInfo(row.status, row.register, row.role, row.qualification, row.years, row.suggested, row.updated_at)


def status_of(session: Session, member_id: int) -> StatusInfo | None:
    row = session.get(RegistrationStatus, member_id)
    return None if row is None else _info(row)


def status_label(session: Session, member_id: int, guide: Guide | None = None) -> str | None:
    """One line for a profile card ("Registered: RSciTech", "Preparing: EngTech"), or None if not recorded."""
    info = status_of(session, member_id)
    if info is None or (info.status == "not_started" and not info.register):
        return None
    name = guide.name(info.register) if guide else (info.register or "").upper()
    return f"{info.status_label}: {name}" if info.register else info.status_label


def _row(session: Session, actor: Actor, now: datetime) -> RegistrationStatus:
    row = session.get(RegistrationStatus, actor.member_id)
    if row is None:
        row = RegistrationStatus(member_id=actor.member_id, status="not_started", created_at=now, updated_at=now)
        session.add(row)
    return row


def save_answers(session: Session, actor: Actor, *, role: str | None, qualification: str | None, years: Any,
                 now: datetime) -> Suggestion:
    """The guided questions: validate, suggest, and keep the answers and the suggestion with the member."""
    errors = FieldErrors()
    if role not in ROLES:
        errors[F_ROLE] = "Choose the kind of work you do from the list."
    if qualification not in QUALIFICATIONS:
        errors[F_QUALIFICATION] = "Choose your highest qualification from the list."
    whole_years = errors.check(F_YEARS, lambda: parse_years(years))
    if errors:
        raise InvalidAnswers(errors)
    assert role is not None and qualification is not None and whole_years is not None
    suggestion = suggest(role, qualification, whole_years)
    row = _row(session, actor, now)
    row.role, row.qualification, row.years, row.suggested, row.updated_at = (
        role, qualification, whole_years, suggestion.register, now)
    session.flush()
    return suggestion


class InvalidAnswers(InvalidFields):
    """Several answers can be wrong at once; `errors` maps each field to what is wrong."""


def record_status(session: Session, actor: Actor, *, status: str | None, register: str | None, guide: Guide,
                  now: datetime) -> StatusInfo:
    """A member records where they are; preparing, submitted and registered need the register."""
    if status not in STATUSES:
        raise DomainError("Choose where you are from the list.", field=F_STATUS)
    register = (register or "").strip().casefold() or None
    if register is not None and guide.get(register) is None:
        raise DomainError("Choose a register from the list.", field=F_REGISTER)
    if status != "not_started" and register is None:
        raise DomainError(f"Which register? “{STATUSES[status]}” needs one.", field=F_REGISTER)
    row = _row(session, actor, now)
    row.status, row.register, row.updated_at = status, register, now
    session.flush()
    return _info(row)


# Organisers' figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Uptake:
    """Counts of members as they may be shown (storage.privacy): a group of 1 to N-1 is "fewer
    than N", and cells that would give one away from a total are withheld."""

    members: Shown
    by_status: dict[str, Shown]
    # Department -> status label -> members (statuses nobody in it has left out); departments
    # sorted, then "(no department)", then departments of fewer than N members pooled.
    by_department: dict[str, dict[str, Shown]]
    # Register name -> {status label: members} for those who named a register.
    by_register: dict[str, dict[str, Shown]]
    registered: Shown
    registered_share: Shown
    # Preparing or submitted.
    in_progress: Shown


NO_DEPARTMENT = "(no department)"


def small_departments(min_group: int) -> str:
    return f"(departments of fewer than {min_group} members)"


def uptake(session: Session, actor: Actor, guide: Guide, *, min_group: int) -> Uptake:
    """Registration uptake by status, by department and by register: counts only, for organisers,
    none of a group smaller than `min_group` (TECHNET_REPORT_MIN_GROUP)."""
    actor.require(Role.ORGANISER, "see registration uptake")
    rows = session.execute(
        select(Member.department, RegistrationStatus.status, RegistrationStatus.register)
        .outerjoin(RegistrationStatus, RegistrationStatus.member_id == Member.id)
        .where(Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    by_status: Counter[str] = Counter()
    by_department: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_register: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for department, status, register in rows:
        label = STATUSES.get(status, NOT_RECORDED) if status else NOT_RECORDED
        by_status[label] += 1
        by_department[(department or "").strip() or NO_DEPARTMENT][label] += 1
        if register:
            by_register[guide.name(register)][label] += 1
    k = min_group
    order = [*STATUSES.values(), NOT_RECORDED]
    # A department of 1 to N-1 members is not shown on its own: whatever its statuses, they would
    # say something about people one can name. Such departments are pooled.
    small = [d for d, counts in by_department.items() if sum(counts.values()) < k]
    if small:
        pooled: Counter[str] = Counter()
        for d in small:
            pooled.update(by_department.pop(d))
        by_department[small_departments(k)] = pooled
    departments = sorted(by_department, key=lambda d: (d in (NO_DEPARTMENT, small_departments(k)), d.casefold()))
    members = privacy.people(len(rows), k)
    statuses = suppress({label: by_status[label] for label in order}, k, total=members)
    # Each status's departments add up to the status's network count, which is shown: a breakdown
    # of it, so that no department's small group can be worked out from the others.
    columns = {label: suppress({d: by_department[d][label] for d in departments}, k,
                               total=statuses.cells[label]) for label in order}
    # Registers: only those who named one, so no total is shown beside them.
    registers = {name: suppress(dict(counts), k, total=None).cells for name, counts in sorted(by_register.items())}
    preparing, submitted = statuses.cells[STATUSES["preparing"]], statuses.cells[STATUSES["submitted"]]
    registered = statuses.cells[STATUSES["registered"]]
    # A sum with a suppressed part would give that part back, unless the sum is itself a small group.
    ongoing = by_status[STATUSES["preparing"]] + by_status[STATUSES["submitted"]]
    in_progress = (privacy.people(ongoing, k) if (preparing.exact and submitted.exact) or ongoing < k
                   else privacy.withheld(min_group=k))
    members = members if statuses.total_shown else privacy.withheld(min_group=k)
    return Uptake(
        members=members,
        by_status=statuses.cells,
        by_department={d: {label: columns[label].cells[d] for label in order if by_department[d][label]}
                       for d in departments},
        by_register=registers,
        registered=registered, registered_share=share_of(registered, members), in_progress=in_progress,
    )
