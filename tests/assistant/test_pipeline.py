"""The processing pipeline: pure qualification, analysis context, and exactly-once recovery after a crash."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from assistant import intake, models, pipeline, runtime_of
from assistant.serve import recover
from forms import generic
from tests.conftest import NOW

from . import samples


def _store(app, payload: dict, *, token: str, claimed_at: datetime | None = None) -> intake.Stored:  # noqa: ANN001
    """Store an event the way intake does, as if its process died before processing it."""
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        stored = intake.store_raw_event(
            session,
            source="generic",
            body=samples.body(payload),
            headers={"Content-Type": "application/json"},
            idempotency_key=None,
            now=datetime.now(UTC),
            dedup_window=timedelta(hours=24),
            claim_token=token,
        )
        if claimed_at is not None:
            session.execute(
                update(models.RawEvent)
                .where(models.RawEvent.id == stored.raw_event_id)
                .values(claimed_at=claimed_at)
            )
            session.commit()
    return stored


def _count(app, model) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


LONG_AGO = datetime.now(UTC) - timedelta(minutes=10)


# Pure qualification -----------------------------------------------------------------------------


def test_qualify_inquiry_is_a_pure_function_of_inquiry_time_and_policy(policy) -> None:
    inquiry = generic.parse(samples.body(samples.form()), {})

    first = pipeline.qualify_inquiry(inquiry, NOW, policy)
    second = pipeline.qualify_inquiry(inquiry, NOW, policy)

    assert first == second
    signals, decision, predicted = first
    assert predicted["route"] == decision.route
    assert predicted["analyzer_version"] == signals.analyzer_version


@pytest.mark.parametrize(
    ("country", "code", "currency", "day_first"),
    [
        pytest.param("United States", "US", "USD", False, id="us-name"),
        pytest.param("USA", "US", "USD", False, id="us-alpha3"),
        pytest.param("Germany", "DE", "EUR", True, id="germany"),
        pytest.param("de", "DE", "EUR", True, id="lower-case-code"),
        pytest.param("UK", "GB", "GBP", True, id="uk-alias"),
        pytest.param("  United Kingdom ", "GB", "GBP", True, id="padded"),
        pytest.param("Japan", "JP", "JPY", False, id="year-first-country"),
        pytest.param("Russia", "RU", None, False, id="known-country-without-a-row"),
        pytest.param("Atlantis", None, None, False, id="unknown"),
        pytest.param(None, None, None, False, id="absent"),
    ],
)
def test_the_analysis_context_follows_the_forms_country(country, code, currency, day_first) -> None:
    inquiry = generic.parse(samples.body(samples.form(fields={"country": country})), {})

    ctx = pipeline.analysis_context(inquiry, NOW)

    assert (ctx.now, ctx.country, ctx.currency_hint) == (NOW, code, currency)
    assert ctx.day_first is day_first


# Recovery ------------------------------------------------------------------------------------------


def test_an_event_left_received_by_a_dead_process_is_processed_once_on_recovery(app, client, auth) -> None:
    stored = _store(app, samples.form(), token="dead-process", claimed_at=LONG_AGO)
    before = client.get(f"/api/inquiries/{stored.inquiry_id}", headers=auth).get_json()
    assert (before["status"], before["inquiry"]) == (
        "received",
        None,
    )  # acknowledged ids are readable at once

    outcomes = recover(app)

    assert [(o.status, o.inquiry_id) for o in outcomes] == [("processed", stored.inquiry_id)]
    assert recover(app) == []
    assert _count(app, models.Qualification) == 1
    after = client.get(f"/api/inquiries/{stored.inquiry_id}", headers=auth).get_json()
    assert after["status"] == "processed"
    assert after["brief"]["markdown"]


def test_recovery_leaves_an_event_another_process_is_working_on(app) -> None:
    _store(app, samples.form(), token="live-process")  # claimed just now

    assert recover(app) == []
    assert _count(app, models.Inquiry) == 0


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, no exception handler sees it."""


def test_a_crash_after_parsing_is_finished_by_recovery_without_parsing_twice(app, monkeypatch) -> None:
    stored = _store(app, samples.chat(), token="doomed")

    def crash(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise Killed

    monkeypatch.setattr(pipeline, "qualify_inquiry", crash)
    runtime = runtime_of(app)
    with runtime.sessions() as session, pytest.raises(Killed):
        pipeline.process_event(
            session,
            stored.raw_event_id,
            runtime.policy,
            runtime.settings,
            now=datetime.now(UTC),
            token="doomed",
        )
    monkeypatch.undo()
    assert _count(app, models.Inquiry) == 1  # parsed and committed before the crash
    with runtime.sessions() as session:
        session.execute(update(models.RawEvent).values(claimed_at=LONG_AGO))
        session.commit()

    outcomes = recover(app)

    assert [o.status for o in outcomes] == ["processed"]
    assert (_count(app, models.Inquiry), _count(app, models.Qualification)) == (1, 1)


def test_a_run_that_lost_its_claim_stores_nothing(app) -> None:
    stored = _store(app, samples.form(), token="slow", claimed_at=LONG_AGO)
    runtime = runtime_of(app)
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        assert pipeline.claim(session, stored.raw_event_id, "sweeper", now, now - timedelta(minutes=1))

        late = pipeline.process_event(
            session, stored.raw_event_id, runtime.policy, runtime.settings, now=now, token="slow"
        )
        done = pipeline.process_event(
            session, stored.raw_event_id, runtime.policy, runtime.settings, now=now, token="sweeper"
        )

    assert (late.status, done.status) == ("skipped", "processed")
    assert _count(app, models.Qualification) == 1


def test_concurrent_sweeps_process_every_event_exactly_once(app) -> None:
    stored = [
        _store(
            app,
            samples.form(fields={"message": f"We need help with warehouse number {i}"}),
            token=f"dead-{i}",
            claimed_at=LONG_AGO,
        )
        for i in range(12)
    ]
    results: list[list[pipeline.Outcome]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            results.append(recover(app))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    processed = sorted(o.inquiry_id for outcomes in results for o in outcomes if o.status == "processed")
    assert processed == sorted(s.inquiry_id for s in stored)
    assert _count(app, models.Qualification) == 12


# Lifecycle ------------------------------------------------------------------------------------------------


def _contact(app, email_key: str) -> tuple[str | None, list[tuple[str | None, str]]]:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        contact = session.scalars(select(models.Contact).where(models.Contact.email_key == email_key)).one()
        return contact.stage, [(s.previous, s.stage) for s in contact.stages]


def test_the_first_inquiry_sets_the_contacts_stage_and_records_it(app, client, auth) -> None:
    from handoff.lifecycle import stage_for_route

    ack = client.post("/webhooks/generic", json=samples.form()).get_json()
    document = client.get(ack["url"], headers=auth).get_json()

    stage, history = _contact(app, "o.adeyemi@brightquay-freight.co.uk")

    expected = stage_for_route(ack["route"], document["qualification"]["intent"])
    assert (stage, history) == (expected, [(None, expected)])


def test_engagement_over_the_threshold_makes_the_contact_an_mql_at_least(app, client) -> None:
    with runtime_of(app).sessions() as session:
        for kind in ("demo_request", "pricing_page_visit"):  # 50 + 20 points >= the default threshold of 40
            session.add(
                models.BehaviourEvent(
                    email_key="ines@tidewater-clinics.pt",
                    type=kind,
                    at=LONG_AGO,
                    properties={},
                    created_at=LONG_AGO,
                )
            )
        session.commit()

    client.post("/webhooks/generic", json=samples.chat())

    stage, _history = _contact(app, "ines@tidewater-clinics.pt")
    assert stage in ("mql", "sql")


def test_the_periodic_sweeper_picks_up_a_stuck_event(app) -> None:
    import time

    from assistant.serve import Sweeper

    stored = _store(app, samples.form(), token="dead-process", claimed_at=LONG_AGO)
    sweeper = Sweeper(app, interval=0.05)
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while _count(app, models.Qualification) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stopping.set()
        sweeper.join(timeout=10)

    with runtime_of(app).sessions() as session:
        assert session.get(models.Inquiry, stored.inquiry_id).status == "processed"
    assert _count(app, models.Qualification) == 1
