"""Build the Teams side: CloudAdapter, the bot, the ChatPort and the /api/messages handler.

This package is the only place that imports botbuilder. botbuilder-python is archived (no
updates after 2025); moving to the Microsoft 365 Agents SDK means rewriting bot/teams/ only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.settings import Settings, SettingsError
from bot.teams.bot import EscalationBot
from bot.teams.channels import Channels
from bot.teams.directory import Directory
from bot.teams.endpoint import Handler, handler
from bot.teams.graph import Graph
from bot.teams.port import TeamsChatPort
from bot.teams.retry import Backoff
from commands.desk import Desk

log = logging.getLogger(__name__)

DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


@dataclass
class Teams:
    adapter: CloudAdapter
    bot: EscalationBot
    port: TeamsChatPort
    handler: Handler
    directory: Directory
    graph: Graph | None = None  # channel mode only


def adapter_for(settings: Settings) -> CloudAdapter:
    if settings.microsoft_app_id:
        config = SimpleNamespace(
            APP_ID=settings.microsoft_app_id,
            APP_PASSWORD=settings.microsoft_app_password or "",
            APP_TYPE=settings.microsoft_app_type,
            APP_TENANTID=settings.microsoft_app_tenant_id or "",
        )
    else:
        # Empty id and password with MultiTenant is how botbuilder turns authentication off.
        log.warning(
            "TEAMS_ENABLED without MICROSOFT_APP_ID: /api/messages is UNAUTHENTICATED. "
            "Use this only with the Bot Framework Emulator or in tests, never in production."
        )
        config = SimpleNamespace(
            APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=""
        )
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", error, exc_info=error)
        if context.activity.type == "message":
            try:
                await context.send_activity("Sorry, something went wrong. Please try again.")
            except Exception:  # the connector is what failed: nothing more to say
                log.debug("could not tell the user", exc_info=True)

    adapter.on_turn_error = on_error
    return adapter


def build(settings: Settings, desk: Desk, *, backoff: Backoff | None = None) -> Teams:
    directory = Directory(desk.db, desk.clock)
    if settings.teams_escalations_channel and not directory.channel():
        # Configured by environment: usable, but `escalations here` also records the team
        # (for names of people picked in forms) and the region's service URL.
        directory.save_channel(
            {"channel": settings.teams_escalations_channel, "service_url": DEFAULT_SERVICE_URL}
        )
    adapter = adapter_for(settings)
    graph = graph_for(settings, backoff)
    bot = EscalationBot(desk, directory, settings.teams_war_rooms)
    port = TeamsChatPort(
        adapter,
        directory,
        settings.microsoft_app_id,
        backoff=backoff,
        channels=Channels(graph) if graph else None,
    )
    return Teams(adapter, bot, port, handler(adapter, bot), directory, graph)


def graph_for(settings: Settings, backoff: Backoff | None) -> Graph | None:
    """Microsoft Graph for channel mode (TEAMS_WAR_ROOMS=channel); None in thread mode."""
    if settings.teams_war_rooms != "channel":
        return None
    if settings.graph_app is None:
        raise SettingsError("TEAMS_WAR_ROOMS=channel needs the app's Graph credentials")
    log.info("Teams war rooms are channels, created through Microsoft Graph")
    return Graph(
        settings.graph_app,
        settings.microsoft_graph_url,
        settings.microsoft_login_url,
        backoff=backoff,
    )
