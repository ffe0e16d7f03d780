"""Policy files: the shipped one loads; a broken one is refused with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError
from playbooks.loader import PlaybookError, load, load_policy

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_policy_has_the_domain_cadences():
    policy = load().policy
    assert policy.cadence("critical").update_every == timedelta(hours=24)
    assert policy.cadence("high").update_every == timedelta(hours=48)
    assert policy.cadence("standard").update_every == timedelta(hours=72)
    assert policy.cadence("critical").acknowledge_within == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "severities:\n  high: {acknowledge_within: 2h, update_every: soon}\n",
            "severities.high.update_every: 'soon' is not a duration",
        ),
        (
            "severities:\n  high: {acknowledge_within: 2h}\n",
            "severities.high.update_every: missing",
        ),
        (
            "severities:\n  high: {acknowledge_within: 2h, update_every: 1d, snooze: 1h}\n",
            "severities.high.snooze: unknown key",
        ),
        ("levels: {}\n", "missing key 'severities'"),
        ("severities: [oops\n", "line"),
    ],
)
def test_broken_policy_names_file_key_and_problem(tmp_path, text, expected):
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PlaybookError) as error:
        load_policy(path)
    assert str(error.value).startswith(str(path)) and expected in str(error.value)


def test_custom_policy_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("severities:\n  urgent: {acknowledge_within: 30m, update_every: 12h}\n")
    playbooks = load(path)
    assert list(playbooks.policy.severities) == ["urgent"]
    assert playbooks.policy.cadence("urgent").acknowledge_within == timedelta(minutes=30)


def test_start_up_refuses_a_broken_policy(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("severities:\n  high: {acknowledge_within: 2h, update_every: never}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(ESCALATION_POLICY=str(path), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"playbook error: {path}: severities.high.update_every: 'never' is not a duration "
        "(write 45s, 30m, 24h or 3d)"
    ]


def test_settings_pick_the_mode_from_credentials():
    assert Settings.from_env({}).mode == "shell"
    http = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb", "SLACK_SIGNING_SECRET": "s"})
    assert http.mode == "slack-http" and http.port == 3000 and http.host == "0.0.0.0"
    socket = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp"}
    )
    assert socket.mode == "slack-socket"
    assert Settings.from_env({"SLACK_API_URL": "http://x/api"}).slack_api_url == "http://x/api/"
    with pytest.raises(SettingsError, match="REMINDER_INTERVAL"):
        Settings.from_env({"REMINDER_INTERVAL": "often"})
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb"})
