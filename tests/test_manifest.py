"""manifest.yml is importable as is, and grants every scope the bot's calls need."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Published by Slack (slackapi/manifest-schema, MIT): tests/specs/LICENSE.slack-manifest-schema
SCHEMA = ROOT / "tests" / "specs" / "slack-manifest.schema.1.0.0.json"

# Web API methods the adapter calls → the bot scope each needs (public and private channels).
NEEDED = {
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "conversations.archive": {"channels:manage", "groups:write"},
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "pins.add": {"pins:write"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
    "files.upload_v2": {"files:write"},
}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_matches_slacks_schema():
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_manifest_declares_the_command_and_every_scope_used():
    m = manifest()
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/escalate" and command["should_escape"] is True
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert "commands" in scopes
    for method, needed in NEEDED.items():
        assert needed <= scopes, f"{method} needs {needed - scopes}"
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert "app_home_opened" in m["settings"]["event_subscriptions"]["bot_events"]
    assert m["features"]["app_home"]["home_tab_enabled"] is True


def test_every_method_the_adapter_calls_is_covered():
    """A new Web API call in the adapter must come with its scope in the manifest."""
    source = (ROOT / "bot" / "slack" / "port.py").read_text()
    called = {m.replace("_", ".", 1) for m in re.findall(r'_call\(\s*"(\w+)"', source)}
    assert called and called <= set(NEEDED), called - set(NEEDED)
