"""Credit on research outputs: a member logs a paper, dataset, software or patent and the
technicians it credits (as authors or acknowledged); each of them confirms or declines by DM.
Only confirmed credit is shown anywhere (profile cards, the e-zine, the public pages, the report).

The DM asking each credited member is a due row (kind CONFIRM_DM, one per output and member), so
it goes out exactly once however often the form is delivered and whichever process sends it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound
from storage.forms import InvalidFields
from storage.members import Actor, ensure_member
from storage.models import Member
from storage.models.outputs import OutputCredit, ResearchOutput

KINDS = {"paper": "Paper", "dataset": "Dataset", "software": "Software", "patent": "Patent"}
CREDITS = {"author": "Author", "acknowledged": "Acknowledged"}
PENDING, CONFIRMED, DECLINED = "pending", "confirmed", "declined"
CONFIRM_DM = "outputs.confirm"
TITLE_LIMIT, LINK_LIMIT, MOST_CREDITED = 300, 500, 30
FIRST_YEAR = 1900
DOI = re.compile(r"10\.\d{4,9}/[^\s<>|]+")
HTTPS = re.compile(r"https://[^\s<>|/]+\.[^\s<>|/]+(/[^\s<>|]*)?")


class InvalidOutput(InvalidFields):
    """Fields of the output form that are wrong, each with what to do."""


@dataclass(frozen=True)
class OutputForm:
    title: str | None = None
    link: str | None = None
    year: str | None = None
    kind: str | None = None
    # The credited technicians, by their ids on the actor's surface.
    credited: tuple[str, ...] = ()
    credit: str | None = None


@dataclass(frozen=True)
class CreditInfo:
    member_id: int
    user_id: str
    name: str
    credit: str
    status: str


@dataclass(frozen=True)
class OutputInfo:
    id: int
    title: str
    link: str
    year: int
    kind: str
    creator_id: int | None
    credits: tuple[CreditInfo, ...]

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def url(self) -> str:
        return _url(self.link)

    @property
    def confirmed(self) -> tuple[CreditInfo, ...]:
        return tuple(c for c in self.credits if c.status == CONFIRMED)

    def credit_of(self, member_id: int) -> CreditInfo | None:
        return next((c for c in self.credits if c.member_id == member_id), None)


def _url(link: str) -> str:
    """A DOI as its resolver's address; an https link as given."""
    return f"https://doi.org/{link}" if DOI.fullmatch(link) else link


def check_link(text: str | None) -> str:
    """A DOI (10.xxxx/..., also written doi:10... or https://doi.org/10...) or an https address.
    The format only: nothing is looked up."""
    link = (text or "").strip()
    if not link:
        raise DomainError("Give the DOI (10.xxxx/...) or an https:// link.", field="link")
    if len(link) > LINK_LIMIT:
        raise DomainError(f"Keep the link under {LINK_LIMIT} characters.", field="link")
    doi = re.sub(r"^(doi:\s*|https?://(dx\.)?doi\.org/)", "", link, flags=re.IGNORECASE)
    if DOI.fullmatch(doi):
        return doi
    if doi.startswith("10."):
        raise DomainError("That DOI is not in the form 10.xxxx/something.", field="link")
    if not HTTPS.fullmatch(link):
        raise DomainError("Give a DOI like 10.1234/abcd or a web address starting with https://.", field="link")
    return link


def _year(text: str | None, now: datetime) -> int:
    year = (text or "").strip()
    if not year.isdigit() or not FIRST_YEAR <= int(year) <= now.year + 1:
        raise DomainError(f"Give the year it came out, {FIRST_YEAR} to {now.year + 1}.", field="year")
    return int(year)


def log_output(session: Session, actor: Actor, form: OutputForm, *, now: datetime,
               submission_id: str | None = None) -> OutputInfo:
    """A member logs an output; each credited technician is asked by DM (one due row each).
    The same form delivered twice makes one output and one DM each."""
    errors: dict[str, str] = {}
    title = " ".join((form.title or "").split())
    if not title:
        errors["title"] = "Give the output's title."
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"Keep the title to {TITLE_LIMIT} characters."
    link = year = None
    try:
        link = check_link(form.link)
    except DomainError as e:
        errors["link"] = e.message
    try:
        year = _year(form.year, now)
    except DomainError as e:
        errors["year"] = e.message
    if form.kind not in KINDS:
        errors["kind"] = "Choose a paper, dataset, software or patent."
    if form.credit not in CREDITS:
        errors["credit"] = "Choose how they are credited: authors or acknowledged."
    credited: list[Member] = []
    for user_id in dict.fromkeys(form.credited):
        member = ensure_member(session, actor.identity.colleague(user_id), now=now)
        if member.is_bot:
            errors["credited"] = f"{member.name} is a bot: choose the technicians credited."
        elif member not in credited:
            credited.append(member)
    if not credited and "credited" not in errors:
        errors["credited"] = "Choose the technicians credited on it."
    elif len(credited) > MOST_CREDITED:
        errors["credited"] = f"Choose at most {MOST_CREDITED} people; log a larger team in parts."
    if errors:
        raise InvalidOutput(errors)
    assert link is not None and year is not None
    if submission_id:
        done = session.scalar(select(ResearchOutput).where(ResearchOutput.submission_id == submission_id))
        if done is not None:
            return _info(session, done)
    row = ResearchOutput(creator_id=actor.member_id, title=title, link=link, year=year, kind=form.kind or "",
                         submission_id=submission_id or None, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        done = session.scalar(select(ResearchOutput).where(ResearchOutput.submission_id == submission_id))
        assert done is not None
        return _info(session, done)
    for member in credited:
        session.add(OutputCredit(output_id=row.id, member_id=member.id, credit=form.credit or "", status=PENDING))
        ledger.schedule(session, kind=CONFIRM_DM, subject=_subject(row.id), occurrence=f"member:{member.id}",
                        due_at=now, payload={"member": member.user_id})
    session.flush()
    return _info(session, row)


def _subject(output_id: int) -> str:
    return f"output:{output_id}"


def _info(session: Session, row: ResearchOutput) -> OutputInfo:
    return _infos(session, [row])[0]


def _infos(session: Session, rows: Sequence[ResearchOutput]) -> list[OutputInfo]:
    """The outputs with their credits, in one query for all of them."""
    credits: dict[int, list[CreditInfo]] = {}
    if rows:
        for c, m in session.execute(select(OutputCredit, Member).join(Member, Member.id == OutputCredit.member_id)
                                    .where(OutputCredit.output_id.in_([r.id for r in rows]))
                                    .order_by(Member.display_name, Member.real_name, Member.id)):
            credits.setdefault(c.output_id, []).append(CreditInfo(m.id, m.user_id, m.name, c.credit, c.status))
    return [OutputInfo(r.id, r.title, r.link, r.year, r.kind, r.creator_id, tuple(credits.get(r.id, ())))
            for r in rows]


def get(session: Session, output_id: int) -> OutputInfo:
    row = session.get(ResearchOutput, output_id)
    if row is None:
        raise NotFound("That output is not there any more.")
    return _info(session, row)


def to_ask(session: Session, subject: str, occurrence: str) -> tuple[OutputInfo, CreditInfo, str] | None:
    """What a confirmation DM's due row asks, with who logged it; None once answered or gone."""
    try:
        output_id = int(subject.removeprefix("output:"))
        member_id = int(occurrence.removeprefix("member:"))
    except ValueError:
        return None
    row = session.get(ResearchOutput, output_id)
    if row is None:
        return None
    info = _info(session, row)
    credit = info.credit_of(member_id)
    if credit is None or credit.status != PENDING:
        return None
    creator = session.get(Member, row.creator_id) if row.creator_id is not None else None
    return info, credit, creator.name if creator is not None else "A colleague"


def answer(session: Session, actor: Actor, output_id: int, *, confirm: bool, now: datetime) -> OutputInfo:
    """The credited member confirms or declines their credit (and may change their mind)."""
    credit = session.get(OutputCredit, (output_id, actor.member_id))
    if credit is None:
        raise NotFound("You are not credited on that output (or it was removed).")
    status = CONFIRMED if confirm else DECLINED
    if credit.status != status:
        credit.status, credit.answered_at = status, now
        session.flush()
    return get(session, output_id)


def mine(session: Session, actor: Actor) -> list[OutputInfo]:
    """Outputs you are credited on or logged, newest first."""
    credited = select(OutputCredit.output_id).where(OutputCredit.member_id == actor.member_id)
    rows = session.scalars(select(ResearchOutput).where(
        (ResearchOutput.creator_id == actor.member_id) | ResearchOutput.id.in_(credited))
        .order_by(ResearchOutput.year.desc(), ResearchOutput.created_at.desc(), ResearchOutput.id.desc())).all()
    return _infos(session, rows)


@dataclass(frozen=True)
class Confirmed:
    """An output as one of its confirmed credits shows it."""

    id: int
    title: str
    url: str
    year: int
    kind_label: str
    credit: str


def confirmed_for(session: Session, member_id: int) -> list[Confirmed]:
    """A member's confirmed outputs, newest first (their profile card, their public page)."""
    rows = session.execute(select(ResearchOutput, OutputCredit.credit).join(
        OutputCredit, OutputCredit.output_id == ResearchOutput.id).where(
        OutputCredit.member_id == member_id, OutputCredit.status == CONFIRMED)
        .order_by(ResearchOutput.year.desc(), ResearchOutput.id.desc())).all()
    return [_confirmed(r, credit) for r, credit in rows]


def last_answered(session: Session, member_id: int) -> datetime | None:
    """When the member last confirmed or declined a credit (what their public page last changed by)."""
    return session.scalar(select(func.max(OutputCredit.answered_at)).where(OutputCredit.member_id == member_id))


def _confirmed(row: ResearchOutput, credit: str) -> Confirmed:
    return Confirmed(row.id, row.title, _url(row.link), row.year, KINDS.get(row.kind, row.kind),
                     CREDITS.get(credit, credit))


@dataclass(frozen=True)
class Recognised:
    """An output with the members who confirmed credit on it in a period (the e-zine's section)."""

    id: int
    title: str
    url: str
    year: int
    kind_label: str
    # (member id, name) of each technician who confirmed, by kind of credit.
    authors: tuple[tuple[int, str], ...]
    acknowledged: tuple[tuple[int, str], ...]


def recognised_between(session: Session, start: datetime, end: datetime) -> list[Recognised]:
    """Outputs with credit confirmed in [start, end), each naming everyone confirmed on it so far
    (active members only): only those who said yes are ever named."""
    ids = select(OutputCredit.output_id).where(OutputCredit.status == CONFIRMED, OutputCredit.answered_at >= start,
                                               OutputCredit.answered_at < end)
    rows = session.execute(select(ResearchOutput, OutputCredit.credit, Member).join(
        OutputCredit, OutputCredit.output_id == ResearchOutput.id).join(Member, Member.id == OutputCredit.member_id)
        .where(ResearchOutput.id.in_(ids), OutputCredit.status == CONFIRMED, Member.deactivated.is_(False))
        .order_by(ResearchOutput.year.desc(), ResearchOutput.id, Member.display_name, Member.real_name)).all()
    found: dict[int, tuple[ResearchOutput, list[tuple[int, str]], list[tuple[int, str]]]] = {}
    for output, credit, member in rows:
        _, authors, acknowledged = found.setdefault(output.id, (output, [], []))
        (authors if credit == "author" else acknowledged).append((member.id, member.name))
    return [Recognised(o.id, o.title, _url(o.link), o.year, KINDS.get(o.kind, o.kind), tuple(a), tuple(b))
            for o, a, b in found.values()]
