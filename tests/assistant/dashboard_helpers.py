"""Helpers for the dashboard, feedback and analytics tests: a roster policy, users, signed-in clients, leads.

`add_lead` stores a processed inquiry directly (route, score, time and assignee chosen by the test) for
tests about ordering and counting; tests about real qualifications post to the webhook instead.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from assistant import auth, intake, models, runtime_of
from handoff.policy import Policy

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PASSWORD = "correct horse battery"

ROSTER_POLICY = {
    "sdrs": [
        {"id": "maria", "name": "Maria Lopez", "email": "maria@example.com", "hours": "00:00-24:00", "days": ALL_DAYS},
        {"id": "tom", "name": "Tom Okafor", "email": "tom@example.com", "hours": "00:00-24:00", "days": ALL_DAYS},
    ],
}


def roster_policy() -> Policy:
    return Policy.from_mapping(ROSTER_POLICY)


def make_user(app: Flask, email: str, role: str = "sdr", *, name: str | None = None, sdr_id: str | None = None) -> int:
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        user = auth.create_user(
            session,
            email,
            PASSWORD,
            role=role,
            name=name,
            sdr_id=sdr_id,
            now=datetime.now().astimezone(),
            roster=runtime.policy.roster,
        )
        return user.id


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str = "/dashboard/sign-in") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf(client)
    return client.post("/dashboard/sign-in", data={"email": email, "password": password, "csrf_token": token})


def post_action(client: FlaskClient, inquiry_id: str, action: str, **fields: str) -> Any:
    token = csrf(client, f"/dashboard/leads/{inquiry_id}")
    return client.post(f"/dashboard/leads/{inquiry_id}/{action}", data={"csrf_token": token, **fields})


def add_lead(
    app: Flask,
    *,
    route: str,
    score: int,
    received_at: datetime,
    sdr: str | None = None,
    name: str = "Visitor",
    company: str | None = "Example Co",
    message: str = "We would like a demo for our support team.",
    intent: str = "buying",
    source: str = "generic",
    flags: tuple[str, ...] = (),
) -> str:
    """A processed inquiry with one qualification, as the pipeline would have stored it."""
    fields = {"name": name, "email": f"{name.split()[0].lower()}@example.org", "message": message}
    if company:
        fields["company"] = company
    normalized = {
        "source": source,
        "channel": "form",
        "contact": {
            "name": name,
            "first_name": name.split()[0],
            "last_name": None,
            "email": fields["email"],
            "company": company,
            "title": None,
            "phone": None,
        },
        "message": message,
        "message_field": "message",
        "transcript": [],
        "fields": fields,
        "page_url": None,
        "submitted_at": None,
        "website": None,
        "country": None,
        "company_size": None,
        "vendor": {"form_id": None, "submission_id": None, "conversation_id": None, "event_id": None},
    }
    predicted = {
        "intent": intent,
        "need": {"present": False},
        "budget": {"present": False},
        "timeframe": {"present": False},
        "authority": {"present": False},
        "contact_request": {"present": False},
        "route": route,
        "redirect_to": None,
        "score": score,
        "intent_flags": list(flags),
        "assignment": {"sdr": sdr, "name": None, "queue": None if sdr else "unassigned", "rule": "test", "reason": "test"},
    }
    inquiry_id = intake.new_inquiry_id(received_at)
    with runtime_of(app).sessions() as session:
        session.add(
            models.Inquiry(
                id=inquiry_id,
                source=source,
                channel="form",
                normalized=normalized,
                received_at=received_at,
                status="processed",
                route=route,
                score=score,
                processed_at=received_at,
            )
        )
        session.flush()
        session.add(
            models.Qualification(
                inquiry_id=inquiry_id,
                predicted=predicted,
                route=route,
                score=score,
                analyzer_version="test",
                created_at=received_at,
            )
        )
        session.commit()
    return inquiry_id
