"""Where work goes after a webhook is stored: this process's threads in default mode, RQ in queue mode.

Default mode: an idle process qualifies in the request and answers with the route; a busy one answers
`received` at once and its processing thread finishes; notifications never delay the answer and stay
recoverable. Queue mode: the job is enqueued after the commit, a worker runs it exactly once, and an
event whose job never reached Redis is processed by the sweep. The Redis tests need the server at
QUALIFIER_TEST_REDIS_URL (skipped with a message when unreachable, a failure under CI=true).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update

from assistant import create_app, models, pipeline, queue, runtime_of, worker
from assistant.serve import recover
from handoff.policy import Policy
from handoff.types import ROUTES

from . import samples

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _count(app, model, **where) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def _wait_for(condition, seconds: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _status(app, inquiry_id: str) -> str | None:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        inquiry = session.get(models.Inquiry, inquiry_id)
        return inquiry.status if inquiry else None


@pytest.fixture
def served(app_config) -> Iterator:
    """An app as `qualifier serve` runs it (not TESTING): background threads really are in the background."""
    app = create_app({**app_config, "TESTING": False})
    yield app
    queue.local_work(app).close()
    runtime_of(app).engine.dispose()


# Default mode ------------------------------------------------------------------------------------


def test_an_idle_process_qualifies_in_the_request_and_answers_with_the_route(served) -> None:
    ack = served.test_client().post("/webhooks/generic", json=samples.form()).get_json()

    assert set(ack) == {"id", "status", "url", "route"}
    assert (ack["status"], ack["route"] in ROUTES) == ("processed", True)


def test_a_busy_process_answers_received_at_once_and_processes_in_the_background(served, auth) -> None:
    client = served.test_client()
    with queue.local_work(served).inline_slot() as free:  # this process is busy analysing something
        assert free
        answer = client.post("/webhooks/generic", json=samples.form(), headers={"Idempotency-Key": "burst-1"})
        ack = answer.get_json()
        assert answer.status_code == 202
        assert set(ack) == {"id", "status", "url"}
        assert ack["status"] == "received"
        # Acknowledged ids are readable at once, parsed already.
        document = client.get(ack["url"], headers=auth).get_json()
        assert document["inquiry"]["contact"]["email"] == "o.adeyemi@brightquay-freight.co.uk"

    assert _wait_for(lambda: _status(served, ack["id"]) == "processed")
    assert _count(served, models.Qualification) == 1
    repeat = client.post("/webhooks/generic", json=samples.form(), headers={"Idempotency-Key": "burst-1"})
    assert repeat.get_json()["duplicate"] is True
    assert _count(served, models.Qualification) == 1


class SlowReceiver:
    """A Slack stand-in on 127.0.0.1 that takes `delay` seconds to answer."""

    def __init__(self, delay: float) -> None:
        self.bodies: list[bytes] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                owner.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_slack() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver(delay=1.5)
    yield receiver
    receiver.stop()


def test_notifications_are_sent_after_the_answer_not_before(app_config, slow_slack) -> None:
    policy = Policy.from_mapping(
        {
            "notify": {
                "targets": [{"name": "sales", "kind": "slack", "url": slow_slack.url, "routes": list(ROUTES)}]
            }
        }
    )
    app = create_app({**app_config, "POLICY": policy, "TESTING": False})
    try:
        started = time.perf_counter()
        ack = app.test_client().post("/webhooks/generic", json=samples.form()).get_json()
        answered = time.perf_counter() - started

        assert ack["status"] == "processed"
        assert answered < 1.0  # the receiver takes 1.5 s
        assert _count(app, models.Delivery) == 1  # recorded with the qualification
        assert _wait_for(lambda: _count(app, models.Delivery, status="sent") == 1)
        assert len(slow_slack.bodies) == 1
    finally:
        queue.local_work(app).close()
        runtime_of(app).engine.dispose()


def test_notifications_a_dead_process_did_not_send_are_sent_by_the_sweep(app, slow_slack) -> None:
    policy = Policy.from_mapping(
        {
            "notify": {
                "targets": [{"name": "sales", "kind": "slack", "url": slow_slack.url, "routes": list(ROUTES)}]
            }
        }
    )
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        token = pipeline.new_claim_token()
        from assistant import intake

        stored = intake.store_raw_event(
            session,
            source="generic",
            body=samples.body(samples.form()),
            headers={},
            idempotency_key=None,
            now=datetime.now(UTC),
            dedup_window=timedelta(hours=24),
            claim_token=token,
        )
        # Processed, then the process died before sending (deliver=False and nobody sends).
        outcome = pipeline.process_event(
            session,
            stored.raw_event_id,
            policy,
            runtime.settings,
            now=datetime.now(UTC),
            token=token,
            deliver=False,
        )
    assert outcome.status == "processed"
    assert _count(app, models.Delivery, status="pending") == 1

    with runtime.sessions() as session:
        pipeline.process_pending(session, policy, runtime.settings, now=datetime.now(UTC))

    assert _count(app, models.Delivery, status="sent") == 1


# Queue mode ------------------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis, with a queue name of this test's own (its keys deleted afterwards)."""
    import redis

    url = os.environ.get("QUALIFIER_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield url
    client.close()


@pytest.fixture
def queue_name(redis_url: str) -> Iterator[str]:
    name = f"qualifier-test-{uuid.uuid4().hex[:12]}"
    yield name
    queue.delete_queue(redis_url, name)


@pytest.mark.redis
def test_queue_mode_answers_received_and_a_worker_processes_the_job_once(
    app_config, redis_url, queue_name, monkeypatch, auth
) -> None:
    config = {**app_config, "REDIS_URL": redis_url, "QUEUE_NAME": queue_name}
    app = create_app(config)
    client = app.test_client()

    answer = client.post("/webhooks/generic", json=samples.form())

    ack = answer.get_json()
    assert (answer.status_code, set(ack), ack["status"]) == (202, {"id", "status", "url"}, "received")
    assert client.get(ack["url"], headers=auth).get_json()["status"] == "received"
    rq = queue.rq_queue(redis_url, queue_name)
    assert rq.count == 1

    _run_worker(monkeypatch, app_config["DATABASE_URL"], redis_url, queue_name)
    job = rq.enqueue(queue.JOB, _raw_event_id(app, ack["id"]), "an-old-token")  # RQ ran it again
    _run_worker(monkeypatch, app_config["DATABASE_URL"], redis_url, queue_name)

    assert rq.count == 0
    assert job.id
    document = client.get(ack["url"], headers=auth).get_json()
    assert document["status"] == "processed"
    assert document["qualification"]["route"] in ROUTES
    assert _count(app, models.Qualification) == 1
    runtime_of(app).engine.dispose()


def _run_worker(monkeypatch, database_url: str, redis_url: str, queue_name: str) -> None:  # noqa: ANN001
    """`qualifier worker --burst`: the worker builds its own app from the environment, as it does in production."""
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", database_url)
    monkeypatch.setenv("QUALIFIER_REDIS_URL", redis_url)
    monkeypatch.setenv("QUALIFIER_QUEUE_NAME", queue_name)
    worker.worker_app.cache_clear()
    try:
        worker.main(burst=True, echo=lambda _line: None)
    finally:
        worker.worker_app.cache_clear()


def _raw_event_id(app, inquiry_id: str) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return session.scalars(
            select(models.RawEvent.id).where(models.RawEvent.inquiry_id == inquiry_id)
        ).one()


def test_with_redis_down_the_event_is_kept_and_the_sweep_processes_it(app_config, auth, caplog) -> None:
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})  # nothing listens there
    client = app.test_client()

    answer = client.post("/webhooks/generic", json=samples.form())

    assert (answer.status_code, answer.get_json()["status"]) == (202, "received")
    assert "could not queue" in caplog.text
    assert recover(app) == []  # its claim is fresh: the request's process might still be queueing it
    with runtime_of(app).sessions() as session:
        session.execute(update(models.RawEvent).values(claimed_at=datetime.now(UTC) - timedelta(minutes=5)))
        session.commit()
    outcomes = recover(app)
    assert [(o.status, o.inquiry_id) for o in outcomes] == [("processed", answer.get_json()["id"])]
    assert client.get(answer.get_json()["url"], headers=auth).get_json()["status"] == "processed"
    runtime_of(app).engine.dispose()


def test_queue_mode_still_refuses_a_bad_body_at_once(app_config) -> None:
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})

    answer = app.test_client().post("/webhooks/generic", json={"fields": "not an object"})

    assert answer.status_code == 422
    assert _count(app, models.RawEvent, status="rejected") == 1
    runtime_of(app).engine.dispose()


def test_a_job_whose_claim_was_taken_over_does_nothing(app) -> None:
    runtime = runtime_of(app)
    ack = app.test_client().post("/webhooks/generic", json=samples.form()).get_json()
    raw_event_id = _raw_event_id(app, ack["id"])

    with runtime.sessions() as session:
        late = pipeline.process_event(
            session,
            raw_event_id,
            runtime.policy,
            runtime.settings,
            now=datetime.now(UTC),
            token="stale",
            renew=True,
        )

    assert late.status == "skipped"
    assert _count(app, models.Qualification) == 1


@pytest.mark.redis
def test_the_relay_carries_a_burst_in_a_few_jobs_and_workers_process_every_event(
    app_config, redis_url, queue_name, monkeypatch, auth
) -> None:
    config = {**app_config, "REDIS_URL": redis_url, "QUEUE_NAME": queue_name, "TESTING": False}
    app = create_app(config)
    client = app.test_client()
    rq = queue.rq_queue(redis_url, queue_name)

    acks = []
    for n in range(6):
        answer = client.post("/webhooks/generic", json=samples.form(fields={"email": f"burst{n}@relay.example"}))
        acks.append(answer.get_json())

    assert {a["status"] for a in acks} == {"received"}
    assert _wait_for(lambda: sum(len(job.args[0]) for job in rq.jobs) == 6, seconds=5)
    assert all(job.func_name == queue.BATCH_JOB for job in rq.jobs)
    assert rq.count < 6  # webhooks a few milliseconds apart share jobs
    _run_worker(monkeypatch, app_config["DATABASE_URL"], redis_url, queue_name)
    assert {client.get(a["url"], headers=auth).get_json()["status"] for a in acks} == {"processed"}
    assert _count(app, models.Qualification) == 6
    queue.relay(app).close()
    runtime_of(app).engine.dispose()


@pytest.mark.redis
def test_the_relay_splits_large_bursts_and_sends_what_it_holds_when_closed(
    app_config, redis_url, queue_name
) -> None:
    app = create_app({**app_config, "REDIS_URL": redis_url, "QUEUE_NAME": queue_name, "TESTING": False})
    relay = queue.relay(app)
    rq = queue.rq_queue(redis_url, queue_name)

    for n in range(45):
        relay.add((n + 1, f"token-{n}", None, time.time()))
    assert _wait_for(lambda: sum(len(job.args[0]) for job in rq.jobs) == 45, seconds=5)
    assert max(len(job.args[0]) for job in rq.jobs) <= queue.BATCH_SIZE
    assert 3 <= rq.count < 45

    relay.close()  # the process is stopping: what comes in now is sent at once, not held
    relay.add((99, "late", "inq_late", 1.5))
    assert [99, "late", "inq_late", 1.5] in [item for job in rq.jobs for item in job.args[0]]
    runtime_of(app).engine.dispose()


def test_a_batch_job_processes_each_event_even_when_one_of_them_fails(app, monkeypatch) -> None:
    acks = [
        app.test_client().post("/webhooks/generic", json=samples.form(fields={"email": f"b{n}@batch.example"}))
        for n in range(2)
    ]
    ids = [_raw_event_id(app, a.get_json()["id"]) for a in acks]
    with runtime_of(app).sessions() as session:  # claimed again, as a web request leaves them in queue mode
        session.execute(
            update(models.RawEvent).values(status="received", claim_token="t", claimed_at=datetime.now(UTC))
        )
        session.execute(update(models.Inquiry).values(status="received"))
        session.commit()
    monkeypatch.setattr(worker, "worker_app", lambda: app)
    real = pipeline.process_event

    def flaky(session, raw_event_id, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if raw_event_id == ids[0]:
            raise RuntimeError("the database went away")
        return real(session, raw_event_id, *args, **kwargs)

    monkeypatch.setattr(pipeline, "process_event", flaky)

    statuses = worker.process_batch([[ids[0], "t", None, time.time()], [ids[1], "t", None, time.time()]])

    assert statuses == ["error", "processed"]


@pytest.mark.parametrize(
    ("held", "renewed"), [(0.0, False), (29.9, False), (30.0, True), (3600.0, True)]
)
def test_a_claim_is_renewed_before_work_only_once_past_half_its_timeout(held, renewed) -> None:
    from assistant.config import Settings

    assert pipeline.claim_is_ageing(Settings(claim_timeout_seconds=60), held) is renewed


def test_a_queued_event_whose_claim_is_old_is_renewed_and_processed(app, monkeypatch) -> None:
    ack = app.test_client().post("/webhooks/generic", json=samples.form()).get_json()
    raw_event_id = _raw_event_id(app, ack["id"])
    with runtime_of(app).sessions() as session:  # taken in an hour ago, its job only now run
        session.execute(
            update(models.RawEvent).values(
                status="received", claim_token="t", claimed_at=datetime.now(UTC) - timedelta(hours=1)
            )
        )
        session.commit()
    monkeypatch.setattr(worker, "worker_app", lambda: app)

    assert worker.process_batch([[raw_event_id, "t", ack["id"], time.time() - 3600]]) == ["processed"]
    assert _count(app, models.Qualification) == 2
