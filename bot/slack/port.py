"""The commands' ChatPort, spoken in Slack Web API calls."""

from __future__ import annotations

import json
import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.render import render
from commands.ports import NameTaken, PlatformError, Room, Target, Unreachable
from commands.results import Message

log = logging.getLogger(__name__)

# Outcomes that mean "already done": treat as success so retries stay idempotent.
ALREADY = {"already_in_channel", "already_pinned", "already_archived", "cant_invite_self"}
# People who can never be invited; skipping them must not block the rest of the set-up.
UNINVITABLE = {
    "user_not_found",
    "user_disabled",
    "cant_invite",
    "user_is_restricted",
    "user_is_ultra_restricted",
    "ura_max_channels",
    "missing_user",
    "invalid_users",
}
NAME_TAKEN = {"name_taken"}
# ESCALATIONS_CHANNEL cannot take the thread war rooms: a channel of their own, then.
CHANNEL_UNUSABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
ZONE_TTL = 3600.0
NAME_INVALID = {
    "invalid_name",
    "invalid_name_specials",
    "invalid_name_maxlength",
    "invalid_name_punctuation",
    "invalid_name_required",
}


def thread_address(channel: str, thread_ts: str) -> str:
    """How a thread war room is found again: commands typed in it arrive with this address."""
    return f"{channel}/{thread_ts}"


def _error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "unknown_error")
    except Exception:  # pragma: no cover - defensive
        return "unknown_error"


class SlackChatPort:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, escalations_channel: str | None = None) -> None:
        self.client = client
        self.escalations_channel = escalations_channel
        self._zones: dict[str, tuple[str | None, float]] = {}

    async def _call(self, method: str, **kwargs) -> dict:
        try:
            response = await getattr(self.client, method)(**kwargs)
            return response.data if hasattr(response, "data") else dict(response)
        except SlackApiError as exc:
            error = _error(exc)
            if error in ALREADY:
                return {"ok": True, "already": error}
            if error in NAME_TAKEN or error in NAME_INVALID:
                raise NameTaken(error) from None
            raise PlatformError(f"{method}: {error}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PlatformError(f"{method}: {type(exc).__name__}: {exc}") from None

    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        """A channel; or, for the lighter thread kind, a thread in ESCALATIONS_CHANNEL whose
        first message becomes the status card (a channel when there is no such channel, or
        the escalation is private: everyone in the channel sees its threads)."""
        if kind == "thread" and not private and self.escalations_channel:
            root = render(Message("thread_root", {"name": name}))
            try:
                data = await self._call(
                    "chat_postMessage", channel=self.escalations_channel, **root
                )
            except PlatformError as exc:
                if str(exc).split(": ", 1)[-1] not in CHANNEL_UNUSABLE:
                    raise  # a rate limit or an outage: try the thread again later
                log.error(
                    "cannot post in ESCALATIONS_CHANNEL %s (%s): invite the bot to it. "
                    "Opening %s as a channel instead.",
                    self.escalations_channel,
                    exc,
                    name,
                )
            else:
                channel = data.get("channel") or self.escalations_channel
                return Room(channel, data["ts"], name, address=thread_address(channel, data["ts"]))
        data = await self._call("conversations_create", name=name, is_private=private)
        channel = data["channel"]
        return Room(channel=channel["id"], name=channel.get("name", name))

    async def set_topic(self, room: Room, topic: Message) -> None:
        if room.thread:
            return  # a thread has no topic; the card at its top says everything
        text = render(topic)["text"][:250]
        await self._call("conversations_setTopic", channel=room.channel, topic=text)

    async def invite(self, room: Room, user_ids: list[str]) -> list[str]:
        """Into the channel; for a thread room, into the channel it lives in (to see it) and
        then mentioned in the thread, which notifies them and makes them follow it."""
        skipped = []
        for user in user_ids:  # one by one: a bad id must not sink the whole batch
            try:
                await self._call("conversations_invite", channel=room.channel, users=user)
            except PlatformError as exc:
                if str(exc).split(": ", 1)[-1] in UNINVITABLE:
                    log.warning("cannot invite %s to %s: %s", user, room.channel, exc)
                    skipped.append(user)
                    continue
                raise
        people = [u for u in user_ids if u not in skipped]
        if room.thread and people:
            await self._call(
                "chat_postMessage",
                channel=room.channel,
                thread_ts=room.thread,
                **render(Message("thread_invite", {"people": people})),
            )
        return skipped

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        payload = render(message)
        document = message.context.get("file")
        if target.kind == "room" and document:
            return await self._upload(room, document, payload["text"])
        if target.kind == "room" and room.thread and message.template == "status_card":
            # The thread's first message becomes the card: the one message, at the top.
            await self._call("chat_update", channel=room.channel, ts=room.thread, **payload)
            return room.thread
        if target.kind == "room":
            data = await self._call(
                "chat_postMessage", channel=room.channel, thread_ts=room.thread, **payload
            )
            return data.get("ts")
        if target.kind == "announcements":
            if room is not None and room.thread:
                return None  # the war room's card, in the escalations channel, announces it
            if not self.escalations_channel:
                raise Unreachable("no ESCALATIONS_CHANNEL set")
            data = await self._call("chat_postMessage", channel=self.escalations_channel, **payload)
            return data.get("ts")
        if target.kind == "user":
            return await self._dm(target.value, payload)
        if target.kind == "origin":
            return await self._answer_origin(target.value, payload)
        raise Unreachable(f"unknown target {target.kind}")

    async def _upload(self, room: Room, document: dict, comment: str) -> str | None:
        """A document (the post-mortem) goes up as a file; its permalink is what links to it."""
        data = await self._call(
            "files_upload_v2",
            channel=room.channel,
            thread_ts=room.thread,
            content=document["content"],
            filename=document["name"],
            title=document["title"],
            initial_comment=comment,
        )
        files = data.get("files") or [{}]
        return files[0].get("permalink")

    async def _dm(self, user: str | None, payload: dict) -> str | None:
        if not user:
            raise Unreachable("no user")
        try:
            opened = await self._call("conversations_open", users=user)
        except PlatformError as exc:
            if str(exc).endswith(("user_not_found", "user_disabled", "cannot_dm_bot")):
                raise Unreachable(str(exc)) from None
            raise
        data = await self._call("chat_postMessage", channel=opened["channel"]["id"], **payload)
        return data.get("ts")

    async def _answer_origin(self, origin: str | None, payload: dict) -> str | None:
        """Answer where /escalate was typed, privately (the channel may be shared with the
        customer); the response_url works even where the bot is not a member."""
        info = json.loads(origin) if origin else {}
        url = info.get("response_url")
        if url:
            try:
                response = await AsyncWebhookClient(url, timeout=10).send(
                    response_type="ephemeral", replace_original=False, **payload
                )
                if response.status_code == 200:
                    return None
                log.info("response_url answered %s; sending a DM instead", response.status_code)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                log.info("response_url failed (%s); sending a DM instead", exc)
        return await self._dm(info.get("user"), payload)

    async def update(self, room: Room, message_id: str, message: Message) -> None:
        await self._call("chat_update", channel=room.channel, ts=message_id, **render(message))

    async def pin(self, room: Room, message_id: str) -> None:
        if room.thread:
            return  # the card opens the thread; pinning each one would crowd the channel
        await self._call("pins_add", channel=room.channel, timestamp=message_id)

    async def archive(self, room: Room) -> None:
        if room.thread:
            return  # the channel is shared; the card at the top of the thread says closed
        await self._call("conversations_archive", channel=room.channel)

    async def user_timezone(self, user_id: str) -> str | None:
        """From the Slack profile; cached for an hour, as people rarely move."""
        cached = self._zones.get(user_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            data = await self._call("users_info", user=user_id)
        except PlatformError as exc:
            if str(exc).endswith(("user_not_found", "user_not_visible")):
                return None
            raise
        zone = (data.get("user") or {}).get("tz")
        self._zones[user_id] = (zone, time.monotonic() + ZONE_TTL)
        return zone
