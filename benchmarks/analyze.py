"""How fast is the analysis? Times `intents.analyze`, each of its steps, a 100 KB message and,
optionally, a full `qualify` of a corpus.

    python benchmarks/analyze.py [--iterations 50] [--warmup 5] [--big-kb 100] [--corpus FILE.jsonl ...]

The samples (`benchmarks/samples.jsonl`, written for this benchmark: 30
forms and chats of about 75 words, in SCHEMA.md's corpus format) are analysed
`--warmup` rounds untimed (models and pattern tables load once per process),
then `--iterations` rounds timed one inquiry at a time. It prints the machine,
p50/p95/p99 of one `analyze` call, and the cost of each step (text view, each
extractor, language, the prompt-injection scan, resolving and intent
classification) measured the same way. Every step gets a fresh `TextView`
built outside the timed region, so nothing a view caches is counted as free.

Each call is timed twice: CPU time of this thread (`time.thread_time`), which
other processes on a shared machine barely disturb, and wall time
(`time.perf_counter`). Compare CPU time with the budget when the machine is
busy; wall time is what a user waits.

Then one message of `--big-kb` kilobytes (the samples' messages repeated) is
analysed `--big-rounds` times and every step reported the same way, and, for
each `--corpus`, the wall time of qualifying every case through the product's
pipeline (normalize, analyze, decide, predicted) as `qualifier qualify` does.

The budget: 5 ms p50 and 20 ms p99 per typical inquiry; a 100 KB message in
under a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from assistant.corpus import Case, default_qualifier, inquiry_of, qualify_all, read_corpus  # noqa: E402
from assistant.pipeline import analysis_context  # noqa: E402
from forms.types import Inquiry  # noqa: E402
from handoff.policy import Policy  # noqa: E402
from intents import analyze  # noqa: E402
from intents.authority import extract_authority  # noqa: E402
from intents.budget import extract_budget  # noqa: E402
from intents.contact import extract_contact_request  # noqa: E402
from intents.intent import classify_intent, injected_spans  # noqa: E402
from intents.lang import detect_language  # noqa: E402
from intents.need import extract_need  # noqa: E402
from intents.resolve import (  # noqa: E402
    resolve_authority,
    resolve_budget,
    resolve_contact_request,
    resolve_need,
    resolve_timeframe,
)
from intents.text import TextView  # noqa: E402
from intents.timeframe import extract_timeframe  # noqa: E402
from intents.types import Context  # noqa: E402

SAMPLES = Path(__file__).with_name("samples.jsonl")
BUDGET_P50_MS = 5.0
BUDGET_P99_MS = 20.0
BIG_BUDGET_MS = 1000.0

# One step: given a fresh view, the zero-argument call to time.
Step = Callable[[TextView], Callable[[], object]]


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = " load {:.2f} {:.2f} {:.2f};".format(*os.getloadavg())
    except OSError:
        load = ""
    return (
        f"{model}; {os.cpu_count()} cores ({usable} usable);{load} Python {platform.python_version()} "
        f"on {platform.system()} {platform.release()}"
    )


def at(ordered: list[float], pct: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"p50 {at(ordered, 50):7.3f}  p95 {at(ordered, 95):7.3f}  p99 {at(ordered, 99):7.3f}  "
        f"mean {statistics.fmean(ordered):7.3f}  max {ordered[-1]:7.3f} ms"
    )


def steps(inquiry: Inquiry, ctx: Context) -> dict[str, Step]:
    """Each step of `analyze` on one inquiry; each takes a fresh view (built untimed)."""
    view = TextView(inquiry)
    slots = {
        "need": resolve_need(extract_need(view, ctx), view),
        "budget": resolve_budget(extract_budget(view, ctx), view),
        "timeframe": resolve_timeframe(extract_timeframe(view, ctx), view),
        "authority": resolve_authority(extract_authority(view, ctx), view),
    }
    contact = resolve_contact_request(extract_contact_request(view, ctx), view)
    found = (
        extract_budget(view, ctx),
        extract_timeframe(view, ctx),
        extract_authority(view, ctx),
        extract_need(view, ctx),
        extract_contact_request(view, ctx),
    )

    def resolve_all(v: TextView) -> Callable[[], object]:
        budgets, timeframes, authorities, needs, contacts = found
        return lambda: (
            resolve_need(needs, v),
            resolve_budget(budgets, v),
            resolve_timeframe(timeframes, v),
            resolve_authority(authorities, v),
            resolve_contact_request(contacts, v),
        )

    return {
        "text view": lambda v: lambda: TextView(inquiry),
        "budget": lambda v: lambda: extract_budget(v, ctx),
        "timeframe": lambda v: lambda: extract_timeframe(v, ctx),
        "authority": lambda v: lambda: extract_authority(v, ctx),
        "need": lambda v: lambda: extract_need(v, ctx),
        "contact request": lambda v: lambda: extract_contact_request(v, ctx),
        "injection scan": lambda v: lambda: injected_spans(v),
        "language": lambda v: lambda: detect_language(v.visitor_text),
        "resolve": resolve_all,
        "intent": lambda v: lambda: classify_intent(v, ctx, slots, contact),
        "analyze (all)": lambda v: lambda: analyze(inquiry, ctx),
    }


def time_steps(
    prepared: list[tuple[Inquiry, dict[str, Step]]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """CPU and wall milliseconds of every step of every prepared inquiry, `rounds` times."""
    cpu: dict[str, list[float]] = {name: [] for name in prepared[0][1]}
    wall: dict[str, list[float]] = {name: [] for name in prepared[0][1]}
    for _ in range(rounds):
        for inquiry, table in prepared:
            for name, step in table.items():
                call = step(TextView(inquiry))
                c0, w0 = time.thread_time(), time.perf_counter()
                call()
                w1, c1 = time.perf_counter(), time.thread_time()
                cpu[name].append((c1 - c0) * 1000)
                wall[name].append((w1 - w0) * 1000)
    return cpu, wall


def report(cpu: dict[str, list[float]], wall: dict[str, list[float]]) -> None:
    print(f"  {'analyze':<16} cpu  {percentiles(cpu['analyze (all)'])}")
    print(f"  {'':<16} wall {percentiles(wall['analyze (all)'])}")
    print("  per step (same calls, each timed alone):")
    for name in cpu:
        if name == "analyze (all)":
            continue
        print(f"  {name:<16} cpu  {percentiles(cpu[name])}")
        print(f"  {'':<16} wall {percentiles(wall[name])}")


def verdict(values: list[float]) -> str:
    ordered = sorted(values)
    p50, p99 = at(ordered, 50), at(ordered, 99)
    ok = p50 <= BUDGET_P50_MS and p99 <= BUDGET_P99_MS
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms: {'within' if ok else 'OVER'} the budget"


def bench_analyze(cases: list[Case], iterations: int, warmup: int) -> None:
    prepared = []
    for case in cases:
        inquiry = inquiry_of(case)
        prepared.append((inquiry, steps(inquiry, analysis_context(inquiry, case.received_at))))
    for _ in range(warmup):
        for inquiry, table in prepared:
            table["analyze (all)"](TextView(inquiry))()
    cpu, wall = time_steps(prepared, iterations)
    total = len(cpu["analyze (all)"])
    print(f"\nintents.analyze, {len(cases)} samples x {iterations} iterations ({total} calls):")
    report(cpu, wall)
    print(f"  budget {BUDGET_P50_MS:g} ms p50 / {BUDGET_P99_MS:g} ms p99:")
    print(f"    cpu  {verdict(cpu['analyze (all)'])}")
    print(f"    wall {verdict(wall['analyze (all)'])}")


def big_message(cases: list[Case], size: int) -> tuple[Inquiry, Context]:
    """A form whose message is the samples' words repeated to `size` characters."""
    words = []
    for case in cases:
        inquiry = inquiry_of(case)
        words += [inquiry.message or ""] + [t.text for t in inquiry.transcript if t.role == "visitor"]
    chunk = "\n\n".join(w for w in words if w)
    text = (chunk * (size // max(1, len(chunk)) + 1))[:size]
    base = next(inquiry_of(c) for c in cases if c.channel == "form")
    fields = dict(base.fields)
    fields[base.message_field or "message"] = text
    inquiry = dataclasses.replace(base, message=text, fields=fields)
    return inquiry, analysis_context(inquiry, cases[0].received_at)


def bench_big(cases: list[Case], kb: int, rounds: int) -> None:
    inquiry, ctx = big_message(cases, kb * 1000)
    cpu, wall = time_steps([(inquiry, steps(inquiry, ctx))], rounds)
    print(f"\none {kb} KB message ({len(inquiry.message or '')} characters), {rounds} rounds:")
    report(cpu, wall)
    worst = max(wall["analyze (all)"])
    print(f"  slowest wall {worst:.0f} ms: {'within' if worst < BIG_BUDGET_MS else 'OVER'} the 1 s budget")


def bench_qualify(path: Path) -> None:
    cases = read_corpus(path)
    policy = Policy()
    default_qualifier(inquiry_of(cases[0]), cases[0].received_at, policy)  # load models first
    _rows, timing = qualify_all(cases, policy)
    t = timing.to_json()
    print(
        f"\nqualify {path.name}: {t['cases']} cases in {t['wall_seconds']:.3f} s wall "
        f"(per case mean {t['mean_ms']} ms, p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, max {t['max_ms']} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--iterations", type=int, default=50, help="timed rounds over the samples (default 50)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first (default 5)")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="inquiries to time (corpus format)")
    parser.add_argument(
        "--big-kb", type=int, default=100, help="size of the long message in KB (0 skips it; default 100)"
    )
    parser.add_argument("--big-rounds", type=int, default=3, help="timed rounds of the long message (default 3)")
    parser.add_argument(
        "--corpus", type=Path, action="append", default=[], help="also time qualifying this corpus"
    )
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    started = time.perf_counter()
    cases = read_corpus(args.samples)
    analyze(inquiry_of(cases[0]), analysis_context(inquiry_of(cases[0]), cases[0].received_at))
    print(f"first call (loads models and patterns): {time.perf_counter() - started:.2f} s")
    bench_analyze(cases, max(1, args.iterations), max(0, args.warmup))
    if args.big_kb > 0:
        bench_big(cases, args.big_kb, max(1, args.big_rounds))
    for path in args.corpus:
        bench_qualify(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
