"""`qualifier replay`: stored raw events processed again, idempotently; failures kept visible and replayable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from assistant import create_app, models, pipeline, runtime_of
from assistant.cli import cli

from . import samples
from .test_webhook_sources import OPENING, QUESTION, intercom


@pytest.fixture
def cli_env(app_config, tmp_path, monkeypatch) -> dict:  # noqa: ANN001
    """The CLI builds its own app from the environment: point it at the test database."""
    monkeypatch.chdir(tmp_path)  # no qualifier.toml here: the built-in policy, as the `app` fixture's
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", app_config["DATABASE_URL"])
    return app_config


def _count(app, model, **where) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def _broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
    raise RuntimeError("analyzer exploded")


def test_replaying_an_inquiry_adds_a_qualification_to_the_same_inquiry(
    app, client, auth, runner, cli_env
) -> None:
    ack = client.post("/webhooks/generic", json=samples.form()).get_json()

    result = runner.invoke(cli, ["replay", "--inquiry", ack["id"]])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{ack['id']}: processed (route {ack['route']})"
    assert (_count(app, models.Inquiry), _count(app, models.Qualification)) == (1, 2)
    assert client.get(ack["url"], headers=auth).get_json()["status"] == "processed"


def test_a_failure_is_retried_then_kept_failed_visible_and_replayable(
    app_config, auth, runner, cli_env, monkeypatch
):
    app = create_app({**app_config, "MAX_ATTEMPTS": 1})
    client = app.test_client()
    monkeypatch.setattr(pipeline, "qualify_inquiry", _broken)
    ack = client.post("/webhooks/generic", json=samples.form()).get_json()
    monkeypatch.undo()
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", app_config["DATABASE_URL"])

    document = client.get(ack["url"], headers=auth).get_json()
    assert (document["status"], document["error"]) == ("failed", "RuntimeError: analyzer exploded")
    listed = client.get("/api/inquiries", query_string={"status": "failed"}, headers=auth).get_json()
    assert [item["id"] for item in listed["items"]] == [ack["id"]]

    result = runner.invoke(cli, ["replay", "--failed"])

    assert result.exit_code == 0, result.output
    assert f"{ack['id']}: processed" in result.output
    document = client.get(ack["url"], headers=auth).get_json()
    assert (document["status"], document["error"]) == ("processed", None)
    assert runner.invoke(cli, ["replay", "--failed"]).output.strip() == "Nothing to replay."


def test_a_replay_that_fails_again_exits_1_and_backs_off(app, client, runner, cli_env, monkeypatch) -> None:
    ack = client.post("/webhooks/generic", json=samples.form()).get_json()
    monkeypatch.setattr(pipeline, "qualify_inquiry", _broken)

    result = runner.invoke(cli, ["replay", "--inquiry", ack["id"]])

    assert result.exit_code == 1
    assert "analyzer exploded" in result.output
    with runtime_of(app).sessions() as session:
        raw = session.scalars(select(models.RawEvent).where(models.RawEvent.inquiry_id == ack["id"])).one()
    assert (raw.status, raw.attempts) == ("failed", 1)  # attempts start again at a replay
    assert raw.next_attempt_at is not None  # and the usual retries follow


def test_replay_since_takes_only_the_events_received_since(app, client, runner, cli_env) -> None:
    old = client.post("/webhooks/generic", json=samples.form()).get_json()
    with runtime_of(app).sessions() as session:
        earlier = datetime.now(UTC) - timedelta(days=3)
        session.execute(update(models.RawEvent).values(received_at=earlier))
        session.commit()
    new = client.post("/webhooks/generic", json=samples.chat()).get_json()

    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    result = runner.invoke(cli, ["replay", "--since", since])

    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == [new["id"]]
    assert _count(app, models.Qualification, inquiry_id=old["id"]) == 1
    assert _count(app, models.Qualification, inquiry_id=new["id"]) == 2


def test_a_conversation_is_replayed_once_as_a_whole(app, client, runner, cli_env) -> None:
    first = client.post(
        "/webhooks/intercom", json=intercom("conversation.user.created", "c-81", [OPENING], event="r1")
    ).get_json()
    client.post(
        "/webhooks/intercom",
        json=intercom("conversation.user.replied", "c-81", [OPENING, QUESTION], event="r2"),
    )
    before = _count(app, models.Qualification, inquiry_id=first["id"])

    result = runner.invoke(cli, ["replay", "--since", "2000-01-01"])

    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert line.startswith(f"{first['id']}: processed (route ")
    assert _count(app, models.Qualification, inquiry_id=first["id"]) == before + 1
    assert _count(app, models.Inquiry) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["--inquiry", "inq_NOSUCH"], "no inquiry inq_NOSUCH", id="unknown-id"),
        pytest.param([], "exactly one of", id="nothing-chosen"),
        pytest.param(["--failed", "--since", "2026-01-01"], "exactly one of", id="two-chosen"),
        pytest.param(["--since", "last tuesday"], "not an ISO 8601 time", id="bad-time"),
    ],
)
def test_replay_says_what_is_wrong(runner, cli_env, args, says) -> None:
    result = runner.invoke(cli, ["replay", *args])

    assert result.exit_code != 0
    assert says in result.output


def test_a_rejected_body_is_not_replayed(app, client, runner, cli_env) -> None:
    client.post("/webhooks/generic", json={"fields": "not an object"})
    with runtime_of(app).sessions() as session:
        rejected = session.scalars(select(models.RawEvent.inquiry_id)).one()

    result = runner.invoke(cli, ["replay", "--inquiry", rejected])

    assert result.exit_code == 1
    assert "rejected" in result.output
    assert _count(app, models.Inquiry) == 0
