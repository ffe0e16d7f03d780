"""The cause playbooks: the shipped files, and the one-line messages for broken ones."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from playbooks import loader
from playbooks.causes import (
    SHARED_KEYS,
    STEP_LABELS,
    TEAMS,
    CausePlaybook,
    ChecklistItem,
    check_causes,
    load_causes,
)
from playbooks.loader import HERE, PlaybookError

SHIPPED = HERE / "causes"
TAXONOMY = loader.load_taxonomy(HERE / "taxonomy.yml")
CAUSES = list(TAXONOMY.causes)
LEVERS = list(TAXONOMY.levers)
STEPS = ["acknowledge", "investigate", "communicate", "use_levers", "collaborate"]


@pytest.fixture(scope="module")
def shipped() -> dict[str, CausePlaybook]:
    return load_causes(SHIPPED, CAUSES, LEVERS)


# --- the shipped files ---------------------------------------------------------------------------


def test_every_cause_in_the_taxonomy_has_a_playbook(shipped):
    assert list(shipped) == CAUSES
    assert {p.stem for p in SHIPPED.glob("*.yml")} == set(CAUSES)
    assert check_causes(SHIPPED, CAUSES, LEVERS) == []


def test_step_labels_follow_the_framework_order():
    assert list(STEP_LABELS) == STEPS
    assert all(label.strip() for label in STEP_LABELS.values())


@pytest.mark.parametrize("cause", CAUSES)
def test_each_playbook_has_the_five_steps_in_order(shipped, cause):
    playbook = shipped[cause]
    assert playbook.key == cause
    assert playbook.title and playbook.summary
    assert all(isinstance(i, ChecklistItem) for i in playbook.steps)
    order = [i.step for i in playbook.steps]
    assert order == sorted(order, key=STEPS.index), "items are flattened in framework order"
    assert set(order) == set(STEPS)
    assert 9 <= len(playbook.steps) <= 14
    assert len({i.key for i in playbook.steps}) == len(playbook.steps)
    assert 3 <= len(playbook.questions) <= 6
    assert all(len(q) <= 200 for q in playbook.questions)
    assert playbook.teams and set(playbook.teams) <= set(TEAMS)
    assert playbook.levers and set(playbook.levers) <= set(LEVERS)


@pytest.mark.parametrize("cause", CAUSES)
def test_each_playbook_carries_the_shared_core(shipped, cause):
    steps = {i.key: i.step for i in shipped[cause].steps}
    for key, step in SHARED_KEYS.items():
        assert steps.get(key) == step, f"{cause}: {key} should be under {step}"


def test_the_shared_core_reads_the_same_in_every_playbook(shipped):
    """Switching cause keeps a tick, so the ticked item must still mean the same thing."""
    for key in SHARED_KEYS:
        texts = {next(i.text for i in p.steps if i.key == key) for p in shipped.values()}
        assert len(texts) == 1, f"{key} is worded differently across causes: {texts}"


def test_the_core_asks_for_impact_outcome_and_other_frustrations():
    assert {"ask-business-impact", "ask-ideal-outcome", "ask-other-frustrations"} <= set(
        SHARED_KEYS
    )
    assert {"acknowledge-within-hours", "record-timeline", "investigation-record"} <= set(
        SHARED_KEYS
    )
    assert {"specific-timebound-update", "update-on-cadence"} <= set(SHARED_KEYS)
    assert {"tell-customer-facing-teams", "post-mortem"} <= set(SHARED_KEYS)


def test_cause_specific_items_are_there(shipped):
    def keys(cause: str) -> set[str]:
        return {i.key for i in shipped[cause].steps}

    assert {"take-ownership", "audit-ticket-history"} <= keys("support_delay")
    assert {"pull-contract-and-invoices", "check-renewal-terms", "involve-finance-contracts"} <= (
        keys("renewal_dispute")
    )
    assert "finance_contracts" in shipped["renewal_dispute"].teams
    assert "compare-sold-with-contract" in keys("misaligned_expectations")
    assert "sales" in shipped["misaligned_expectations"].teams
    assert {"reconcile-conflicting-answers", "name-one-owner"} <= keys("poor_experience")
    assert {"engineering-root-cause", "offer-workaround"} <= keys("product_issue")
    for cause in CAUSES:
        if cause != "other":
            assert keys(cause) != keys("other"), f"{cause} adds nothing to the generic playbook"


def test_the_playbooks_fit_what_the_checklist_stores(shipped):
    # storage.models.ChecklistItem: key <= 60, step <= 30, text <= 300 characters.
    for playbook in shipped.values():
        for item in playbook.steps:
            assert len(item.key) <= 60 and len(item.step) <= 30 and len(item.text) <= 150


def test_the_full_load_attaches_the_playbooks():
    playbooks = loader.load()
    assert set(playbooks.causes) == set(CAUSES)
    assert list(playbooks.step_labels) == STEPS


# --- broken files --------------------------------------------------------------------------------


@pytest.fixture
def causes_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "causes"
    shutil.copytree(SHIPPED, directory)
    return directory


def _edit(directory: Path, cause: str, change: Callable[[dict], None]) -> Path:
    path = directory / f"{cause}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _only_problem(directory: Path) -> str:
    with pytest.raises(PlaybookError) as raised:
        load_causes(directory, CAUSES, LEVERS)
    message = str(raised.value)
    assert "\n" not in message
    assert check_causes(directory, CAUSES, LEVERS) == [message]
    return message


def _set_item_key(step: str, index: int, key: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["steps"][step][index]["key"] = key

    return change


BROKEN = {
    "unknown top-level key": (
        lambda d: d.update(owner="someone"),
        "owner: unknown key (expected title, summary, steps, teams, questions, levers)",
    ),
    "missing top-level key": (lambda d: d.pop("questions"), "questions: missing"),
    "missing step group": (
        lambda d: d["steps"].pop("collaborate"),
        "steps.collaborate: missing",
    ),
    "empty step group": (
        lambda d: d["steps"].update(use_levers=[]),
        "steps.use_levers: empty (list at least one item)",
    ),
    "null step group": (
        lambda d: d["steps"].update(use_levers=None),
        "steps.use_levers: empty (list at least one item)",
    ),
    "unknown step group": (
        lambda d: d["steps"].update(escalate=[{"key": "call-vp", "text": "Call the VP"}]),
        "steps.escalate: unknown step (expected acknowledge, investigate, communicate, "
        "use_levers, collaborate)",
    ),
    "duplicate item key": (
        _set_item_key("investigate", 2, "record-timeline"),
        "steps.investigate[2].key: duplicate key 'record-timeline' (first at steps.investigate[0])",
    ),
    "bad key format": (
        _set_item_key("communicate", 0, "Specific_Update"),
        "steps.communicate[0].key: 'Specific_Update' is not lowercase-dashed "
        "(like 'audit-ticket-history')",
    ),
    "key too long": (
        _set_item_key("communicate", 0, "a" * 61),
        f"steps.communicate[0].key: '{'a' * 61}' is 61 characters, at most 60",
    ),
    "missing item key": (
        lambda d: d["steps"]["acknowledge"][1].pop("key"),
        "steps.acknowledge[1].key: missing",
    ),
    "unknown item field": (
        lambda d: d["steps"]["acknowledge"][0].update(owner="csm"),
        "steps.acknowledge[0].owner: unknown key (expected key and text)",
    ),
    "text too long": (
        lambda d: d["steps"]["collaborate"][0].update(text="x" * 151),
        "steps.collaborate[0].text: 151 characters, at most 150",
    ),
    "text empty": (
        lambda d: d["steps"]["collaborate"][0].update(text="   "),
        "steps.collaborate[0].text: empty",
    ),
    "text missing": (
        lambda d: d["steps"]["collaborate"][0].pop("text"),
        "steps.collaborate[0].text: missing",
    ),
    "unknown team": (
        lambda d: d.update(teams=["support", "legal"]),
        "teams[1]: unknown team 'legal' (expected support, product, engineering, sales, "
        "finance_contracts, leadership)",
    ),
    "unknown lever": (
        lambda d: d.update(levers=["refund"]),
        "levers[0]: unknown lever 'refund' (expected value_added_service, pricing, workaround, "
        "leadership)",
    ),
    "question too long": (
        lambda d: d["questions"].append("?" * 201),
        "questions[5]: 201 characters, at most 200",
    ),
    "too many items for one step": (
        lambda d: d["steps"]["use_levers"].extend(
            {"key": f"lever-{n}", "text": f"Lever {n}"} for n in range(10)
        ),
        "steps.use_levers: 11 items, at most 10",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_gives_one_line_naming_file_path_and_problem(causes_dir, case):
    change, expected = BROKEN[case]
    path = _edit(causes_dir, "support_delay", change)
    assert _only_problem(causes_dir) == f"{path}: {expected}"


def test_a_missing_file(causes_dir):
    (causes_dir / "renewal_dispute.yml").unlink()
    assert _only_problem(causes_dir) == (
        f"{causes_dir / 'renewal_dispute.yml'}: file not found "
        "(cause 'renewal_dispute' in taxonomy.yml needs a playbook)"
    )


def test_invalid_yaml_names_the_line(causes_dir):
    path = causes_dir / "other.yml"
    path.write_text("title: Something else\nsummary: [unclosed\nsteps: {}\n", encoding="utf-8")
    message = _only_problem(causes_dir)
    assert message.startswith(f"{path}: line 3 "), message


def test_a_key_written_twice_in_yaml_is_not_silently_dropped(causes_dir):
    path = causes_dir / "other.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "teams: [sales]\n", encoding="utf-8")
    line = text.count("\n") + 1
    assert _only_problem(causes_dir) == (
        f"{path}: line {line} key 'teams' appears twice in the same mapping"
    )


def test_an_empty_file(causes_dir):
    path = causes_dir / "other.yml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert _only_problem(causes_dir) == (
        f"{path}: empty file (expected title, summary, steps, teams, questions, levers)"
    )


def test_a_file_for_no_known_cause(causes_dir):
    stray = causes_dir / "outage.yml"
    shutil.copy(causes_dir / "other.yml", stray)
    assert _only_problem(causes_dir).startswith(f"{stray}: not a cause playbook")


# --- all problems at once ------------------------------------------------------------------------


def test_check_lists_every_problem_across_files(causes_dir):
    delay = _edit(
        causes_dir,
        "support_delay",
        lambda d: (
            d.update(levers=["refund"], colour="red"),
            d["steps"].pop("communicate"),
        ),
    )
    renewal = _edit(
        causes_dir,
        "renewal_dispute",
        lambda d: d["steps"]["investigate"][1].update(key="Pull Contract", text=""),
    )
    (causes_dir / "other.yml").unlink()
    problems = check_causes(causes_dir, CAUSES, LEVERS)
    assert problems == [
        f"{delay}: colour: unknown key (expected title, summary, steps, teams, questions, levers)",
        f"{delay}: steps.communicate: missing",
        f"{delay}: levers[0]: unknown lever 'refund' (expected value_added_service, pricing, "
        "workaround, leadership)",
        f"{renewal}: steps.investigate[1].key: 'Pull Contract' is not lowercase-dashed "
        "(like 'audit-ticket-history')",
        f"{renewal}: steps.investigate[1].text: empty",
        f"{causes_dir / 'other.yml'}: file not found "
        "(cause 'other' in taxonomy.yml needs a playbook)",
    ]
    with pytest.raises(PlaybookError, match="colour: unknown key"):
        load_causes(causes_dir, CAUSES, LEVERS)


def test_check_without_a_taxonomy_still_checks_the_files(causes_dir):
    """bot/check passes empty key lists when taxonomy.yml is broken: no noise about levers."""
    assert check_causes(causes_dir, [], []) == []
    _edit(causes_dir, "poor_experience", lambda d: d.update(levers=["refund"], teams=["legal"]))
    [problem] = check_causes(causes_dir, [], [])
    assert problem.endswith(
        "teams[0]: unknown team 'legal' (expected support, product, "
        "engineering, sales, finance_contracts, leadership)"
    )
