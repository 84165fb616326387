"""GET /files/<token>: a file technet handed out by link (storage.downloads), as an attachment.

The token is the only credential, so an unknown, malformed and expired token get the same bare 404.
The file is never rendered by the browser as our page: an attachment, no sniffing, and a sandboxing
Content-Security-Policy in case a browser shows it anyway (the HTML copy of a member's data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from core import ui
from storage import downloads
from storage.clock import now
from storage.db import Database

PATH = "/files/"
StartResponse = Callable[..., Any]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{token}"


def hand_out(db: Database, base_url: str, files: tuple[ui.File, ...], *, member_id: int | None,
             heading: str = "Your file") -> ui.Message:
    """Keep the files and answer with a message that links to each (what a surface without uploads sends)."""
    moment = now()
    with db.transaction() as session:
        tokens = [downloads.offer(session, name=f.name, mime=f.mime, content=f.content, member_id=member_id,
                                  now=moment) for f in files]
    comment = next((f.comment for f in files if f.comment is not None), None)
    hours = int(downloads.LIFETIME.total_seconds() // 3600)
    blocks: list[ui.Block] = [ui.Header(heading)]
    if comment is not None:
        blocks.append(ui.section(comment))
    blocks.append(ui.Actions(tuple(ui.Button(f"Download {f.name}", f"download_{n}", url=link(base_url, token))
                                   for n, (f, token) in enumerate(zip(files, tokens, strict=True)))))
    blocks.append(ui.Context((ui.Plain(f"The links work for {hours} hours, for whoever has them: "
                                       "keep them to yourself."),)))
    return ui.message(blocks, title=heading)


def serve(db: Database, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    token = environ.get("PATH_INFO", "")[len(PATH):]
    with db.reading_statement() as connection:
        found = downloads.fetch(connection, token, now=now())
    if found is None:
        start_response("404 Not Found", [("Content-Length", "0"), ("Cache-Control", "no-store")])
        return [b""]
    fallback = _UNSAFE_NAME.sub("_", found.name) or "file"
    start_response("200 OK", [
        ("Content-Type", found.mime),
        ("Content-Length", str(len(found.content))),
        ("Content-Disposition", f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(found.name)}"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ("Cache-Control", "private, no-store"),
        ("Referrer-Policy", "no-referrer"),
    ])
    return [found.content]
