"""The SDR dashboard through HTTP: sign-in, cookies, CSRF, throttling, roles, the queue, the lead page, actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from assistant import auth, create_app, dashboard, models, runtime_of

from . import samples
from .dashboard_helpers import (
    PASSWORD,
    add_lead,
    csrf,
    make_user,
    post_action,
    roster_policy,
    sign_in,
)


@pytest.fixture
def policy():  # noqa: ANN201 - overrides conftest's: two SDRs working around the clock
    return roster_policy()


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # scrypt's production cost takes ~0.4 s a hash here; the method is read from each hash when checking.
    monkeypatch.setattr(auth, "PASSWORD_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def maria(app, client):  # noqa: ANN001, ANN201 - a signed-in SDR (roster id maria, matched by email)
    make_user(app, "maria@example.com", "sdr", name="Maria Lopez")
    assert sign_in(client, "maria@example.com").status_code == 302
    return client


@pytest.fixture
def admin(app):  # noqa: ANN001, ANN201 - a second client, signed in as an admin not on the roster
    make_user(app, "boss@example.com", "admin", name="Avery Admin")
    other = app.test_client()
    assert sign_in(other, "boss@example.com").status_code == 302
    return other


def _state(app, inquiry_id: str) -> models.LeadState | None:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return session.get(models.LeadState, inquiry_id)


def _events(app, inquiry_id: str) -> list[tuple[str, str | None]]:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        rows = session.scalars(
            select(models.LeadEvent).where(models.LeadEvent.inquiry_id == inquiry_id).order_by(models.LeadEvent.id)
        )
        return [(e.kind, e.reason or e.route or e.sdr_id or e.text) for e in rows]


def _queue_ids(client, query: str = "") -> list[str]:  # noqa: ANN001
    page = client.get(f"/dashboard/queue{query}")
    assert page.status_code == 200
    return re.findall(r'data-lead="([^"]+)"', page.get_data(as_text=True))


NOW = datetime.now(UTC)


# Sign-in, sessions, cookies ----------------------------------------------------------------------------


def test_pages_need_a_signed_in_user(client) -> None:
    answer = client.get("/dashboard/queue?scope=all")

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/dashboard/sign-in?next=")
    assert "queue" in answer.headers["Location"]


def test_sign_in_lands_on_the_queue_and_sign_out_ends_the_session(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")

    answer = sign_in(client, "Maria@Example.com")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dashboard/queue"
    assert client.get("/dashboard/queue").status_code == 200
    token = csrf(client, "/dashboard/queue")
    assert client.post("/dashboard/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard/queue").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("maria@example.com", "wrong password here", id="wrong-password"),
        pytest.param("nobody@example.com", PASSWORD, id="unknown-email"),
        pytest.param("maria@example.com", "", id="empty-password"),
    ],
)
def test_a_failed_sign_in_says_the_same_thing_whatever_was_wrong(app, client, email, password) -> None:
    make_user(app, "maria@example.com", "sdr")

    answer = sign_in(client, email, password)

    assert answer.status_code == 401
    assert "Wrong email or password." in answer.get_data(as_text=True)
    assert client.get("/dashboard/queue").status_code == 302


def test_a_deactivated_user_cannot_sign_in_and_their_session_ends(app, client) -> None:
    user_id = make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")
    with runtime_of(app).sessions() as session:
        session.execute(update(models.User).where(models.User.id == user_id).values(active=False))
        session.commit()

    assert client.get("/dashboard/queue").status_code == 302
    assert sign_in(client, "maria@example.com").status_code == 401


def test_changing_a_password_ends_other_sessions(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")
    with runtime_of(app).sessions() as session:
        auth.create_user(
            session, "maria@example.com", "a brand new password", role="sdr", update=True,
            now=NOW, roster=runtime_of(app).policy.roster,
        )

    assert client.get("/dashboard/queue").status_code == 302


@pytest.mark.parametrize(
    ("testing", "secure"),
    [pytest.param(True, False, id="testing-not-secure"), pytest.param(False, True, id="production-secure")],
)
def test_the_session_cookie_is_httponly_lax_and_secure_outside_testing(app_config, testing, secure) -> None:
    app = create_app({**app_config, "TESTING": testing, "SECRET_KEY": "k" * 32})
    make_user(app, "maria@example.com", "sdr")
    client = app.test_client()

    answer = sign_in(client, "maria@example.com")

    cookie = next(v for k, v in answer.headers.items() if k == "Set-Cookie" and v.startswith("qualifier_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert ("secure" in attributes) is secure
    runtime_of(app).engine.dispose()


def test_next_only_leads_inside_the_dashboard(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")
    token = csrf(client)

    answer = client.post(
        "/dashboard/sign-in",
        data={"email": "maria@example.com", "password": PASSWORD, "csrf_token": token, "next": "https://evil.example/x"},
    )

    assert answer.headers["Location"] == "/dashboard/queue"


def test_passwords_are_stored_as_scrypt_hashes(monkeypatch) -> None:
    monkeypatch.setattr(auth, "PASSWORD_METHOD", "scrypt")

    hashed = auth.hash_password(PASSWORD)

    assert hashed.startswith("scrypt:32768:8:1$")
    assert PASSWORD not in hashed
    assert auth.check_password(hashed, PASSWORD)
    assert not auth.check_password(hashed, PASSWORD + "!")


# CSRF ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        pytest.param(None, {}, id="no-token"),
        pytest.param("forged-token-0123456789abcdefghijklmnop", {}, id="wrong-token"),
        pytest.param("GOOD", {"Origin": "https://evil.example"}, id="good-token-other-origin"),
    ],
)
def test_an_action_without_this_sessions_token_is_refused(app, maria, token, headers) -> None:
    inquiry_id = add_lead(app, route="sql", score=80, received_at=NOW, sdr="maria")
    good = csrf(maria, f"/dashboard/leads/{inquiry_id}")
    data = {} if token is None else {"csrf_token": good if token == "GOOD" else token}

    answer = maria.post(f"/dashboard/leads/{inquiry_id}/accept", data=data, headers=headers)

    assert answer.status_code == 400
    assert "could not be accepted" in answer.get_data(as_text=True)
    assert _state(app, inquiry_id) is None


def test_sign_in_itself_needs_the_token(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")
    client.get("/dashboard/sign-in")

    answer = client.post("/dashboard/sign-in", data={"email": "maria@example.com", "password": PASSWORD})

    assert answer.status_code == 400


def test_the_same_origin_with_the_token_is_accepted(app, maria) -> None:
    inquiry_id = add_lead(app, route="sql", score=80, received_at=NOW, sdr="maria")
    token = csrf(maria, f"/dashboard/leads/{inquiry_id}")

    answer = maria.post(
        f"/dashboard/leads/{inquiry_id}/accept", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )

    assert answer.status_code == 302
    assert _state(app, inquiry_id).decision == "accepted"


# Throttling ---------------------------------------------------------------------------------------------


def test_sign_in_is_throttled_after_five_failures_for_an_email(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")
    for _ in range(auth.MAX_FAILURES_PER_EMAIL):
        assert sign_in(client, "maria@example.com", "not the password").status_code == 401

    answer = sign_in(client, "maria@example.com")  # the right password, too late

    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= auth.THROTTLE_WINDOW.total_seconds() + 1
    assert "Too many failed sign-ins" in answer.get_data(as_text=True)
    make_user(app, "tom@example.com", "sdr")
    assert sign_in(client, "tom@example.com").status_code == 302  # another account is not locked


def test_throttling_ends_when_the_failures_leave_the_window(app, client) -> None:
    make_user(app, "maria@example.com", "sdr")
    for _ in range(auth.MAX_FAILURES_PER_EMAIL):
        sign_in(client, "maria@example.com", "not the password")
    with runtime_of(app).sessions() as session:
        session.execute(
            update(models.SignInAttempt).values(at=datetime.now(UTC) - auth.THROTTLE_WINDOW - timedelta(seconds=5))
        )
        session.commit()

    assert sign_in(client, "maria@example.com").status_code == 302


def test_one_address_is_throttled_across_emails(app_config) -> None:
    # The database throttle alone: Flask-Limiter's per-address rate (limits.py) would answer first.
    app = create_app({**app_config, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    for i in range(auth.MAX_FAILURES_PER_ADDRESS):
        assert sign_in(client, f"guess{i}@example.com", "nope nope nope").status_code == 401
    make_user(app, "maria@example.com", "sdr")

    answer = sign_in(client, "maria@example.com")

    assert answer.status_code == 429
    assert "from your network" in answer.get_data(as_text=True)
    runtime_of(app).engine.dispose()


# The queue -------------------------------------------------------------------------------------------------


def test_the_queue_puts_sql_first_then_score_then_the_longest_wait(app, admin) -> None:
    mql_high = add_lead(app, route="mql", score=95, received_at=NOW - timedelta(hours=5))
    sql_low_old = add_lead(app, route="sql", score=40, received_at=NOW - timedelta(hours=3))
    sql_high = add_lead(app, route="sql", score=90, received_at=NOW - timedelta(minutes=1))
    sql_low_new = add_lead(app, route="sql", score=40, received_at=NOW - timedelta(minutes=30))
    add_lead(app, route="nurture", score=99, received_at=NOW)  # not worked by SDRs
    add_lead(app, route="discard", score=0, received_at=NOW)

    assert _queue_ids(admin, "?scope=all") == [sql_high, sql_low_old, sql_low_new, mql_high]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["maria-sql", "maria-mql"], id="default-is-mine-for-an-sdr"),
        pytest.param("?scope=all", ["maria-sql", "tom-sql", "nobody-sql", "maria-mql"], id="all"),
        pytest.param("?scope=unassigned", ["nobody-sql"], id="unassigned"),
        pytest.param("?scope=all&route=mql", ["maria-mql"], id="route-mql"),
        pytest.param("?scope=mine&route=sql", ["maria-sql"], id="mine-sql"),
        pytest.param("?scope=all&route=bogus&status=bogus", ["maria-sql", "tom-sql", "nobody-sql", "maria-mql"], id="bad-values-ignored"),
    ],
)
def test_queue_filters(app, maria, query, expected) -> None:
    ids = {
        "maria-sql": add_lead(app, route="sql", score=90, received_at=NOW - timedelta(minutes=3), sdr="maria"),
        "tom-sql": add_lead(app, route="sql", score=80, received_at=NOW - timedelta(minutes=2), sdr="tom"),
        "nobody-sql": add_lead(app, route="sql", score=70, received_at=NOW - timedelta(minutes=1)),
        "maria-mql": add_lead(app, route="mql", score=60, received_at=NOW, sdr="maria"),
    }
    names = {v: k for k, v in ids.items()}

    assert [names[i] for i in _queue_ids(maria, query)] == expected


def test_worked_leads_move_between_the_status_views(app, maria) -> None:
    contacted = add_lead(app, route="sql", score=90, received_at=NOW, sdr="maria")
    rejected = add_lead(app, route="sql", score=80, received_at=NOW, sdr="maria")
    waiting = add_lead(app, route="mql", score=70, received_at=NOW, sdr="maria")
    post_action(maria, contacted, "contacted", via="phone")
    post_action(maria, rejected, "reject", reason="no_need")

    assert _queue_ids(maria) == [waiting]
    assert _queue_ids(maria, "?status=contacted") == [contacted]
    assert _queue_ids(maria, "?status=rejected") == [rejected]
    assert set(_queue_ids(maria, "?status=all")) == {contacted, rejected, waiting}


@pytest.mark.parametrize(
    ("received", "contacted", "colour"),
    [
        pytest.param(timedelta(minutes=0), None, "green", id="fresh-green"),
        pytest.param(timedelta(minutes=4), None, "amber", id="little-time-left-amber"),
        pytest.param(timedelta(minutes=30), None, "red", id="past-deadline-red"),
        pytest.param(timedelta(minutes=30), timedelta(minutes=2), "met", id="contacted-in-time"),
        pytest.param(timedelta(minutes=30), timedelta(minutes=20), "missed", id="contacted-late"),
    ],
)
def test_sla_colours_follow_the_sql_deadline(received, contacted, colour) -> None:
    now = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    received_at = now - received
    deadline = received_at + timedelta(minutes=5)  # a SQL in business hours (the default SLA)
    contacted_at = received_at + contacted if contacted is not None else None

    state = dashboard.sla_state(received_at, deadline, contacted_at, now)

    assert state.colour == colour


def test_the_queue_shows_sla_colours_from_the_policy(app, admin) -> None:
    add_lead(app, route="sql", score=90, received_at=datetime.now(UTC) - timedelta(days=3))
    page = admin.get("/dashboard/queue?scope=all").get_data(as_text=True)

    assert 'class="sla sla-red">overdue by' in page


# The lead page -------------------------------------------------------------------------------------------


def test_the_lead_page_shows_the_brief_and_highlights_the_evidence(app, maria) -> None:
    answer = maria.application.test_client().post("/webhooks/generic", json=samples.form())
    inquiry_id = answer.get_json()["id"]

    page = maria.get(f"/dashboard/leads/{inquiry_id}").get_data(as_text=True)

    assert "Okonkwo Adeyemi" in page
    assert 'class="brief brief-' in page  # the stored brief
    with runtime_of(app).sessions() as session:
        predicted = session.scalars(select(models.Qualification.predicted)).one()
    marked = re.findall(r'<mark class="ev ev-([a-z_ ]+)"[^>]*>([^<]+)</mark>', page)
    need = predicted["need"]["spans"][0]
    assert need["source"] == "field:message" and "whiteboards" in need["text"]
    assert ("need", need["text"]) in marked  # exactly the stored span, in the message
    assert ("contact_request", predicted["contact_request"]["spans"][0]["text"]) in marked


def test_visitor_text_is_escaped_on_every_page(app, maria) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> We need a demo next week.'
    payload = samples.form(fields={"message": hostile, "company": "<b>Evil & Co</b>", "email": "x@evil.example"})
    inquiry_id = maria.application.test_client().post("/webhooks/generic", json=payload).get_json()["id"]
    add_lead(app, route="sql", score=90, received_at=NOW, name='<script>alert("q")</script>', company="<b>Evil</b>",
             message=hostile)

    for path in (f"/dashboard/leads/{inquiry_id}", "/dashboard/queue?scope=all"):
        page = maria.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b>Evil" not in page
        assert "&lt;script&gt;" in page


def test_pages_carry_a_script_free_content_security_policy(app, maria) -> None:
    answer = maria.get("/dashboard/queue")

    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/dashboard/leads/inq_01NOPE", id="unknown-lead"),
        pytest.param("/dashboard/nowhere", id="unknown-page"),
    ],
)
def test_unknown_pages_answer_404(maria, path) -> None:
    assert maria.get(path, headers={"Accept": "text/html"}).status_code == 404


def test_an_unknown_action_is_404(app, maria) -> None:
    inquiry_id = add_lead(app, route="sql", score=80, received_at=NOW, sdr="maria")

    assert post_action(maria, inquiry_id, "delete-everything").status_code == 404


# Actions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "fields", "decision", "route", "event"),
    [
        pytest.param("accept", {}, "accepted", "sql", ("accept", "sql"), id="accept"),
        pytest.param(
            "reject", {"reason": "no_budget", "details": "said they have nothing this year"}, "rejected", "nurture",
            ("reject", "no_budget"), id="reject-to-nurture-by-default",
        ),
        pytest.param(
            "reject", {"reason": "support", "route": "redirect:support"}, "rejected", "redirect",
            ("reject", "support"), id="reject-to-support",
        ),
        pytest.param(
            "reroute", {"route": "redirect:partnerships"}, "rerouted", "redirect", ("reroute", "redirect"),
            id="reroute-to-a-team",
        ),
        pytest.param("reroute", {"route": "sql"}, "rerouted", "sql", ("reroute", "sql"), id="reroute-mql-to-sql"),
    ],
)
def test_decisions_are_stored_with_their_history(app, maria, action, fields, decision, route, event) -> None:
    inquiry_id = add_lead(app, route="mql", score=70, received_at=NOW, sdr="maria")

    answer = post_action(maria, inquiry_id, action, **fields)

    assert answer.status_code == 302
    state = _state(app, inquiry_id)
    assert (state.decision, state.route) == (decision, route)
    assert _events(app, inquiry_id) == [event]


@pytest.mark.parametrize(
    ("action", "fields", "says"),
    [
        pytest.param("reject", {}, "choose why", id="reject-without-reason"),
        pytest.param("reject", {"reason": "other"}, "say why", id="other-without-details"),
        pytest.param("reject", {"reason": "spam", "route": "sql"}, "choose one of the listed routes", id="reject-to-sql"),
        pytest.param("reroute", {}, "choose the route", id="reroute-nowhere"),
        pytest.param("reroute", {"route": "mql"}, "routed to mql already", id="reroute-to-same"),
        pytest.param("note", {"text": "   "}, "the note is empty", id="empty-note"),
        pytest.param("opportunity", {}, "accept the lead before", id="opportunity-before-accept"),
        pytest.param("assign", {"sdr_id": "ghost"}, "choose an SDR", id="assign-to-nobody"),
        pytest.param("contacted", {"via": "carrier pigeon"}, "contacted by", id="unknown-channel"),
    ],
)
def test_invalid_actions_change_nothing_and_say_why(app, maria, action, fields, says) -> None:
    inquiry_id = add_lead(app, route="mql", score=70, received_at=NOW, sdr="maria")

    answer = post_action(maria, inquiry_id, action, **fields)

    assert answer.status_code == 302
    assert _events(app, inquiry_id) == []
    page = maria.get(answer.headers["Location"]).get_data(as_text=True)
    assert says in page


def test_marking_contacted_records_the_first_contact_time(app, maria) -> None:
    # Received three minutes (and a few seconds) before now, whenever this test runs.
    received = datetime.now(UTC) - timedelta(minutes=3, seconds=10)
    inquiry_id = add_lead(app, route="sql", score=90, received_at=received, sdr="maria")

    post_action(maria, inquiry_id, "contacted", via="phone")
    first = _state(app, inquiry_id).contacted_at
    post_action(maria, inquiry_id, "contacted", via="email")

    assert _state(app, inquiry_id).contacted_at == first
    assert datetime.now(UTC) - first < timedelta(minutes=1)
    assert [kind for kind, _ in _events(app, inquiry_id)] == ["contacted", "contacted"]
    assert "contacted in 3 min" in maria.get(f"/dashboard/leads/{inquiry_id}").get_data(as_text=True)


def test_notes_are_kept_escaped_in_the_history(app, maria) -> None:
    inquiry_id = add_lead(app, route="sql", score=90, received_at=NOW, sdr="maria")

    post_action(maria, inquiry_id, "note", text="Called twice <b>no answer</b>")

    page = maria.get(f"/dashboard/leads/{inquiry_id}").get_data(as_text=True)
    assert "Called twice &lt;b&gt;no answer&lt;/b&gt;" in page


def test_an_opportunity_moves_the_contact_up_the_lifecycle(app, maria) -> None:
    answer = app.test_client().post("/webhooks/generic", json=samples.form())
    inquiry_id = answer.get_json()["id"]
    post_action(maria, inquiry_id, "assign", sdr_id="maria")  # whoever got it, take it (admin-free path below)

    post_action(maria, inquiry_id, "accept")
    post_action(maria, inquiry_id, "opportunity")

    assert _state(app, inquiry_id).opportunity_at is not None
    with runtime_of(app).sessions() as session:
        contact = session.scalars(select(models.Contact)).one()
        assert contact.stage == "opportunity"


def test_corrections_are_stored_as_the_changed_slots(app, maria) -> None:
    inquiry_id = add_lead(
        app, route="mql", score=60, received_at=NOW, sdr="maria", message="We need scheduling for 12 clinics by June."
    )

    answer = post_action(
        maria, inquiry_id, "correct", intent="buying", need_present="yes", need_evidence="scheduling for 12 clinics",
        budget_status="", timeframe_urgency="quarter", timeframe_by="2026-06-30", authority_role="",
    )

    assert answer.status_code == 302
    with runtime_of(app).sessions() as session:
        event = session.scalars(select(models.LeadEvent)).one()
    assert event.kind == "correct"
    assert event.data == {
        "need": {"present": True, "evidence": "scheduling for 12 clinics"},
        "timeframe": {"present": True, "urgency": "quarter", "by": "2026-06-30"},
    }


# Roles --------------------------------------------------------------------------------------------------------


def test_an_sdr_reads_but_cannot_work_another_sdrs_lead(app, maria) -> None:
    inquiry_id = add_lead(app, route="sql", score=90, received_at=NOW, sdr="tom")

    page = maria.get(f"/dashboard/leads/{inquiry_id}")
    answer = post_action(maria, inquiry_id, "accept")

    assert page.status_code == 200
    assert "only they or an admin can act" in page.get_data(as_text=True)
    assert answer.status_code == 403
    assert _state(app, inquiry_id) is None


def test_an_admin_works_and_reassigns_any_lead(app, admin) -> None:
    inquiry_id = add_lead(app, route="sql", score=90, received_at=NOW, sdr="tom")

    assert post_action(admin, inquiry_id, "assign", sdr_id="maria").status_code == 302
    assert post_action(admin, inquiry_id, "accept").status_code == 302

    assert _state(app, inquiry_id).sdr_id == "maria"
    assert _events(app, inquiry_id) == [("assign", "maria"), ("accept", "sql")]
    page = admin.get(f"/dashboard/leads/{inquiry_id}").get_data(as_text=True)
    assert "assigned it to Maria Lopez (was Tom Okafor)" in " ".join(page.split())


@pytest.mark.parametrize(
    ("owner", "to", "status"),
    [
        pytest.param(None, "maria", 302, id="take-an-unassigned-lead"),
        pytest.param("maria", "tom", 302, id="hand-over-my-lead"),
        pytest.param("tom", "maria", 403, id="cannot-take-toms-lead"),
        pytest.param(None, "tom", 403, id="cannot-give-unassigned-to-someone-else"),
    ],
)
def test_what_an_sdr_may_assign(app, maria, owner, to, status) -> None:
    inquiry_id = add_lead(app, route="sql", score=90, received_at=NOW, sdr=owner)

    assert post_action(maria, inquiry_id, "assign", sdr_id=to).status_code == status


@pytest.mark.parametrize(
    ("who", "table", "status"),
    [
        pytest.param("sdr", "funnel", 200, id="sdr-funnel"),
        pytest.param("sdr", "leads", 403, id="sdr-leads-forbidden"),
        pytest.param("admin", "leads", 200, id="admin-leads"),
        pytest.param("admin", "bogus", 400, id="unknown-table"),
    ],
)
def test_csv_exports_by_role(app, maria, admin, who, table, status) -> None:
    client = maria if who == "sdr" else admin

    answer = client.get(f"/dashboard/analytics.csv?table={table}")

    assert answer.status_code == status
    if status == 200:
        assert answer.mimetype == "text/csv"
        assert answer.headers["Content-Disposition"].startswith("attachment;")
