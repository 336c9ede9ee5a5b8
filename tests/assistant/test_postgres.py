"""The same service flow on PostgreSQL (`pg_app` in conftest.py: a schema of its own per test).

Skipped with a message when the server cannot be reached, except under CI=true,
where an unreachable server is a failure.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, make_url, select

from assistant import db, intake, models, runtime_of
from assistant.models import Base
from assistant.serve import recover

from . import samples

pytestmark = pytest.mark.postgres

def _count(app, model, **where) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_the_schema_is_created_in_its_own_schema_and_matches_the_models(pg_app) -> None:
    engine = runtime_of(pg_app).engine
    assert db.upgrade(engine) == db.head_revision()  # a second upgrade is a no-op

    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )

    assert differences == []


def test_webhook_to_api_flow(pg_app, auth) -> None:
    client = pg_app.test_client()
    form = client.post("/webhooks/generic", json=samples.form())
    chat = client.post("/webhooks/generic", json=samples.chat())
    repeat = client.post("/webhooks/generic", json=samples.chat())
    keyed = client.post(
        "/webhooks/generic",
        json=samples.form(fields={"message": "edited"}),
        headers={"Idempotency-Key": "pg-1"},
    )
    keyed_again = client.post(
        "/webhooks/generic",
        json=samples.form(fields={"message": "edited again"}),
        headers={"Idempotency-Key": "pg-1"},
    )
    bad = client.post("/webhooks/generic", json={"fields": "nope"})

    assert [a.status_code for a in (form, chat, repeat, keyed, keyed_again, bad)] == [
        202,
        202,
        202,
        202,
        202,
        422,
    ]
    assert repeat.get_json() == {**chat.get_json(), "duplicate": True}
    assert keyed_again.get_json()["id"] == keyed.get_json()["id"]
    for ack, channel in ((form.get_json(), "form"), (chat.get_json(), "chat")):
        document = client.get(ack["url"], headers=auth).get_json()
        assert (document["status"], document["channel"]) == ("processed", channel)
        assert document["qualification"]["route"] == ack["route"]
        assert document["brief"]["markdown"]
    listed = client.get(
        "/api/inquiries", query_string={"route": form.get_json()["route"]}, headers=auth
    ).get_json()
    assert form.get_json()["id"] in [item["id"] for item in listed["items"]]
    assert _count(pg_app, models.RawEvent, status="rejected") == 1
    assert _count(pg_app, models.Contact) == 2  # the keyed form shares the first form's email
    assert _count(pg_app, models.Qualification) == 3


def test_concurrent_recovery_processes_each_stuck_event_once(pg_app) -> None:
    runtime = runtime_of(pg_app)
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    ids = []
    for i in range(10):
        with runtime.sessions() as session:
            stored = intake.store_raw_event(
                session,
                source="generic",
                body=samples.body(samples.form(fields={"message": f"Need {i} forklifts"})),
                headers={},
                idempotency_key=None,
                now=long_ago,
                dedup_window=timedelta(hours=24),
                claim_token=f"dead-{i}",
            )
            ids.append(stored.inquiry_id)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(recover(pg_app))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    processed = sorted(o.inquiry_id for outcomes in results for o in outcomes if o.status == "processed")
    assert processed == sorted(ids)
    assert _count(pg_app, models.Qualification) == 10
    assert recover(pg_app) == []


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(postgres_url, monkeypatch) -> None:
    from sqlalchemy import text

    engine = db.make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        import psycopg

        conninfo = make_url(postgres_url).set(drivername="postgresql", query={}).render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as admin:  # a restart, or a dropped idle connection
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)

        with engine.connect() as connection:
            again = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

        assert again != pid
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgres_url) -> None:
    from sqlalchemy import event, text

    engine = db.make_engine(postgres_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        for _ in range(5):
            with engine.connect() as connection:
                connection.execute(text("SELECT 41 + 1"))
        assert statements == ["SELECT 41 + 1"] * 5  # the first checkout's ping is the driver's own
    finally:
        engine.dispose()
