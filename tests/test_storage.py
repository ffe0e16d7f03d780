"""Schema and storage primitives, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from storage import queries
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


def test_migrations_match_the_models(database_url):
    db = Database(database_url)
    db.migrate()
    db.migrate()  # idempotent: a restart runs it again
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    db.dispose()
    assert diff == []


def test_a_key_is_claimed_once(database_url, clock):
    db = Database(database_url)
    db.migrate()
    with db.session() as session:
        assert queries.claim(session, "slack-event:Ev1", clock())
        assert not queries.claim(session, "slack-event:Ev1", clock())
        assert queries.claim(session, "slack-event:Ev2", clock())
    db.dispose()


def test_migrate_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'm.db'}"
    result = subprocess.run(
        [sys.executable, "app.py", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
