"""`qualifier serve`: prepare the database, recover what a crash left, then serve.

Production mode runs gunicorn in-process (`gunicorn.app.base.BaseApplication`,
threaded workers); each worker builds its own app with `create_app()` (no
preloading: database connections are never shared across a fork) and sweeps
for abandoned or retryable events every `QUALIFIER_SWEEP_SECONDS`. `--debug`
runs Flask's development server with the reloader instead.

Before serving, the schema is upgraded to the newest migration (as
`qualifier init-db` does) and every event acknowledged but never processed,
for instance because the previous server was killed, is processed once.
Events a killed process had claimed are processed once their claim is older
than `QUALIFIER_CLAIM_TIMEOUT_SECONDS`, by the next sweep.

In queue mode (`QUALIFIER_REDIS_URL`) the web processes only take webhooks
in: the RQ workers (`qualifier worker`, `assistant/worker.py`) process, and
they run the start-up recovery and the sweep instead.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import chat, create_app, db, pipeline, runtime_of

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.0005
THREADS = 8  # per gunicorn worker (benchmarks/load.py: 200 req/s held in both modes with 8, not with 4)


def init_db(app: Flask) -> str | None:
    """Create or upgrade the schema; returns the revision in force."""
    return db.upgrade(runtime_of(app).engine)


def recover(app: Flask) -> list[pipeline.Outcome]:
    """Process every event left `received` by a dead process, or failed and due again.

    In a web process each event waits for a gap in the webhooks first (`queue.LocalWork.intake`).
    """
    runtime = runtime_of(app)
    work = app.extensions.get("qualifier_work")

    def when_quiet() -> datetime:
        if work is not None:
            work.wait_for_quiet()
        return datetime.now(UTC)

    with runtime.sessions() as session:
        outcomes = pipeline.process_pending(
            session, runtime.policy, runtime.settings, now=datetime.now(UTC), clock=when_quiet
        )
    if "qualifier_chat" in app.extensions:
        try:
            chat.submit_idle(app, datetime.now(UTC))  # conversations the visitor left mid-way
        except Exception:  # noqa: BLE001 - retried at the next sweep; events above are done
            log.exception("handing over idle chat conversations failed")
    return outcomes


class Sweeper(threading.Thread):
    """Runs `recover` every `interval` seconds in a server or worker process until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="qualifier-sweeper", daemon=True)
        self.app, self.interval = app, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                outcomes = recover(self.app)
                if outcomes:
                    log.info("sweep processed %d pending events", len(outcomes))
            except Exception:  # noqa: BLE001 - a failed sweep is retried at the next interval
                log.exception("sweep failed")


def _start_worker(worker: Any) -> None:
    """In each gunicorn worker: hand the GIL over sooner, and start the sweeper (default mode)."""
    # Analysis is CPU-bound and holds the GIL; acknowledgements are short and wait for it after each
    # database call. With CPython's default 5 ms switch interval a webhook answered while this process
    # analyses waits ~5 ms per call; 0.5 ms cut the acknowledgement p50 under load by 3-10x here
    # (benchmarks/load.py), for a few percent more switching in the analysing thread.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    app = worker.wsgi
    settings = runtime_of(app).settings
    if settings.sweep_seconds and not settings.queue_mode:
        Sweeper(app, settings.sweep_seconds).start()


def _stop_worker(_server: Any, worker: Any) -> None:
    """In each gunicorn worker, after its last request: send what the queue-mode relay holds."""
    from . import queue

    queue.relay(worker.wsgi).close()


def gunicorn_application(factory: Callable[[], Flask], options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class QualifierApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return factory()

    return QualifierApplication()


def serve(host: str, port: int, workers: int, debug: bool, echo: Callable[[str], None] = print) -> None:
    app = create_app()  # fails here, before any worker starts, on a bad setting or policy
    revision = init_db(app)
    pipeline.warm_up(runtime_of(app).policy)  # workers fork from here with the models loaded
    if runtime_of(app).settings.queue_mode:
        runtime_of(app).engine.dispose()
        echo(f"Database ready at revision {revision}; queue mode: `qualifier worker` processes events.")
    else:
        recovered = recover(app)
        runtime_of(app).engine.dispose()
        echo(f"Database ready at revision {revision}; recovered {len(recovered)} pending events.")
    echo(f"Serving on http://{host}:{port}/ (health: http://{host}:{port}/healthz). Press Ctrl+C to stop.")
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    gunicorn_application(
        create_app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            # A webhook's thread spends most of its time waiting for the database (PostgreSQL
            # round trips, SQLite's write lock), not holding the GIL: with 4 threads a worker
            # ran out of threads at 180 req/s in queue mode while the CPU was not saturated.
            "threads": THREADS,
            # One request per connection: a kept-alive connection stays with the worker that
            # accepted it, so a few busy senders could load one worker while another sits idle
            # (benchmarks/load.py saw 94% and 12% CPU). New connections go to a free worker.
            "keepalive": 0,
            "timeout": 30,
            "graceful_timeout": 30,
            "proc_name": "qualifier",
            "post_worker_init": _start_worker,
            "worker_exit": _stop_worker,
        },
    ).run()
