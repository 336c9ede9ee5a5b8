"""Behaviour events through HTTP (`POST /api/events`) and the CLI (`qualifier import-events`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from assistant import models, runtime_of
from assistant.cli import cli

from . import samples

RECENT = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()
EMAIL = "o.adeyemi@brightquay-freight.co.uk"  # the sender of samples.form()


def ev(kind: str, email: str = "pat@harlowbuilders.com", at: str = RECENT, **extra: object) -> dict:
    return {"email": email, "type": kind, "at": at, **extra}


def stored(app) -> list[tuple[str, str]]:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return [(e.email_key, e.type) for e in session.scalars(select(models.BehaviourEvent).order_by(models.BehaviourEvent.id))]


def contact_of(app, email_key: str) -> tuple[str, list[tuple[str | None, str, str]]]:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        contact = session.scalars(select(models.Contact).where(models.Contact.email_key == email_key)).one()
        return contact.stage, [(s.previous, s.stage, s.reason) for s in contact.stages]


def test_one_event(app, client, auth) -> None:
    response = client.post("/api/events", json=ev("email_click", properties={"campaign": "spring"}), headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["accepted"], body["stored"], body["duplicates"]) == (1, 1, 0)
    assert body["contacts"] == [
        {"email": "pat@harlowbuilders.com", "engagement": 5, "stage": None, "promoted": False, "previous_stage": None}
    ]
    assert stored(app) == [("pat@harlowbuilders.com", "email_click")]


def test_a_list_of_events_sums_per_person(app, client, auth) -> None:
    events = [ev("email_open"), ev("email_open", at="2026-01-02T10:00:00Z"), ev("webinar_registered", email="Kim@Example.org")]
    body = client.post("/api/events", json=events, headers=auth).get_json()
    assert body["stored"] == 3
    assert {c["email"]: c["engagement"] for c in body["contacts"]} == {"pat@harlowbuilders.com": 2, "kim@example.org": 10}


def test_a_repeated_event_counts_once(app, client, auth) -> None:
    client.post("/api/events", json=ev("pricing_page_visit"), headers=auth)
    body = client.post("/api/events", json=[ev("pricing_page_visit"), ev("pricing_page_visit")], headers=auth).get_json()
    assert (body["stored"], body["duplicates"]) == (0, 2)
    assert body["contacts"][0]["engagement"] == 20
    assert len(stored(app)) == 1


def test_crossing_the_threshold_promotes_a_known_contact(app, client, auth) -> None:
    ack = client.post("/webhooks/generic", json=samples.form(fields={"message": "Please send me your brochure."})).get_json()
    assert ack["status"] == "processed"
    before, _ = contact_of(app, EMAIL)
    assert before in ("subscriber", "lead")

    small = client.post("/api/events", json=ev("pricing_page_visit", email=EMAIL), headers=auth).get_json()
    assert small["contacts"][0] == {"email": EMAIL, "engagement": 20, "stage": before, "promoted": False, "previous_stage": None}

    upper = client.post("/api/events", json=ev("sales_conversation_good", email=EMAIL.upper()), headers=auth).get_json()
    assert upper["contacts"][0]["engagement"] == 30  # emails match case-insensitively
    body = client.post("/api/events", json=ev("multi_page_visit", email=EMAIL), headers=auth).get_json()
    assert body["contacts"][0]["engagement"] == 40
    assert body["contacts"][0]["promoted"] is True
    assert body["contacts"][0]["stage"] == "mql"
    stage, history = contact_of(app, EMAIL)
    assert stage == "mql"
    assert history[-1][:2] == (before, "mql")
    assert "threshold 40" in history[-1][2]


def test_an_sql_is_never_demoted_by_events(app, client, auth) -> None:
    ack = client.post("/webhooks/generic", json=samples.form()).get_json()
    assert ack["route"] == "sql"
    before = contact_of(app, EMAIL)
    body = client.post("/api/events", json=[ev("demo_request", email=EMAIL), ev("unsubscribe", email=EMAIL)], headers=auth).get_json()
    assert body["contacts"][0] == {"email": EMAIL, "engagement": 45, "stage": "sql", "promoted": False, "previous_stage": None}
    assert contact_of(app, EMAIL) == before


def test_the_threshold_comes_from_the_policy(app_config, auth) -> None:
    from assistant import create_app
    from handoff.policy import Policy

    app_config["POLICY"] = Policy.from_mapping({"scoring": {"mql_threshold": 15}})
    app = create_app(app_config)
    client = app.test_client()
    client.post("/webhooks/generic", json=samples.form(fields={"message": "Please send me your brochure."}))
    body = client.post("/api/events", json=ev("pricing_page_visit", email=EMAIL), headers=auth).get_json()
    assert body["contacts"][0]["stage"] == "mql"
    runtime_of(app).engine.dispose()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        pytest.param(ev("page_view"), 422, "event.type", id="unknown-type"),
        pytest.param([ev("email_open"), ev("email_open", email="nobody")], 422, "events[1].email", id="bad-email-in-list"),
        pytest.param(ev("email_open", at="last week"), 422, "event.at", id="bad-time"),
        pytest.param(ev("email_open", at="2026-03-01T10:00:00"), 422, "timezone", id="naive-time"),
        pytest.param({"email": "a@b.com", "type": "email_open", "at": RECENT, "score": 9}, 422, "event.score", id="unknown-field"),
        pytest.param([], 422, "empty", id="empty-list"),
        pytest.param("email_open", 422, "must be an object", id="not-an-object"),
        pytest.param([ev("email_open")] * 1001, 413, "at most 1000", id="too-many"),
    ],
)
def test_bad_events_are_refused_whole(app, client, auth, body: object, status: int, words: str) -> None:
    response = client.post("/api/events", json=body, headers=auth)
    assert response.status_code == status
    assert words in response.get_json()["error"]
    assert stored(app) == []


def test_malformed_json_is_400(client, auth) -> None:
    response = client.post("/api/events", data=b"{not json", content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert "malformed JSON" in response.get_json()["error"]


def test_events_must_be_json(client, auth) -> None:
    response = client.post("/api/events", data="email=a@b.com", content_type="application/x-www-form-urlencoded", headers=auth)
    assert response.status_code == 415


@pytest.mark.parametrize(
    "headers",
    [pytest.param({}, id="no-token"), pytest.param({"Authorization": "Bearer wrong"}, id="wrong-token")],
)
def test_events_need_the_bearer_token(app, client, headers: dict) -> None:
    response = client.post("/api/events", json=ev("email_open"), headers=headers)
    assert response.status_code == 401
    assert stored(app) == []


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(database_url: str, monkeypatch, tmp_path) -> str:  # noqa: ANN001
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return database_url


def test_import_events_from_csv(runner, cli_env, tmp_path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "email,type,at,properties\n"
        f"pat@harlowbuilders.com,email_open,{RECENT},\n"
        f'pat@harlowbuilders.com,white_paper_product,{RECENT},"{{""asset"": ""guide""}}"\n'
        "kim@example.org,webinar_attended,2026-02-01,\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["import-events", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 events (0 already stored) for 2 people" in result.output
    again = runner.invoke(cli, ["import-events", str(path)])
    assert "Imported 0 events (3 already stored)" in again.output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("mail,type,at\na@b.com,email_open,2026-01-01\n", "missing email", id="bad-header"),
        pytest.param("email,type,at,score\na@b.com,email_open,2026-01-01,3\n", "unknown column 'score'", id="extra-column"),
        pytest.param("email,type,at\na@b.com,email_open,2026-01-01\nb@c.com,email_opened,2026-01-01\n", ":line 3.type", id="bad-type-names-line"),
        pytest.param("email,type,at,properties\na@b.com,email_open,2026-01-01,{oops\n", ":2: properties", id="bad-properties"),
    ],
)
def test_import_events_refuses_a_bad_file_whole(runner, cli_env, tmp_path, text: str, words: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["import-events", str(path)])
    assert result.exit_code != 0
    assert words in result.output
    from assistant import db as dbmod

    engine = dbmod.make_engine(cli_env)
    with engine.connect() as connection:
        assert connection.execute(select(models.BehaviourEvent)).all() == []
    engine.dispose()
