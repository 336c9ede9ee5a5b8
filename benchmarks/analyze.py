"""How fast is the analysis? Times `intents.analyze` and, optionally, a full `qualify` of a corpus.

    python benchmarks/analyze.py [--iterations 50] [--warmup 5] [--corpus FILE.jsonl ...]

The samples (`benchmarks/samples.jsonl`, written for this benchmark: 30
forms and chats of about 75 words, in SCHEMA.md's corpus format) are analysed
`--warmup` rounds untimed (models and pattern tables load once per process),
then `--iterations` rounds timed one inquiry at a time. It prints the machine,
p50/p95/p99 of one `analyze` call, the cost of each step (text view, each
extractor, language, resolving and intent) measured the same way, and, for
each `--corpus`, the wall time of qualifying every case through the product's
pipeline (normalize, analyze, decide, predicted) as `qualifier qualify` does.
The budget is 5 ms per inquiry at p95.
"""

from __future__ import annotations

import argparse
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
from handoff.policy import Policy  # noqa: E402
from intents import analyze  # noqa: E402
from intents.authority import extract_authority  # noqa: E402
from intents.budget import extract_budget  # noqa: E402
from intents.contact import extract_contact_request  # noqa: E402
from intents.lang import detect_language  # noqa: E402
from intents.need import extract_need  # noqa: E402
from intents.text import TextView  # noqa: E402
from intents.timeframe import extract_timeframe  # noqa: E402

SAMPLES = Path(__file__).with_name("samples.jsonl")
BUDGET_MS = 5.0


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
    return (
        f"{model}; {os.cpu_count()} cores ({usable} usable); Python {platform.python_version()} "
        f"on {platform.system()} {platform.release()}"
    )


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(pct: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]

    return (
        f"p50 {at(50):7.3f}  p95 {at(95):7.3f}  p99 {at(99):7.3f}  "
        f"mean {statistics.fmean(ordered):7.3f}  max {ordered[-1]:7.3f} ms"
    )


def steps(case: Case) -> dict[str, Callable[[], object]]:
    """Each step of `analyze` on one inquiry, as a zero-argument function."""
    inquiry = inquiry_of(case)
    ctx = analysis_context(inquiry, case.received_at)
    view = TextView(inquiry)
    return {
        "text view": lambda: TextView(inquiry),
        "budget": lambda: extract_budget(view, ctx),
        "timeframe": lambda: extract_timeframe(view, ctx),
        "authority": lambda: extract_authority(view, ctx),
        "need": lambda: extract_need(view, ctx),
        "contact request": lambda: extract_contact_request(view, ctx),
        "language": lambda: detect_language(view.visitor_text),
        "analyze (all)": lambda: analyze(inquiry, ctx),
    }


def bench_analyze(cases: list[Case], iterations: int, warmup: int) -> None:
    prepared = [steps(case) for case in cases]
    for _ in range(warmup):
        for step in prepared:
            step["analyze (all)"]()
    timings: dict[str, list[float]] = {name: [] for name in prepared[0]}
    for _ in range(iterations):
        for step in prepared:
            for name, call in step.items():
                started = time.perf_counter()
                call()
                timings[name].append((time.perf_counter() - started) * 1000)
    total = timings.pop("analyze (all)")
    print(f"\nintents.analyze, {len(cases)} samples x {iterations} iterations ({len(total)} calls):")
    print(f"  {'analyze':<16} {percentiles(total)}")
    verdict = "within" if sorted(total)[int(0.95 * len(total)) - 1] <= BUDGET_MS else "OVER"
    print(f"  p95 is {verdict} the {BUDGET_MS:g} ms budget")
    print("\nper step (same calls, each timed alone):")
    for name, values in timings.items():
        print(f"  {name:<16} {percentiles(values)}")


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
        "--corpus", type=Path, action="append", default=[], help="also time qualifying this corpus"
    )
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    started = time.perf_counter()
    cases = read_corpus(args.samples)
    analyze(inquiry_of(cases[0]), analysis_context(inquiry_of(cases[0]), cases[0].received_at))
    print(f"first call (loads models and patterns): {time.perf_counter() - started:.2f} s")
    bench_analyze(cases, max(1, args.iterations), max(0, args.warmup))
    for path in args.corpus:
        bench_qualify(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
