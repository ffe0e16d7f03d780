"""`python app.py check` finds broken playbooks, policies and templates, one line each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader

import bot.check
import playbooks.loader
from bot.check import check
from bot.slack import render

SHIPPED = Path(playbooks.loader.__file__).parent


@pytest.fixture
def own_playbooks(tmp_path, monkeypatch):
    """A copy of the shipped playbooks that a test may break, used instead of the real ones."""
    root = tmp_path / "playbooks"
    shutil.copytree(SHIPPED, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(playbooks.loader, "HERE", root)
    monkeypatch.setattr(bot.check, "HERE", root)
    monkeypatch.setattr(bot.check, "TEMPLATES", root / "templates" / "slack")
    monkeypatch.setattr(render._env, "loader", FileSystemLoader(str(root / "templates" / "slack")))
    return root


def test_the_shipped_playbooks_pass(own_playbooks):
    assert check() == []


def test_a_broken_cause_playbook_is_named(own_playbooks):
    path = own_playbooks / "causes" / "support_delay.yml"
    path.write_text(path.read_text().replace("  communicate:", "  comunicate:"))
    problems = check()
    assert problems and all(p.startswith(str(path)) for p in problems)
    assert any("comunicate" in p for p in problems)


def test_a_bad_policy_key_is_named(own_playbooks, tmp_path):
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "severities:\n  high: {acknowledge_within: 2h, update_every: 2d, remind_evry: 1h}\n"
    )
    assert check(str(policy)) == [f"{policy}: severities.high.remind_evry: unknown key"]


def test_a_template_with_an_undefined_variable_is_caught(own_playbooks):
    path = own_playbooks / "templates" / "slack" / "reminder_dm.json.j2"
    path.write_text(path.read_text().replace("{{ reminder_number }}", "{{ reminder_numbr }}"))
    assert check() == [f"{path}: 'reminder_numbr' is undefined"]


def test_a_template_that_makes_broken_json_is_caught(own_playbooks):
    path = own_playbooks / "templates" / "slack" / "closed.json.j2"
    path.write_text(path.read_text().replace('"blocks": [', '"blocks": [[', 1))
    [problem] = check()
    assert problem.startswith(f"{path}: ") and "invalid JSON" in problem
