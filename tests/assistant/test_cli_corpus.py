"""`qualifier qualify`, `evaluate` and `extract`, and the scoring behind them (assistant/corpus.py).

The corpora are small files written for these tests in SCHEMA.md's format
(tests/fixtures/corpus/). Scoring is checked on hand-made predictions so each
metric's number is known in advance.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.corpus import Case, CorpusError, comparable, read_corpus, score

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
SMALL = FIXTURES / "small.jsonl"
UNLABELLED = FIXTURES / "unlabelled.jsonl"
BROKEN = FIXTURES / "broken.jsonl"
NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)
ABSENT = {"present": False}


# ---------------------------------------------------------------- qualify


def test_qualify_writes_one_prediction_per_case(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    result = runner.invoke(cli, ["qualify", str(SMALL), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [case.id for case in read_corpus(SMALL)]
    for row in rows:
        predicted = row["predicted"]
        assert set(row) == {"id", "predicted"}
        assert {"intent", "need", "budget", "timeframe", "authority", "route", "redirect_to"} <= set(
            predicted
        )
        assert predicted["route"] in ("sql", "mql", "nurture", "redirect", "discard")
        for slot in ("need", "budget", "timeframe", "authority"):
            assert predicted[slot]["present"] in (True, False)


def test_qualify_never_reads_labels(runner: CliRunner, tmp_path: Path) -> None:
    """The same payloads with other labels, or none, give the same predictions."""
    relabelled = tmp_path / "relabelled.jsonl"
    lines = []
    for line in SMALL.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        case["expected"] = {"intent": "spam", "route": "discard"}
        case["tags"] = ["anything"]
        lines.append(json.dumps(case))
    relabelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = runner.invoke(cli, ["qualify", str(SMALL)])
    second = runner.invoke(cli, ["qualify", str(relabelled)])
    unlabelled = runner.invoke(cli, ["qualify", str(UNLABELLED)])
    assert first.exit_code == second.exit_code == unlabelled.exit_code == 0
    assert first.stdout == second.stdout
    assert unlabelled.stdout.splitlines() == first.stdout.splitlines()[:3]


def test_qualify_is_quiet_when_stderr_is_not_a_terminal(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["qualify", str(UNLABELLED)])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(['{"id": "a", '], "bad.jsonl:1: malformed JSON", id="malformed"),
        pytest.param(['["a list"]'], "bad.jsonl:1: a line must be a JSON object", id="not an object"),
        pytest.param(
            [
                '{"id": "a", "received_at": "2026-03-10T14:05:00", "channel": "form", "payload": {"fields": {}}}'
            ],
            "bad.jsonl:1: received_at",
            id="no timezone",
        ),
        pytest.param(
            ['{"id": "a", "received_at": "2026-03-10T14:05:00Z", "channel": "email", "payload": {}}'],
            "bad.jsonl:1: channel 'email'",
            id="unknown channel",
        ),
        pytest.param(
            [
                '{"id": "a", "received_at": "2026-03-10T14:05:00Z", "channel": "form", "payload": {"fields": {}}}',
                '{"id": "a", "received_at": "2026-03-10T14:05:00Z", "channel": "form", "payload": {"fields": {}}}',
            ],
            "bad.jsonl:2: id 'a' already used at",
            id="duplicate id",
        ),
        pytest.param(
            [
                '{"id": "a", "received_at": "2026-03-10T14:05:00Z", "channel": "form", "payload": {"fields": []}}'
            ],
            "bad.jsonl:1: payload:",
            id="payload of the wrong shape",
        ),
    ],
)
def test_qualify_names_file_and_line_of_a_bad_case(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str], message: str
) -> None:
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["qualify", "bad.jsonl"])
    assert result.exit_code == 1
    assert message in result.stderr


def test_malformed_line_is_reported_with_its_number(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["qualify", str(BROKEN)])
    assert result.exit_code == 1
    assert f"{BROKEN}:3: malformed JSON" in result.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["qualify"], 2, id="no corpus"),
        pytest.param(["qualify", "no-such-file.jsonl"], 1, id="missing file"),
        pytest.param(["evaluate"], 2, id="evaluate without files"),
        pytest.param(["evaluate", str(UNLABELLED)], 1, id="evaluate needs labels"),
        pytest.param(["extract"], 2, id="extract without text"),
        pytest.param(["extract", "hello", "--now", "tomorrow"], 2, id="bad --now"),
        pytest.param(["extract", "hello", "--now", "2026-03-10T14:05:00"], 2, id="--now without timezone"),
    ],
)
def test_usage_and_input_errors(runner: CliRunner, args: list[str], code: int) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == code, result.output


def test_bad_policy_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[scoring]\nmql_threshold = 'high'\n", encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(SMALL), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "scoring.mql_threshold" in result.stderr


# ---------------------------------------------------------------- evaluate


def test_evaluate_prints_every_metric(runner: CliRunner, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    # Several files at once (here the same one twice: ids may repeat across files).
    result = runner.invoke(cli, ["evaluate", str(SMALL), str(SMALL), "--by-tag", "--json", str(report_file)])
    assert result.exit_code == 0, result.output
    for words in (
        "route accuracy",
        "SQL precision",
        "SQL recall",
        "intent macro-F1",
        "redirect_to accuracy",
        "junk leak",
        "fabricated need evidence",
        "Slot presence",
        "budget.exact",
        "timeframe.by",
        "authority.needs_approval",
        "Route confusion",
        "Route accuracy by tag",
        "Qualified in",
    ):
        assert words in result.stdout
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["cases"] == 20
    assert set(report["slot_presence"]) == {"need", "budget", "timeframe", "authority"}
    assert report["route_accuracy"]["total"] == 20
    assert report["timing"]["cases"] == 20
    assert report["fabricated_evidence"]["count"] == 0
    assert "demo-request" in report["by_tag"]


def test_evaluate_exit_code_is_zero_whatever_the_scores(runner: CliRunner, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.jsonl"
    lines = []
    for line in SMALL.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        case["expected"]["route"] = "discard" if case["expected"]["route"] != "discard" else "sql"
        lines.append(json.dumps(case))
    wrong.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(wrong)])
    assert result.exit_code == 0
    assert "Worst misses" in result.stdout


# ---------------------------------------------------------------- extract


def test_extract_prints_the_predicted_object(runner: CliRunner) -> None:
    text = "We run 12 dental clinics and need new booking software. Can we book a demo next week?"
    result = runner.invoke(cli, ["extract", text, "--now", "2026-03-10T14:05:00Z"])
    assert result.exit_code == 0, result.output
    predicted = json.loads(result.stdout)
    assert {"intent", "need", "budget", "timeframe", "authority", "route", "redirect_to", "lang"} <= set(
        predicted
    )
    assert predicted["lang"] == "en"
    assert predicted["contact_request"]["present"] is True
    assert predicted["contact_request"]["spans"][0]["source"] == "field:message"


def test_extract_explain_lists_candidates_with_rule_ids(runner: CliRunner) -> None:
    text = "We don't need a call. Please send us a quote for 40 seats."
    result = runner.invoke(cli, ["extract", text, "--now", "2026-03-10T14:05:00Z", "--explain"])
    assert result.exit_code == 0, result.output
    json_part, _, explain = result.stdout.partition("\n}\n")
    assert json.loads(json_part + "\n}")["contact_request"]["present"] is True
    assert "contact.ask_object.en.v1" in explain
    assert "negated" in explain  # the rejected "need a call" is shown too
    assert "lang en" in explain


# ---------------------------------------------------------------- scoring


def case(
    case_id: str, expected: dict, *, message: str = "we need <b>new  Payroll</b> software", tags=()
) -> Case:
    return Case(
        id=case_id,
        received_at=NOW,
        channel="form",
        payload={"fields": {"message": message, "title": "Ops Lead"}},
        location=f"t.jsonl:{case_id}",
        expected=expected,
        tags=tuple(tags),
        file="t.jsonl",
    )


def labels(intent: str = "buying", route: str = "mql", redirect_to: str | None = None, **slots: dict) -> dict:
    return {
        "intent": intent,
        "route": route,
        "redirect_to": redirect_to,
        **{slot: slots.get(slot, ABSENT) for slot in ("need", "budget", "timeframe", "authority")},
    }


def budget(low, high, currency="USD", period=None, status="stated") -> dict:  # noqa: ANN001
    return {
        "present": True,
        "min": low,
        "max": high,
        "currency": currency,
        "period": period,
        "status": status,
    }


def test_route_sql_intent_redirect_and_junk_metrics() -> None:
    cases = [
        case("a", labels(route="sql")),
        case("b", labels(route="sql")),
        case("c", labels(route="mql")),
        case("d", labels("support", "redirect", "support")),
        case("e", labels("research", "redirect", "press")),
        case("f", labels("spam", "discard")),
        case("g", labels("vendor_pitch", "discard")),
    ]
    predictions = [
        {"id": "a", "predicted": labels(route="sql")},
        {"id": "b", "predicted": labels(route="mql")},
        {"id": "c", "predicted": labels(route="sql")},
        {"id": "d", "predicted": labels("support", "redirect", "support")},
        {"id": "e", "predicted": labels("research", "redirect", "general")},
        {"id": "f", "predicted": labels("spam", "discard")},
        {"id": "g", "predicted": labels("buying", "mql")},
    ]
    report = score(cases, predictions)
    assert (report.route.correct, report.route.total) == (4, 7)
    assert (report.sql.precision, report.sql.recall) == (0.5, 0.5)
    assert (report.redirect_to.correct, report.redirect_to.total) == (1, 2)
    assert report.junk_leak == 1
    assert report.junk_cases == 2
    # Intents occurring in gold or predicted: buying, support, research, spam, vendor_pitch.
    assert sorted(report.intents) == ["buying", "research", "spam", "support", "vendor_pitch"]
    buying_f1 = 2 * (3 / 4) * 1 / (3 / 4 + 1)
    assert report.intent_macro_f1 == pytest.approx((buying_f1 + 1 + 1 + 1 + 0) / 5)
    assert report.confusion["sql"]["mql"] == 1
    assert report.confusion["mql"]["sql"] == 1


def test_a_case_without_prediction_counts_as_wrong() -> None:
    report = score([case("a", labels(route="sql", need={"present": True, "evidence": "payroll"}))], [])
    assert report.route.correct == 0
    assert report.presence["need"].fn == 1


@pytest.mark.parametrize(
    ("gold", "predicted", "exact"),
    [
        pytest.param(budget(50000, 75000), budget(50000, 75000), True, id="same"),
        pytest.param(budget(50000, 75000), budget(50200, 74700), True, id="within half a percent"),
        pytest.param(budget(50000, 75000), budget(50300, 75000), False, id="beyond half a percent"),
        pytest.param(budget(None, 10000), budget(None, 10000), True, id="upper bound only"),
        pytest.param(budget(None, 10000), budget(10000, 10000), False, id="min given but not labelled"),
        pytest.param(budget(8000, 8000, "EUR"), budget(8000, 8000, "USD"), False, id="currency differs"),
        pytest.param(budget(8000, 8000), ABSENT, False, id="slot missing counts wrong"),
    ],
)
def test_budget_exact(gold: dict, predicted: dict, exact: bool) -> None:
    report = score([case("a", labels(budget=gold))], [{"id": "a", "predicted": labels(budget=predicted)}])
    assert report.values["budget.exact"].correct == int(exact)
    assert report.values["budget.exact"].total == 1


def test_budget_exact_only_over_labelled_figures() -> None:
    no_figure = budget(None, None, None, status="approved")
    report = score(
        [case("a", labels(budget=no_figure))], [{"id": "a", "predicted": labels(budget=no_figure)}]
    )
    assert report.values["budget.exact"].total == 0
    assert (report.values["budget.status"].correct, report.values["budget.status"].total) == (1, 1)


def test_slot_presence_and_value_metrics() -> None:
    tf = {"present": True, "urgency": "quarter", "by": "2026-06-30"}
    vague = {"present": True, "urgency": "none", "by": None}
    auth = {"present": True, "role": "influencer", "title": "Ops Lead", "needs_approval": True}
    cases = [
        case("a", labels(timeframe=tf, authority=auth)),
        case("b", labels(timeframe=vague)),
        case("c", labels()),
    ]
    predictions = [
        {
            "id": "a",
            "predicted": labels(
                timeframe={**tf, "by": "2026-06-29"}, authority={**auth, "needs_approval": False}
            ),
        },
        {"id": "b", "predicted": labels(timeframe=vague)},
        {"id": "c", "predicted": labels(authority=auth)},
    ]
    report = score(cases, predictions)
    assert (
        report.presence["timeframe"].tp,
        report.presence["timeframe"].fp,
        report.presence["timeframe"].fn,
    ) == (2, 0, 0)
    assert (report.presence["authority"].tp, report.presence["authority"].fp) == (1, 1)
    assert report.presence["authority"].precision == 0.5
    assert (report.values["timeframe.by"].correct, report.values["timeframe.by"].total) == (0, 1)
    assert (report.values["timeframe.urgency"].correct, report.values["timeframe.urgency"].total) == (2, 2)
    assert (report.values["authority.role"].correct, report.values["authority.needs_approval"].correct) == (
        1,
        0,
    )


@pytest.mark.parametrize(
    ("evidence", "fabricated"),
    [
        pytest.param("new payroll software", False, id="tags dropped, case and spaces folded"),
        pytest.param(["NEW   payroll"], False, id="list of strings"),
        pytest.param([{"text": "payroll software"}], False, id="list of objects"),
        pytest.param("Ops Lead", False, id="any form field value is the visitor's"),
        pytest.param("new payroll system", True, id="words not written"),
        pytest.param(["payroll", "a bot said this"], True, id="one string missing is enough"),
        pytest.param([], True, id="no evidence at all"),
    ],
)
def test_fabricated_evidence(evidence: object, fabricated: bool) -> None:
    need = {"present": True, "evidence": evidence}
    report = score([case("a", labels(need=need))], [{"id": "a", "predicted": labels(need=need)}])
    assert report.fabricated_evidence == int(fabricated)


def test_chat_evidence_comes_from_visitor_turns_only() -> None:
    chat_case = Case(
        id="c",
        received_at=NOW,
        channel="chat",
        payload={
            "transcript": [
                {"role": "visitor", "text": "we need a helpdesk"},
                {"role": "bot", "text": "Great, what volume of tickets?"},
            ]
        },
        location="t.jsonl:1",
        expected=labels(),
        file="t.jsonl",
    )
    for evidence, fabricated in (("need a helpdesk", 0), ("volume of tickets", 1)):
        need = {"present": True, "evidence": evidence}
        report = score([chat_case], [{"id": "c", "predicted": labels(need=need)}])
        assert report.fabricated_evidence == fabricated


def test_by_tag_and_worst_misses() -> None:
    cases = [
        case("a", labels("spam", "discard"), tags=["junk"]),
        case("b", labels(route="mql"), tags=["junk", "x"]),
    ]
    predictions = [
        {"id": "a", "predicted": labels("buying", "sql")},
        {"id": "b", "predicted": labels(route="mql")},
    ]
    report = score(cases, predictions)
    assert (report.by_tag["junk"].correct, report.by_tag["junk"].total) == (1, 2)
    (miss,) = report.worst_misses()
    assert (miss.id, miss.gold_route, miss.predicted_route) == ("a", "discard", "sql")


def test_comparable_text() -> None:
    assert comparable("  We <em>NEED</em>\n a   CRM ") == "we need a crm"


def test_read_corpus_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus(tmp_path / "none.jsonl")
