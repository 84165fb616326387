"""Profiles, the skills directory and welcomes: the rules, over a Session, with no Slack.

- A member edits only their own profile. Job title, department and FTE are written to
  `Member` (the single source other features read); the rest to `Profile`.
- Tags are normalised: "HPLC", " hplc " and "ＨＰＬＣ" are one tag, shown as first written.
- Nobody appears in the directory, its export or the e-zine spotlight without opting
  in, and a deactivated Slack account or a bot never does.
- Colleagues see, and can search, only the fields a member chose to show.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.errors import DomainError, NotFound
from storage.forms import FieldErrors, InvalidFields
from storage.members import Actor, Role, find_member, upsert_from_slack
from storage.models import Member
from storage.models.profiles import PUBLIC_FIELDS, Profile, ProfileTag, ProfileTagLink, ProfileWelcome

SKILL, EQUIPMENT = "skill", "equipment"
TAG_KINDS = (SKILL, EQUIPMENT)
# Slack shows an option's text in at most 75 characters; a tag is a few words, not a sentence.
MAX_TAG_LENGTH = 60
# Enough for anyone's real expertise, and what one menu and one card can show.
MAX_TAGS = 50
BIO_LIMIT = 500
TITLE_LIMIT = 200
OTHER_DEPARTMENT = "__other__"
# Words that say nothing about a skill: "who knows how to use the NMR" searches "nmr".
STOPWORDS = frozenset(
    "a an and or the of in on at to for with by from who knows know knowing how use using someone anyone "
    "is are can do does experience expert expertise skill skills in with".split()
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SEPARATORS = re.compile(r"[\s,;/|]+")


class InvalidProfile(InvalidFields):
    """One or more fields are wrong; `errors` maps each field to a message for a person."""


class NotListed(DomainError):
    """The colleague has not chosen to be in the directory."""


# Tags ---------------------------------------------------------------------------------

def normalise_label(text: str) -> str:
    """How a tag is written: Unicode-normalised, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub(" ", text)
    # Emoji keep their variation selectors (U+FE0F), which NFKC leaves alone.
    return " ".join(text.split())


def tag_key(label: str) -> str:
    """What makes two tags one: the normalised label, casefolded."""
    return normalise_label(label).casefold()


def clean_tags(values: Iterable[str], *, noun: str) -> list[str]:
    """Normalised labels without duplicates (first spelling wins), within the limits."""
    labels: list[str] = []
    seen: set[str] = set()
    for value in values:
        label = normalise_label(value)
        if not label:
            continue
        if len(label) > MAX_TAG_LENGTH:
            raise DomainError(f"“{label[:40]}…” is too long for a tag: keep each {noun} under {MAX_TAG_LENGTH} "
                              "characters (a few words).")
        key = tag_key(label)
        if key not in seen:
            seen.add(key)
            labels.append(label)
    if len(labels) > MAX_TAGS:
        raise DomainError(f"That is {len(labels)} {noun}s; keep the {MAX_TAGS} you would most like to be asked "
                          "about.")
    return labels


def tags_for(session: Session, labels: Sequence[str]) -> list[ProfileTag]:
    """The tags for these labels, created if new. A tag first written elsewhere keeps its spelling."""
    keys = [tag_key(label) for label in labels]
    existing = {t.key: t for t in session.scalars(select(ProfileTag).where(ProfileTag.key.in_(keys)))} if keys else {}
    result = []
    for label, key in zip(labels, keys):
        tag = existing.get(key)
        if tag is None:
            tag = ProfileTag(key=key, label=label)
            try:
                with session.begin_nested():
                    session.add(tag)
            except IntegrityError:
                # Another member saved the same new tag at the same moment.
                tag = session.scalars(select(ProfileTag).where(ProfileTag.key == key)).one()
            existing[key] = tag
        result.append(tag)
    return result


def suggest_tags(session: Session, kind: str, typed: str, *, limit: int = 20) -> list[str]:
    """Labels for a menu as the member types: the typed text (if new) first, then matching tags in use,
    the most used as this kind first (a skill that is also someone's equipment is offered too)."""
    label = normalise_label(typed)[:MAX_TAG_LENGTH]
    key = tag_key(label)
    uses_as_kind = func.sum(case((ProfileTagLink.kind == kind, 1), else_=0))
    query = (
        select(ProfileTag.label, ProfileTag.key)
        .join(ProfileTagLink, ProfileTagLink.tag_id == ProfileTag.id)
        .group_by(ProfileTag.id, ProfileTag.label, ProfileTag.key)
        .order_by(uses_as_kind.desc(), func.count().desc(), ProfileTag.key)
        .limit(limit)
    )
    if key:
        query = query.where(ProfileTag.key.contains(key, autoescape=True))
    found = [(row.label, row.key) for row in session.execute(query)]
    labels = [lab for lab, _ in found]
    if label and key not in {k for _, k in found}:
        labels = [label, *labels[: limit - 1]]
    return labels


# Profiles -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileChanges:
    """What the profile form sends, as plain values (text as typed)."""

    job_title: str | None = None
    department_choice: str | None = None
    department_other: str | None = None
    fte: str | float | None = None
    skills: Sequence[str] = ()
    equipment: Sequence[str] = ()
    bio: str | None = None
    listed: bool = False
    spotlight_opt_in: bool = False
    public_fields: Collection[str] = PUBLIC_FIELDS


def find_profile(session: Session, member_id: int) -> Profile | None:
    return session.get(Profile, member_id)


def ensure_profile(session: Session, member: Member, *, now: datetime) -> Profile:
    profile = session.get(Profile, member.id)
    if profile is None:
        profile = Profile(member_id=member.id, member=member, listed=False, spotlight_opt_in=False,
                          public_fields=list(PUBLIC_FIELDS), created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(profile)
        except IntegrityError:
            # A second submission of the same form, saved a moment earlier by another request.
            profile = session.get_one(Profile, member.id, populate_existing=True)
    return profile


def parse_fte(value: str | float | None) -> float:
    """A full-time equivalent in (0, 1]: '0.6', '1', '60%'."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    scale = Decimal(1)
    if text.endswith("%"):
        text, scale = text[:-1].strip(), Decimal(100)
    message = ("FTE is your share of full time, more than 0 and at most 1: 1 is full time, 0.6 is three days "
               "a week.")
    try:
        number = Decimal(text) / scale
    except (InvalidOperation, ValueError):
        raise DomainError(message, field="fte") from None
    if not number.is_finite() or not Decimal(0) < number <= Decimal(1):
        raise DomainError(message, field="fte")
    return float(number)


def resolve_department(choice: str | None, other: str | None) -> str | None:
    """The department from the list, or the one typed under "Other"."""
    typed = normalise_label(other or "")
    if choice == OTHER_DEPARTMENT or (not choice and typed):
        if not typed:
            raise DomainError("Type your department, school or faculty, or choose one from the list.",
                              field="department_other")
        if len(typed) > TITLE_LIMIT:
            raise DomainError(f"Keep the department under {TITLE_LIMIT} characters.", field="department_other")
        return typed
    return normalise_label(choice or "") or None


def save_profile(session: Session, actor: Actor, changes: ProfileChanges, *, now: datetime) -> Profile:
    """Validate every field, then save the actor's own profile. Raises InvalidProfile listing each problem."""
    errors = FieldErrors()
    job_title = normalise_label(changes.job_title or "") or None
    if job_title and len(job_title) > TITLE_LIMIT:
        errors["job_title"] = f"Keep the job title under {TITLE_LIMIT} characters."
    department = errors.check("department",
                              lambda: resolve_department(changes.department_choice, changes.department_other))
    fte = errors.check("fte", lambda: parse_fte(changes.fte))
    skills = errors.check("skills", lambda: clean_tags(changes.skills, noun="skill"))
    equipment = errors.check("equipment", lambda: clean_tags(changes.equipment, noun="piece of equipment"))
    bio = (changes.bio or "").strip()
    if len(bio) > BIO_LIMIT:
        errors["bio"] = f"Keep the bio to {BIO_LIMIT} characters; it has {len(bio)}."
    unknown = set(changes.public_fields) - set(PUBLIC_FIELDS)
    if unknown:
        errors["public_fields"] = "Choose only from the fields listed."
    if errors:
        raise InvalidProfile(errors)

    member = session.get_one(Member, actor.member_id)
    member.job_title = job_title
    member.department = department
    member.fte = fte  # type: ignore[assignment]
    member.updated_at = now
    profile = ensure_profile(session, member, now=now)
    profile.bio = bio or None
    profile.bio_key = tag_key(bio) if bio else None
    profile.listed = changes.listed
    profile.spotlight_opt_in = changes.spotlight_opt_in
    profile.public_fields = [f for f in PUBLIC_FIELDS if f in set(changes.public_fields)]
    profile.saved_at = profile.saved_at or now
    profile.updated_at = now
    _replace_tags(session, profile, {SKILL: skills or [], EQUIPMENT: equipment or []})
    session.flush()
    return profile


def _replace_tags(session: Session, profile: Profile, labels_by_kind: dict[str, list[str]]) -> None:
    """Make the profile's tags exactly these, in this order; links kept are updated, not re-added."""
    current = {(link.kind, link.tag_id): link for link in profile.tag_links}
    links: list[ProfileTagLink] = []
    for kind, labels in labels_by_kind.items():
        for position, tag in enumerate(tags_for(session, labels)):
            link = current.get((kind, tag.id)) or ProfileTagLink(member_id=profile.member_id, kind=kind, tag=tag)
            link.position = position
            links.append(link)
    # delete-orphan removes the links that are no longer wanted.
    profile.tag_links = links


# What others see ----------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """A member's profile as a viewer may see it: fields they chose not to show are None/empty."""

    member_id: int
    slack_user_id: str
    name: str
    job_title: str | None
    department: str | None
    skills: tuple[str, ...]
    equipment: tuple[str, ...]
    bio: str | None
    shows_registration: bool
    listed: bool
    own: bool


def card_for(session: Session, viewer: Actor, slack_user_id: str) -> Card:
    """A colleague's public card (only what they show); your own card also before you are listed."""
    member = find_member(session, slack_user_id)
    if member is None or member.is_bot:
        raise NotFound("I don't know that colleague yet: they have not used technet.")
    own = member.id == viewer.member_id
    profile = find_profile(session, member.id)
    if not own and (profile is None or not profile.listed or member.deactivated):
        raise NotListed(f"{member.name} has not chosen to share a profile in the directory, so I can't show it. "
                        "You can still message them in Slack.")
    return _card(member, profile, own=own)


def _card(member: Member, profile: Profile | None, *, own: bool = False) -> Card:
    def shows(field_name: str) -> bool:
        return profile is None or profile.shows(field_name)

    return Card(
        member_id=member.id,
        slack_user_id=member.slack_user_id,
        name=member.name,
        job_title=member.job_title if shows("job_title") else None,
        department=member.department if shows("department") else None,
        skills=tuple(t.label for t in profile.tags(SKILL)) if profile and shows("skills") else (),
        equipment=tuple(t.label for t in profile.tags(EQUIPMENT)) if profile and shows("equipment") else (),
        bio=profile.bio if profile and shows("bio") else None,
        shows_registration=shows("registration"),
        listed=bool(profile and profile.listed),
        own=own,
    )


def resolve_colleague(session: Session, text: str) -> str:
    """The Slack user id meant by '<@U123>', '<@U123|ann>', '@Ann Smith' or 'Ann Smith'."""
    text = text.strip()
    mention = re.fullmatch(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)
    if mention:
        return mention.group(1)
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", text) and find_member(session, text) is not None:
        return text
    name = normalise_label(text.lstrip("@")).casefold()
    if not name:
        raise DomainError("Say whose profile: `/tech profile @colleague`.")
    matches = session.scalars(
        select(Member).where(
            Member.is_bot.is_(False),
            or_(func.lower(Member.display_name) == name, func.lower(Member.real_name) == name),
        )
    ).all()
    if not matches:
        # func.lower is ASCII-only on SQLite; compare casefolded names in Python as well.
        matches = [m for m in session.scalars(select(Member).where(Member.is_bot.is_(False)))
                   if name in (m.display_name.casefold(), m.real_name.casefold())]
    if len(matches) == 1:
        return matches[0].slack_user_id
    if len(matches) > 1:
        raise DomainError(f"More than one colleague is called {text.strip()}; mention the one you mean with @.")
    raise NotFound(f"I couldn't find a colleague called {text.strip()}. Mention them: `/tech profile @name`.")


# The directory ------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    slack_user_id: str
    name: str
    job_title: str | None
    department: str | None
    matched: tuple[str, ...]
    other_tags: tuple[str, ...]
    bio_matched: bool
    score: int
    words_matched: int


@dataclass(frozen=True)
class SearchResult:
    words: tuple[str, ...]
    hits: tuple[Hit, ...]
    total: int


def search_words(text: str) -> tuple[str, tuple[str, ...]]:
    """The words that say something ("who knows the NMR" -> "nmr"), and them as one phrase."""
    words = tuple(dict.fromkeys(w for w in _SEPARATORS.split(tag_key(text)) if w and w not in STOPWORDS))
    return " ".join(words), words


def _directory_members():  # type: ignore[no-untyped-def]
    """Listed profiles of people who can still be reached: no bots, no deactivated accounts."""
    return (
        select(Profile)
        .join(Profile.member)
        .where(Profile.listed.is_(True), Member.deactivated.is_(False), Member.is_bot.is_(False))
        .options(selectinload(Profile.tag_links))
    )


def search(session: Session, text: str, *, limit: int = 10) -> SearchResult:
    """Listed technicians whose shown skills, equipment or bio match, best first.

    Ranking: members matching more of the words come first; then a tag that is the
    whole query, then a tag that is the word, then a tag that starts with or holds it
    as a word, then a part of a tag or a word in the bio. Skills weigh a little more
    than equipment.
    """
    if len(text) > 200:
        raise DomainError("That is a long search; try a skill or two, e.g. `/tech find HPLC`.")
    phrase, words = search_words(text)
    if not words:
        raise DomainError("Tell me a skill, technique or piece of equipment, e.g. `/tech find mass spectrometry`.")
    tag_match = exists().where(
        ProfileTagLink.member_id == Profile.member_id,
        ProfileTagLink.tag_id == ProfileTag.id,
        or_(*(ProfileTag.key.contains(w, autoescape=True) for w in words)),
    )
    bio_match = or_(*(Profile.bio_key.contains(w, autoescape=True) for w in words))
    candidates = session.scalars(_directory_members().where(or_(tag_match, bio_match))).all()
    hits = [hit for profile in candidates if (hit := _score(profile, phrase, words)) is not None]
    hits.sort(key=lambda h: (-h.words_matched, -h.score, h.name.casefold()))
    return SearchResult(words=words, hits=tuple(hits[:limit]), total=len(hits))


def _score(profile: Profile, phrase: str, words: tuple[str, ...]) -> Hit | None:
    tags_by_kind = {kind: profile.tags(kind) if profile.shows("skills" if kind == SKILL else "equipment") else []
                    for kind in TAG_KINDS}
    bio = (profile.bio_key or "") if profile.shows("bio") else ""
    bio_words = set(re.findall(r"\w[\w+#.-]*\w|\w", bio))
    matched: dict[str, None] = {}
    score = words_matched = 0
    bio_matched = False
    for word in words:
        best = 0
        for kind, tags in tags_by_kind.items():
            bonus = 2 if kind == SKILL else 0
            for tag in tags:
                if tag.key == word:
                    points = 10 + bonus
                elif tag.key.startswith(word) or word in tag.key.split():
                    points = 6 + bonus
                elif word in tag.key:
                    points = 2 + bonus
                else:
                    continue
                matched[tag.label] = None
                best = max(best, points)
        if word in bio_words:
            best, bio_matched = max(best, 3), True
        elif word in bio:
            best, bio_matched = max(best, 1), True
        score += best
        words_matched += best > 0
    if len(words) > 1 and any(t.key == phrase for tags in tags_by_kind.values() for t in tags):
        score += 30
    if not words_matched:
        return None
    member = profile.member
    shown = [t.label for tags in tags_by_kind.values() for t in tags if t.label not in matched]
    return Hit(
        slack_user_id=member.slack_user_id, name=member.name,
        job_title=member.job_title if profile.shows("job_title") else None,
        department=member.department if profile.shows("department") else None,
        matched=tuple(matched), other_tags=tuple(shown), bio_matched=bio_matched,
        score=score, words_matched=words_matched,
    )


def directory(session: Session) -> list[Profile]:
    """Everyone in the directory, by name."""
    return sorted(session.scalars(_directory_members()).all(), key=lambda p: p.member.name.casefold())


def spotlight_candidates(session: Session) -> list[Member]:
    """Who the e-zine may feature: opted in to the spotlight and listed in the directory, reachable.

    Leaving the directory takes a member out of the spotlight too: being featured to the
    whole university is more public than being findable by colleagues.
    """
    profiles = session.scalars(_directory_members().where(Profile.spotlight_opt_in.is_(True))).all()
    return sorted((p.member for p in profiles), key=lambda m: m.name.casefold())


# Export for organisers ----------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryExport:
    directory_csv: str
    skills_by_department_csv: str
    members: int


def export_directory(session: Session, actor: Actor) -> DirectoryExport:
    """The directory (opted-in members, the fields they show) and counts of skills by department."""
    actor.require(Role.ORGANISER, "export the skills directory")
    profiles = directory(session)
    listing = io.StringIO()
    writer = csv.writer(listing, lineterminator="\n")
    writer.writerow(["name", "slack_user_id", "job_title", "department", "skills", "equipment", "bio"])
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for profile in profiles:
        card = _card(profile.member, profile)
        writer.writerow([_cell(v) for v in (card.name, card.slack_user_id, card.job_title or "",
                                            card.department or "", "; ".join(card.skills),
                                            "; ".join(card.equipment), card.bio or "")])
        for skill in card.skills:
            counts[card.department or "(not shown)"][skill] += 1
    by_department = io.StringIO()
    writer = csv.writer(by_department, lineterminator="\n")
    writer.writerow(["department", "skill", "members"])
    for department in sorted(counts, key=str.casefold):
        for skill, count in sorted(counts[department].items(), key=lambda kv: (-kv[1], kv[0].casefold())):
            writer.writerow([_cell(department), _cell(skill), count])
    return DirectoryExport(listing.getvalue(), by_department.getvalue(), len(profiles))


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# The Home tab -------------------------------------------------------------------------

@dataclass(frozen=True)
class Completeness:
    done: tuple[str, ...]
    missing: tuple[str, ...]
    listed: bool
    spotlight: bool
    saved: bool

    @property
    def percent(self) -> int:
        total = len(self.done) + len(self.missing)
        return round(100 * len(self.done) / total) if total else 100


def completeness(session: Session, member_id: int) -> Completeness:
    member = session.get_one(Member, member_id)
    profile = find_profile(session, member_id)
    checks = {
        "job title": bool(member.job_title),
        "department": bool(member.department),
        "FTE": bool(profile and profile.saved_at),
        "skills and techniques": bool(profile and profile.tags(SKILL)),
        "equipment expertise": bool(profile and profile.tags(EQUIPMENT)),
        "a short bio": bool(profile and profile.bio),
    }
    return Completeness(
        done=tuple(k for k, ok in checks.items() if ok),
        missing=tuple(k for k, ok in checks.items() if not ok),
        listed=bool(profile and profile.listed),
        spotlight=bool(profile and profile.listed and profile.spotlight_opt_in),
        saved=bool(profile and profile.saved_at),
    )


@dataclass(frozen=True)
class Figures:
    """The directory's uptake (the network's own figures are the report's)."""

    members: int
    profiles_saved: int
    listed: int
    spotlight: int
    top_skills: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def headline_figures(session: Session, actor: Actor) -> Figures:
    """For organisers: how many members filled in a profile, are listed, are open to the spotlight; top skills."""
    actor.require(Role.ORGANISER, "see the directory's figures")
    people = (Member.is_bot.is_(False), Member.deactivated.is_(False))

    def count(query):  # type: ignore[no-untyped-def]
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    profiled = select(Profile.member_id).join(Profile.member).where(*people)
    listed_ids = profiled.where(Profile.listed.is_(True))
    top = session.execute(
        select(ProfileTag.label, func.count().label("n"))
        .join(ProfileTagLink, ProfileTagLink.tag_id == ProfileTag.id)
        .where(ProfileTagLink.kind == SKILL, ProfileTagLink.member_id.in_(listed_ids))
        .group_by(ProfileTag.id, ProfileTag.label)
        .order_by(func.count().desc(), ProfileTag.label)
        .limit(5)
    ).all()
    return Figures(
        members=count(select(Member.id).where(*people)),
        profiles_saved=count(profiled.where(Profile.saved_at.is_not(None))),
        listed=count(listed_ids),
        spotlight=count(listed_ids.where(Profile.spotlight_opt_in.is_(True))),
        top_skills=tuple((row.label, row.n) for row in top),
    )


# Welcomes and Slack account changes ---------------------------------------------------

def claim_welcome(session: Session, member_id: int, channel_id: str, *, now: datetime) -> bool:
    """True the first time this member is to be welcomed; False ever after (rejoins, retries)."""
    try:
        with session.begin_nested():
            session.add(ProfileWelcome(member_id=member_id, channel_id=channel_id, welcomed_at=now))
    except IntegrityError:
        return False
    return True


def release_welcome(session: Session, member_id: int) -> None:
    """The welcome could not be sent: let a later join try again."""
    welcome = session.get(ProfileWelcome, member_id)
    if welcome is not None:
        session.delete(welcome)


def refresh_from_slack(session: Session, slack_user_id: str, user: dict, *, now: datetime) -> Member | None:  # type: ignore[type-arg]
    """Apply a Slack account change (a new name, a deactivation) to a member we know."""
    if find_member(session, slack_user_id) is None:
        return None
    return upsert_from_slack(session, slack_user_id, user, now=now)


