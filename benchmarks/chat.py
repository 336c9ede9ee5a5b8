"""Chat reply latency in rules mode: scripted conversations through the HTTP API.

    python benchmarks/chat.py [--conversations 40]

Builds the app on a fresh SQLite file in a temporary folder, warms it up, then
plays scripted visitors (buyer, terse buyer, refuser, support, job seeker)
through Flask's test client and reports per-reply latency p50/p95/p99. The
target (issue 7) is a reply in at most 50 ms p50.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

SCRIPTS = [
    ["hi", "we need scheduling software for our 15 landscaping crews", "within 6 weeks", "yes please", "1",
     "lee@greenrow.example"],
    ["Our 40 support agents answer email by hand; we want a shared inbox with SLAs live by end of next quarter. "
     "Budget around $2k a month, I'm the head of support. Can we book a demo?", "2", "pat@helpline.example"],
    ["looking for an invoicing tool", "rather not say", "prefer not to say", "not sure", "no thanks"],
    ["I can't reset my password, the link in the email has expired twice"],
    ["Do you have any openings for junior data analysts? I'd like to send my CV."],
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault("QUALIFIER_LOG_LEVEL", "WARNING")  # keep access logs out of the figures
    from assistant import create_app, db, runtime_of

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        app = create_app({"DATABASE_URL": url, "API_TOKENS": "bench", "RATELIMIT_ENABLED": False})
        client = app.test_client()
        timings: list[float] = []
        for n in range(args.conversations + 2):
            script = SCRIPTS[n % len(SCRIPTS)]
            sid = client.post("/api/chat/sessions", json={"site": "demo"}).get_json()["session_id"]
            for line in script:
                start = time.perf_counter()
                answer = client.post(f"/api/chat/sessions/{sid}/messages", json={"text": line})
                spent = (time.perf_counter() - start) * 1000
                assert answer.status_code == 200, answer.get_json()
                if n >= 2:  # the first two conversations warm up models and caches
                    timings.append(spent)
        runtime_of(app).engine.dispose()

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    print(f"machine: {cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; load {os.getloadavg()[0]:.2f}")
    print(f"chat replies (rules mode, SQLite): {len(timings)} replies in {args.conversations} conversations")
    print(f"  p50 {statistics.median(timings):.1f} ms  p95 {percentile(timings, 95):.1f} ms  "
          f"p99 {percentile(timings, 99):.1f} ms  max {max(timings):.1f} ms")
    verdict = "within" if statistics.median(timings) <= 50 else "OVER"
    print(f"  target p50 <= 50 ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
