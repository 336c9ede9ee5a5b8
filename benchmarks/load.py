"""Load test of the webhook path: acknowledgement and webhook-to-processed latency at fixed rates.

    python benchmarks/load.py [--seconds 60] [--rates 50,100,200] [--modes default,queue]

For each mode it starts the service itself on 127.0.0.1 (a free port, a fresh
database, webhook rate limits off), sends unique form webhooks at each rate
for `--seconds` (open loop: request i is due at start + i/rate whatever
happened to the earlier ones, and its latency counts from when it was due, so
a stalled server is not hidden by a stalled client), waits for the backlog to
be processed, stops the service, and prints one row per (mode, rate):

- sent, errors (anything but a 202, or no answer) and lost (acknowledged but
  not processed within `--drain` seconds after the run);
- ack p50/p99: from when the request was due to its 202;
- processed p50/p99: from when the request was due to the moment its
  qualification was committed (`raw_events.processed_at`);
- the rate the server actually took, the seconds its backlog took to drain
  after the run, and the CPU time the service's own processes (web and
  workers; not PostgreSQL or Redis) spent per request, run and drain included.

Modes:
- default: SQLite in a temporary directory, `qualifier serve --workers 2` (gunicorn).
- queue: PostgreSQL (`--database-url`, default QUALIFIER_TEST_DATABASE_URL or
  the local test server; a schema of its own, dropped afterwards) + Redis
  (`--redis-url`; a queue of its own), 2 web workers + 2 `qualifier worker`s
  (at `nice 10`, so that on one machine intake keeps its CPU).

Targets (issue 10, on the 2-core machine): 200 req/s for 60 s with no errors
and nothing lost; ack p99 <= 50 ms at 100 req/s; processed p50 <= 100 ms and
p99 <= 500 ms at 50 req/s. The machine (cores, CPU, load) is printed with the
table: the numbers mean little without it. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, make_url, select  # noqa: E402

from assistant import models  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SENDERS = 96  # client threads in all: enough to keep 200 req/s going while answers take up to ~0.5 s
CLIENT_PROCESSES = 4
# RQ workers run at a lower CPU priority than the web processes, as the README's systemd unit does:
# on one shared machine, acknowledging webhooks comes before analysing them.
WORKER_NICE = 10


@dataclass
class Result:
    index: int
    due: float  # wall-clock time the request was due
    ack_seconds: float | None = None
    inquiry_id: str | None = None
    error: str | None = None


@dataclass
class Row:
    mode: str
    rate: int
    sent: int
    errors: int
    lost: int
    ack: list[float]
    processed: list[float]
    achieved: float
    drain_seconds: float
    cpu_ms: float  # CPU of the service's processes (web and workers) per request, until drained
    error_samples: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the service


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def service(
    env: dict[str, str], workdir: Path, rq_workers: int, web_workers: int
) -> Iterator[tuple[str, int]]:
    """Start `qualifier serve` (and workers) in a process group of their own; stop them afterwards."""
    port = _free_port()
    command = [sys.executable, "-c", "from assistant.cli import cli; cli()"]
    with (workdir / "serve.log").open("ab") as log:
        server = subprocess.Popen(
            [*command, "serve", "--host", HOST, "--port", str(port), "--workers", str(web_workers)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    workers = []
    for n in range(rq_workers):
        with (workdir / f"worker-{n}.log").open("ab") as log:
            workers.append(
                subprocess.Popen(
                    ["nice", "-n", str(WORKER_NICE), *command, "worker"],
                    cwd=workdir,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    process_group=server.pid,
                )
            )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped; see {workdir / 'serve.log'}")
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as answer:  # noqa: S310 - 127.0.0.1
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready within 120 s")
            time.sleep(0.3)
        time.sleep(3 if rq_workers else 1)  # let the workers finish loading
        yield base, server.pid  # the URL and the process group of the server and its workers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        for process in (server, *workers):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                process.wait(timeout=10)


# --------------------------------------------------------------------------- the load


def body(run: str, i: int) -> bytes:
    message = (
        f"Hello, we run {i % 40 + 3} depots and plan routes by hand. We need a routing tool live by the end "
        f"of next quarter, budget around {10 + i % 50}k a year. I head operations. Could we book a demo? (ref {run}-{i})"
    )
    payload = {
        "form_id": "request-a-demo",
        "page_url": "https://www.example.com/demo",
        "fields": {
            "full_name": f"Load Tester {i}",
            "email": f"buyer{i}@load-{run}.example",
            "company": f"Depot Group {i}",
            "job_title": "Head of Operations",
            "message": message,
        },
    }
    return json.dumps(payload).encode("utf-8")


def run_rate(base: str, rate: int, seconds: float, run: str) -> list[Result]:
    """Send `rate * seconds` webhooks at `rate` per second, open loop, from `CLIENT_PROCESSES` processes.

    One Python process with a hundred threads spent most of a core on its own
    GIL at 200 a second and fell behind the schedule while the server idled;
    the requests are dealt out round-robin to a few processes instead.
    """
    total = int(rate * seconds)
    start = time.time() + 1.0
    context = multiprocessing.get_context("fork")
    with context.Pool(CLIENT_PROCESSES) as pool:
        parts = pool.starmap(
            _send_part,
            [(base, rate, total, start, run, k, CLIENT_PROCESSES) for k in range(CLIENT_PROCESSES)],
        )
    results = [result for part in parts for result in part]
    return sorted(results, key=lambda r: r.index)


def _send_part(
    base: str, rate: int, total: int, start: float, run: str, part: int, parts: int
) -> list[Result]:
    """The requests i with i % parts == part, each sent when due (start + i / rate)."""
    port = int(base.rsplit(":", 1)[1])
    results = [Result(i, 0.0) for i in range(part, total, parts)]
    lock = threading.Lock()
    next_index = [0]

    def sender() -> None:
        connection: http.client.HTTPConnection | None = None
        while True:
            with lock:
                n = next_index[0]
                next_index[0] += 1
            if n >= len(results):
                break
            result = results[n]
            i = result.index
            result.due = start + i / rate
            delay = result.due - time.time()
            if delay > 0:
                time.sleep(delay)
            data = body(run, i)
            headers = {"Content-Type": "application/json", "Idempotency-Key": f"load-{run}-{i}"}
            for attempt in (1, 2):
                reused = connection is not None
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(HOST, port, timeout=30)
                    connection.request("POST", "/webhooks/generic", body=data, headers=headers)
                    answer = connection.getresponse()
                    payload = answer.read()
                except (OSError, http.client.HTTPException) as exc:
                    if connection is not None:
                        connection.close()
                    connection = None
                    if reused and attempt == 1:
                        continue  # the server closed an idle keep-alive connection: retry, as clients do
                    result.error = f"{type(exc).__name__}: {exc}"
                    break
                result.ack_seconds = time.time() - result.due
                if answer.status != 202:
                    result.error = f"HTTP {answer.status}: {payload[:120]!r}"
                else:
                    try:
                        result.inquiry_id = json.loads(payload)["id"]
                    except (ValueError, KeyError, TypeError):
                        result.error = f"not an acknowledgement: {payload[:120]!r}"
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
                break
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS // parts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def processed_times(
    database_url: str, connect_args: dict, ids: list[str], drain: float
) -> tuple[dict, float]:
    """inquiry id -> processed_at (epoch seconds), waiting up to `drain` s for the backlog; and the wait."""
    engine = create_engine(database_url, connect_args=connect_args)
    started = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                pending = connection.scalar(
                    select(func.count())
                    .select_from(models.RawEvent)
                    .where(models.RawEvent.status.in_(("received", "failed")))
                )
            if pending == 0 or time.monotonic() - started > drain:
                break
            time.sleep(0.5)
        waited = time.monotonic() - started
        found: dict[str, float] = {}
        with engine.connect() as connection:
            for chunk in range(0, len(ids), 500):
                rows = connection.execute(
                    select(models.RawEvent.inquiry_id, models.RawEvent.processed_at).where(
                        models.RawEvent.inquiry_id.in_(ids[chunk : chunk + 500]),
                        models.RawEvent.status == "processed",
                    )
                ).all()
                for inquiry_id, processed_at in rows:
                    found[inquiry_id] = processed_at.timestamp()
        return found, waited
    finally:
        engine.dispose()


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group `pgid` (Linux /proc)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ... utime (12th), stime (13th)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(
    mode: str, base: str, pgid: int, rate: int, seconds: float, drain: float, db: tuple[str, dict]
) -> Row:
    run = uuid.uuid4().hex[:8]
    cpu_before = group_cpu_seconds(pgid)
    results = run_rate(base, rate, seconds, run)
    acked = [r for r in results if r.inquiry_id]
    done, waited = processed_times(db[0], db[1], [r.inquiry_id for r in acked if r.inquiry_id], drain)
    cpu = group_cpu_seconds(pgid) - cpu_before
    first_due, last_ack = results[0].due, max((r.due + (r.ack_seconds or 0)) for r in results)
    errors = [r for r in results if r.error]
    return Row(
        mode=mode,
        rate=rate,
        sent=len(results),
        errors=len(errors),
        lost=sum(1 for r in acked if r.inquiry_id not in done),
        ack=[r.ack_seconds for r in acked if r.ack_seconds is not None],
        processed=[done[r.inquiry_id] - r.due for r in acked if r.inquiry_id in done],
        achieved=len(acked) / max(last_ack - first_due, 1e-9),
        drain_seconds=waited,
        cpu_ms=cpu * 1000 / max(len(results), 1),
        error_samples=sorted({r.error or "" for r in errors})[:3],
    )


# --------------------------------------------------------------------------- modes


def _base_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALIFIER_")}
    env["PYTHONPATH"] = str(ROOT)
    env["QUALIFIER_LIMIT_WEBHOOKS"] = "off"  # measuring capacity, not the per-address limit
    env["QUALIFIER_API_TOKENS"] = "load-test-token"
    env.update({f"QUALIFIER_{k}": v for k, v in settings.items()})
    return env


def default_mode(args: argparse.Namespace, workdir: Path) -> list[Row]:
    url = f"sqlite:///{workdir}/load.db"
    rows = []
    with service(_base_env(DATABASE_URL=url), workdir, 0, args.web_workers) as (base, pgid):
        run_rate(base, 20, 2, "warmup")
        for rate in args.rates:
            rows.append(measure("default", base, pgid, rate, args.seconds, args.drain, (url, {})))
            print(_line(rows[-1]), flush=True)
    return rows


def queue_mode(args: argparse.Namespace, workdir: Path) -> list[Row]:
    import psycopg

    url = make_url(args.database_url)
    if url.host not in (HOST, "localhost"):
        raise SystemExit("--database-url must be on 127.0.0.1")
    schema = f"qualifier_load_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    )
    admin.execute(f'CREATE SCHEMA "{schema}"')
    queue_name = f"qualifier-load-{uuid.uuid4().hex[:10]}"
    served = url.set(drivername="postgresql+psycopg").update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    env = _base_env(
        DATABASE_URL=served.render_as_string(hide_password=False),
        REDIS_URL=args.redis_url,
        QUEUE_NAME=queue_name,
    )
    rows = []
    try:
        with service(env, workdir, args.rq_workers, args.web_workers) as (base, pgid):
            run_rate(base, 20, 2, "warmup")
            db = (
                url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
                {"options": f"-csearch_path={schema}"},
            )
            for rate in args.rates:
                rows.append(measure("queue", base, pgid, rate, args.seconds, args.drain, db))
                print(_line(rows[-1]), flush=True)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
        from assistant.queue import delete_queue

        delete_queue(args.redis_url, queue_name)
    return rows


# --------------------------------------------------------------------------- report


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f}"


def _line(row: Row) -> str:
    text = (
        f"{row.mode:8} {row.rate:5} {row.sent:6} {row.errors:6} {row.lost:5} "
        f"{_ms(row.ack, 0.5):>8} {_ms(row.ack, 0.99):>8} {_ms(row.processed, 0.5):>8} {_ms(row.processed, 0.99):>8} "
        f"{row.achieved:8.1f} {row.drain_seconds:7.1f} {row.cpu_ms:7.1f}"
    )
    if row.error_samples:
        text += "   e.g. " + "; ".join(row.error_samples)
    return text


HEADER = (
    f"{'mode':8} {'rate':>5} {'sent':>6} {'errors':>6} {'lost':>5} {'ack p50':>8} {'ack p99':>8} "
    f"{'proc p50':>8} {'proc p99':>8} {'took/s':>8} {'drain s':>7} {'cpu ms':>7}"
)


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {model}; load average {load}; Python {platform.python_version()}; "
        f"{datetime.now().astimezone().isoformat(timespec='seconds')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds per rate (default 60)")
    parser.add_argument("--rates", default="50,100,200", help="requests per second, comma-separated")
    parser.add_argument("--modes", default="default,queue", help="default, queue or both")
    parser.add_argument(
        "--drain", type=float, default=600.0, help="seconds to wait for the backlog after a run (default 600)"
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default=os.environ.get("QUALIFIER_TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("QUALIFIER_TEST_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()
    args.rates = [int(r) for r in args.rates.split(",") if r.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(modes) <= {"default", "queue"}:
        parser.error("--modes takes default and/or queue")
    if not 1 <= args.seconds <= 600 or not all(1 <= r <= 1000 for r in args.rates):
        parser.error("bounded: 1-600 seconds per rate, 1-1000 requests per second")

    print(f"Machine: {machine()}")
    print(f"{args.seconds:g} s per rate; latencies in ms from when each request was due")
    print(HEADER, flush=True)
    rows: list[Row] = []
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"qualifier-load-{mode}-") as workdir:
            rows += (default_mode if mode == "default" else queue_mode)(args, Path(workdir))
    print()
    print(HEADER)
    for row in rows:
        print(_line(row))
    print(f"Machine after: {machine()}")
    if any(row.errors or row.lost for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
