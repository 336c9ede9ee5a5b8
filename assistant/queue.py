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

Queue mode (`QUALIFIER_REDIS_URL`): `enqueue` hands the committed event (its
id, the claim's token and its inquiry) to this process's `Relay`, which adds
RQ jobs (`assistant.worker.process_batch`) from a thread of its own, only
after the commit (outbox): whatever was handed over in the last
`BATCH_WINDOW_SECONDS`, up to `BATCH_SIZE` events, goes in one job. RQ's own
bookkeeping costs a worker about 6 ms of CPU and Redis about 20 commands per
job whatever the job does, as much as the rest of the analysis, so a burst is
carried in a few jobs rather than one per webhook; a single webhook waits
at most the window. Enqueueing happens after the answer, so Redis is not on
the acknowledgement's path. `qualifier worker` runs the jobs (analysis and
delivery) and the sweep. If Redis cannot be reached, or the process dies
before the relay sent the job, the event stays `received` under the
request's claim and the sweep processes it once the claim is stale. The relay
sends what it holds when the process stops (gunicorn's `worker_exit`, and at
exit). Under Flask's `TESTING` each event is enqueued in the request, so tests
see the job at once.

Standard-library thread pools rather than a second queue in default mode: the
durable record is the database row, so an in-memory hand-off is enough, and
RQ without Redis is not an option.
"""

from __future__ import annotations

import atexit
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

JOB = "assistant.worker.process_job"  # one event (jobs queued by earlier versions)
BATCH_JOB = "assistant.worker.process_batch"
# Events of one job, and how long the relay waits for more after the first.
BATCH_SIZE = 20
BATCH_WINDOW_SECONDS = 0.025
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
    app.extensions["qualifier_relay"] = Relay(app)


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

    def defer(self, raw_event_id: int, token: str, stored_at: float, inquiry_id: str | None = None) -> None:
        """Qualify a stored, parsed, claimed event on the processing thread, then notify."""
        with self._lock:
            self._analyses += 1
        self._processing.submit(self._process, raw_event_id, token, stored_at, inquiry_id)

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

    def _process(self, raw_event_id: int, token: str, stored_at: float, inquiry_id: str | None) -> None:
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
                    # A claim taken moments ago is still fresh: renewing it would cost a write.
                    renew=pipeline.claim_is_ageing(runtime.settings, time.perf_counter() - stored_at),
                    deliver=False,
                    inquiry_id=inquiry_id,
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


def enqueue(app: Flask, raw_event_id: int, token: str, inquiry_id: str | None = None) -> None:
    """Hand a committed, claimed event to RQ (through this process's relay)."""
    app.extensions["qualifier_relay"].add((raw_event_id, token, inquiry_id, time.time()))


def relay(app: Flask) -> Relay:
    return app.extensions["qualifier_relay"]


Item = tuple[int, str, str | None, float]  # raw event id, claim token, inquiry id, when claimed (epoch s)


class Relay:
    """Queue mode's outbox relay of one process: committed events to RQ jobs, several to a job."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._items: list[Item] = []
        self._ready = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False
        self._queue: Any = None
        self._sending = threading.Lock()  # one sender at a time: the thread, or `flush`

    def add(self, item: Item) -> None:
        if self.app.testing:
            self._send([item])
            return
        with self._ready:
            self._items.append(item)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="qualifier-relay", daemon=True)
                self._thread.start()
                atexit.register(self.close)
            self._ready.notify()
        if self._closed:  # stopping: no thread to wait for
            self.flush()

    def flush(self) -> None:
        """Send everything held now, in this thread."""
        with self._ready:
            items, self._items = self._items, []
        for start in range(0, len(items), BATCH_SIZE):
            self._send(items[start : start + BATCH_SIZE])

    def close(self) -> None:
        """Send what is held and stop the thread (the process is stopping)."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=REDIS_TIMEOUT_SECONDS * 3)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._items or self._closed)
                if self._closed:
                    return
                first = time.monotonic()
                # Wait for more, up to the window or a full job.
                while len(self._items) < BATCH_SIZE and not self._closed:
                    left = BATCH_WINDOW_SECONDS - (time.monotonic() - first)
                    if left <= 0:
                        break
                    self._ready.wait(left)
                items, self._items = self._items[:BATCH_SIZE], self._items[BATCH_SIZE:]
            self._send(items)

    def _send(self, items: list[Item]) -> None:
        """One job for `items`; when Redis cannot take it, a warning: the sweep processes them then."""
        from . import runtime_of

        settings = runtime_of(self.app).settings
        try:
            with self._sending:
                if self._queue is None:
                    self._queue = rq_queue(settings.redis_url or "", settings.queue_name)
                self._queue.enqueue(
                    BATCH_JOB,
                    [list(item) for item in items],
                    job_timeout=JOB_TIMEOUT_SECONDS,
                    result_ttl=0,
                    failure_ttl=FAILED_JOB_TTL_SECONDS,
                )
        except Exception as exc:  # noqa: BLE001 - any Redis trouble: the events are stored, the sweep has them
            log.warning(
                "could not queue raw events %s (%s: %s); the sweep will process them",
                ", ".join(str(item[0]) for item in items),
                type(exc).__name__,
                exc,
            )


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
