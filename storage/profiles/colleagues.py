"""What colleagues see: a member's card, the skills directory and its search, and the organisers'
export. Nobody appears without opting in; a deactivated account or a bot never does; only the
fields a member chose to show are seen or searched."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.errors import DomainError, NotFound
from storage.forms import csv_safe
from storage.members import Actor, Role, find_addressed, find_member
from storage.models import Member
from storage.models.profiles import Profile, ProfileTag, ProfileTagLink
from storage.outputs import Confirmed, confirmed_for
from storage.profiles.editing import find_profile
from storage.profiles.tags import EQUIPMENT, SKILL, TAG_KINDS, normalise_label, tag_key

# Words that say nothing about a skill: "who knows how to use the NMR" searches "nmr".
STOPWORDS = frozenset(
    "a an and or the of in on at to for with by from who knows know knowing how use using someone anyone "
    "is are can do does experience expert expertise skill skills in with".split()
)
_SEPARATORS = re.compile(r"[\s,;/|]+")


class NotListed(DomainError):
    """The colleague has not chosen to be in the directory."""


# What others see ----------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """A member's profile as a viewer may see it: fields they chose not to show are None/empty."""

    member_id: int
    user_id: str
    name: str
    job_title: str | None
    department: str | None
    skills: tuple[str, ...]
    equipment: tuple[str, ...]
    bio: str | None
    shows_registration: bool
    listed: bool
    own: bool
    # Research outputs they confirmed credit on (storage/outputs.py), newest first.
    outputs: tuple[Confirmed, ...] = ()


def card_for(session: Session, viewer: Actor, user_id: str) -> Card:
    """A colleague's public card (only what they show); your own card also before you are listed.

    `user_id` names them on the viewer's surface."""
    member = find_member(session, viewer.identity.colleague(user_id))
    if member is None or member.is_bot:
        raise NotFound("I don't know that colleague yet: they have not used technet.")
    own = member.id == viewer.member_id
    profile = find_profile(session, member.id)
    if not own and (profile is None or not profile.listed or member.deactivated):
        raise NotListed(f"{member.name} has not chosen to share a profile in the directory, so I can't show it. "
                        "You can still message them directly.")
    return replace(_card(member, profile, own=own), outputs=tuple(confirmed_for(session, member.id)))


def _card(member: Member, profile: Profile | None, *, own: bool = False) -> Card:
    def shows(field_name: str) -> bool:
        return profile is None or profile.shows(field_name)

    return Card(
        member_id=member.id,
        user_id=member.user_id,
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
    """The user id (on the viewer's surface) meant by '<@U123>', '<@U123|ann>', '@Ann Smith' or 'Ann Smith'."""
    text = text.strip()
    mention = re.fullmatch(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)
    if mention:
        return mention.group(1)
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", text) and find_addressed(session, text) is not None:
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
        return matches[0].user_id
    if len(matches) > 1:
        raise DomainError(f"More than one colleague is called {text.strip()}; mention the one you mean with @.")
    raise NotFound(f"I couldn't find a colleague called {text.strip()}. Mention them: `/tech profile @name`.")


# The directory ------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    user_id: str
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


def _directory_members() -> Select[Profile]:
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
        user_id=member.user_id, name=member.name,
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
        writer.writerow([csv_safe(v) for v in (card.name, card.user_id, card.job_title or "",
                                            card.department or "", "; ".join(card.skills),
                                            "; ".join(card.equipment), card.bio or "")])
        for skill in card.skills:
            counts[card.department or "(not shown)"][skill] += 1
    by_department = io.StringIO()
    writer = csv.writer(by_department, lineterminator="\n")
    writer.writerow(["department", "skill", "members"])
    for department in sorted(counts, key=str.casefold):
        for skill, count in sorted(counts[department].items(), key=lambda kv: (-kv[1], kv[0].casefold())):
            writer.writerow([csv_safe(department), csv_safe(skill), count])
    return DirectoryExport(listing.getvalue(), by_department.getvalue(), len(profiles))
