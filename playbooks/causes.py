"""Cause playbooks: one YAML file per escalation cause, turned into a ticking checklist.

Each file in `playbooks/causes/` is named after a cause key from taxonomy.yml and lists, for the
five steps of the handling framework, the items a leader ticks off, plus the questions to ask the
customer, the teams that usually need to be involved and the levers that usually fit.

`load_causes` stops at the first problem (raising PlaybookError with one line that names the file,
the key path and what is wrong); `check_causes` returns every problem, one line each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from playbooks.loader import PlaybookError

# The five steps of the handling framework, in order, with the label a person sees.
STEP_LABELS: dict[str, str] = {
    "acknowledge": "Acknowledge and understand",
    "investigate": "Investigate the root cause",
    "communicate": "Communicate transparently",
    "use_levers": "Use resolution levers",
    "collaborate": "Collaborate and document",
}
STEPS: tuple[str, ...] = tuple(STEP_LABELS)

# Teams a playbook may ask to involve.
TEAMS: tuple[str, ...] = (
    "support",
    "product",
    "engineering",
    "sales",
    "finance_contracts",
    "leadership",
)

# Items every cause playbook carries under the same key and step, so that changing an
# escalation's cause keeps their ticks. (The files are the source; the tests hold them to this.)
SHARED_KEYS: dict[str, str] = {
    "acknowledge-within-hours": "acknowledge",
    "ask-business-impact": "acknowledge",
    "ask-ideal-outcome": "acknowledge",
    "ask-other-frustrations": "acknowledge",
    "record-timeline": "investigate",
    "investigation-record": "investigate",
    "specific-timebound-update": "communicate",
    "update-on-cadence": "communicate",
    "tell-customer-facing-teams": "collaborate",
    "post-mortem": "collaborate",
}

TOP_LEVEL_KEYS: tuple[str, ...] = ("title", "summary", "steps", "teams", "questions", "levers")
ITEM_FIELDS: tuple[str, ...] = ("key", "text")

KEY_FORMAT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_KEY = 60
MAX_TEXT = 150
MAX_TITLE = 100
MAX_SUMMARY = 400
MAX_QUESTION = 200
MAX_QUESTIONS = 6
# A chat checkbox group (one per step) holds at most ten options.
MAX_ITEMS_PER_STEP = 10


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    step: str
    text: str


@dataclass(frozen=True)
class CausePlaybook:
    key: str
    title: str
    summary: str
    steps: tuple[ChecklistItem, ...]  # flattened, in framework order
    teams: tuple[str, ...]
    questions: tuple[str, ...]
    levers: tuple[str, ...]

    def items(self, step: str) -> tuple[ChecklistItem, ...]:
        """The items of one step, in file order."""
        return tuple(i for i in self.steps if i.step == step)


def load_causes(
    directory: Path, cause_keys: Iterable[str], lever_keys: Iterable[str]
) -> dict[str, CausePlaybook]:
    """One playbook per cause key, in the order given; the first problem raises PlaybookError."""
    problems: list[str] = []
    playbooks = _collect(Path(directory), list(cause_keys), list(lever_keys), problems)
    if problems:
        raise PlaybookError(problems[0])
    return playbooks


def check_causes(
    directory: Path, cause_keys: Iterable[str], lever_keys: Iterable[str]
) -> list[str]:
    """Every problem in the cause playbooks, one line each; empty when all is well.

    An empty `cause_keys` or `lever_keys` means the taxonomy could not be read: every *.yml in
    `directory` is then checked, levers are not (the taxonomy's own error is reported by its
    loader).
    """
    problems: list[str] = []
    _collect(Path(directory), list(cause_keys), list(lever_keys), problems)
    return problems


# --- reading -----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (plain YAML keeps the last)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: let the base constructor report it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice in the same mapping", key_node.start_mark
            )
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _read(path: Path) -> Any:
    """Like playbooks.loader._read_yaml (same one-line messages), but strict about duplicates."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlaybookError(f"{path}: not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise PlaybookError(f"{path}:{where} {problem}") from None


# --- checking ----------------------------------------------------------------------------------


def _collect(
    directory: Path, cause_keys: list[str], lever_keys: list[str], problems: list[str]
) -> dict[str, CausePlaybook]:
    playbooks: dict[str, CausePlaybook] = {}
    if cause_keys and directory.is_dir():
        for stray in sorted(directory.glob("*.y*ml")):
            if stray.stem not in cause_keys or stray.suffix != ".yml":
                problems.append(
                    f"{stray}: not a cause playbook (name it <cause>.yml with a cause key "
                    f"from taxonomy.yml: {', '.join(cause_keys)})"
                )
    if not cause_keys:  # taxonomy unknown: check whatever playbooks are there
        cause_keys = sorted(p.stem for p in directory.glob("*.yml")) if directory.is_dir() else []
    for key in cause_keys:
        path = directory / f"{key}.yml"
        if not path.is_file():
            problems.append(
                f"{path}: file not found (cause '{key}' in taxonomy.yml needs a playbook)"
            )
            continue
        try:
            data = _read(path)
        except PlaybookError as exc:
            problems.append(str(exc))
            continue
        before = len(problems)
        playbook = _playbook(path, key, data, lever_keys, problems.append)
        if playbook is not None and len(problems) == before:
            playbooks[key] = playbook
    return playbooks


def _playbook(
    path: Path, key: str, data: Any, lever_keys: list[str], report
) -> CausePlaybook | None:
    def problem(where: str, what: str) -> None:
        report(f"{path}: {where}: {what}" if where else f"{path}: {what}")

    if data is None:
        problem("", f"empty file (expected {', '.join(TOP_LEVEL_KEYS)})")
        return None
    if not isinstance(data, dict):
        problem("", f"expected a mapping with {', '.join(TOP_LEVEL_KEYS)}")
        return None
    for name in data:
        if name not in TOP_LEVEL_KEYS:
            problem(str(name), f"unknown key (expected {', '.join(TOP_LEVEL_KEYS)})")
    for name in TOP_LEVEL_KEYS:
        if name not in data:
            problem(name, "missing")

    title = _text(data["title"], "title", MAX_TITLE, problem) if "title" in data else None
    summary = _text(data["summary"], "summary", MAX_SUMMARY, problem) if "summary" in data else None
    steps = _steps(data["steps"], problem) if "steps" in data else ()
    teams = _choices(data["teams"], "teams", "team", TEAMS, problem) if "teams" in data else ()
    levers = (
        _choices(data["levers"], "levers", "lever", lever_keys, problem) if "levers" in data else ()
    )
    questions = _questions(data["questions"], problem) if "questions" in data else ()
    return CausePlaybook(
        key=key,
        title=title or key,
        summary=summary or "",
        steps=steps,
        teams=teams,
        questions=questions,
        levers=levers,
    )


def _text(value: Any, where: str, limit: int, problem) -> str | None:
    """The value with its whitespace tidied, or None (and a problem) when it is unusable."""
    if value is None:
        problem(where, "empty")
        return None
    if not isinstance(value, str):
        problem(where, "must be text")
        return None
    text = " ".join(value.split())
    if not text:
        problem(where, "empty")
        return None
    if len(text) > limit:
        problem(where, f"{len(text)} characters, at most {limit}")
        return None
    return text


def _steps(raw: Any, problem) -> tuple[ChecklistItem, ...]:
    if not isinstance(raw, dict):
        problem("steps", f"must map the five steps ({', '.join(STEPS)}) to lists of items")
        return ()
    for step in raw:
        if step not in STEPS:
            problem(f"steps.{step}", f"unknown step (expected {', '.join(STEPS)})")
    items: list[ChecklistItem] = []
    seen: dict[str, str] = {}
    for step in STEPS:
        where = f"steps.{step}"
        if step not in raw:
            problem(where, "missing")
            continue
        group = raw[step]
        if group is None or group == []:
            problem(where, "empty (list at least one item)")
            continue
        if not isinstance(group, list):
            problem(where, "must be a list of items with key and text")
            continue
        if len(group) > MAX_ITEMS_PER_STEP:
            problem(where, f"{len(group)} items, at most {MAX_ITEMS_PER_STEP}")
        for i, entry in enumerate(group):
            item = _item(entry, f"{where}[{i}]", seen, problem)
            if item is not None:
                items.append(ChecklistItem(key=item[0], step=step, text=item[1]))
    return tuple(items)


def _item(entry: Any, where: str, seen: dict[str, str], problem) -> tuple[str, str] | None:
    if not isinstance(entry, dict):
        problem(where, "must be a mapping with key and text")
        return None
    for name in entry:
        if name not in ITEM_FIELDS:
            problem(f"{where}.{name}", "unknown key (expected key and text)")
    ok = True
    key = entry.get("key")
    if "key" not in entry:
        problem(f"{where}.key", "missing")
        ok = False
    elif not isinstance(key, str) or not KEY_FORMAT.match(key):
        problem(f"{where}.key", f"{key!r} is not lowercase-dashed (like 'audit-ticket-history')")
        ok = False
    elif len(key) > MAX_KEY:
        problem(f"{where}.key", f"'{key}' is {len(key)} characters, at most {MAX_KEY}")
        ok = False
    elif key in seen:
        problem(f"{where}.key", f"duplicate key '{key}' (first at {seen[key]})")
        ok = False
    else:
        seen[key] = where
    if "text" not in entry:
        problem(f"{where}.text", "missing")
        return None
    text = _text(entry["text"], f"{where}.text", MAX_TEXT, problem)
    if text is None or not ok:
        return None
    return key, text


def _choices(raw: Any, where: str, noun: str, allowed: Iterable[str], problem) -> tuple[str, ...]:
    allowed = list(allowed)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problem(where, f"must be a list of {noun} keys")
        return ()
    chosen: list[str] = []
    for i, value in enumerate(raw):
        if not isinstance(value, str):
            problem(f"{where}[{i}]", f"must be a {noun} key")
        elif allowed and value not in allowed:
            problem(f"{where}[{i}]", f"unknown {noun} '{value}' (expected {', '.join(allowed)})")
        elif value in chosen:
            problem(f"{where}[{i}]", f"'{value}' listed twice")
        else:
            chosen.append(value)
    return tuple(chosen)


def _questions(raw: Any, problem) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problem("questions", "must be a list of questions")
        return ()
    if len(raw) > MAX_QUESTIONS:
        problem("questions", f"{len(raw)} questions, at most {MAX_QUESTIONS}")
    questions: list[str] = []
    for i, value in enumerate(raw):
        text = _text(value, f"questions[{i}]", MAX_QUESTION, problem)
        if text is not None:
            questions.append(text)
    return tuple(questions)
