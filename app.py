"""Composition root: settings → storage → playbooks → commands → adapters → scheduler → run.

python app.py            start the bot (Slack HTTP, Slack Socket Mode, or the shell)
python app.py migrate    apply database migrations and exit
python app.py teams-package [path]   write the Teams app package (manifest + icons) zip
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot import scheduler as scheduler_module
from bot import web as web_module
from bot.foreground import Foreground
from bot.settings import Settings, SettingsError
from commands.desk import Desk
from commands.reminders import Reminders
from commands.sync import Reconciler
from playbooks import loader
from playbooks.loader import PlaybookError
from storage.db import Database

log = logging.getLogger("escalations")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    desk: Desk
    reconciler: Reconciler
    reminders: Reminders
    foreground: Foreground
    web: web.Application | None = None
    slack_app: object | None = None
    teams: object | None = None  # bot.teams.app.Teams when Teams is enabled


def compose(settings: Settings, *, slack_client=None, clock=None) -> Runtime:
    """Wire everything for `settings`. Tests pass a client aimed at a stub and a fake clock."""
    playbooks = loader.load(settings.escalation_policy)
    db = Database(settings.database_url)
    db.migrate()
    ports: dict = {}
    extra = {"clock": clock} if clock else {}
    foreground = Foreground()
    reconciler = Reconciler(db, playbooks, ports, pace=foreground.turn, **extra)
    desk = Desk(db, playbooks, on_change=reconciler.kick, pace=foreground.turn, **extra)
    reminders = Reminders(db, playbooks, ports, on_change=reconciler.kick, **extra)
    runtime = Runtime(settings, db, desk, reconciler, reminders, foreground)
    if settings.mode.startswith("slack"):
        from bot.slack import app as slack_app_module
        from bot.slack.client import make_client
        from bot.slack.port import SlackChatPort

        client = slack_client or make_client(settings.slack_bot_token, settings.slack_api_url)
        ports["slack"] = SlackChatPort(client, settings.escalations_channel)
        secret = settings.slack_signing_secret if settings.mode == "slack-http" else None
        runtime.slack_app = slack_app_module.build(desk, client, secret)
        # Socket Mode has no signatures to check, so it must not expose /slack/events.
        http_app = runtime.slack_app if settings.mode == "slack-http" else None
        runtime.web = web_module.build(http_app, foreground=foreground)
    # Microsoft Teams: /api/messages on the same web server, with its own ChatPort.
    if settings.teams:
        from bot.teams import app as teams_app_module

        runtime.teams = teams_app_module.build(settings, desk)
        ports["teams"] = runtime.teams.port
        slack_http = runtime.slack_app if settings.mode == "slack-http" else None
        runtime.web = web_module.build(slack_http, runtime.teams.handler, foreground)
    return runtime


async def serve(runtime: Runtime) -> None:
    settings = runtime.settings
    scheduler = scheduler_module.build(
        runtime.reminders, runtime.reconciler, settings.reminder_interval
    )
    scheduler.start()
    runner = web.AppRunner(runtime.web)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    socket_handler = None
    if settings.mode == "slack-socket":
        from bot.slack.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(
            runtime.slack_app, settings.slack_app_token, runtime.foreground
        )
        await socket_handler.connect_async()
    slack_session = None
    if runtime.slack_app is not None:
        # One connection pool for every Web API call instead of a new session per call.
        slack_session = aiohttp.ClientSession()
        runtime.slack_app.client.session = slack_session
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise pause every in-flight request for tens of ms.
    gc.collect()
    gc.freeze()
    web_module.mark_ready(runtime.web)
    log.info("escalation bot ready (%s) on %s:%s", settings.mode, settings.host, settings.port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("stopping: finishing work in progress")
    finally:
        scheduler.shutdown(wait=False)
        if socket_handler:
            await socket_handler.close_async()
        await runtime.reconciler.drain()
        await runner.cleanup()
        if slack_session is not None:
            await slack_session.close()


def main(argv: list[str]) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    command = argv[1] if len(argv) > 1 else "run"
    if command == "migrate":
        Database(settings.database_url).migrate()
        print(f"database at {settings.database_url} is up to date")
        return 0
    if command == "check":
        from bot.check import check

        problems = check(settings.escalation_policy)
        for line in problems:
            print(line)
        print(
            "playbooks, policy and templates: OK"
            if not problems
            else f"{len(problems)} problem(s) found",
            file=sys.stderr if problems else sys.stdout,
        )
        return 1 if problems else 0
    if command == "teams-package":
        from bot.teams.package import write_package

        target = argv[2] if len(argv) > 2 else "escalations-teams.zip"
        try:
            path = write_package(settings, target)
        except ValueError as exc:
            print(f"teams-package: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {path}: upload it in Teams (Apps → Manage your apps → Upload an app)")
        return 0
    if command != "run":
        print(
            f"unknown command {command!r}: use `python app.py`, `python app.py migrate`, "
            "`python app.py check` or `python app.py teams-package`",
            file=sys.stderr,
        )
        return 2
    from bot.check import check

    problems = check(settings.escalation_policy)  # broken playbooks never reach a customer
    if problems:
        for line in problems:
            print(f"playbook error: {line}", file=sys.stderr)
        return 2
    try:
        runtime = compose(settings)
    except PlaybookError as exc:
        print(f"playbook error: {exc}", file=sys.stderr)
        return 2
    if settings.mode == "shell":
        from bot.shell.console import run_console

        return run_console(runtime)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(runtime))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
