"""`qualifier worker`: queue mode's RQ worker, which analyses, briefs and notifies.

Each web request stores, parses and claims its event, then hands it to its
process's relay, which enqueues `process_batch(items)`: one or more
(raw event id, claim token, inquiry id) of events committed within a few
milliseconds (`queue.Relay`). A job processes each event with
`pipeline.process_event` under its claim, renewing it first, so:

- a job that runs twice (RQ retried it, or the sweep got there first) finds
  the claim taken or the event processed, and does nothing;
- a job whose worker was killed (kill -9 included) leaves a claim that goes
  stale after `QUALIFIER_CLAIM_TIMEOUT_SECONDS`, and the sweep that every
  worker runs (`serve.Sweeper`, every `QUALIFIER_SWEEP_SECONDS`) processes
  the event: once, because the claim is taken transactionally;
- an event whose job never reached Redis is found by the same sweep.

The worker is RQ's `SimpleWorker`: jobs run in the worker process itself,
which loaded the analysis models once at start (`pipeline.warm_up`), rather
than in a process forked per job. It builds its own app in `main()` (settings,
policy, database engine), and jobs use that app (`worker_app`, built once per
process). Any number of workers may run, on any machine that reaches the
database and Redis. SIGTERM finishes the current job, then stops (RQ's warm
shutdown); a second SIGTERM stops at once, and the sweep recovers that job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from . import db, pipeline, runtime_of

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# How long a starting worker waits for `qualifier serve` (or `init-db`) to create or upgrade the schema.
SCHEMA_WAIT_SECONDS = 60.0


@lru_cache(maxsize=1)
def worker_app() -> Flask:
    """The app of this worker process (settings, policy, engine), built on first use."""
    from . import create_app

    return create_app()


def process_batch(items: list[list]) -> list[str]:
    """The RQ job: qualify and notify each [raw event id, claim token, inquiry id, claimed at (epoch
    seconds)] under its claim, renewed first when it is past half its timeout.

    An event whose processing raised is left to the sweep (its claim goes
    stale); the others in the job are processed all the same.
    """
    statuses = []
    for raw_event_id, token, inquiry_id, claimed_at in items:
        try:
            statuses.append(process_job(raw_event_id, token, inquiry_id, claimed_at))
        except Exception:  # noqa: BLE001 - the claim stays; the sweep processes the event later
            log.exception("processing raw event %s failed; the sweep will retry it", raw_event_id)
            statuses.append("error")
    return statuses


def process_job(
    raw_event_id: int, token: str, inquiry_id: str | None = None, claimed_at: float | None = None
) -> str:
    """Qualify and notify one stored event under the claim the web request took (also the job of
    one event, as earlier versions queued it)."""
    runtime = runtime_of(worker_app())
    renew = claimed_at is None or pipeline.claim_is_ageing(runtime.settings, time.time() - claimed_at)
    with runtime.sessions() as session:
        outcome = pipeline.process_event(
            session,
            raw_event_id,
            runtime.policy,
            runtime.settings,
            now=datetime.now(UTC),
            token=token,
            renew=renew,
            inquiry_id=inquiry_id,
        )
    if outcome.status == "failed":
        log.error("processing of %s failed: %s", outcome.inquiry_id, outcome.error)
    return outcome.status


def main(*, burst: bool = False, echo: Callable[[str], None] = print) -> None:
    """Run the worker until SIGTERM (or, with `burst`, until the queue is empty)."""
    from rq import SimpleWorker

    from . import queue
    from .serve import Sweeper, recover

    app = worker_app()
    runtime = runtime_of(app)
    settings = runtime.settings
    if not settings.queue_mode or settings.redis_url is None:
        raise RuntimeError("qualifier worker runs in queue mode only: set QUALIFIER_REDIS_URL")
    _wait_for_schema(runtime.engine, echo)
    pipeline.warm_up(runtime.policy)
    rq_queue = queue.rq_queue(settings.redis_url, settings.queue_name)
    rq_queue.connection.ping()  # fail now, with a clear message, when Redis is not there
    recovered = recover(app)
    echo(f"Worker for queue {settings.queue_name!r} ready; recovered {len(recovered)} pending events.")
    sweeper = Sweeper(app, settings.sweep_seconds) if settings.sweep_seconds and not burst else None
    if sweeper is not None:
        sweeper.start()
    worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        if sweeper is not None:
            sweeper.stopping.set()


def _wait_for_schema(
    engine: Engine, echo: Callable[[str], None], seconds: float = SCHEMA_WAIT_SECONDS
) -> None:
    """Wait until the database is at the newest migration (`qualifier serve` or `init-db` upgrades it)."""
    from alembic.runtime.migration import MigrationContext

    head = db.head_revision()
    deadline = time.monotonic() + seconds
    told = False
    while True:
        try:
            with engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError:
            current = None
        if current == head:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the database is at revision {current}, not {head}: run `qualifier init-db`")
        if not told:
            echo(f"Waiting for the database schema (revision {current}, want {head}; `qualifier init-db`)...")
            told = True
        time.sleep(0.5)
