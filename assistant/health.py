"""Operations endpoints: `/healthz` (alive), `/readyz` (can serve), `/metrics` (Prometheus).

Metrics live in a `CollectorRegistry` owned by the app (`Metrics`), never in
prometheus_client's global registry, so every app (and every test) starts from
zero. Per-process series: HTTP requests by endpoint and status, request
duration, webhook-to-processed latency, inquiries processed by route. Series
read from the database at scrape time, so they agree across gunicorn workers:
inquiries by route and status, raw events by status (the backlog is
`received`), deliveries by status.

Several processes: with `PROMETHEUS_MULTIPROC_DIR` set to an empty
directory before the server starts, prometheus_client keeps each process's
counters and histograms in files there and `/metrics` sums them, so a scrape
that lands on any gunicorn worker reports all of them. Without it, the
per-process series are those of the worker that answered.

`OperationsCollector` adds the series an on-call person alerts on: queue
depth (`qualifier_queue_depth`: the length of each RQ queue in queue mode,
and in both modes the raw events still `received`, i.e. waiting to be
processed by a request, a worker or the sweep; `qualifier_oldest_received_seconds`:
how long the oldest of them has waited, the number to alert on) and delivery failures (`qualifier_delivery_failures`:
notifications that gave up, by channel; `qualifier_delivery_retrying`: those
failing and waiting for their next try).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import db, models

if TYPE_CHECKING:
    from prometheus_client import Metric

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# Set (to an empty directory, before the server starts) to sum per-process series across gunicorn workers.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class StoreCollector(Collector):
    """Counts read from the database at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("qualifier_store_up", "1 when the database answered the scrape's queries")
        try:
            with Session(self.engine) as session:
                inquiries = session.execute(
                    select(models.Inquiry.route, models.Inquiry.status, func.count()).group_by(
                        models.Inquiry.route, models.Inquiry.status
                    )
                ).all()
                raw = session.execute(
                    select(models.RawEvent.status, func.count()).group_by(models.RawEvent.status)
                ).all()
                deliveries = session.execute(
                    select(models.Delivery.status, func.count()).group_by(models.Delivery.status)
                ).all()
        except SQLAlchemyError:
            log.warning("metrics: database unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily(
            "qualifier_inquiries", "Stored inquiries by route and status", labels=["route", "status"]
        )
        for route, status, count in inquiries:
            family.add_metric([route or "none", status], count)
        yield family
        family = GaugeMetricFamily("qualifier_raw_events", "Stored raw events by status", labels=["status"])
        for status, count in raw:
            family.add_metric([status], count)
        yield family
        family = GaugeMetricFamily("qualifier_deliveries", "Notifications by status", labels=["status"])
        for status, count in deliveries:
            family.add_metric([status], count)
        yield family


class OperationsCollector(Collector):
    """Queue depth and delivery failures, read at scrape time (so they agree across workers)."""

    def __init__(self, engine: Engine, redis_url: str | None) -> None:
        self.engine = engine
        self.redis_url = redis_url

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "qualifier_queue_depth",
            "Work waiting: each RQ queue's length (queue mode) and the raw events still received",
            labels=["queue"],
        )
        failures = GaugeMetricFamily(
            "qualifier_delivery_failures",
            "Notifications that gave up after their retries",
            labels=["channel"],
        )
        retrying = GaugeMetricFamily(
            "qualifier_delivery_retrying",
            "Notifications that failed and wait for another try",
            labels=["channel"],
        )
        if self.redis_url:
            redis_up = GaugeMetricFamily("qualifier_redis_up", "1 when Redis answered the scrape")
            queues = _rq_queue_lengths(self.redis_url)
            redis_up.add_metric([], 0 if queues is None else 1)
            yield redis_up
            for name, length in sorted((queues or {}).items()):
                depth.add_metric([name], length)
        oldest = GaugeMetricFamily(
            "qualifier_oldest_received_seconds",
            "Age of the oldest raw event acknowledged and not yet processed (0 when none waits)",
        )
        try:
            with Session(self.engine) as session:
                waiting, first = session.execute(
                    select(func.count(), func.min(models.RawEvent.received_at)).where(
                        models.RawEvent.status == "received"
                    )
                ).one()
                depth.add_metric(["received"], waiting or 0)
                oldest.add_metric([], _age_seconds(first))
                rows = session.execute(
                    select(models.Delivery.channel, models.Delivery.status, func.count())
                    .where(
                        (models.Delivery.status == "failed")
                        | ((models.Delivery.status == "pending") & (models.Delivery.attempts > 0))
                    )
                    .group_by(models.Delivery.channel, models.Delivery.status)
                ).all()
        except SQLAlchemyError:
            log.warning("metrics: database unavailable", exc_info=True)
            rows = []
        for channel, status, count in rows:
            (failures if status == "failed" else retrying).add_metric([channel], count)
        yield depth
        yield oldest
        yield failures
        yield retrying


def _age_seconds(moment: datetime | str | None) -> float:
    """Seconds since `moment` (SQLite hands MIN() of a timestamp back as text), 0 for None."""
    if moment is None:
        return 0.0
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


def _rq_queue_lengths(url: str) -> dict[str, int] | None:
    """Each RQ queue's length, or None when Redis does not answer."""
    try:
        import redis
        from rq import Queue

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return {queue.name: queue.count for queue in Queue.all(connection=client)}
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means unknown
        log.warning("metrics: redis unavailable: %s", type(exc).__name__)
        return None


class Metrics:
    """The app's own registry and the series the request path updates."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "qualifier_http_requests",
            "HTTP requests answered",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "qualifier_http_request_seconds",
            "Time to answer a request",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.processing_seconds = Histogram(
            "qualifier_processing_seconds",
            "Time from storing a webhook to its qualification being stored",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.processed = Counter(
            "qualifier_inquiries_processed",
            "Inquiries qualified by this process, by route",
            ["route"],
            registry=self.registry,
        )
        # Read from the database at scrape time; kept to be added to a multiprocess scrape as well.
        self.database_collectors: list[Collector] = [StoreCollector(engine)]
        self.registry.register(self.database_collectors[0])


def init_app(app: Flask) -> None:
    runtime = app.extensions["qualifier"]
    operations = OperationsCollector(runtime.engine, runtime.settings.redis_url)
    runtime.metrics.database_collectors.append(operations)
    runtime.metrics.registry.register(operations)
    app.before_request(_start_timer)
    app.after_request(_count_request)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _count_request(response: Response) -> Response:
    metrics: Metrics = current_app.extensions["qualifier"].metrics
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    metrics.requests.labels(request.method, endpoint, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        metrics.request_seconds.labels(endpoint).observe(time.perf_counter() - started)
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    runtime = current_app.extensions["qualifier"]
    checks: dict[str, str] = {}
    try:
        db.ping(runtime.engine)
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        log.warning("readyz: database unavailable: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    if runtime.settings.redis_url:
        checks["redis"] = _ping_redis(runtime.settings.redis_url)
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _ping_redis(url: str) -> str:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("readyz: redis unavailable: %s", type(exc).__name__)
        return "unavailable"


@bp.get("/metrics")
def metrics() -> Response:
    metrics: Metrics = current_app.extensions["qualifier"].metrics
    registry = metrics.registry
    directory = os.environ.get(MULTIPROCESS_VARIABLE)
    if directory:  # every gunicorn worker's series, summed (prometheus_client's multiprocess mode)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        for collector in metrics.database_collectors:
            registry.register(collector)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
