"""`python app.py teams-package`: the Teams app package (manifest.json + two icons, zipped).

The manifest follows schema 1.24: the bot (personal, team and group chat scopes, with the
command list people see), and the message-extension action `escalate` ("Escalate" in any
message's menu), which opens the intake form prefilled from that message. In channel mode
(TEAMS_WAR_ROOMS=channel) it also declares `supportedChannelTypes: privateChannels`: Teams only
lets an app be added to a private channel (private escalations' war rooms) if it says so.
Icons are drawn here (PNG written with zlib/struct) so the package needs no image library.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from bot.settings import Settings

SCHEMA = "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json"
ACCENT = (0xC4, 0x31, 0x4B)  # the colour of the colour icon's background
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

COMMANDS = [
    ("escalate", "Open a customer escalation (a war room, one leader, one card)"),
    ("update", "Post a status update (in a war room)"),
    ("lead", "Hand the lead to someone else: lead @person"),
    ("severity", "Change severity and so the update cadence"),
    ("resolve", "Record root cause, resolution and prevention"),
    ("close", "Close a resolved escalation"),
    ("list", "Escalations, soonest update due first"),
    ("escalations here", "Open war rooms in this channel"),
    ("help", "What the bot can do"),
]


def _png(size: int, pixel) -> bytes:
    """An RGBA PNG of `size`×`size`, `pixel(x, y)` → (r, g, b, a)."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _mark(x: float, y: float) -> bool:
    """An exclamation mark in a unit square: the bar and the dot."""
    in_bar = 0.43 <= x <= 0.57 and 0.18 <= y <= 0.62
    in_dot = (x - 0.5) ** 2 + (y - 0.77) ** 2 <= 0.075**2
    return in_bar or in_dot


def color_icon() -> bytes:
    """192×192, full-bleed accent background, white mark (Teams' colour icon rules)."""
    size = 192

    def pixel(x: int, y: int):
        white = _mark((x + 0.5) / size, (y + 0.5) / size)
        return (255, 255, 255, 255) if white else (*ACCENT, 255)

    return _png(size, pixel)


def outline_icon() -> bytes:
    """32×32, white mark on transparent (Teams' outline icon rules)."""
    size = 32

    def pixel(x: int, y: int):
        return (255, 255, 255, 255) if _mark((x + 0.5) / size, (y + 0.5) / size) else (0,) * 4

    return _png(size, pixel)


def manifest(settings: Settings, env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    app_id = settings.microsoft_app_id or ""
    if not GUID.match(app_id):
        raise ValueError("set MICROSOFT_APP_ID (the bot's Entra app id, a GUID) first")
    website = env.get("TEAMS_DEVELOPER_URL") or "https://github.com/"
    host = env.get("TEAMS_BOT_DOMAIN")
    commands = [{"title": t, "description": d[:128]} for t, d in COMMANDS]
    data = {
        "$schema": SCHEMA,
        "manifestVersion": "1.24",
        "version": env.get("TEAMS_APP_VERSION") or "1.0.0",
        "id": app_id,
        "developer": {
            "name": env.get("TEAMS_DEVELOPER_NAME") or "Escalation Desk",
            "websiteUrl": website,
            "privacyUrl": env.get("TEAMS_PRIVACY_URL") or website,
            "termsOfUseUrl": env.get("TEAMS_TERMS_URL") or website,
        },
        "name": {"short": "Escalations", "full": "Escalation Desk"},
        "description": {
            "short": "Customer escalations: one war room, one leader, one card.",
            "full": (
                "Open a customer escalation from Teams and work it in one place: a war room "
                "with one accountable leader and one status card kept current, the "
                "playbook for its cause, and reminders in the war room and in a 1:1 chat when an "
                "update to the customer is overdue."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal", "team", "groupChat"], "commands": commands}
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": "escalate",
                        "type": "action",
                        "title": "Escalate",
                        "description": "Open a customer escalation from this message",
                        "context": ["message"],
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }
    if settings.teams_war_rooms == "channel":
        data["supportedChannelTypes"] = ["privateChannels"]
    return data


def write_package(settings: Settings, target: str | os.PathLike) -> Path:
    path = Path(target)
    data = json.dumps(manifest(settings), indent=2, ensure_ascii=False)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", data)
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return path
