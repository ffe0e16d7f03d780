"""The Microsoft Graph channel calls behind channel mode, and what their answers mean.

Graph v1.0, app-only (application permissions granted to the bot's app registration):

- create: `POST /teams/{team}/channels` (`membershipType` standard or private);
  Channel.Create.
- describe: `PATCH /teams/{team}/channels/{channel}` (`description`);
  ChannelSettings.ReadWrite.All.
- add member (private channels): `POST /teams/{team}/channels/{channel}/members`;
  ChannelMember.ReadWrite.All.
- archive: `POST /teams/{team}/channels/{channel}/archive`; ChannelSettings.ReadWrite.All.

A private channel created app-only must name an owner among its `members`: the leader.
A name in use answers 400 "Channel name already existed, please use other name." (409 is
accepted too): that is NameTaken, so the reconciler tries its next name. 401/403 mean the
permission is missing; other 4xx mean Graph will not do it as asked (a team that is gone, an
owner who is not in the team). Both raise Refused, which the caller turns into a fallback
and a note, never into endless retries. Throttling and outages stay GraphError
(a PlatformError) after the in-process retries, for the reconciler to retry later.
"""

from __future__ import annotations

import hashlib
import re

from bot.teams.graph import SIGN_IN, Graph, GraphError
from commands.ports import NameTaken

MAX_NAME = 50
# Teams refuses these in channel names (Teams limits and specifications), and control
# characters (0-1F, 80-9F); a name may not start with `_` or `.` nor end with `.`.
_FORBIDDEN = re.compile(r"[~#%&*{}+/\\:<>?|'\",\x00-\x1f\x80-\x9f]")
_TAKEN = re.compile(r"already exist", re.IGNORECASE)

CREATE = "Channel.Create"
SETTINGS = "ChannelSettings.ReadWrite.All"
MEMBERS = "ChannelMember.ReadWrite.All"


class Refused(Exception):
    """Graph will not do this (permission missing, or the request cannot succeed as is)."""

    def __init__(self, what: str, error: GraphError, permission: str) -> None:
        self.status = error.status
        # The token endpoint refusing (a wrong secret, an unknown tenant) is not a permission.
        self.sign_in = error.what == SIGN_IN
        self.permission = permission if error.status in (401, 403) and not self.sign_in else None
        self.reason = error.message or error.code or f"HTTP {error.status}"
        super().__init__(f"{what}: HTTP {error.status} {error.code}: {self.reason}")


def channel_name(name: str) -> str:
    """A war room name as a Teams channel displayName: at most 50 characters, none that
    Teams refuses. A longer name keeps its head and gets a short hash of the whole, so the
    reconciler's numbered alternatives (`…-2`, `…-3`) stay distinct once shortened."""
    clean = re.sub(r"\.{2,}", ".", _FORBIDDEN.sub("-", name)).strip().lstrip("_.").rstrip(".")
    clean = clean or "war-room"
    if len(clean) <= MAX_NAME:
        return clean
    digest = hashlib.sha1(name.encode()).hexdigest()[:7]
    return f"{clean[: MAX_NAME - 8].rstrip('-.')}-{digest}"


def _refusal(error: GraphError) -> bool:
    return 400 <= error.status < 500 and error.status != 429


class Channels:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    async def create(self, team: str, name: str, *, private: bool, owner: str | None) -> dict:
        """The new channel (`id`, `displayName`, `membershipType`)."""
        body: dict = {
            "displayName": name,
            "membershipType": "private" if private else "standard",
        }
        if private and owner:
            body["members"] = [self._member(owner, owner=True)]
        try:
            return await self.graph.call("POST", f"teams/{team}/channels", body)
        except GraphError as exc:
            if exc.status in (400, 409) and _TAKEN.search(exc.message):
                raise NameTaken(name) from None
            if _refusal(exc):
                raise Refused("create channel", exc, CREATE) from None
            raise

    async def describe(self, team: str, channel: str, text: str) -> None:
        await self._do(
            "set the description",
            SETTINGS,
            "PATCH",
            self._path(team, channel),
            {"description": text[:1024]},
        )

    async def add_member(self, team: str, channel: str, user: str) -> None:
        """Add someone to a private channel; someone already in it counts as added."""
        try:
            await self._do(
                "add a member",
                MEMBERS,
                "POST",
                f"{self._path(team, channel)}/members",
                self._member(user, owner=False),
            )
        except Refused as exc:
            if exc.status == 409:
                return
            raise

    async def archive(self, team: str, channel: str) -> None:
        """Archive (read-only, kept); a channel archived already counts as archived."""
        try:
            await self._do("archive", SETTINGS, "POST", f"{self._path(team, channel)}/archive", {})
        except Refused as exc:
            if exc.status == 409 or "already archived" in exc.reason.lower():
                return
            raise

    # ---- plumbing -----------------------------------------------------------------------
    @staticmethod
    def _path(team: str, channel: str) -> str:
        return f"teams/{team}/channels/{channel}"

    def _member(self, user: str, *, owner: bool) -> dict:
        return {
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "roles": ["owner"] if owner else [],
            "user@odata.bind": self.graph.user_bind(user),
        }

    async def _do(self, what: str, permission: str, method: str, path: str, body: dict) -> None:
        try:
            await self.graph.call(method, path, body)
        except GraphError as exc:
            if _refusal(exc):
                raise Refused(what, exc, permission) from None
            raise
