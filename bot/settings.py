"""Environment → one typed Settings object. The README's configuration table mirrors this file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from playbooks.loader import parse_duration


class SettingsError(Exception):
    """A setting is unusable; the message is the one line to show."""


@dataclass(frozen=True)
class GraphApp:
    """The app registration that asks Microsoft Graph for an app-only token (client
    credentials). `from_env` uses the bot's own registration (MICROSOFT_APP_*). It is a field
    of its own so the Graph client never reads the Bot Framework settings, and so tests can
    give Graph credentials while /api/messages runs unauthenticated, as with the Emulator."""

    client_id: str
    client_secret: str
    tenant_id: str


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///escalations.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    escalations_channel: str | None = None
    escalation_policy: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    reminder_interval: timedelta = timedelta(seconds=60)
    log_level: str = "INFO"
    # Microsoft Teams (bot/teams/)
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "SingleTenant"
    teams_enabled: bool = False
    teams_escalations_channel: str | None = None
    # `thread` (a thread in the escalations channel) or `channel` (a channel per escalation,
    # created through Microsoft Graph with `graph_app`'s token).
    teams_war_rooms: str = "thread"
    microsoft_graph_url: str = "https://graph.microsoft.com/v1.0/"
    microsoft_login_url: str = "https://login.microsoftonline.com/"
    graph_app: GraphApp | None = None

    @property
    def mode(self) -> str:
        """`slack-http`, `slack-socket`, `teams` or `shell`, from which credentials are present.
        Slack modes win when both are configured; `teams` tells whether Teams runs alongside."""
        if self.slack_bot_token and self.slack_app_token:
            return "slack-socket"
        if self.slack_bot_token and self.slack_signing_secret:
            return "slack-http"
        if self.teams:
            return "teams"
        return "shell"

    @property
    def teams(self) -> bool:
        """Teams' /api/messages is served: an app id, or TEAMS_ENABLED=1 (unauthenticated)."""
        return bool(self.teams_enabled or self.microsoft_app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        if get("SLACK_BOT_TOKEN") and not (get("SLACK_SIGNING_SECRET") or get("SLACK_APP_TOKEN")):
            raise SettingsError(
                "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or "
                "SLACK_APP_TOKEN (Socket Mode)"
            )
        port_text = get("PORT") or "3000"
        if not port_text.isdigit() or not 0 <= int(port_text) < 65536:
            raise SettingsError(f"PORT: {port_text!r} is not a port number")
        interval_text = get("REMINDER_INTERVAL") or "60s"
        interval = parse_duration(interval_text)
        if interval is None:
            raise SettingsError(
                f"REMINDER_INTERVAL: {interval_text!r} is not a duration (e.g. 60s)"
            )
        api_url = get("SLACK_API_URL") or cls.slack_api_url
        # Microsoft Teams
        app_type = get("MICROSOFT_APP_TYPE") or cls.microsoft_app_type
        types = {"multitenant": "MultiTenant", "singletenant": "SingleTenant"}
        types["userassignedmsi"] = "UserAssignedMSI"
        if app_type.lower() not in types:
            raise SettingsError(
                f"MICROSOFT_APP_TYPE: {app_type!r} is not MultiTenant, SingleTenant or "
                "UserAssignedMSI"
            )
        app_type = types[app_type.lower()]
        app_id = get("MICROSOFT_APP_ID")
        if app_id and app_type != "UserAssignedMSI" and not get("MICROSOFT_APP_PASSWORD"):
            raise SettingsError("MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD")
        if app_id and app_type == "SingleTenant" and not get("MICROSOFT_APP_TENANT_ID"):
            raise SettingsError(
                "MICROSOFT_APP_TYPE is SingleTenant (the default): set MICROSOFT_APP_TENANT_ID"
            )
        enabled = (get("TEAMS_ENABLED") or "").lower() in ("1", "true", "yes", "on")
        war_rooms = (get("TEAMS_WAR_ROOMS") or cls.teams_war_rooms).lower()
        if war_rooms not in ("thread", "channel"):
            raise SettingsError(f"TEAMS_WAR_ROOMS: {war_rooms!r} is not thread or channel")
        graph_app = None
        if war_rooms == "channel":
            names = ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID")
            missing = [name for name in names if not get(name)]
            if missing:
                raise SettingsError(
                    f"TEAMS_WAR_ROOMS=channel needs {', '.join(missing)}: the bot's app "
                    "registration asks Microsoft Graph for a token to create channels"
                )
            graph_app = GraphApp(*(get(name) or "" for name in names))
        return cls(
            database_url=get("DATABASE_URL") or cls.database_url,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            escalations_channel=get("ESCALATIONS_CHANNEL"),
            escalation_policy=get("ESCALATION_POLICY"),
            host=get("HOST") or cls.host,
            port=int(port_text),
            reminder_interval=interval,
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            microsoft_app_id=get("MICROSOFT_APP_ID"),
            microsoft_app_password=get("MICROSOFT_APP_PASSWORD"),
            microsoft_app_tenant_id=get("MICROSOFT_APP_TENANT_ID"),
            microsoft_app_type=app_type,
            teams_enabled=enabled,
            teams_escalations_channel=get("TEAMS_ESCALATIONS_CHANNEL"),
            teams_war_rooms=war_rooms,
            microsoft_graph_url=_base_url(get, "MICROSOFT_GRAPH_URL", cls.microsoft_graph_url),
            microsoft_login_url=_base_url(get, "MICROSOFT_LOGIN_URL", cls.microsoft_login_url),
            graph_app=graph_app,
        )


def _base_url(get, name: str, default: str) -> str:
    """A base URL from the environment, with the trailing slash relative paths need."""
    url = get(name) or default
    if not url.startswith(("https://", "http://")):
        raise SettingsError(f"{name}: {url!r} is not an http(s) URL")
    return url if url.endswith("/") else url + "/"
