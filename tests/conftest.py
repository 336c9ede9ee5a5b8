"""Shared fixtures: a fixed reference time, a default policy, and a service app on a fresh SQLite file.

No test reads the machine's `QUALIFIER_*` settings (they are cleared for every
test) and none touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from handoff.policy import Policy
from intents.types import Context

# The corpus' reference time (SCHEMA.md examples): Tue 2026-03-10 14:05 UTC.
NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)
API_TOKEN = "test-token-4f1c"


@pytest.fixture(autouse=True)
def _no_machine_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("QUALIFIER_") and not name.startswith("QUALIFIER_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def ctx() -> Context:
    """The analysis context of a US form received at NOW."""
    return Context(now=NOW, currency_hint="USD", country="US")


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database at the newest migration; each test gets a copy (migrating per test is slow)."""
    from assistant import db

    path = tmp_path_factory.mktemp("template") / "qualifier.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    path = tmp_path / "qualifier.db"
    shutil.copyfile(_migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url: str, policy: Policy) -> dict:
    """The settings of the `app` fixture; a test may change them before using `app`."""
    return {"DATABASE_URL": database_url, "API_TOKENS": API_TOKEN, "POLICY": policy, "TESTING": True}


@pytest.fixture
def app(app_config: dict) -> Iterator:
    from assistant import create_app, runtime_of

    application = create_app(app_config)
    yield application
    runtime_of(application).engine.dispose()


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201 - Flask test client
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
