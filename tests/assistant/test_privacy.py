"""A person's data through HTTP: export, erase, 404 afterwards; retention with `qualifier purge`."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from assistant import create_app, db, models, runtime_of
from assistant.cli import cli
from assistant.policy import PolicyFileError
from assistant.privacy import anonymise_predicted
from handoff.policy import Policy
from tests.assistant import samples


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, _migrated_sqlite) -> str:
    """Every test here runs on SQLite and on PostgreSQL (a schema of its own, see test_postgres.py)."""
    if request.param == "sqlite":
        path = tmp_path / "qualifier.db"
        shutil.copyfile(_migrated_sqlite, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return url


PERSON = "Pat.Quinlan@Harbourlight.example"
OTHER = "r.osei@lanternfield.example"
NEED = "We need route planning for 14 delivery vans before our busy season; can someone call me next week?"


def post_form(client, email: str, message: str = NEED, **fields: str) -> str:
    body = samples.form(fields={"email": email, "message": message, **fields})
    answer = client.post("/webhooks/generic", json=body)
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["id"]


@pytest.fixture
def person(app, client, auth) -> dict:
    """Everything the service can hold about PERSON, put there the ways it arrives, and one other person."""
    held = {"inquiries": []}
    held["inquiries"].append(post_form(client, PERSON))
    # A second form, URL-encoded (the @ arrives as %40), with the address in lower case.
    encoded = f"your-email={quote(PERSON.lower())}&your-message=Please+send+the+price+list".encode()
    answer = client.post(
        "/webhooks/contactform7", data=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 202, answer.get_json()
    held["inquiries"].append(answer.get_json()["id"])
    # A body the service could not read: stored as rejected, and it names the person.
    rejected = client.post("/webhooks/generic", json={"odd": f"contact {PERSON.upper()} about vans"})
    assert rejected.status_code == 422
    # A chat in which they typed their address, with a meeting booked for it.
    started = client.post("/api/chat/sessions", json={"site": "demo"}).get_json()
    client.post(
        f"/api/chat/sessions/{started['session_id']}/messages", json={"text": f"Reach me at {PERSON}, thanks"}
    )
    held["chat"] = started["session_id"]
    # Behaviour events, and an SDR's note on the first inquiry.
    events = client.post(
        "/api/events",
        headers=auth,
        json={"email": PERSON.lower(), "type": "pricing_page_visit", "at": "2026-03-09T10:00:00Z"},
    )
    assert events.status_code in (200, 201, 202), events.get_json()
    now = datetime.now(UTC)
    with runtime_of(app).sessions() as session:
        session.add(
            models.Booking(
                sdr_id="team",
                start=now + timedelta(days=2),
                end=now + timedelta(days=2, minutes=30),
                session_id=held["chat"],
                email=PERSON,
                created_at=now,
            )
        )
        session.add(
            models.LeadEvent(
                inquiry_id=held["inquiries"][0], kind="note", text=f"Left a voicemail for {PERSON}", at=now
            )
        )
        session.commit()
    held["other"] = post_form(client, OTHER, "Do you integrate with our telematics boxes? We run 30 trucks.")
    return held


def test_the_export_holds_everything_about_the_person_whatever_the_case_of_the_address(
    client, auth, person
) -> None:
    answer = client.get(f"/api/contacts/{PERSON.upper()}/export", headers=auth)

    assert answer.status_code == 200
    doc = answer.get_json()
    assert doc["contact"]["email"].casefold() == PERSON.casefold()
    assert [s["stage"] for s in doc["contact"]["stages"]]
    assert sorted(i["id"] for i in doc["inquiries"]) == sorted(person["inquiries"])
    first = next(i for i in doc["inquiries"] if i["id"] == person["inquiries"][0])
    assert first["inquiry"]["contact"]["email"] == PERSON
    assert first["qualifications"] and first["qualifications"][0]["predicted"]["route"]
    assert first["brief"]["markdown"]
    assert [e["text"] for e in first["lead"]["events"]] == [f"Left a voicemail for {PERSON}"]
    bodies = [r["body"] for r in doc["raw_events"]]
    assert len(bodies) == 3 and any(PERSON.upper() in b for b in bodies)  # the rejected one too
    assert {r["status"] for r in doc["raw_events"]} >= {"rejected"}
    assert [c["id"] for c in doc["chat_sessions"]] == [person["chat"]]
    assert any(PERSON in t["text"] for t in doc["chat_sessions"][0]["turns"])
    assert [b["email"] for b in doc["bookings"]] == [PERSON]
    assert [e["type"] for e in doc["behaviour_events"]] == ["pricing_page_visit"]
    assert person["other"] not in json.dumps(doc) and OTHER not in json.dumps(doc)


def test_erasure_removes_every_trace_and_only_the_person_s(app, client, auth, person) -> None:
    answer = client.delete(f"/api/contacts/{PERSON.lower()}", headers=auth)

    assert answer.status_code == 200
    erased = answer.get_json()
    assert sorted(erased["inquiry_ids"]) == sorted(person["inquiries"])
    counts = erased["erased"]
    assert counts["contacts"] == 1 and counts["inquiries"] == 2 and counts["raw_events"] == 3
    assert counts["chat_sessions"] == 1 and counts["chat_turns"] >= 2 and counts["bookings"] == 1
    assert counts["behaviour_events"] == 1 and counts["briefs"] >= 1 and counts["lead_events"] == 1
    # Afterwards: the export and each of their inquiries answer 404; the other person's are untouched.
    assert client.get(f"/api/contacts/{PERSON}/export", headers=auth).status_code == 404
    for inquiry_id in person["inquiries"]:
        assert client.get(f"/api/inquiries/{inquiry_id}", headers=auth).status_code == 404
    assert client.get(f"/api/inquiries/{person['other']}", headers=auth).status_code == 200
    assert client.get(f"/api/contacts/{OTHER}/export", headers=auth).status_code == 200
    assert client.delete(f"/api/contacts/{PERSON}", headers=auth).status_code == 404
    # Not one stored row, in any table, still names them.
    assert _rows_naming(app, PERSON) == []
    assert _rows_naming(app, OTHER) != []


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        pytest.param("GET", f"/api/contacts/{PERSON}/export", {}, 401, id="export-without-token"),
        pytest.param(
            "DELETE",
            f"/api/contacts/{PERSON}",
            {"Authorization": "Bearer wrong"},
            401,
            id="erase-wrong-token",
        ),
        pytest.param("GET", "/api/contacts/nobody@nowhere.example/export", None, 404, id="export-unknown"),
        pytest.param("DELETE", "/api/contacts/nobody@nowhere.example", None, 404, id="erase-unknown"),
        pytest.param("GET", "/api/contacts/not-an-address/export", None, 400, id="not-an-address"),
    ],
)
def test_privacy_endpoints_answer_json_errors(client, auth, method, path, headers, status) -> None:
    answer = client.open(path, method=method, headers=auth if headers is None else headers)
    assert answer.status_code == status
    assert set(answer.get_json()) == {"error"}


def _rows_naming(app, email: str) -> list[str]:
    """Every row of every table whose text contains the address (any case)."""
    needle = email.casefold()
    found = []
    with runtime_of(app).engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                text = " ".join(
                    bytes(v).decode("utf-8", "replace") if isinstance(v, (bytes, memoryview)) else str(v)
                    for v in row
                ).casefold()
                if needle in text or quote(needle).casefold() in text:
                    found.append(f"{table.name}: {text[:120]}")
    return found


# Retention ------------------------------------------------------------------------------------------------------


OLD = timedelta(days=400)


def _backdate(app, inquiry_id: str, chat_id: str | None = None) -> None:
    then = datetime.now(UTC) - OLD
    with runtime_of(app).sessions() as session:
        session.execute(
            update(models.Inquiry).where(models.Inquiry.id == inquiry_id).values(received_at=then)
        )
        session.execute(
            update(models.RawEvent).where(models.RawEvent.inquiry_id == inquiry_id).values(received_at=then)
        )
        contact_id = session.scalar(select(models.Inquiry.contact_id).where(models.Inquiry.id == inquiry_id))
        session.execute(update(models.Contact).where(models.Contact.id == contact_id).values(updated_at=then))
        if chat_id:
            session.execute(
                update(models.ChatSession).where(models.ChatSession.id == chat_id).values(updated_at=then)
            )
        session.execute(update(models.BehaviourEvent).values(at=then))
        session.commit()


def _walk_keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _walk_keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _walk_keys(v)}
    return set()


def test_purge_deletes_old_bodies_and_transcripts_and_keeps_anonymised_qualifications(
    app, client, auth, runner, database_url
) -> None:
    old = post_form(client, PERSON)
    before = client.get(f"/api/inquiries/{old}", headers=auth).get_json()
    chat = client.post("/api/chat/sessions", json={"site": "demo"}).get_json()["session_id"]
    client.post(f"/api/chat/sessions/{chat}/messages", json={"text": f"I'm at {PERSON} or +1 415 555 0142"})
    client.post(
        "/api/events",
        headers=auth,
        json={"email": PERSON, "type": "email_open", "at": "2026-03-01T09:00:00Z"},
    )
    _backdate(app, old, chat)
    recent = post_form(
        client, OTHER, "We need a fleet tracking quote for 30 trucks; please call me this week."
    )

    result = runner.invoke(cli, ["purge"], env={"QUALIFIER_DATABASE_URL": database_url})

    assert result.exit_code == 0, result.output
    assert (
        "raw events deleted: 1" in result.output
        and "inquiries anonymised (route, score and slot values kept): 1" in result.output
    )
    after = client.get(f"/api/inquiries/{old}", headers=auth).get_json()
    assert (after["route"], after["status"], after["qualification"]["score"]) == (
        before["route"],
        before["status"],
        before["qualification"]["score"],
    )
    assert after["qualification"]["intent"] == before["qualification"]["intent"]
    assert set(after["inquiry"]["contact"].values()) == {None}
    assert after["inquiry"]["message"] is None and after["brief"] is None
    assert not _walk_keys(after["qualification"]) & {"evidence", "spans", "text"}
    assert (
        client.get(f"/api/contacts/{PERSON}/export", headers=auth).status_code == 404
    )  # nothing left of them
    assert _rows_naming(app, PERSON) == []
    # What is inside the retention period is untouched.
    kept = client.get(f"/api/inquiries/{recent}", headers=auth).get_json()
    assert kept["inquiry"]["contact"]["email"] == OTHER and kept["brief"]["markdown"]
    # Running it again changes nothing.
    again = runner.invoke(cli, ["purge"], env={"QUALIFIER_DATABASE_URL": database_url})
    assert "inquiries anonymised (route, score and slot values kept): 0" in again.output


@pytest.mark.parametrize(
    ("args", "env", "purged"),
    [
        pytest.param(["purge", "--days", "500"], {}, 0, id="days-option-keeps-it"),
        pytest.param(["purge"], {"QUALIFIER_RETENTION_DAYS": "1000"}, 0, id="environment-keeps-it"),
        pytest.param(["purge", "--days", "30"], {"QUALIFIER_RETENTION_DAYS": "1000"}, 1, id="option-wins"),
    ],
)
def test_the_retention_period_comes_from_the_option_then_the_environment(
    app, client, runner, database_url, args, env, purged
) -> None:
    _backdate(app, post_form(client, PERSON))
    result = runner.invoke(cli, args, env={"QUALIFIER_DATABASE_URL": database_url, **env})
    assert result.exit_code == 0, result.output
    assert f"raw events deleted: {purged}" in result.output


def test_the_policy_sets_the_retention_period_and_a_bad_one_stops_start_up(app_config) -> None:
    from assistant.privacy import retention_days

    app = create_app({**app_config, "POLICY": Policy.from_mapping({"retention": {"days": 30}})})
    runtime = runtime_of(app)
    assert retention_days(runtime.settings, runtime.policy.raw) == 30
    with pytest.raises(PolicyFileError, match="retention.days"):
        create_app({**app_config, "POLICY": Policy.from_mapping({"retention": {"days": "a year"}})})


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        pytest.param(
            {
                "need": {
                    "present": True,
                    "evidence": "need vans",
                    "spans": [{"text": "need vans"}],
                    "confidence": 0.9,
                }
            },
            {"need": {"present": True, "confidence": 0.9}},
            id="evidence-dropped",
        ),
        pytest.param(
            {"reasons": [{"code": "need.stated", "text": "need stated: 'vans'"}]},
            {"reasons": [{"code": "need.stated"}]},
            id="reason-codes-kept",
        ),
        pytest.param(
            {"authority": {"role": "decision_maker", "title": "Owner"}, "route": "sql", "score": 80},
            {"authority": {"role": "decision_maker"}, "route": "sql", "score": 80},
            id="title-dropped",
        ),
        pytest.param(
            {"note": "write to pat@example.com"}, {"note": "write to [email]"}, id="stray-email-redacted"
        ),
    ],
)
def test_anonymising_a_prediction(predicted, expected) -> None:
    assert anonymise_predicted(predicted) == expected
