"""Slack acknowledgement latency of our app against the floor: a bare slack-bolt AsyncApp.

    python bench/ack_latency.py            # or: make bench

Slack gives an app 3 seconds to acknowledge, and a modal's trigger_id expires soon after, so
the ack is what people feel. The question is what our own code adds to it, which only a
comparison on the same machine, in the same run, can answer: this machine is shared and noisy,
so absolute milliseconds from another run or another machine say little.

Four processes: the Slack Web API stub (bench/stub_slack.py), our app (`python app.py`), the
bare app (bench/bare_app.py), and this one, which starts them and generates the load: signed
requests, a fixed number in flight (50). Request kind by request kind, a warm-up and then
interleaved rounds: each round runs the kind against both apps back to back, alternating which
goes first, so a noisy spell hits both. After each run it waits until the stub has been quiet,
so work an app does after its acks (our war room set-up) is never billed to the other; the
app's CPU time over the run (post-ack work included) is reported per request as well.

Request kinds, identical bodies for both apps:
- help:     `/escalate help`, answered in the ack with an ephemeral blocks message;
- escalate: `/escalate`, ack() then views.open of the intake modal. The ack is the headline;
            the time until the stub received views.open (matched by trigger_id) is shown too;
- submit:   the intake modal's view_submission with valid values (a new customer each time):
            ours validates, acks, then stores the escalation and sets up the war room.

Target: each kind's p99 within 1.3x the bare app's p99, with no failed acks. The exit status
is 0 either way (this is a report); results also go to bench/results/ack_latency.json.
See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results" / "ack_latency.json"
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
SLACK_ACK_DEADLINE_MS = 3000.0  # after this Slack shows the user an error, whatever comes later
REQUEST_TIMEOUT_S = 10.0  # give up on one request; long past Slack's deadline already

KINDS = ("help", "escalate", "submit")
LABELS = {
    "help": "/escalate help",
    "escalate": "/escalate (views.open)",
    "submit": "intake submission",
}
APPS = ("ours", "bare")
# Settings our app reads from the environment: the benchmark sets its own, never the caller's.
APP_SETTINGS = (
    "SLACK_",
    "MICROSOFT_",
    "TEAMS_",
    "DATABASE_URL",
    "ESCALATIONS_CHANNEL",
    "ESCALATION_POLICY",
    "HOST",
    "PORT",
    "REMINDER_INTERVAL",
    "LOG_LEVEL",
)


# ---- processes ----------------------------------------------------------------------------


@dataclass
class Service:
    """One server process under test (or the stub), with where its output goes."""

    name: str
    process: subprocess.Popen
    base_url: str
    log: Path

    def cpu_seconds(self) -> float | None:
        """CPU time the process has used (user + system, all threads), from /proc: unlike
        latency, it is barely moved by the noise of a shared machine. None off Linux."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(
    name: str, argv: list[str], env: dict[str, str], port: int, logs: Path, cwd: Path = ROOT
) -> Service:
    """Output goes to a file, not a pipe: a full pipe would stall the server mid-benchmark."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Service(name, process, f"http://127.0.0.1:{port}", log)


async def wait_until_up(session: aiohttp.ClientSession, service: Service, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited early:\n{service.tail()}")
        try:
            attempt = aiohttp.ClientTimeout(total=2)
            async with session.get(service.base_url + path, timeout=attempt) as response:
                if response.status == 200:
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{service.name} did not answer {path} within 60 s:\n{service.tail()}")


def stop(service: Service) -> None:
    """SIGTERM first: our app finishes its war room work in progress before it exits."""
    if service.process.poll() is None:
        service.process.send_signal(signal.SIGTERM)
        try:
            service.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@contextmanager
def services(tmp: Path, app_dir: Path) -> Iterator[dict[str, Service]]:
    """The stub and both apps, configured alike; stopped whatever happens."""
    stub_port, ours_port, bare_port = free_port(), free_port(), free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(APP_SETTINGS)}
    app_env = {
        **base_env,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{stub_port}/api/",
        "HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    ours_env = {
        **app_env,
        "PORT": str(ours_port),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "REMINDER_INTERVAL": "1h",
    }
    stub_argv = [sys.executable, str(BENCH / "stub_slack.py"), "--port", str(stub_port)]
    started: dict[str, Service] = {}
    try:
        started["stub"] = spawn("stub", stub_argv, base_env, stub_port, tmp)
        started["ours"] = spawn(
            "ours", [sys.executable, "app.py"], ours_env, ours_port, tmp, cwd=app_dir
        )
        started["bare"] = spawn(
            "bare",
            [sys.executable, str(BENCH / "bare_app.py")],
            {**app_env, "PORT": str(bare_port)},
            bare_port,
            tmp,
        )
        yield started
    finally:
        for service in reversed(list(started.values())):
            stop(service)


# ---- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A signed request, built before the clock starts so signing is not measured."""

    body: bytes
    headers: dict[str, str]
    trigger_id: str


class Requests:
    """Builds the three kinds of request as Slack sends them; every one unique."""

    def __init__(self, stub_url: str) -> None:
        self.verifier = SignatureVerifier(SECRET)
        self.response_url = f"{stub_url}/response/bench"
        self.seq = itertools.count(1)

    def make(self, app: str, kind: str) -> Prepared:
        n = next(self.seq)
        trigger_id = f"bench-{app}-{kind}-{n}"
        if kind == "submit":
            body = urlencode({"payload": json.dumps(self._submission(trigger_id, n))})
        else:
            body = self._command("help" if kind == "help" else "", trigger_id)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        return Prepared(body.encode(), headers, trigger_id)

    def _command(self, text: str, trigger_id: str) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "team_domain": "bench",
                "channel_id": "CORIGIN",
                "channel_name": "support",
                "user_id": "U1",
                "user_name": "u1",
                "command": "/escalate",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.response_url,
                "trigger_id": trigger_id,
            }
        )

    def _submission(self, trigger_id: str, n: int) -> dict[str, Any]:
        """A filled-in intake modal. A new customer each time, so none is refused as a
        duplicate of an open escalation, and a new view id, so none is deduplicated."""
        origin = json.dumps({"response_url": self.response_url, "user": "U1", "channel": "CORIGIN"})

        def text(value: str | None) -> dict[str, Any]:
            return {"type": "plain_text_input", "value": value}

        def select(value: str) -> dict[str, Any]:
            return {"type": "static_select", "selected_option": {"value": value}}

        def unticked() -> dict[str, Any]:
            return {"type": "checkboxes", "selected_options": []}

        values = {
            "customer": {
                "type": "external_select",
                "selected_option": {"value": f"new:Bench Customer {n}"},
            },
            "title": text("Checkout down for EU customers"),
            "severity": select("high"),
            "cause": select("product_issue"),
            "business_impact": text("Orders cannot be placed; about $40k a day at stake."),
            "ideal_resolution": text(None),
            "annual_contract_value": text("250000"),
            "renewal_date": {"type": "datepicker", "selected_date": "2027-03-01"},
            "customer_timezone": text("Europe/Berlin"),
            "leader": {"type": "users_select", "selected_user": "ULEAD"},
            "stakeholders": {"type": "multi_users_select", "selected_users": ["UCSM", "UAE"]},
            "flags": unticked(),
            "private": unticked(),
            "separate": unticked(),
        }
        return {
            "type": "view_submission",
            "team": {"id": "T1", "domain": "bench"},
            "user": {"id": "U1", "name": "u1", "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": trigger_id,
            "view": {
                "id": f"VBENCH{n}",
                "type": "modal",
                "callback_id": "intake",
                "private_metadata": json.dumps({"origin": origin, "channel": "CORIGIN"}),
                "hash": f"h{n}",
                "state": {"values": {name: {name: v} for name, v in values.items()}},
            },
        }


def problem(kind: str, status: int, body: bytes) -> str | None:
    """None for the ack we expect: the help blocks, or an empty 200. A submission refused with
    field errors is a different, cheaper request: it is counted as a failure, not a sample."""
    if status != 200:
        return f"HTTP {status}"
    if kind == "help":
        return None if b'"blocks"' in body else "no help blocks"
    return None if body.strip() in (b"", b"{}") else "unexpected body"


# ---- load ---------------------------------------------------------------------------------


@dataclass
class Sample:
    sent_ns: int
    latency_ms: float
    trigger_id: str
    problem: str | None  # None: a good ack


async def run_batch(
    session: aiohttp.ClientSession,
    url: str,
    kind: str,
    batch: Sequence[Prepared],
    concurrency: int,
) -> list[Sample]:
    """A closed loop: `concurrency` workers, each sending its next request as soon as the
    previous one is answered, so exactly that many are in flight until the batch runs out."""
    pending = iter(batch)
    samples: list[Sample] = []

    async def worker() -> None:
        for prepared in pending:
            sent = time.monotonic_ns()  # CLOCK_MONOTONIC: the stub's clock too, same machine
            try:
                async with session.post(url, data=prepared.body, headers=prepared.headers) as r:
                    wrong = problem(kind, r.status, await r.read())
            except TimeoutError:
                wrong = f"no answer in {REQUEST_TIMEOUT_S:.0f} s"
            except aiohttp.ClientError as exc:
                wrong = type(exc).__name__
            latency = (time.monotonic_ns() - sent) / 1e6
            if wrong is None and latency > SLACK_ACK_DEADLINE_MS:
                wrong = "acked after Slack's 3 s"
            samples.append(Sample(sent, latency, prepared.trigger_id, wrong))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


async def stub_requests(session: aiohttp.ClientSession, stub: Service) -> dict[str, Any]:
    async with session.get(f"{stub.base_url}/_bench/stats") as response:
        return await response.json()


async def quiesce(
    session: aiohttp.ClientSession,
    stub: Service,
    rooms: int = 0,
    quiet_s: float = 0.25,
    limit_s: float = 60,
) -> bool:
    """Wait until at least `rooms` channels were created and then no Slack call has reached
    the stub for `quiet_s`: our app's post-ack work (war room set-up) must finish before the
    next measurement, whichever app it is for. Our app stores escalations before it starts
    their rooms, so a quiet stub alone does not mean the work is done. False if it never
    went quiet within `limit_s`."""
    stats = await stub_requests(session, stub)
    last = stats["requests"]
    start = quiet_since = time.monotonic()
    while (
        time.monotonic() - quiet_since < quiet_s
        or stats["methods"].get("conversations.create", 0) < rooms
    ):
        if time.monotonic() - start > limit_s:
            return False
        await asyncio.sleep(0.05)
        stats = await stub_requests(session, stub)
        if stats["requests"] != last:
            last, quiet_since = stats["requests"], time.monotonic()
    return True


async def views_open_times(session: aiohttp.ClientSession, stub: Service) -> dict[str, int]:
    async with session.post(f"{stub.base_url}/_bench/views_open") as response:
        return await response.json()


# ---- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), without numpy."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": rounded(percentile(values, 50)),
        "p90_ms": rounded(percentile(values, 90)),
        "p99_ms": rounded(percentile(values, 99)),
        "max_ms": rounded(max(values, default=None)),
    }


def ratio(ours: float | None, bare: float | None) -> float | None:
    return round(ours / bare, 2) if ours is not None and bare else None


@dataclass
class Batch:
    samples: list[Sample]
    views_open: dict[str, int]  # trigger_id → when the stub received views.open for it
    cpu_s: float | None  # the app's CPU time from the first request until Slack went quiet
    stalled: bool


@dataclass
class Cell:
    """Every sample of one app for one request kind, across rounds."""

    latencies: list[float] = field(default_factory=list)
    views_open: list[float] = field(default_factory=list)
    round_p99: list[float | None] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    views_open_missing: int = 0
    cpu_s: float = 0.0  # the app's CPU time over its runs, post-ack work included
    cpu_requests: int = 0

    def cpu_ms_per_request(self) -> float | None:
        """None without good acks: the CPU of an app that did not answer means nothing."""
        if not self.cpu_requests or not self.latencies:
            return None
        return rounded(1000 * self.cpu_s / self.cpu_requests)

    def add(self, kind: str, batch: Batch) -> None:
        samples, opened = batch.samples, batch.views_open
        if batch.cpu_s is not None:
            self.cpu_s += batch.cpu_s
            self.cpu_requests += len(samples)
        good = [s for s in samples if s.problem is None]
        self.problems.update(s.problem for s in samples if s.problem is not None)
        self.latencies += [s.latency_ms for s in good]
        self.round_p99.append(rounded(percentile([s.latency_ms for s in good], 99)))
        if kind == "escalate":
            for s in good:
                if s.trigger_id in opened:
                    self.views_open.append((opened[s.trigger_id] - s.sent_ns) / 1e6)
                else:
                    self.views_open_missing += 1


# ---- the run ------------------------------------------------------------------------------


@dataclass
class Config:
    rounds: int
    requests: int
    concurrency: int
    warmup: int
    target: float
    kinds: tuple[str, ...]
    max_seconds: float
    app_dir: str


async def measure(config: Config, tmp: Path) -> dict[str, Any]:
    with services(tmp, Path(config.app_dir)) as running:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as control:
            await wait_until_up(control, running["stub"], "/_bench/stats")
            for name in APPS:
                await wait_until_up(control, running[name], "/healthz")
            clients = {
                name: aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
                    connector=aiohttp.TCPConnector(limit=config.concurrency),
                )
                for name in APPS
            }
            try:
                return await Bench(config, running, control, clients).run()
            finally:
                for client in clients.values():
                    await client.close()


class Bench:
    """One run against the started services: the rounds, and what they gather."""

    def __init__(
        self,
        config: Config,
        running: dict[str, Service],
        control: aiohttp.ClientSession,
        clients: dict[str, aiohttp.ClientSession],
    ) -> None:
        self.config = config
        self.running = running
        self.stub = running["stub"]
        self.control = control
        self.clients = clients
        self.requests = Requests(self.stub.base_url)
        self.cells = {(app, kind): Cell() for app in APPS for kind in config.kinds}
        self.notes: list[str] = []
        self.sent = Counter[str]()
        self.rounds_done = dict.fromkeys(config.kinds, 0)

    async def run(self) -> dict[str, Any]:
        """Kind by kind, so a kind that breaks an app cannot spoil the other kinds' figures."""
        started = time.monotonic()
        for n, kind in enumerate(self.config.kinds, 1):
            if not await self.kind(kind):
                if n < len(self.config.kinds):
                    self.notes.append("the apps did not recover: the remaining kinds were skipped")
                break
        return {
            "cells": self.cells,
            "stub_calls": (await stub_requests(self.control, self.stub))["methods"],
            "sent": self.sent,
            "rounds_done": self.rounds_done,
            "notes": self.notes,
            "seconds": time.monotonic() - started,
        }

    async def kind(self, kind: str) -> bool:
        """A warm-up, then interleaved rounds: ours and bare back to back, alternating which
        goes first. False if an app stopped answering and did not come back."""
        print(f"  {LABELS[kind]:<24}", end="", flush=True)
        started = time.monotonic()
        budget = self.config.max_seconds / len(self.config.kinds)
        try:
            first = 0 if self.config.warmup else 1
            for round_no in range(first, self.config.rounds + 1):  # 0: warm-up, not recorded
                if time.monotonic() - started > budget:
                    self.notes.append(f"{LABELS[kind]}: stopped early, over --max-seconds")
                    return True
                order = APPS if round_no % 2 == 0 else APPS[::-1]
                for app in order:
                    batch = await self.batch(app, kind, round_no)
                    if round_no:
                        self.cells[(app, kind)].add(kind, batch)
                    if batch.stalled:
                        self.notes.append(
                            f"{LABELS[kind]}: {app} stopped answering in round {round_no}, "
                            "so this kind stopped there; rerun with --logs DIR"
                        )
                        return await self.recovered()
                self.rounds_done[kind] = round_no
                print("." if round_no else "w", end="", flush=True)
            return True
        finally:
            print(f" {time.monotonic() - started:.0f} s", flush=True)

    async def batch(self, app: str, kind: str, round_no: int) -> Batch:
        """One app, one kind, one round: the requests, then the quiet that follows them."""
        count = self.config.requests if round_no else self.config.warmup
        prepared = [self.requests.make(app, kind) for _ in range(count)]
        service = self.running[app]
        cpu_before = service.cpu_seconds()
        samples = await run_batch(
            self.clients[app],
            service.base_url + "/slack/events",
            kind,
            prepared,
            self.config.concurrency,
        )
        self.sent[f"{app}:{kind}"] += len(samples)
        rooms = self.sent["ours:submit"] if (app, kind) == ("ours", "submit") else 0
        if not await quiesce(self.control, self.stub, rooms):
            self.notes.append(f"{LABELS[kind]}: Slack calls still going 60 s after {app}'s run")
        cpu_after = service.cpu_seconds()
        cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
        opened = await views_open_times(self.control, self.stub)
        unanswered = sum(1 for s in samples if (s.problem or "").startswith("no answer"))
        # A stalled app makes every later batch wait out its timeouts: worth stopping.
        return Batch(samples, opened, cpu, stalled=bool(samples) and unanswered * 2 >= len(samples))

    async def recovered(self) -> bool:
        try:
            for name in APPS:
                await wait_until_up(self.control, self.running[name], "/healthz")
        except RuntimeError:
            return False
        return True


def log_errors(log: Path) -> str | None:
    """How many errors a server logged, and the last exception: failures after the ack (our
    war room set-up) never show in the HTTP answers, only there."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None
    errors = sum(1 for line in lines if " ERROR " in line)
    if not errors:
        return None
    raised = [line for line in lines if line and not line[0].isspace() and "Error: " in line]
    last = f"; last: {raised[-1][:160]}" if raised else ""
    return f"{errors} ERROR lines{last}"


# ---- the report ---------------------------------------------------------------------------


def fmt(value: float | None, width: int, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return f"{'—':>{width}}"
    return f"{value:>{width - len(suffix)}.{digits}f}{suffix}"


def report(config: Config, measured: dict[str, Any]) -> dict[str, Any]:
    """Print the table and return the JSON document."""
    cells: dict[tuple[str, str], Cell] = measured["cells"]
    results: dict[str, Any] = {}
    print()
    print(
        f"{'request':<26}{'app':<6}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}"
        f"{'ours/bare p99':>15}"
    )
    print("-" * 100)
    for kind in config.kinds:
        entry: dict[str, Any] = {"label": LABELS[kind], "rounds": measured["rounds_done"][kind]}
        for app in APPS:
            cell = cells[(app, kind)]
            entry[app] = {
                **summary(cell.latencies),
                "cpu_ms_per_request": cell.cpu_ms_per_request(),
                "failed": dict(cell.problems),
                "round_p99_ms": cell.round_p99,
            }
        r99 = ratio(entry["ours"]["p99_ms"], entry["bare"]["p99_ms"])
        failed = any(cells[(app, kind)].problems for app in APPS)
        entry["ratio_p99"] = r99
        entry["ratio_p50"] = ratio(entry["ours"]["p50_ms"], entry["bare"]["p50_ms"])
        entry["pass"] = r99 is not None and r99 <= config.target and not failed
        for app in APPS:
            s = entry[app]
            line = f"{LABELS[kind] if app == 'ours' else '':<26}{app:<6}{s['n']:>6}"
            line += fmt(s["p50_ms"], 9) + fmt(s["p99_ms"], 9)
            line += fmt(s["cpu_ms_per_request"], 12, digits=2)
            if app == "bare":
                line += fmt(r99, 15, "x", 2) + f"   {'PASS' if entry['pass'] else 'FAIL'}"
            if s["failed"]:
                line += "   failed: " + ", ".join(f"{n} {why}" for why, n in s["failed"].items())
            print(line)
        if kind == "escalate":
            entry["views_open"] = _views_open(cells, kind)
        results[kind] = entry
    verdict = "PASS" if all(results[k]["pass"] for k in config.kinds) else "FAIL"
    calls = measured["stub_calls"]
    print()
    print(
        f"{verdict}: "
        + ", ".join(f"{LABELS[k]} {fmt(results[k]['ratio_p99'], 0, 'x', 2)}" for k in config.kinds)
        + f" (target: ours/bare p99 ≤ {config.target}x, and no failed acks)"
    )
    print(
        f"{config.rounds} interleaved rounds × {config.requests} requests per app and kind "
        f"(after {config.warmup} warm-up), {config.concurrency} in flight, "
        f"{measured['seconds']:.0f} s"
    )
    rooms = None
    if "submit" in config.kinds:
        # The submission's ack is only comparable if our post-ack work really ran: a failure
        # after the ack would make our app look cheaper than it is.
        rooms = {"submissions": measured["sent"]["ours:submit"]}
        rooms["created"] = calls.get("conversations.create", 0)
        print(f"our war rooms set up after the acks: {rooms['created']} of {rooms['submissions']}")
        if rooms["created"] < rooms["submissions"]:
            measured["notes"].append(
                "our app did not set up every war room, so not all of its post-ack work ran; "
                "rerun with --logs DIR and read ours.log"
            )
    for note in measured["notes"]:
        print(f"WARNING: {note}")
    return {
        "what": "Slack ack latency, our app vs a bare slack-bolt AsyncApp (bench/ack_latency.py)",
        "verdict": verdict,
        "target_ratio_p99": config.target,
        "config": asdict(config),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_after": os.getloadavg(),
        },
        "seconds": round(measured["seconds"], 1),
        "rounds_done": measured["rounds_done"],
        "results": results,
        "war_rooms": rooms,
        "stub_calls": calls,
        "warnings": measured["notes"],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _views_open(cells: dict[tuple[str, str], Cell], kind: str) -> dict[str, Any]:
    """For /escalate: from sending the command to the stub receiving views.open (info only)."""
    views: dict[str, Any] = {}
    for app in APPS:
        cell = cells[(app, kind)]
        views[app] = {**summary(cell.views_open), "missing": cell.views_open_missing}
    views["ratio_p99"] = ratio(views["ours"]["p99_ms"], views["bare"]["p99_ms"])
    for app in APPS:
        s = views[app]
        line = f"{'  … until views.open' if app == 'ours' else '':<26}{app:<6}{s['n']:>6}"
        line += fmt(s["p50_ms"], 9) + fmt(s["p99_ms"], 9) + " " * 12
        if app == "bare":
            line += fmt(views["ratio_p99"], 15, "x", 2) + "   (info)"
        if s["missing"]:
            line += f"   ({s['missing']} never reached the stub)"
        print(line)
    return views


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Slack ack latency: our app vs a bare slack-bolt AsyncApp, side by side."
    )
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (10)")
    parser.add_argument(
        "--requests", type=int, default=150, help="requests per app, kind and round (150)"
    )
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight (50)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per cell (100)")
    parser.add_argument("--target", type=float, default=1.3, help="max ours/bare p99 (1.3)")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help=f"comma-separated subset of {','.join(KINDS)} (all), e.g. to profile one path",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=240,
        help="start no new round after this long (240): a slow app still gets a report",
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="run `python app.py` from this checkout instead (to try a change side by side)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in KINDS if k in args.kinds.split(","))
    if not kinds:
        parser.error(f"--kinds: choose among {', '.join(KINDS)}")
    config = Config(
        rounds=args.rounds,
        requests=args.requests,
        concurrency=args.concurrency,
        warmup=args.warmup,
        target=args.target,
        kinds=kinds,
        max_seconds=args.max_seconds,
        app_dir=str(args.app_dir.resolve()),
    )
    print(
        f"Ack latency, our app vs bare slack-bolt: {config.concurrency} in flight, "
        f"{config.rounds} rounds × {config.requests} requests × {len(APPS)} apps × "
        f"{len(kinds)} kinds, on {os.cpu_count()} CPUs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ack-bench-") as tmp:
        try:
            measured = asyncio.run(measure(config, Path(tmp)))
        except RuntimeError as exc:
            print(f"benchmark could not run: {exc}", file=sys.stderr)
            return 1
        finally:
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
        for app in APPS:
            if complaint := log_errors(Path(tmp) / f"{app}.log"):
                measured["notes"].append(f"{app}.log: {complaint}")
    document = report(config, measured)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"results written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
