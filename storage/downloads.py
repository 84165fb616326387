"""Files handed to a person by link: a surface that takes no upload from the bot (Teams) gets a
message with a download address instead of the file.

The address holds a random token; the table keeps only its SHA-256, so reading the database gives
no working link. A link works for `LIFETIME`, for anyone who has it (as a shared file's link does:
Teams opens it in a browser that carries no Teams identity), and the row is deleted once expired.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from storage.db import rowcount
from storage.models.downloads import Download

LIFETIME = timedelta(hours=24)
# What may appear in a token: token_urlsafe's alphabet; anything else is no token of ours.
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class Offered:
    name: str
    mime: str
    content: bytes


def offer(session: Session, *, name: str, mime: str, content: bytes | str, member_id: int | None,
          now: datetime) -> str:
    """Keep the file for LIFETIME and return the token of its address. Expired files go first."""
    purge(session, now=now)
    token = secrets.token_urlsafe(32)
    data = content.encode() if isinstance(content, str) else content
    session.add(Download(digest=_digest(token), member_id=member_id, name=name[:200], mime=mime[:100],
                         content=data, created_at=now, expires_at=now + LIFETIME))
    return token


def fetch(reading: Connection | Session, token: str, *, now: datetime) -> Offered | None:
    """The file behind a token, or None when there is none or it has expired (the same answer)."""
    if not 20 <= len(token) <= 100 or not set(token) <= _TOKEN_CHARS:
        return None
    found = reading.execute(select(Download.name, Download.mime, Download.content)
                            .where(Download.digest == _digest(token), Download.expires_at > now)).first()
    return Offered(found.name, found.mime, found.content) if found else None


def purge(session: Session, *, now: datetime) -> int:
    """Delete expired files; how many went."""
    return rowcount(session.execute(delete(Download).where(Download.expires_at <= now)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
