"""`python app.py teams-package` and the Teams run contract in Settings."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import jsonschema
import pytest

import app
from bot.settings import Settings, SettingsError

HERE = Path(__file__).parent
APP_ID = "11111111-2222-3333-4444-555555555555"


def test_teams_package_writes_a_valid_manifest_zip_with_icons(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret")
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "tenant-1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    target = tmp_path / "teams.zip"
    assert app.main(["app.py", "teams-package", str(target)]) == 0
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        icons = {name: archive.read(name) for name in ("color.png", "outline.png")}
    schema = json.loads((HERE / "teams-app-manifest.schema.1.24.json").read_text())
    # Draft-04 schema; its \p{L} patterns are never reached by our manifest's properties.
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(manifest))
    assert not errors, [e.message for e in errors[:3]]
    assert manifest["bots"][0]["botId"] == APP_ID == manifest["id"]
    [command] = manifest["composeExtensions"][0]["commands"]
    assert command["id"] == "escalate" and command["fetchTask"] is True
    assert command["context"] == ["message"]
    for name, size in (("color.png", 192), ("outline.png", 32)):
        data = icons[name]
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_teams_package_needs_an_app_id(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TEAMS_ENABLED", "1")
    assert app.main(["app.py", "teams-package", str(tmp_path / "x.zip")]) == 2
    assert "MICROSOFT_APP_ID" in capsys.readouterr().err


def test_teams_settings_follow_the_run_contract():
    assert Settings.from_env({"TEAMS_ENABLED": "1"}).mode == "teams"
    with_id = Settings.from_env(
        {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "p", "MICROSOFT_APP_TENANT_ID": "t"}
    )
    assert with_id.mode == "teams" and with_id.microsoft_app_type == "SingleTenant"
    both = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb", "SLACK_SIGNING_SECRET": "s", "TEAMS_ENABLED": "true"}
    )
    assert both.mode == "slack-http" and both.teams
    assert Settings.from_env({}).mode == "shell"
    with pytest.raises(SettingsError, match="MICROSOFT_APP_TENANT_ID"):
        Settings.from_env({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "p"})
    with pytest.raises(SettingsError, match="MICROSOFT_APP_TYPE"):
        Settings.from_env({"MICROSOFT_APP_TYPE": "Global"})


def test_in_channel_mode_the_package_lets_the_app_into_private_channels(tmp_path, monkeypatch):
    for name, value in {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "secret",
        "MICROSOFT_APP_TENANT_ID": "tenant-1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }.items():
        monkeypatch.setenv(name, value)
    schema = json.loads((HERE / "teams-app-manifest.schema.1.24.json").read_text())
    manifests = {}
    for mode in ("thread", "channel"):
        monkeypatch.setenv("TEAMS_WAR_ROOMS", mode)
        target = tmp_path / f"{mode}.zip"
        assert app.main(["app.py", "teams-package", str(target)]) == 0
        with zipfile.ZipFile(target) as archive:
            manifests[mode] = json.loads(archive.read("manifest.json"))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(manifests[mode]))
        assert not errors, [e.message for e in errors[:3]]
    assert manifests["channel"]["supportedChannelTypes"] == ["privateChannels"]
    assert "supportedChannelTypes" not in manifests["thread"]
