"""Load and validate the playbook files. A broken file fails loudly with one line that names it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from pytimeparse import parse as parse_seconds

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"

FIELD_KINDS = {
    "text",
    "multiline",
    "number",
    "date",
    "datetime",
    "select",
    "user",
    "users",
    "checkbox",
    "checkboxes",
    "account",
}


OPTION_LISTS = ("severities", "causes", "levers", "flags", "satisfaction", "tiers")


class PlaybookError(Exception):
    """A playbook file is unusable; the message is the one line to show the operator."""


def parse_duration(text: Any) -> timedelta | None:
    """`45s`, `30m`, `24h`, `3d` (anything pytimeparse reads) to a positive timedelta, else None."""
    seconds = parse_seconds(str(text).strip()) if text is not None else None
    if seconds is None or seconds <= 0:
        return None
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class WorkingHours:
    """Monday to Friday, `start`-`end` in a person's own time zone."""

    start: time
    end: time

    def is_open(self, local: datetime) -> bool:
        return local.weekday() < 5 and self.start <= local.time() < self.end

    def next_opening(self, local: datetime) -> datetime:
        """The next moment (in the same zone) at which the working day starts or goes on."""
        if self.is_open(local):
            return local
        day = local.date()
        if local.time() >= self.start:
            day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=local.tzinfo)


WAR_ROOMS = ("channel", "thread")


@dataclass(frozen=True)
class Cadence:
    acknowledge_within: timedelta
    update_every: timedelta
    remind_every: timedelta | None = None
    escalate_after: timedelta | None = None
    working_hours: WorkingHours | None = None
    # "channel": a dedicated channel per escalation; "thread": a thread in the escalations
    # channel, lighter for the many small ones (a channel where the platform cannot thread).
    war_room: str = "channel"

    @property
    def reminder_period(self) -> timedelta:
        return self.remind_every or self.update_every


@dataclass(frozen=True)
class LeadershipRules:
    """When leadership is looped in as soon as the facts say so (not only when late)."""

    contract_value_at_least: float | None = 100000
    severities: tuple[str, ...] = ("critical",)
    flags: tuple[str, ...] = ("threat_to_cancel", "legal_action", "asked_for_executive")


@dataclass(frozen=True)
class Policy:
    severities: dict[str, Cadence]
    source: str
    leadership: tuple[str, ...] = ()
    leadership_rules: LeadershipRules = field(default_factory=LeadershipRules)
    satisfaction_after: timedelta = timedelta(days=2)
    follow_up_within: timedelta = timedelta(days=14)

    def cadence(self, severity: str) -> Cadence:
        return self.severities[severity]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str
    required: bool = True
    max_length: int | None = None
    placeholder: str | None = None
    options: str | None = None
    default: str | None = None
    option_label: str | None = None


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    submit: str
    fields: tuple[FormField, ...]

    def field(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class Taxonomy:
    severities: dict[str, str]
    causes: dict[str, str]
    levers: dict[str, str]
    states: dict[str, str]
    flags: dict[str, str]
    satisfaction: dict[str, str]
    teams: dict[str, str]
    tiers: dict[str, str]

    def options(self, name: str) -> dict[str, str]:
        return getattr(self, name)


@dataclass(frozen=True)
class Playbooks:
    policy: Policy
    taxonomy: Taxonomy
    forms: dict[str, Form] = field(default_factory=dict)
    causes: dict = field(default_factory=dict)  # cause key → playbooks.causes.CausePlaybook
    step_labels: dict[str, str] = field(default_factory=dict)

    def severity_label(self, key: str) -> str:
        return self.taxonomy.severities.get(key, key.title())


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise PlaybookError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise PlaybookError(f"{path}:{where} {problem}") from None


DURATION_KEYS = ("acknowledge_within", "update_every", "remind_every", "escalate_after")
REQUIRED_KEYS = ("acknowledge_within", "update_every")
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def _working_hours(where: str, value: object) -> WorkingHours:
    match = HOURS.match(str(value).strip())
    if not match:
        raise PlaybookError(f"{where}: {value!r} is not a time range like 09:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start = time(h1, m1)
    end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise PlaybookError(f"{where}: {value!r} ends before it starts")
    return WorkingHours(start, end)


def load_policy(path: Path) -> Policy:
    data = _read_yaml(path)
    if not isinstance(data, dict) or "severities" not in data:
        raise PlaybookError(f"{path}: missing key 'severities'")
    unknown = set(data) - {
        "severities",
        "leadership",
        "leadership_rules",
        "satisfaction_after",
        "follow_up_within",
    }
    if unknown:
        raise PlaybookError(f"{path}: unknown key '{sorted(unknown)[0]}'")
    leadership = data.get("leadership") or []
    if not isinstance(leadership, list) or not all(isinstance(u, str) for u in leadership):
        raise PlaybookError(f"{path}: leadership: must be a list of user ids")
    raw = data["severities"]
    if not isinstance(raw, dict) or not raw:
        raise PlaybookError(f"{path}: 'severities' must map severity names to cadences")
    severities: dict[str, Cadence] = {}
    for name, spec in raw.items():
        where = f"{path}: severities.{name}"
        if not isinstance(spec, dict):
            raise PlaybookError(f"{where}: must have acknowledge_within and update_every")
        extra = set(spec) - {*DURATION_KEYS, "working_hours", "war_room"}
        if extra:
            raise PlaybookError(f"{where}.{sorted(extra)[0]}: unknown key")
        values: dict[str, object] = {}
        for key in DURATION_KEYS:
            if key not in spec:
                if key in REQUIRED_KEYS:
                    raise PlaybookError(f"{where}.{key}: missing")
                continue
            duration = parse_duration(spec[key])
            if duration is None:
                raise PlaybookError(
                    f"{where}.{key}: {spec[key]!r} is not a duration (write 45s, 30m, 24h or 3d)"
                )
            values[key] = duration
        if "working_hours" in spec:
            values["working_hours"] = _working_hours(
                f"{where}.working_hours", spec["working_hours"]
            )
        if "war_room" in spec:
            if spec["war_room"] not in WAR_ROOMS:
                raise PlaybookError(
                    f"{where}.war_room: {spec['war_room']!r} is not one of {', '.join(WAR_ROOMS)}"
                )
            values["war_room"] = spec["war_room"]
        severities[str(name)] = Cadence(**values)
    extras: dict[str, object] = {}
    for key in ("satisfaction_after", "follow_up_within"):
        if key in data:
            duration = parse_duration(data[key])
            if duration is None:
                raise PlaybookError(f"{path}: {key}: {data[key]!r} is not a duration")
            extras[key] = duration
    if "leadership_rules" in data:
        extras["leadership_rules"] = _leadership_rules(path, data["leadership_rules"], severities)
    return Policy(severities=severities, source=str(path), leadership=tuple(leadership), **extras)


def _leadership_rules(path: Path, raw: object, severities: dict) -> LeadershipRules:
    where = f"{path}: leadership_rules"
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: must be a mapping")
    extra = set(raw) - {"contract_value_at_least", "severities", "flags"}
    if extra:
        raise PlaybookError(f"{where}.{sorted(extra)[0]}: unknown key")
    value = raw.get("contract_value_at_least", 100000)
    if value is not None and (not isinstance(value, int | float) or value < 0):
        raise PlaybookError(f"{where}.contract_value_at_least: {value!r} is not an amount")
    sevs = tuple(raw.get("severities", ("critical",)) or ())
    for sev in sevs:
        if sev not in severities:
            raise PlaybookError(f"{where}.severities: unknown severity '{sev}'")
    flags = tuple(raw.get("flags", LeadershipRules.flags) or ())
    for flag in flags:
        if flag not in LeadershipRules.flags:
            raise PlaybookError(f"{where}.flags: unknown flag '{flag}'")
    return LeadershipRules(value, sevs, flags)


def load_taxonomy(path: Path) -> Taxonomy:
    data = _read_yaml(path)
    parts = {}
    for key in (
        "severities",
        "causes",
        "levers",
        "states",
        "flags",
        "satisfaction",
        "teams",
        "tiers",
    ):
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict) or not value:
            raise PlaybookError(f"{path}: '{key}' must map keys to labels")
        parts[key] = {str(k): str(v) for k, v in value.items()}
    return Taxonomy(**parts)


def load_forms(path: Path, taxonomy: Taxonomy) -> dict[str, Form]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise PlaybookError(f"{path}: expected a mapping of form names")
    forms = {}
    for name, spec in data.items():
        where = f"{path}: {name}"
        try:
            fields = []
            for i, raw in enumerate(spec["fields"]):
                f = FormField(**raw)
                if f.kind not in FIELD_KINDS:
                    raise PlaybookError(f"{where}.fields[{i}].kind: unknown kind '{f.kind}'")
                if f.options and f.options not in OPTION_LISTS:
                    raise PlaybookError(f"{where}.fields[{i}].options: unknown list '{f.options}'")
                fields.append(f)
            forms[name] = Form(name, spec["title"], spec["submit"], tuple(fields))
        except (KeyError, TypeError) as exc:
            raise PlaybookError(f"{where}: {exc}") from None
    return forms


def load(policy_path: str | Path | None = None) -> Playbooks:
    """Everything the commands need; `policy_path` is ESCALATION_POLICY when set."""
    from playbooks.causes import STEP_LABELS, load_causes

    policy = load_policy(Path(policy_path) if policy_path else HERE / "policy.yml")
    taxonomy = load_taxonomy(HERE / "taxonomy.yml")
    forms = load_forms(HERE / "forms.yml", taxonomy)
    for sev in policy.severities:
        if sev not in taxonomy.severities:
            taxonomy.severities[sev] = sev.title()
    causes = load_causes(HERE / "causes", taxonomy.causes, taxonomy.levers)
    return Playbooks(
        policy=policy, taxonomy=taxonomy, forms=forms, causes=causes, step_labels=dict(STEP_LABELS)
    )
