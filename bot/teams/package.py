"""`technet teams package`: the Teams app package (manifest v1.29 and two icons) as a zip.

The bot's command list is the member commands of the help (content/help.yaml, the first ten Teams
allows per list), so what Teams suggests is what `help` says; the message action is the nomination
shortcut's id, the same one Slack's manifest declares. No SDK is needed to write it.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from typing import Any

import content
from core import ids

MANIFEST_VERSION = "1.29"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1F, 0x5C, 0x99)
# Teams allows ten commands in a command list, a title of 32 characters and a description of 128.
MAX_COMMANDS, MAX_TITLE, MAX_DESCRIPTION = 10, 32, 128


# What a member reaches for first, listed first; the rest follow in the help's order.
FIRST = ("help", "events", "nominate", "cpd", "dev", "profile", "find", "awards", "mentor", "register")
_PLACEHOLDER = re.compile(r"\s*(\[[^\]]*\]|<[^>]*>|@\S+)")


def command_list(help_content: content.Content) -> list[dict[str, str]]:
    """The help's member commands as Teams lists them (Teams types the title into the box when picked, so
    without placeholders): one per subcommand, its first entry in the help."""
    found: dict[str, dict[str, str]] = {}
    for command in help_content.commands_for({"member"}):
        title = _PLACEHOLDER.sub("", command.usage.removeprefix("/tech")).strip()
        if command.subcommand and command.subcommand not in found and title:
            found[command.subcommand] = {"title": title[:MAX_TITLE], "description": command.summary[:MAX_DESCRIPTION]}
    order = [word for word in FIRST if word in found] + [word for word in found if word not in FIRST]
    return [found[word] for word in order][:MAX_COMMANDS]


def manifest(app_id: str, website: str, help_content: content.Content, *, version: str = "1.0.0") -> dict[str, Any]:
    commands = command_list(help_content)
    return {
        "$schema": SCHEMA, "manifestVersion": MANIFEST_VERSION, "version": version, "id": app_id,
        "developer": {"name": "The technician network", "websiteUrl": website, "privacyUrl": website,
                      "termsOfUseUrl": website},
        "name": {"short": "technet", "full": "technet: the technician network"},
        "description": {"short": "The technician network's bot: events, awards, careers and colleagues.",
                        "full": help_content.intro[:4000]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{"botId": app_id, "scopes": ["personal", "team"], "isNotificationOnly": False,
                  "supportsFiles": False,
                  "commandLists": [{"scopes": ["personal", "team"], "commands": commands}]}],
        "composeExtensions": [{"botId": app_id, "commands": [{
            "id": ids.AWARDS_NOMINATE_SHORTCUT, "type": "action", "context": ["message"], "fetchTask": True,
            "title": "Nominate for an award",
            "description": "Nominate the author of this message for an award that is open."}]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def package(app_id: str, website: str, help_content: content.Content) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, website, help_content), indent=2))
        archive.writestr("color.png", _icon(192, ACCENT + (255,), (255, 255, 255, 255)))
        # The outline icon: white on transparent, 32 by 32, as Teams requires.
        archive.writestr("outline.png", _icon(32, (0, 0, 0, 0), (255, 255, 255, 255)))
    return buffer.getvalue()


def _icon(size: int, ground: tuple[int, ...], figure: tuple[int, ...]) -> bytes:
    """A square PNG: a ring (a network's node) of `figure` on `ground`."""
    centre, outer, inner = (size - 1) / 2, size * 0.38, size * 0.24
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            row += bytes(figure if inner <= distance <= outer else ground)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))
