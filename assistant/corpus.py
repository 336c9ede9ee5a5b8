"""Labelled corpora: read them, qualify every case, and score the predictions.

The format and the metrics are SCHEMA.md's ("Prediction"): `qualifier qualify`
reads only `id`, `received_at`, `channel` and `payload` of each line and
writes `{"id", "predicted"}`; `qualifier evaluate` scores those predictions
against `expected` and renders the numbers as a table (and JSON).

Choices the schema leaves open, made here and shown in the report:
- intent macro-F1 averages the F1 of every intent that occurs in the gold
  labels or in the predictions (an intent predicted but never labelled counts
  with F1 0, so inventing a class is penalised);
- `redirect_to` accuracy is over cases whose gold route is `redirect`; a
  prediction routed elsewhere has no team and counts as wrong;
- slot values are scored over cases whose gold slot is present, a prediction
  without the slot counting as wrong; budget exact also needs a labelled
  figure, timeframe `by` a labelled date;
- fabricated evidence counts predictions whose `need.evidence` (a string, a
  list of strings, or a list of objects with "text") is not in the visitor's
  own words: form field values and visitor chat turns, compared case-folded
  with whitespace collapsed and HTML tags dropped. The report also counts, as a
  diagnostic, every slot span whose text is not in those words.

Standard library only beyond the product's own packages: the scoring is a
few counters, and `qualifier evaluate` must run wherever a corpus is read.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from forms import FormError, normalize
from forms.types import Inquiry
from handoff.policy import Policy

ROUTES = ("sql", "mql", "nurture", "redirect", "discard")
INTENTS = ("buying", "support", "partnership", "vendor_pitch", "job_seeker", "research", "spam", "other")
SLOTS = ("need", "budget", "timeframe", "authority")
CHANNELS = ("form", "chat")
JUNK_INTENTS = ("spam", "vendor_pitch")
LEAK_ROUTES = ("sql", "mql")
# Budget figures match when within this fraction of the labelled figure.
BUDGET_TOLERANCE = 0.005
# How many misses the report lists.
WORST_MISSES = 15

# What a wrong route costs a business, for ordering the worst misses: junk
# reaching sales and a buyer thrown away are worse than a queue mix-up.
_ROUTE_MISS_WEIGHT = {
    ("discard", "sql"): 10,
    ("discard", "mql"): 8,
    ("sql", "discard"): 9,
    ("mql", "discard"): 6,
    ("sql", "nurture"): 6,
    ("sql", "redirect"): 6,
    ("nurture", "sql"): 5,
    ("redirect", "sql"): 5,
}


class CorpusError(Exception):
    """A corpus line cannot be used; the message starts with "file:line:"."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    received_at: datetime
    channel: str
    payload: Mapping[str, Any]
    location: str  # "file:line"
    expected: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    lang: str | None = None
    file: str = ""


# ---------------------------------------------------------------- reading


def read_corpus(path: Path | str, *, labelled: bool = False) -> list[Case]:
    """Every case of a JSONL corpus file; raises CorpusError naming file and line.

    With `labelled`, each case must also carry an `expected` object (evaluate).
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{name}: cannot read: {exc}") from None
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        case = _case(line, where, labelled, name)
        if case.id in seen:
            raise CorpusError(f"{where}: id {case.id!r} already used at {seen[case.id]}")
        seen[case.id] = where
        cases.append(case)
    return cases


def _case(line: str, where: str, labelled: bool, file: str) -> Case:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: malformed JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(doc, dict):
        raise CorpusError(f"{where}: a line must be a JSON object, got {type(doc).__name__}")
    case_id = doc.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise CorpusError(f"{where}: id is missing or not a non-empty string")
    received = doc.get("received_at")
    try:
        received_at = datetime.fromisoformat(received) if isinstance(received, str) else None
    except ValueError:
        received_at = None
    if received_at is None or received_at.tzinfo is None:
        raise CorpusError(f"{where}: received_at {received!r} is not an ISO 8601 time with a timezone")
    channel = doc.get("channel")
    if channel not in CHANNELS:
        raise CorpusError(f"{where}: channel {channel!r} is not one of {', '.join(CHANNELS)}")
    payload = doc.get("payload")
    if not isinstance(payload, dict):
        raise CorpusError(f"{where}: payload is missing or not an object")
    expected = doc.get("expected")
    if labelled and not isinstance(expected, dict):
        raise CorpusError(f"{where}: expected is missing or not an object (evaluate needs labels)")
    tags = doc.get("tags") if isinstance(doc.get("tags"), list) else []
    return Case(
        id=case_id,
        received_at=received_at,
        channel=channel,
        payload=payload,
        location=where,
        expected=expected if isinstance(expected, dict) else None,
        tags=tuple(str(t) for t in tags),
        lang=doc.get("lang") if isinstance(doc.get("lang"), str) else None,
        file=file,
    )


def inquiry_of(case: Case) -> Inquiry:
    """The normalized inquiry of a case's payload (the generic webhook's body)."""
    body = json.dumps(case.payload).encode("utf-8")
    try:
        inquiry = normalize("generic", body)
    except FormError as exc:
        raise CorpusError(f"{case.location}: payload: {exc.message}") from None
    if inquiry.channel != case.channel:
        raise CorpusError(
            f"{case.location}: channel is {case.channel} but the payload is a {inquiry.channel}"
        )
    return inquiry


# ---------------------------------------------------------------- qualifying

Qualifier = Callable[[Inquiry, datetime, Policy], dict[str, Any]]


def default_qualifier(inquiry: Inquiry, received_at: datetime, policy: Policy) -> dict[str, Any]:
    """The product's one qualification path (`assistant.pipeline.qualify_inquiry`)."""
    from .pipeline import qualify_inquiry

    return qualify_inquiry(inquiry, received_at, policy)[2]


def qualify_case(case: Case, policy: Policy, qualifier: Qualifier = default_qualifier) -> dict[str, Any]:
    """`{"id", "predicted"}` for one case: only id, received_at, channel and payload are read."""
    return {"id": case.id, "predicted": qualifier(inquiry_of(case), case.received_at, policy)}


@dataclass(frozen=True, slots=True)
class Timing:
    cases: int
    seconds: float
    per_case_ms: tuple[float, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Wall time, the first case apart (it loads models and pattern tables), then the rest."""
        first = self.per_case_ms[0] if self.per_case_ms else None
        ms = sorted(self.per_case_ms[1:] or self.per_case_ms)
        return {
            "cases": self.cases,
            "wall_seconds": round(self.seconds, 3),
            "first_case_ms": round(first, 3) if first is not None else None,
            "mean_ms": round(sum(ms) / len(ms), 3) if ms else None,
            "p50_ms": round(_percentile(ms, 50), 3) if ms else None,
            "p95_ms": round(_percentile(ms, 95), 3) if ms else None,
            "max_ms": round(ms[-1], 3) if ms else None,
        }


def qualify_all(
    cases: Sequence[Case],
    policy: Policy,
    qualifier: Qualifier = default_qualifier,
    progress: Callable[[Iterable[Case]], Iterable[Case]] | None = None,
) -> tuple[list[dict[str, Any]], Timing]:
    """Predictions for every case, in order, and how long it took."""
    rows: list[dict[str, Any]] = []
    per_case: list[float] = []
    started = time.perf_counter()
    for case in progress(cases) if progress else cases:
        begin = time.perf_counter()
        rows.append(qualify_case(case, policy, qualifier))
        per_case.append((time.perf_counter() - begin) * 1000)
    return rows, Timing(len(cases), time.perf_counter() - started, tuple(per_case))


# ---------------------------------------------------------------- scoring


def comparable(text: str) -> str:
    """Text as evidence is compared: HTML tags dropped, whitespace collapsed, case-folded."""
    return " ".join(_TAG.sub(" ", text).split()).casefold()


_TAG = re.compile(r"<[^<>]{0,500}>")


def visitor_texts(case: Case) -> list[str]:
    """The visitor's own words: every form field value, or the visitor's chat turns."""
    payload = case.payload
    texts: list[str] = []
    if case.channel == "form":
        fields = payload.get("fields")
        for value in (fields or {}).values() if isinstance(fields, dict) else ():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                    texts.append(str(item))
    else:
        for turn in payload.get("transcript") or ():
            if isinstance(turn, dict) and turn.get("role") == "visitor" and isinstance(turn.get("text"), str):
                texts.append(turn["text"])
    return [comparable(t) for t in texts]


def evidence_strings(value: Any) -> list[str]:
    """need.evidence as strings: a string, a list of strings, or a list of {"text"}."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append(item["text"])
        return out
    return []


def said_by_visitor(words: str, texts: Sequence[str]) -> bool:
    wanted = comparable(words)
    return bool(wanted) and any(wanted in text for text in texts)


@dataclass
class Ratio:
    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {"value": _round(self.value), "correct": self.correct, "total": self.total}


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Miss:
    id: str
    file: str
    gold_route: str
    predicted_route: str
    gold_intent: str
    predicted_intent: str
    wrong_slots: list[str]
    severity: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.file,
            "gold": {"route": self.gold_route, "intent": self.gold_intent},
            "predicted": {"route": self.predicted_route, "intent": self.predicted_intent},
            "wrong_slots": self.wrong_slots,
        }


@dataclass
class Report:
    """Every SCHEMA.md metric over a set of cases, plus the breakdowns the table shows."""

    files: list[str] = field(default_factory=list)
    cases: int = 0
    route: Ratio = field(default_factory=Ratio)
    sql: PRF = field(default_factory=PRF)
    intents: dict[str, PRF] = field(default_factory=dict)
    redirect_to: Ratio = field(default_factory=Ratio)
    junk_leak: int = 0
    junk_cases: int = 0
    presence: dict[str, PRF] = field(default_factory=lambda: {slot: PRF() for slot in SLOTS})
    values: dict[str, Ratio] = field(default_factory=dict)
    fabricated_evidence: int = 0
    fabricated_ids: list[str] = field(default_factory=list)
    spans_not_found: int = 0
    confusion: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_tag: dict[str, Ratio] = field(default_factory=dict)
    by_file: dict[str, Ratio] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    timing: Timing | None = None

    @property
    def intent_macro_f1(self) -> float | None:
        scores = [prf.f1 or 0.0 for prf in self.intents.values()]
        return sum(scores) / len(scores) if scores else None

    def worst_misses(self, count: int = WORST_MISSES) -> list[Miss]:
        return sorted(self.misses, key=lambda m: (-m.severity, m.file, m.id))[:count]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "cases": self.cases,
            "route_accuracy": self.route.to_json(),
            "sql": self.sql.to_json(),
            "intent_macro_f1": _round(self.intent_macro_f1),
            "intent_macro_f1_over": sorted(self.intents),
            "intents": {name: prf.to_json() for name, prf in sorted(self.intents.items())},
            "redirect_to_accuracy": self.redirect_to.to_json(),
            "junk_leak": {"count": self.junk_leak, "junk_cases": self.junk_cases},
            "slot_presence": {slot: prf.to_json() for slot, prf in self.presence.items()},
            "slot_values": {name: ratio.to_json() for name, ratio in self.values.items()},
            "fabricated_evidence": {"count": self.fabricated_evidence, "ids": self.fabricated_ids},
            "spans_not_in_visitor_words": self.spans_not_found,
            "route_confusion": {
                gold: {pred: self.confusion[gold][pred] for pred in ROUTES} for gold in ROUTES
            },
            "by_tag": {tag: ratio.to_json() for tag, ratio in sorted(self.by_tag.items())},
            "by_file": {name: ratio.to_json() for name, ratio in self.by_file.items()},
            "worst_misses": [miss.to_json() for miss in self.worst_misses()],
            "misses": len(self.misses),
            "timing": self.timing.to_json() if self.timing else None,
        }


VALUE_METRICS = (
    "budget.exact",
    "budget.period",
    "budget.status",
    "timeframe.by",
    "timeframe.urgency",
    "authority.role",
    "authority.needs_approval",
)


def score(cases: Sequence[Case], predictions: Sequence[Mapping[str, Any]]) -> Report:
    """The SCHEMA.md metrics of `predictions` (`{"id", "predicted"}`) against the cases' labels.

    A case without a prediction is scored as if everything were absent and
    the route unknown.
    """
    # Predictions in the cases' order pair by position (ids may repeat across files);
    # otherwise by id.
    aligned = len(predictions) == len(cases) and all(
        row.get("id") == c.id for row, c in zip(predictions, cases, strict=True)
    )
    by_id = {row.get("id"): row.get("predicted") or {} for row in predictions}
    report = Report(files=list(dict.fromkeys(c.file for c in cases)))
    report.values = {name: Ratio() for name in VALUE_METRICS}
    gold_intents: set[str] = set()
    predicted_intents: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for number, case in enumerate(cases):
        gold = case.expected or {}
        pred = (predictions[number].get("predicted") or {}) if aligned else by_id.get(case.id, {})
        if not isinstance(pred, Mapping):
            pred = {}
        report.cases += 1
        gold_route, pred_route = str(gold.get("route")), str(pred.get("route"))
        route_ok = gold_route == pred_route
        report.route.add(route_ok)
        report.confusion[gold_route][pred_route] += 1
        report.by_file.setdefault(case.file, Ratio()).add(route_ok)
        for tag in case.tags:
            report.by_tag.setdefault(tag, Ratio()).add(route_ok)

        if pred_route == "sql" and gold_route == "sql":
            report.sql.tp += 1
        elif pred_route == "sql":
            report.sql.fp += 1
        elif gold_route == "sql":
            report.sql.fn += 1

        gold_intent, pred_intent = str(gold.get("intent")), str(pred.get("intent"))
        gold_intents.add(gold_intent)
        predicted_intents.add(pred_intent)
        pairs.append((gold_intent, pred_intent))

        if gold_route == "redirect":
            report.redirect_to.add(
                pred_route == "redirect" and pred.get("redirect_to") == gold.get("redirect_to")
            )
        if gold_intent in JUNK_INTENTS:
            report.junk_cases += 1
            if pred_route in LEAK_ROUTES:
                report.junk_leak += 1

        wrong = _score_slots(report, gold, pred)
        texts = visitor_texts(case)
        if _fabricated(pred, texts):
            report.fabricated_evidence += 1
            report.fabricated_ids.append(case.id)
        report.spans_not_found += _spans_not_found(pred, texts)

        if not route_ok or gold_intent != pred_intent or wrong:
            severity = 100 * _ROUTE_MISS_WEIGHT.get((gold_route, pred_route), 3 if not route_ok else 0)
            severity += 10 * (gold_intent != pred_intent) + len(wrong)
            report.misses.append(
                Miss(case.id, case.file, gold_route, pred_route, gold_intent, pred_intent, wrong, severity)
            )

    for intent in sorted(gold_intents | predicted_intents):
        prf = PRF()
        for gold_intent, pred_intent in pairs:
            if gold_intent == intent and pred_intent == intent:
                prf.tp += 1
            elif pred_intent == intent:
                prf.fp += 1
            elif gold_intent == intent:
                prf.fn += 1
        report.intents[intent] = prf
    return report


def _present(doc: Mapping[str, Any], slot: str) -> Mapping[str, Any] | None:
    value = doc.get(slot)
    return value if isinstance(value, Mapping) and value.get("present") is True else None


def _score_slots(report: Report, gold: Mapping[str, Any], pred: Mapping[str, Any]) -> list[str]:
    """Update presence and value metrics; the names of what this case got wrong."""
    wrong: list[str] = []
    for slot in SLOTS:
        g, p = _present(gold, slot), _present(pred, slot)
        prf = report.presence[slot]
        if g and p:
            prf.tp += 1
        elif p:
            prf.fp += 1
            wrong.append(f"{slot}: spurious")
        elif g:
            prf.fn += 1
            wrong.append(f"{slot}: missed")

    def check(name: str, ok: bool) -> None:
        report.values[name].add(ok)
        if not ok and not any(w.startswith(name.split(".")[0] + ": missed") for w in wrong):
            wrong.append(f"{name}")

    budget, pbudget = _present(gold, "budget"), _present(pred, "budget") or {}
    if budget:
        if budget.get("min") is not None or budget.get("max") is not None:
            check(
                "budget.exact",
                bool(pbudget)
                and _close(budget.get("min"), pbudget.get("min"))
                and _close(budget.get("max"), pbudget.get("max"))
                and budget.get("currency") == pbudget.get("currency"),
            )
        check("budget.period", bool(pbudget) and budget.get("period") == pbudget.get("period"))
        check("budget.status", bool(pbudget) and budget.get("status") == pbudget.get("status"))
    timeframe, ptimeframe = _present(gold, "timeframe"), _present(pred, "timeframe") or {}
    if timeframe:
        if timeframe.get("by") is not None:
            check("timeframe.by", bool(ptimeframe) and timeframe.get("by") == ptimeframe.get("by"))
        check("timeframe.urgency", bool(ptimeframe) and timeframe.get("urgency") == ptimeframe.get("urgency"))
    authority, pauthority = _present(gold, "authority"), _present(pred, "authority") or {}
    if authority:
        check("authority.role", bool(pauthority) and authority.get("role") == pauthority.get("role"))
        check(
            "authority.needs_approval",
            bool(pauthority) and authority.get("needs_approval") == pauthority.get("needs_approval"),
        )
    return wrong


def _close(gold: Any, pred: Any) -> bool:
    if gold is None or pred is None:
        return gold is None and pred is None
    if not isinstance(pred, (int, float)) or isinstance(pred, bool):
        return False
    if gold == 0:
        return pred == 0
    return abs(pred - gold) <= BUDGET_TOLERANCE * abs(gold)


def _fabricated(pred: Mapping[str, Any], texts: Sequence[str]) -> bool:
    need = _present(pred, "need")
    if not need:
        return False
    strings = evidence_strings(need.get("evidence"))
    return not strings or any(not said_by_visitor(s, texts) for s in strings)


def _spans_not_found(pred: Mapping[str, Any], texts: Sequence[str]) -> int:
    count = 0
    for slot in SLOTS:
        value = _present(pred, slot)
        for span in (value or {}).get("spans") or ():
            if isinstance(span, Mapping) and isinstance(span.get("text"), str):
                count += not said_by_visitor(span["text"], texts)
    return count


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# ---------------------------------------------------------------- rendering


def render_report(report: Report, *, by_tag: bool = False, misses: int = WORST_MISSES) -> str:
    """The report as the plain-text tables `qualifier evaluate` prints."""
    out: list[str] = []
    files = ", ".join(report.files)
    out.append(f"Evaluated {report.cases} cases from {files}")
    if report.timing:
        t = report.timing.to_json()
        out.append(
            f"Qualified in {t['wall_seconds']:.2f} s: first case {t['first_case_ms']} ms (loads models), "
            f"then per case mean {t['mean_ms']} ms, p95 {t['p95_ms']} ms, max {t['max_ms']} ms"
        )
    out.append("")
    rows = [
        ("route accuracy", _pct(report.route.value), f"{report.route.correct}/{report.route.total}"),
        ("SQL precision", _pct(report.sql.precision), f"{report.sql.tp}/{report.sql.tp + report.sql.fp}"),
        ("SQL recall", _pct(report.sql.recall), f"{report.sql.tp}/{report.sql.tp + report.sql.fn}"),
        (
            "intent macro-F1",
            _pct(report.intent_macro_f1),
            f"over {len(report.intents)} intents (gold ∪ predicted)",
        ),
        (
            "redirect_to accuracy",
            _pct(report.redirect_to.value),
            f"{report.redirect_to.correct}/{report.redirect_to.total}",
        ),
        ("junk leak (spam/vendor -> sql/mql)", str(report.junk_leak), f"of {report.junk_cases} junk cases"),
        ("fabricated need evidence", str(report.fabricated_evidence), ", ".join(report.fabricated_ids[:5])),
        ("slot spans not in visitor words", str(report.spans_not_found), "diagnostic"),
    ]
    out.extend(_table(("metric", "value", "detail"), rows))
    out.append("")
    out.append("Slot presence")
    out.extend(
        _table(
            ("slot", "precision", "recall", "F1", "tp", "fp", "fn"),
            [
                (slot, _pct(p.precision), _pct(p.recall), _pct(p.f1), str(p.tp), str(p.fp), str(p.fn))
                for slot, p in report.presence.items()
            ],
        )
    )
    out.append("")
    out.append("Slot values (over cases whose labelled slot is present)")
    out.extend(
        _table(
            ("value", "accuracy", "correct", "total"),
            [(name, _pct(r.value), str(r.correct), str(r.total)) for name, r in report.values.items()],
        )
    )
    out.append("")
    out.append("Intents")
    out.extend(
        _table(
            ("intent", "precision", "recall", "F1", "tp", "fp", "fn"),
            [
                (name, _pct(p.precision), _pct(p.recall), _pct(p.f1), str(p.tp), str(p.fp), str(p.fn))
                for name, p in sorted(report.intents.items(), key=lambda kv: _intent_order(kv[0]))
            ],
        )
    )
    out.append("")
    out.append("Route confusion (rows: gold, columns: predicted)")
    columns = list(ROUTES) + sorted({p for row in report.confusion.values() for p in row} - set(ROUTES))
    gold_rows = list(ROUTES) + sorted(set(report.confusion) - set(ROUTES))
    out.extend(
        _table(
            ("gold \\ predicted", *columns),
            [
                (gold, *(str(report.confusion[gold][p]) for p in columns))
                for gold in gold_rows
                if gold in report.confusion
            ],
        )
    )
    if len(report.by_file) > 1:
        out.append("")
        out.append("Route accuracy by file")
        out.extend(
            _table(
                ("file", "accuracy", "correct", "total"),
                [(n, _pct(r.value), str(r.correct), str(r.total)) for n, r in report.by_file.items()],
            )
        )
    if by_tag and report.by_tag:
        out.append("")
        out.append("Route accuracy by tag")
        out.extend(
            _table(
                ("tag", "accuracy", "correct", "total"),
                [
                    (tag, _pct(r.value), str(r.correct), str(r.total))
                    for tag, r in sorted(report.by_tag.items(), key=lambda kv: (kv[1].value or 0, kv[0]))
                ],
            )
        )
    worst = report.worst_misses(misses)
    if worst:
        out.append("")
        out.append(f"Worst misses ({len(worst)} of {len(report.misses)} cases with any error)")
        out.extend(
            _table(
                ("id", "route gold -> predicted", "intent gold -> predicted", "wrong slots"),
                [
                    (
                        m.id,
                        f"{m.gold_route} -> {m.predicted_route}"
                        + ("" if m.gold_route != m.predicted_route else " (ok)"),
                        f"{m.gold_intent} -> {m.predicted_intent}"
                        if m.gold_intent != m.predicted_intent
                        else m.gold_intent,
                        "; ".join(m.wrong_slots) or "-",
                    )
                    for m in worst
                ],
            )
        )
    return "\n".join(out)


def _intent_order(name: str) -> tuple[int, str]:
    return (INTENTS.index(name) if name in INTENTS else len(INTENTS), name)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    rows = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        yield "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        if number == 0:
            yield "  ".join("-" * w for w in widths)


# ---------------------------------------------------------------- command helpers


def policy_for(path: Path | None) -> Policy:
    """The policy a command uses: --policy FILE, else QUALIFIER_POLICY_FILE, else
    ./qualifier.toml when there is one, else the built-in defaults. Raises
    `assistant.policy.PolicyFileError` naming the file and key."""
    import os

    from .policy import load_policy, policy_path

    if path is None and os.environ.get("QUALIFIER_POLICY_FILE"):
        path = Path(os.environ["QUALIFIER_POLICY_FILE"])
    return load_policy(policy_path(path))


def text_inquiry(text: str) -> Inquiry:
    """A one-field form inquiry whose `message` is `text` (`qualifier extract`)."""
    return Inquiry(
        source="cli", channel="form", message=text, message_field="message", fields={"message": text}
    )


_SLOT_OF_VALUE = {
    "Need": "need",
    "Budget": "budget",
    "Timeframe": "timeframe",
    "Authority": "authority",
    "ContactRequest": "contact_request",
}


def explain_lines(signals: Any) -> list[str]:
    """One line per candidate finding: slot, rule id, confidence, flags, value and evidence."""
    # The resolver may return a copy (a merged budget, say), so compare by value.
    chosen = [getattr(signals, slot, None) for slot in _SLOT_OF_VALUE.values()]
    lines = [
        f"intent {signals.intent.label} ({signals.intent.confidence:.2f}): "
        + ("; ".join(signals.intent.reasons) or "no reason given"),
        f"lang {signals.lang}",
    ]
    candidates = sorted(
        signals.candidates, key=lambda f: (_SLOT_OF_VALUE.get(type(f.value).__name__, "~"), -f.confidence)
    )
    if not candidates:
        lines.append("no candidate findings")
    for finding in candidates:
        slot = _SLOT_OF_VALUE.get(type(finding.value).__name__, type(finding.value).__name__)
        flags = [
            name
            for name, on in (
                ("chosen", any(finding == c or _same_span(finding, c) for c in chosen if c is not None)),
                ("negated", finding.negated),
                ("hedged", finding.hedged),
            )
            if on
        ]
        value = {
            k: _plain(getattr(finding.value, k))
            for k in finding.value.__slots__
            if getattr(finding.value, k) is not None
        }
        evidence = " … ".join(f"{e.source}[{e.start}:{e.end}] {e.text!r}" for e in finding.evidence)
        lines.append(
            f"{'*' if 'chosen' in flags else ' '} {slot:<15} {finding.rule:<40} {finding.confidence:.2f} "
            f"{','.join(f for f in flags if f != 'chosen') or '-':<8} {json.dumps(value, ensure_ascii=False)} {evidence}"
        )
    return lines


def _same_span(finding: Any, chosen: Any) -> bool:
    return type(finding.value) is type(chosen.value) and finding.evidence[:1] == chosen.evidence[:1]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
