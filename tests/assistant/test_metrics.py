"""`/metrics`: queue depth, delivery failures, requests by endpoint and status, several processes summed."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant import create_app, intake, models, runtime_of
from tests.assistant import samples


def scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    values = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _abandoned(app, body: bytes, received: datetime) -> None:  # noqa: ANN001
    """A raw event acknowledged and left unprocessed (its process died)."""
    with runtime_of(app).sessions() as session:
        intake.store_raw_event(
            session,
            source="generic",
            body=body,
            headers={},
            idempotency_key=None,
            now=received,
            dedup_window=timedelta(hours=24),
            claim_token="abandoned",
        )


def test_queue_depth_counts_the_events_waiting_to_be_processed(app, client) -> None:
    for n in range(2):
        _abandoned(app, f'{{"n": {n}}}'.encode(), datetime.now(UTC))
    values = scrape(client)
    assert values[("qualifier_queue_depth", (("queue", "received"),))] == 2
    assert 0 <= values[("qualifier_oldest_received_seconds", ())] < 60


def test_the_oldest_waiting_event_s_age_is_reported(app, client) -> None:
    assert scrape(client)[("qualifier_oldest_received_seconds", ())] == 0
    _abandoned(app, b'{"n": "old"}', datetime.now(UTC) - timedelta(minutes=10))
    assert 590 <= scrape(client)[("qualifier_oldest_received_seconds", ())] < 700


def test_delivery_failures_are_counted_by_channel(app, client) -> None:
    inquiry_id = client.post("/webhooks/generic", json=samples.form()).get_json()["id"]
    now = datetime.now(UTC)
    with runtime_of(app).sessions() as session:
        session.add_all(
            [
                models.Delivery(
                    inquiry_id=inquiry_id,
                    channel="slack",
                    target="sales",
                    status="failed",
                    attempts=5,
                    last_error="HTTP 500",
                    created_at=now,
                ),
                models.Delivery(
                    inquiry_id=inquiry_id,
                    channel="email",
                    target="sdr",
                    status="pending",
                    attempts=2,
                    last_error="timed out",
                    created_at=now,
                ),
                models.Delivery(
                    inquiry_id=inquiry_id,
                    channel="webhook",
                    target="crm",
                    status="pending",
                    attempts=0,
                    created_at=now,
                ),
            ]
        )
        session.commit()

    values = scrape(client)

    assert values[("qualifier_delivery_failures", (("channel", "slack"),))] == 1
    assert values[("qualifier_delivery_retrying", (("channel", "email"),))] == 1
    assert (
        "qualifier_delivery_retrying",
        (("channel", "webhook"),),
    ) not in values  # not tried yet: not failing


def test_requests_are_counted_by_endpoint_and_status(client) -> None:
    client.get("/healthz")
    client.post("/webhooks/no-such-vendor", json={})
    values = scrape(client)
    assert (
        values[
            (
                "qualifier_http_requests_total",
                (("endpoint", "/healthz"), ("method", "GET"), ("status", "200")),
            )
        ]
        == 1
    )
    assert (
        values[
            (
                "qualifier_http_requests_total",
                (("endpoint", "/webhooks/<source>"), ("method", "POST"), ("status", "404")),
            )
        ]
        == 1
    )


@pytest.mark.redis
def test_in_queue_mode_queue_depth_is_each_rq_queue_s_length(app_config) -> None:
    import redis
    from rq import Queue

    url = os.environ.get("QUALIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis at {url} does not answer")
        pytest.skip(f"no Redis at {url}")
    queue = Queue(f"qualifier-metrics-test-{secrets.token_hex(4)}", connection=connection)
    queue.enqueue("os.getcwd")
    queue.enqueue("os.getcwd")
    try:
        app = create_app({**app_config, "REDIS_URL": url})
        values = scrape(app.test_client())
        assert values[("qualifier_queue_depth", (("queue", queue.name),))] == 2
        assert values[("qualifier_queue_depth", (("queue", "received"),))] == 0  # the database's view too
        assert values[("qualifier_redis_up", ())] == 1
        runtime_of(app).engine.dispose()
    finally:
        queue.delete(delete_jobs=True)
        connection.close()


def test_several_processes_are_summed_with_a_multiprocess_directory(
    tmp_path: Path, database_url: str
) -> None:
    """Two 'workers' answer requests; a scrape in a third process sees all of them."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    script = textwrap.dedent(
        f"""
        import sys
        from assistant import create_app
        app = create_app({{"DATABASE_URL": {database_url!r}, "TESTING": True}})
        client = app.test_client()
        if sys.argv[1] == "serve":
            for _ in range(3):
                client.get("/healthz")
        else:
            print(client.get("/metrics").get_data(as_text=True))
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    env = {k: v for k, v in env.items() if not k.startswith("QUALIFIER_") or k.startswith("QUALIFIER_TEST_")}
    root = Path(__file__).resolve().parents[2]
    for role in ("serve", "serve"):
        subprocess.run([sys.executable, "-c", script, role], env=env, cwd=root, check=True, timeout=120)
    scraped = subprocess.run(
        [sys.executable, "-c", script, "scrape"],
        env=env,
        cwd=root,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout

    line = 'qualifier_http_requests_total{endpoint="/healthz",method="GET",status="200"} 6.0'
    assert line in scraped
    assert "qualifier_queue_depth" in scraped  # the database series are there too
