"""Default mode's processing processes: analysis beside the web workers, at a lower CPU priority.

`qualifier serve` (default mode, no Redis) forks `--processors` of these from
its master after the models are loaded (they share those pages), before
gunicorn starts. Each builds its own app (its own database engine), lowers
its CPU priority by `NICE`, and loops:

- claim the oldest event waiting to be processed (acknowledged, unclaimed, or
  claimed by a process that died: `pipeline.process_due`), process it, and
  look again at once; when there is none, wait `POLL_SECONDS`;
- every `QUALIFIER_SWEEP_SECONDS`, run the full sweep (`serve.recover`):
  retries that are due, notifications that are due, idle chat conversations.

Why processes, and why niced: analysis is CPU-bound Python, and in the web
workers it shared their GIL and their CPU priority with intake, so under a
burst acknowledgements queued behind analysis. Here the kernel gives intake
the CPU first; the backlog waits in the database (where it is durable
anyway) and is worked off in the gaps. A web worker still qualifies a
webhook in its request when it has nothing else running and no event is
waiting (`webhooks.py`), so at ordinary rates a form is routed in the answer.

The database is the queue: no second queue to lose work in. The claim is the
same transactional one the sweep and RQ workers use, so any number of
processors, sweeps and web workers never process an event twice. A poll
that finds nothing costs one indexed read without a write lock.

Lifecycle: SIGTERM finishes the event in hand, then exits; a processor also
exits when its parent (the `qualifier serve` master) is gone. The master
restarts a processor that died (`Supervisor`) and stops them all on exit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

NICE = 10
POLL_SECONDS = 0.02
# A processor that keeps dying is restarted at most this often.
RESTART_SECONDS = 1.0


def run(stopping: threading.Event | None = None, parent: int | None = None, app: Flask | None = None) -> None:
    """The loop of one processor, until SIGTERM (or `stopping`), or until its parent is gone.

    `app`: the app whose database and policy to use (tests); by default one is built here.
    """
    from . import create_app, pipeline, runtime_of
    from .serve import recover

    stopping = stopping or threading.Event()
    own_app = app is None
    app = app or create_app()
    runtime = runtime_of(app)
    settings = runtime.settings
    next_sweep = time.monotonic() + settings.sweep_seconds if settings.sweep_seconds else None
    while not stopping.is_set():
        if parent is not None and os.getppid() != parent:
            log.warning("processor %s: the server is gone; stopping", os.getpid())
            break
        try:
            if next_sweep is not None and time.monotonic() >= next_sweep:
                recover(app)
                next_sweep = time.monotonic() + settings.sweep_seconds
            with runtime.sessions() as session:
                outcome = pipeline.process_due(session, runtime.policy, settings, now=datetime.now(UTC))
            if outcome is None:
                stopping.wait(POLL_SECONDS)
            elif outcome.status == "processed":
                runtime.metrics.processed.labels(outcome.route or "none").inc()
            elif outcome.status == "failed":
                log.error("processing of %s failed: %s", outcome.inquiry_id, outcome.error)
        except Exception:  # noqa: BLE001 - the event keeps its claim; the sweep retries it later
            log.exception("processor %s: processing failed", os.getpid())
            stopping.wait(1.0)
    if own_app:
        runtime.engine.dispose()


def _child(parent: int) -> None:
    """In the forked child: lower the priority, stop on SIGTERM after the current event, run."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    with contextlib.suppress(OSError):
        os.nice(NICE)
    code = 0
    try:
        run(stopping, parent)
    except BaseException:  # noqa: BLE001 - report, and let the supervisor restart this processor
        log.exception("processor %s stopped", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)  # never return into the parent's code (gunicorn's arbiter)


def spawn() -> int:
    """Fork one processor; returns its pid."""
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(parent)
    return pid


class Supervisor:
    """Keeps `count` processors running beside gunicorn in the `qualifier serve` master."""

    def __init__(self, count: int, fork: Callable[[], int] = spawn) -> None:
        self.count, self.fork = count, fork
        self.pids: list[int] = []
        self.stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self.pids = [self.fork() for _ in range(self.count)]
        self._watcher = threading.Thread(target=self._watch, name="qualifier-processors", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self.stopping.wait(RESTART_SECONDS):
            for index, pid in enumerate(self.pids):
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, 0
                if done and not self.stopping.is_set():
                    log.warning("processor %s exited (status %s); starting another", pid, status)
                    self.pids[index] = self.fork()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM every processor and wait for them (each finishes its event first)."""
        self.stopping.set()
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for pid in self.pids:
            while time.monotonic() < deadline:
                try:
                    done, _status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                time.sleep(0.05)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
