"""Where the work after a webhook goes: this process's threads (default mode) or RQ workers (queue mode).

The raw event is committed, parsed and claimed by the request before any of
this (`webhooks.py`); what follows only decides who finishes the job, and a
job lost on the way (a crash, Redis down) is finished by the sweep once its
claim is older than `QUALIFIER_CLAIM_TIMEOUT_SECONDS`. So nothing here has to
be durable itself.

Default mode (`LocalWork`, one per app, so one per gunicorn worker):

- Analysis takes tens of milliseconds of CPU and holds the GIL, so a process
  analyses one inquiry at a time. A webhook that arrives while this process
  is idle is qualified in the request (`inline_slot`), and the answer carries
  the route (DESIGN.md: default mode answers with the route). One that
  arrives while it is busy is queued for this process's processing thread
  (`defer`) and answered `received` at once: a burst costs latency to
  processing, not to acknowledgements, and the vendor never times out.
- Intake comes first: the processing thread starts its next inquiry only
  when no webhook is being taken in by this process (`intake`), or after
  `QUIET_WAIT_SECONDS` at the latest, so a backlog is worked off in the gaps
  between webhooks rather than by slowing their acknowledgements. The
  periodic sweep in this process gives way the same way (`wait_for_quiet`).
- Notifications (Slack, email, CRM webhooks: network calls that can take
  seconds) never delay the answer: `after_response` hands them to a small
  thread pool. Their `Delivery` rows were committed with the qualification,
  so a process that dies first leaves them due, and the sweep sends them.
  Under Flask's `TESTING` they are sent before the answer, so tests using
  the test client see them.
- On shutdown (SIGTERM) the thread pools finish what they hold before the
  process exits (`concurrent.futures` joins its threads at exit).

Queue mode (`QUALIFIER_REDIS_URL`): `enqueue` adds an RQ job
(`assistant.worker.process_job`) with the event id and the claim's token, only
after the commit (outbox). `qualifier worker` runs the jobs (analysis and
delivery) and the sweep. If Redis cannot be reached the event stays
`received` and the sweep processes it.

Standard-library thread pools rather than a second queue in default mode: the
durable record is the database row, so an in-memory hand-off is enough, and
RQ without Redis is not an option.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import delivery, pipeline

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

JOB = "assistant.worker.process_job"
# Analyses a process runs in requests at the same time (more would only share one CPU under the GIL).
INLINE_ANALYSES = 1
DELIVERY_THREADS = 2
# An RQ job taking longer than this is stopped; its event is retried by the sweep.
JOB_TIMEOUT_SECONDS = 300
FAILED_JOB_TTL_SECONDS = 7 * 24 * 3600
REDIS_TIMEOUT_SECONDS = 2.0
# The longest the processing thread waits for a gap in the webhooks before analysing anyway.
QUIET_WAIT_SECONDS = 0.5


def init_app(app: Flask) -> None:
    app.extensions["qualifier_work"] = LocalWork(app)


def local_work(app: Flask) -> LocalWork:
    return app.extensions["qualifier_work"]


class LocalWork:
    """Default mode's processing thread and delivery threads of one process (threads start on first use)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._quiet = threading.Condition(self._lock)
        self._analyses = 0  # running in requests, queued or running on the processing thread
        self._intake = 0  # webhooks being taken in right now
        self._processing = ThreadPoolExecutor(1, thread_name_prefix="qualifier-processing")
        self._delivery = ThreadPoolExecutor(DELIVERY_THREADS, thread_name_prefix="qualifier-delivery")

    @contextmanager
    def intake(self) -> Iterator[None]:
        """Mark a webhook being taken in; the processing thread waits for a gap."""
        with self._lock:
            self._intake += 1
        try:
            yield
        finally:
            with self._lock:
                self._intake -= 1
                if self._intake == 0:
                    self._quiet.notify_all()

    def wait_for_quiet(self, seconds: float = QUIET_WAIT_SECONDS) -> None:
        """Return when no webhook is being taken in, or after `seconds`."""
        with self._lock:
            self._quiet.wait_for(lambda: self._intake == 0, timeout=seconds)

    @contextmanager
    def inline_slot(self) -> Iterator[bool]:
        """True (and the slot held until the block ends) when this process has no analysis going."""
        with self._lock:
            free = self._analyses < INLINE_ANALYSES
            if free:
                self._analyses += 1
        try:
            yield free
        finally:
            if free:
                with self._lock:
                    self._analyses -= 1

    def defer(self, raw_event_id: int, token: str, stored_at: float) -> None:
        """Qualify a stored, parsed, claimed event on the processing thread, then notify."""
        with self._lock:
            self._analyses += 1
        self._processing.submit(self._process, raw_event_id, token, stored_at)

    def after_response(self, inquiry_id: str, route: str | None) -> None:
        """Send a processed lead's notifications without delaying the answer (if its route has targets)."""
        from . import runtime_of

        if not delivery.wants_notifying(runtime_of(self.app).policy, route):
            return
        if self.app.testing:
            self._deliver(inquiry_id)
            return
        self._delivery.submit(self._deliver, inquiry_id)

    def close(self, wait: bool = True) -> None:
        """Finish (with `wait`) what the threads hold and stop them."""
        self._processing.shutdown(wait=wait)
        self._delivery.shutdown(wait=wait)

    def _process(self, raw_event_id: int, token: str, stored_at: float) -> None:
        from . import runtime_of

        try:
            self.wait_for_quiet()
            runtime = runtime_of(self.app)
            with runtime.sessions() as session:
                outcome = pipeline.process_event(
                    session,
                    raw_event_id,
                    runtime.policy,
                    runtime.settings,
                    now=datetime.now(UTC),
                    token=token,
                    renew=True,
                    deliver=False,
                )
            if outcome.status == "processed":
                runtime.metrics.processing_seconds.observe(time.perf_counter() - stored_at)
                runtime.metrics.processed.labels(outcome.route or "none").inc()
                self.after_response(outcome.inquiry_id, outcome.route)
            elif outcome.status == "failed":
                log.error("processing of %s failed: %s", outcome.inquiry_id, outcome.error)
        except Exception:  # noqa: BLE001 - the claim stays; the sweep processes the event later
            log.exception("processing raw event %s failed; the sweep will retry it", raw_event_id)
        finally:
            with self._lock:
                self._analyses -= 1

    def _deliver(self, inquiry_id: str) -> None:
        from . import runtime_of

        try:
            runtime = runtime_of(self.app)
            with runtime.sessions() as session:
                delivery.dispatch(session, inquiry_id, runtime.policy, now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - the rows stay pending; the sweep sends them
            log.exception("notifications of %s were not sent; the sweep will retry them", inquiry_id)


# Queue mode -----------------------------------------------------------------------------------


def rq_queue(redis_url: str, name: str) -> Any:
    """The RQ queue (imported here: rq and redis are needed only in queue mode)."""
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(
        redis_url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    return Queue(name, connection=connection)


def enqueue(app: Flask, raw_event_id: int, token: str) -> bool:
    """Add the event's job; False (logged) when Redis cannot take it: the sweep processes it then."""
    from . import runtime_of

    settings = runtime_of(app).settings
    try:
        queue = app.extensions.get("qualifier_rq")
        if queue is None:
            queue = app.extensions["qualifier_rq"] = rq_queue(settings.redis_url or "", settings.queue_name)
        queue.enqueue(
            JOB,
            raw_event_id,
            token,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=0,
            failure_ttl=FAILED_JOB_TTL_SECONDS,
        )
    except Exception as exc:  # noqa: BLE001 - any Redis trouble: the event is stored, the sweep has it
        log.warning(
            "could not queue raw event %s (%s: %s); the sweep will process it",
            raw_event_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def delete_queue(redis_url: str, name: str) -> None:
    """Remove a queue with its jobs and registries (tests and benchmarks use a queue each)."""
    queue = rq_queue(redis_url, name)
    connection = queue.connection
    registries = (
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.deferred_job_registry,
        queue.scheduled_job_registry,
        queue.canceled_job_registry,
    )
    for registry in registries:
        for job_id in registry.get_job_ids():
            connection.delete(f"rq:job:{job_id}")
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(match=f"rq:*{name}*"):
        connection.delete(key)
