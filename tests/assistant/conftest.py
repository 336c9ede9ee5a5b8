"""Fixtures of the service tests: the app on PostgreSQL, and one test run on both databases.

PostgreSQL is `QUALIFIER_TEST_DATABASE_URL` (default: the local test server),
each test in a schema of its own, dropped afterwards. When the server cannot be
reached the test is skipped with a message, except under CI=true, where that is
a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from assistant import create_app, db, runtime_of
from tests.conftest import API_TOKEN

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards."""
    import psycopg

    url = make_url(os.environ.get("QUALIFIER_TEST_DATABASE_URL", DEFAULT_URL))
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {url.render_as_string()}: {str(exc).strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"qualifier_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False
            )
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_app(postgres_url, policy) -> Iterator:
    app = create_app(
        {"DATABASE_URL": postgres_url, "API_TOKENS": API_TOKEN, "POLICY": policy, "TESTING": True}
    )
    db.upgrade(runtime_of(app).engine)
    yield app
    runtime_of(app).engine.dispose()


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request):  # noqa: ANN001, ANN201
    """The `app` on SQLite, and on PostgreSQL: locks and unique indexes settle races differently there."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
