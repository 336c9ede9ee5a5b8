"""Default mode's processors: what a busy web worker leaves is taken from the database and processed once."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant import intake, models, processor, runtime_of

from . import samples


@pytest.fixture
def with_processors(app_config: dict) -> dict:
    app_config["PROCESSORS"] = 1
    return app_config


def _waiting_event(app, text: str) -> str:  # noqa: ANN001
    """An event acknowledged and left unclaimed, as a web worker in a burst leaves it."""
    with runtime_of(app).sessions() as session:
        stored = intake.store_raw_event(
            session,
            source="generic",
            body=samples.body(samples.form(fields={"message": text})),
            headers={"Content-Type": "application/json"},
            idempotency_key=None,
            now=datetime.now(UTC),
            dedup_window=timedelta(hours=24),
            claim_token=None,
        )
    return stored.inquiry_id


def _qualifications(app, inquiry_id: str) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(models.Qualification)
            .where(models.Qualification.inquiry_id == inquiry_id)
        )


def _run_processor_until(app, done, seconds: float = 30.0) -> None:  # noqa: ANN001
    """Run one processor loop in a thread until `done()` holds (or time runs out), then stop it."""
    stopping = threading.Event()
    thread = threading.Thread(target=processor.run, kwargs={"stopping": stopping, "app": app}, daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stopping.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_an_idle_web_worker_still_qualifies_in_the_request(with_processors, app, client) -> None:
    answer = client.post("/webhooks/generic", json=samples.form())

    assert answer.status_code == 202
    assert answer.get_json()["status"] == "processed" and answer.get_json()["route"]


def test_with_a_backlog_the_request_only_stores_and_a_processor_qualifies(
    with_processors, app, client, auth
) -> None:
    earlier = _waiting_event(app, "We need a fleet telematics system for 60 trucks before winter.")

    answer = client.post("/webhooks/generic", json=samples.form())

    assert answer.status_code == 202
    ack = answer.get_json()
    assert ack["status"] == "received" and "route" not in ack  # intake only: a processor has it
    assert client.get(f"/api/inquiries/{ack['id']}", headers=auth).get_json()["status"] == "received"

    _run_processor_until(app, lambda: _qualifications(app, ack["id"]) and _qualifications(app, earlier))

    for inquiry_id in (earlier, ack["id"]):
        document = client.get(f"/api/inquiries/{inquiry_id}", headers=auth).get_json()
        assert document["status"] == "processed" and document["route"]
        assert _qualifications(app, inquiry_id) == 1  # exactly once


def test_two_processors_share_a_backlog_and_process_each_event_once(with_processors, app) -> None:
    ids = [
        _waiting_event(app, f"We want a quote for {n} barcode printers for our depots.") for n in range(3, 11)
    ]

    stoppers = [threading.Event(), threading.Event()]
    threads = [
        threading.Thread(target=processor.run, kwargs={"stopping": stop, "app": app}, daemon=True)
        for stop in stoppers
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not all(_qualifications(app, i) for i in ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for stop in stoppers:
        stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert [_qualifications(app, i) for i in ids] == [1] * len(ids)


def test_the_supervisor_restarts_a_processor_that_died_and_stops_them_all() -> None:
    children: list[subprocess.Popen] = []

    def fork() -> int:  # a stand-in processor that dies at once, then ones that keep running
        child = subprocess.Popen(["sleep", "0" if not children else "60"])
        children.append(child)
        return child.pid

    supervisor = processor.Supervisor(1, fork=fork)
    supervisor.start()
    deadline = time.monotonic() + 10
    while len(children) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(children) == 2  # the first one exited and was replaced

    supervisor.stop(timeout=10)
    assert [child.wait(timeout=10) is not None for child in children] == [True, True]  # all stopped
