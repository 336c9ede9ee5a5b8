"""The JSON API and operations endpoints through HTTP: tokens, reading, listing, errors, health, metrics."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from assistant import create_app, models, runtime_of

from . import samples


def _post(client, payload: dict) -> dict:  # noqa: ANN001
    answer = client.post("/webhooks/generic", json=payload)
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


# Tokens ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        pytest.param({}, "missing bearer token", id="no-header"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, "missing bearer token", id="basic-scheme"),
        pytest.param({"Authorization": "Bearer "}, "missing bearer token", id="empty-token"),
        pytest.param(
            {"Authorization": "Bearer test-token-4f1"}, "wrong bearer token", id="prefix-of-the-token"
        ),
        pytest.param({"Authorization": "Bearer someone-elses"}, "wrong bearer token", id="wrong-token"),
    ],
)
@pytest.mark.parametrize("path", ["/api/inquiries", "/api/inquiries/inq_x"])
def test_the_api_needs_a_configured_bearer_token(client, headers, says, path) -> None:
    answer = client.get(path, headers=headers)

    assert answer.status_code == 401
    assert says in answer.get_json()["error"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_with_no_tokens_configured_everyone_gets_401(app_config) -> None:
    app = create_app({**app_config, "API_TOKENS": ""})

    answer = app.test_client().get("/api/inquiries", headers={"Authorization": "Bearer anything"})

    assert answer.status_code == 401
    assert "QUALIFIER_API_TOKENS" in answer.get_json()["error"]


def test_any_of_several_tokens_is_accepted(app_config) -> None:
    app = create_app({**app_config, "API_TOKENS": "first-token, second-token"})

    answer = app.test_client().get("/api/inquiries", headers={"Authorization": "bearer second-token"})

    assert answer.status_code == 200


# Reading ---------------------------------------------------------------------------------------------


def test_an_unknown_id_is_a_json_404(client, auth) -> None:
    answer = client.get("/api/inquiries/inq_01NOTHINGHERE", headers=auth)

    assert answer.status_code == 404
    assert answer.get_json() == {"error": "no inquiry 'inq_01NOTHINGHERE'"}


def test_a_rejected_event_is_not_an_inquiry(app, client, auth) -> None:
    client.post("/webhooks/generic", json={"hello": "world"})
    with runtime_of(app).sessions() as session:
        rejected_id = session.scalar(select(models.RawEvent.inquiry_id))

    assert client.get(f"/api/inquiries/{rejected_id}", headers=auth).status_code == 404


# Listing -------------------------------------------------------------------------------------------------


def test_listing_pages_through_everything_oldest_first(client, auth) -> None:
    ids = [
        _post(client, samples.form(fields={"message": f"Question number {i} about pricing"}))["id"]
        for i in range(5)
    ]

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/inquiries", query_string=query, headers=auth).get_json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ids
    assert pages == 3


def test_listing_items_summarise_each_inquiry(client, auth) -> None:
    ack = _post(client, samples.chat())

    (item,) = client.get("/api/inquiries", headers=auth).get_json()["items"]

    assert item["id"] == ack["id"]
    assert item["url"] == ack["url"]
    assert (item["channel"], item["route"], item["status"]) == ("chat", ack["route"], "processed")
    assert item["contact"] == {
        "name": "Ines Carvalho",
        "email": "ines@tidewater-clinics.pt",
        "company": "Tidewater Clinics",
    }


def test_listing_filters_by_route_and_since(app, client, auth) -> None:
    first = _post(client, samples.form())
    second = _post(client, samples.chat())
    with runtime_of(app).sessions() as session:
        session.execute(update(models.Inquiry).where(models.Inquiry.id == first["id"]).values(route="sql"))
        session.execute(
            update(models.Inquiry).where(models.Inquiry.id == second["id"]).values(route="nurture")
        )
        session.commit()

    def listed(**query) -> list[str]:  # noqa: ANN003
        page = client.get("/api/inquiries", query_string=query, headers=auth).get_json()
        return [item["id"] for item in page["items"]]

    assert listed(route="sql") == [first["id"]]
    assert listed(route="nurture") == [second["id"]]
    assert listed(route="discard") == []
    assert listed(since="2000-01-01") == [first["id"], second["id"]]
    assert listed(since="2999-01-01T00:00:00Z") == []
    assert listed(status="processed", route="sql") == [first["id"]]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        pytest.param({"limit": "0"}, "limit:", id="limit-zero"),
        pytest.param({"limit": "201"}, "limit:", id="limit-too-big"),
        pytest.param({"limit": "ten"}, "limit:", id="limit-not-a-number"),
        pytest.param({"limit": "²"}, "limit:", id="limit-unicode-digit"),
        pytest.param({"since": "yesterday"}, "since:", id="since-not-a-date"),
        pytest.param({"since": "2026-13-40"}, "since:", id="since-impossible-date"),
        pytest.param({"route": "hot"}, "route:", id="unknown-route"),
        pytest.param({"status": "done"}, "status:", id="unknown-status"),
        pytest.param({"cursor": "not-a-cursor"}, "cursor:", id="garbage-cursor"),
        pytest.param({"cursor": "WyJ4IiwieSJd"}, "cursor:", id="cursor-with-bad-time"),
        pytest.param({"cursor": "e30"}, "cursor:", id="cursor-of-an-object"),
        pytest.param({"routes": "sql"}, "routes: unknown parameter", id="unknown-parameter"),
    ],
)
def test_bad_listing_parameters_are_a_400_naming_the_parameter(client, auth, query, says) -> None:
    answer = client.get("/api/inquiries", query_string=query, headers=auth)

    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith(says)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("get", "/api/nothing-here", 404, id="unknown-api-url"),
        pytest.param("delete", "/api/inquiries", 405, id="wrong-method"),
        pytest.param("post", "/healthz", 405, id="wrong-method-on-health"),
    ],
)
def test_unknown_urls_and_methods_answer_json(client, auth, method, path, status) -> None:
    answer = getattr(client, method)(path, headers=auth)

    assert answer.status_code == status
    assert set(answer.get_json()) == {"error"}


# Operations --------------------------------------------------------------------------------------------


def test_healthz_answers_ok_without_a_token(client) -> None:
    answer = client.get("/healthz")

    assert (answer.status_code, answer.get_json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database(client) -> None:
    answer = client.get("/readyz")

    assert answer.status_code == 200
    assert answer.get_json()["checks"] == {"database": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(app_config, tmp_path) -> None:
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path}/db-folder/q.db"})
    (tmp_path / "db-folder" / "q.db").mkdir()  # a directory where the database file should be

    answer = app.test_client().get("/readyz")

    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"] == "unavailable"


def test_readyz_is_503_when_the_configured_redis_is_unreachable(app_config) -> None:
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:9/0"})

    answer = app.test_client().get("/readyz")

    assert answer.status_code == 503
    assert answer.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_metrics_count_requests_and_inquiries_by_route(client) -> None:
    ack = _post(client, samples.form())

    text = client.get("/metrics").get_data(as_text=True)

    assert (
        'qualifier_http_requests_total{endpoint="/webhooks/<source>",method="POST",status="202"} 1.0' in text
    )
    assert f'qualifier_inquiries{{route="{ack["route"]}",status="processed"}} 1.0' in text
    assert f'qualifier_inquiries_processed_total{{route="{ack["route"]}"}} 1.0' in text
    assert "qualifier_processing_seconds_bucket" in text
    assert 'qualifier_raw_events{status="processed"} 1.0' in text


def test_each_app_has_its_own_metrics(app_config, client) -> None:
    _post(client, samples.form())
    other = create_app(app_config).test_client()

    text = other.get("/metrics").get_data(as_text=True)

    assert 'endpoint="/webhooks/<source>"' not in text
