"""The feedback loop: SDR decisions become a labelled corpus that `qualifier evaluate` scores; `create-user`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant import auth, corpus, feedback, models, runtime_of
from assistant.cli import cli
from forms.types import Inquiry as NormalizedInquiry

from . import samples
from .dashboard_helpers import PASSWORD, add_lead, make_user, post_action, roster_policy, sign_in

SAMPLES = Path(__file__).resolve().parents[1] / "forms" / "samples"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def policy():  # noqa: ANN201
    return roster_policy()


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "PASSWORD_METHOD", "scrypt:1024:8:1")


def _decide(app, inquiry_id: str, steps: list[tuple[str, dict]]) -> None:  # noqa: ANN001
    """Run feedback actions on a lead as an admin."""
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        user = session.scalars(select(models.User).where(models.User.role == "admin")).first()
        if user is None:
            user = auth.create_user(session, "boss@example.com", PASSWORD, role="admin", now=NOW, roster=runtime.policy.roster)
        for action, values in steps:
            lead = feedback.load_lead(session, inquiry_id)
            kwargs = {"roster": runtime.policy.roster} if action == "assign" else {}
            getattr(feedback, action)(session, lead, user, now=NOW, **values, **kwargs)


def _export(app) -> list[dict]:  # noqa: ANN001
    import io

    out = io.StringIO()
    with runtime_of(app).sessions() as session:
        count = feedback.export(session, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == count
    return lines


# Routes from decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualified", "steps", "route", "redirect_to"),
    [
        pytest.param("mql", [("accept", {})], "sql", None, id="accepted-is-sql"),
        pytest.param("sql", [("reject", {"reason": "no_need"})], "nurture", None, id="rejected-defaults-to-nurture"),
        pytest.param("sql", [("reject", {"reason": "spam", "route": "discard"})], "discard", None, id="rejected-to-discard"),
        pytest.param(
            "sql", [("reject", {"reason": "support", "route": "redirect:support"})], "redirect", "support",
            id="rejected-to-a-team",
        ),
        pytest.param("sql", [("reroute", {"route": "mql"})], "mql", None, id="rerouted-to-mql"),
        pytest.param(
            "sql", [("reject", {"reason": "no_budget"}), ("accept", {})], "sql", None, id="the-latest-decision-counts"
        ),
    ],
)
def test_the_sdrs_decision_is_the_route(app, qualified, steps, route, redirect_to) -> None:
    inquiry_id = add_lead(app, route=qualified, score=70, received_at=NOW - timedelta(hours=1))
    _decide(app, inquiry_id, steps)

    (line,) = _export(app)

    assert line["id"] == inquiry_id
    assert (line["expected"]["route"], line["expected"]["redirect_to"]) == (route, redirect_to)
    assert line["received_at"] == (NOW - timedelta(hours=1)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param([], id="undecided"),
        pytest.param([("mark_contacted", {"via": "phone"}), ("add_note", {"text": "left a voicemail"})], id="only-worked"),
        pytest.param([("reject", {"reason": "duplicate"})], id="rejected-as-duplicate"),
    ],
)
def test_leads_without_a_qualification_verdict_are_not_exported(app, steps) -> None:
    inquiry_id = add_lead(app, route="sql", score=70, received_at=NOW)
    _decide(app, inquiry_id, steps)

    assert _export(app) == []


def test_a_rejection_reason_that_names_a_class_sets_the_intent_and_its_slots(app) -> None:
    inquiry_id = add_lead(app, route="sql", score=70, received_at=NOW)
    _decide(app, inquiry_id, [("reject", {"reason": "spam", "route": "discard"})])

    (line,) = _export(app)

    assert line["expected"] == {
        "intent": "spam",
        "need": {"present": False},
        "budget": {"present": False},
        "timeframe": {"present": False},
        "authority": {"present": False},
        "route": "discard",
        "redirect_to": None,
    }


def test_corrections_replace_the_qualifiers_slots(app) -> None:
    message = "We need scheduling for 12 clinics, about $30k a year, live by June. I run operations."
    inquiry_id = add_lead(app, route="mql", score=60, received_at=NOW, message=message)
    form = {
        "intent": "buying",
        "need_present": "yes",
        "need_evidence": "scheduling for  12 clinics",  # whitespace is normalised
        "budget_status": "stated",
        "budget_min": "30,000",
        "budget_max": "30000",
        "budget_currency": "usd",
        "budget_period": "annual",
        "timeframe_urgency": "quarter",
        "timeframe_by": "2026-06-30",
        "authority_role": "decision_maker",
        "authority_title": "I run operations",
    }
    _decide(app, inquiry_id, [("correct", {"form": form}), ("accept", {})])

    (line,) = _export(app)

    assert line["expected"] == {
        "intent": "buying",
        "need": {"present": True, "evidence": "scheduling for 12 clinics"},
        "budget": {"present": True, "min": 30000, "max": 30000, "currency": "USD", "period": "annual", "status": "stated"},
        "timeframe": {"present": True, "urgency": "quarter", "by": "2026-06-30"},
        "authority": {"present": True, "role": "decision_maker", "title": "I run operations", "needs_approval": False},
        "route": "sql",
        "redirect_to": None,
    }


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        pytest.param({"intent": "shopping"}, "choose the intent", id="unknown-intent"),
        pytest.param({"need_present": "yes", "need_evidence": ""}, "quote the words", id="need-without-words"),
        pytest.param({"need_present": "yes", "need_evidence": "a rocket to Mars"}, "words the person wrote", id="need-invented"),
        pytest.param({"budget_status": "plenty"}, "choose a status", id="bad-budget-status"),
        pytest.param({"budget_status": "stated", "budget_min": "lots"}, "is a number", id="budget-not-a-number"),
        pytest.param({"budget_status": "stated", "budget_min": "-5"}, "is a number", id="budget-negative"),
        pytest.param({"budget_status": "stated", "budget_min": "9", "budget_max": "5"}, "above the maximum", id="min-over-max"),
        pytest.param({"budget_status": "stated", "budget_currency": "dollars"}, "three-letter code", id="bad-currency"),
        pytest.param({"timeframe_urgency": "soonish"}, "choose an urgency", id="bad-urgency"),
        pytest.param({"timeframe_urgency": "year", "timeframe_by": "31/12/2026"}, "YYYY-MM-DD", id="bad-date"),
        pytest.param({"authority_role": "king"}, "choose a role", id="bad-role"),
    ],
)
def test_the_correction_form_refuses_bad_values(changes, says) -> None:
    inquiry = NormalizedInquiry(
        source="generic", channel="form", message="We need scheduling for 12 clinics.", fields={"message": "We need scheduling for 12 clinics."}
    )
    form = {"intent": "buying", **changes}

    with pytest.raises(feedback.ActionError, match=says):
        feedback.labels_from_form(form, inquiry)


# Payloads --------------------------------------------------------------------------------------------------


def test_a_generic_webhook_body_is_exported_as_it_came(app, client) -> None:
    payload = samples.form()
    inquiry_id = client.post("/webhooks/generic", json=payload).get_json()["id"]
    _decide(app, inquiry_id, [("accept", {})])

    (line,) = _export(app)

    assert line["payload"] == payload
    assert line["channel"] == "form"
    assert line["tags"] == ["sdr-feedback", "sdr-accepted", "source-generic"]


def _expected_samples() -> list:
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.name.removesuffix('.expected.json')}")
        for path in sorted(SAMPLES.glob("*/*.expected.json"))
    ]


@pytest.mark.parametrize("path", _expected_samples())
def test_another_vendors_inquiry_is_rebuilt_as_a_generic_payload(path: Path) -> None:
    normalized = json.loads(path.read_text(encoding="utf-8"))
    inquiry = models.Inquiry(
        id="inq_x", source=normalized["source"], channel=normalized["channel"], normalized=normalized, received_at=NOW
    )

    payload = feedback.corpus_payload(inquiry, None)
    back = corpus.inquiry_of(corpus.Case("x", NOW, normalized["channel"], payload, "x"))

    original = NormalizedInquiry.from_json(normalized)
    assert back.channel == original.channel
    assert back.message == original.message
    assert [(t.role, t.text) for t in back.transcript] == [(t.role, t.text) for t in original.transcript]
    for name in ("name", "email", "company", "title", "phone"):
        assert getattr(back.contact, name) == getattr(original.contact, name), name
    assert (back.country, back.company_size) == (original.country, original.company_size)


# The CLI: export, then evaluate ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):  # noqa: ANN001, ANN201
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no qualifier.toml here: built-in policy
    return tmp_path


def test_the_exported_corpus_scores_with_qualifier_evaluate(app, client, runner, cli_env) -> None:
    ids = [
        client.post("/webhooks/generic", json=samples.form()).get_json()["id"],
        client.post("/webhooks/generic", json=samples.chat()).get_json()["id"],
        client.post(
            "/webhooks/generic",
            json=samples.form(fields={"email": "j@other.example", "message": "Please send me your brochure."}),
        ).get_json()["id"],
    ]
    make_user(app, "boss@example.com", "admin")
    sign_in(client, "boss@example.com")
    post_action(client, ids[0], "accept")
    post_action(client, ids[1], "reroute", route="redirect:partnerships")
    post_action(client, ids[2], "reject", reason="no_need", details="only wanted a brochure")
    out = cli_env / "feedback.jsonl"

    exported = runner.invoke(cli, ["export-feedback", "--out", str(out)])
    evaluated = runner.invoke(cli, ["evaluate", str(out), "--json", str(cli_env / "report.json")])

    assert exported.exit_code == 0, exported.output
    assert "Exported 3 decided leads." in exported.output
    assert evaluated.exit_code == 0, evaluated.output
    assert "route accuracy" in evaluated.output
    report = json.loads((cli_env / "report.json").read_text())
    assert report["cases"] == 3
    assert report["fabricated_evidence"]["count"] == 0
    routes = {json.loads(line)["id"]: json.loads(line)["expected"]["route"] for line in out.read_text().splitlines()}
    assert routes == {ids[0]: "sql", ids[1]: "redirect", ids[2]: "nurture"}


def test_export_feedback_since_filters_by_decision_time(app, runner, cli_env) -> None:
    inquiry_id = add_lead(app, route="sql", score=70, received_at=NOW)
    _decide(app, inquiry_id, [("accept", {})])  # decided at NOW (2026-03-10 15:00)

    before = runner.invoke(cli, ["export-feedback", "--since", "2026-03-10T14:00:00Z"])
    after = runner.invoke(cli, ["export-feedback", "--since", "2026-03-11"])
    bad = runner.invoke(cli, ["export-feedback", "--since", "last tuesday"])

    assert before.exit_code == 0 and inquiry_id in before.output
    assert after.exit_code == 0 and inquiry_id not in after.output
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


# create-user ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "code", "says"),
    [
        pytest.param(["maria@example.com", "--role", "sdr"], PASSWORD + "\n", 0, "roster SDR maria", id="sdr-found-by-email"),
        pytest.param(["ops@example.com", "--role", "admin"], PASSWORD + "\n", 0, "not on the SDR roster", id="admin"),
        pytest.param(["x@example.com", "--role", "sdr", "--sdr", "tom"], PASSWORD + "\n", 0, "roster SDR tom", id="explicit-sdr"),
        pytest.param(["x@example.com", "--role", "sdr", "--sdr", "ghost"], PASSWORD + "\n", 1, "no SDR 'ghost'", id="unknown-sdr"),
        pytest.param(["x@example.com", "--role", "sdr"], "short\n", 1, "at least 10 characters", id="short-password"),
        pytest.param(["not-an-email", "--role", "sdr"], PASSWORD + "\n", 1, "is not an email address", id="bad-email"),
        pytest.param(["x@example.com", "--role", "boss"], PASSWORD + "\n", 2, "Invalid value", id="bad-role"),
    ],
)
def test_create_user(runner, cli_env, monkeypatch, tmp_path, args, stdin, code, says) -> None:
    policy_file = tmp_path / "roster.toml"
    policy_file.write_text(
        '[[sdrs]]\nid = "maria"\nname = "Maria Lopez"\nemail = "Maria@Example.com"\n'
        '[[sdrs]]\nid = "tom"\nname = "Tom Okafor"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("QUALIFIER_POLICY_FILE", str(policy_file))

    result = runner.invoke(cli, ["create-user", *args, "--password-stdin"], input=stdin)

    assert result.exit_code == code, result.output
    assert says in result.output


def test_create_user_prompts_twice_and_refuses_a_second_account(runner, cli_env) -> None:
    first = runner.invoke(cli, ["create-user", "sam@example.com", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    again = runner.invoke(cli, ["create-user", "SAM@example.com", "--role", "sdr", "--password-stdin"], input=PASSWORD + "\n")
    updated = runner.invoke(
        cli, ["create-user", "sam@example.com", "--role", "sdr", "--update", "--password-stdin"], input="another password\n"
    )

    assert first.exit_code == 0, first.output
    assert again.exit_code == 1 and "exists already" in again.output
    assert updated.exit_code == 0 and "Updated sdr sam@example.com" in updated.output


def test_create_user_before_init_db_says_what_to_do(runner, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(cli, ["create-user", "a@example.com", "--role", "sdr", "--password-stdin"], input=PASSWORD + "\n")

    assert result.exit_code == 1
    assert "qualifier init-db" in result.output
