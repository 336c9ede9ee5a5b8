"""The SDR dashboard in a real browser (Debian's Chromium, JavaScript off): sign in, work a lead from the
queue to contacted, and see the funnel update. With QUALIFIER_SCREENSHOTS=1 (or QUALIFIER_TEST_SCREENSHOTS=1)
it saves the queue, the lead page and the analytics to docs/screenshots/ for the README.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant import auth, create_app, models, runtime_of
from handoff.policy import Policy
from tests.assistant import samples

pytestmark = pytest.mark.browser

SCREENSHOTS = "1" in (os.environ.get("QUALIFIER_SCREENSHOTS"), os.environ.get("QUALIFIER_TEST_SCREENSHOTS"))
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a long enough password"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Inquiries written for this test (none from any corpus): a few buyers, a vague one and two pieces of junk.
OTHER_LEADS = [
    samples.form(
        fields={
            "first_name": "Priya",
            "last_name": "Natarajan",
            "email": "priya@harrowgate-legal.example",
            "company": "Harrowgate Legal",
            "job_title": "Managing Partner",
            "country": "United States",
            "message": (
                "We are a 30-person law firm and our client intake lives in a shared spreadsheet. "
                "We have about $15k a year set aside for a proper system. Could you send a quote and book a call next week?"
            ),
        }
    ),
    samples.form(
        fields={
            "first_name": "Lars",
            "last_name": "Eriksen",
            "email": "lars@nordlys-bakery.example",
            "company": "Nordlys Bakery",
            "job_title": "Office Manager",
            "message": "Curious whether your reporting works for a small team. Just looking around for now.",
        }
    ),
    samples.form(
        fields={
            "first_name": "Dana",
            "last_name": "Whitfield",
            "email": "dana@copperline-hvac.example",
            "company": "Copperline HVAC",
            "job_title": "Head of Service",
            "message": (
                "Our 18 technicians get their jobs by text message and half the visits slip. "
                "I'd like a demo this week - we need something running before the summer rush."
            ),
        }
    ),
    samples.form(
        fields={
            "name": "Rank Booster",
            "email": "sales@rankbooster.example",
            "message": "We offer guaranteed first-page SEO and backlink packages. Reply for our price list!",
        }
    ),
]


@pytest.fixture
def slack() -> Iterator[list]:
    """A local stand-in for a Slack incoming webhook, so "SDR notified" is measured for real."""
    received: list = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.append(f"http://127.0.0.1:{server.server_address[1]}/slack")  # received[0] is the URL
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def dashboard(app_config, live_server, slack, monkeypatch) -> Iterator[tuple[str, object]]:  # noqa: ANN001
    """A production-like app (not TESTING: Secure cookies) on 127.0.0.1, an SDR account and some leads."""
    monkeypatch.setattr(auth, "PASSWORD_METHOD", "scrypt:1024:8:1")
    policy = Policy.from_mapping(
        {
            "sdrs": [
                {"id": "maria", "name": "Maria Lopez", "email": "maria@example.com", "hours": "00:00-24:00", "days": ALL_DAYS},
            ],
            "notify": {"targets": [{"name": "sales-leads", "kind": "slack", "url": slack[0], "routes": ["sql", "mql"]}]},
        }
    )
    app = create_app({**app_config, "POLICY": policy, "TESTING": False, "SECRET_KEY": "browser-test-" + "k" * 24})
    base = live_server(app)
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        auth.create_user(
            session, "maria@example.com", PASSWORD, role="sdr", name="Maria Lopez", now=datetime.now(UTC),
            roster=policy.roster,
        )
    ids = [_post(base, payload) for payload in (samples.form(), *OTHER_LEADS)]
    # Make the queue look like a real morning: some leads have waited a while.
    with runtime.sessions() as session:
        for inquiry_id, minutes in ((ids[1], 4), (ids[3], 95)):
            earlier = timedelta(minutes=minutes)
            inquiry = session.get(models.Inquiry, inquiry_id)
            inquiry.received_at -= earlier
            for sent in session.scalars(select(models.Delivery).where(models.Delivery.inquiry_id == inquiry_id)):
                sent.created_at -= earlier
                sent.sent_at = sent.sent_at - earlier if sent.sent_at else None
        session.commit()
    yield base, ids
    runtime.engine.dispose()


def _post(base: str, payload: dict) -> str:
    request = urllib.request.Request(
        f"{base}/webhooks/generic",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own local server
        assert answer.status == 202
        return json.loads(answer.read())["id"]


@pytest.fixture
def no_js_page(browser) -> Iterator:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1280, "height": 860}, java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _shot(page, name: str) -> None:  # noqa: ANN001
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / name))


def test_an_sdr_works_a_lead_from_the_queue_to_contacted_and_sees_the_funnel(dashboard, no_js_page, slack) -> None:
    base, ids = dashboard
    page = no_js_page
    lead_id = ids[0]

    # Signing in (redirected from the queue, back to it afterwards).
    page.goto(f"{base}/dashboard/queue")
    assert "/dashboard/sign-in" in page.url
    page.fill("input[name=email]", "maria@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert page.url.endswith("/dashboard/queue")
    cookie = next(c for c in page.context.cookies() if c["name"] == "qualifier_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    # The queue: the lead is there, SQL first, with an SLA badge.
    row = page.locator(f"tr[data-lead='{lead_id}']")
    assert row.count() == 1
    assert "Okonkwo Adeyemi" in row.inner_text()
    routes = page.locator("table.queue tbody tr .route").all_inner_texts()
    assert routes == sorted(routes, key=lambda r: {"SQL": 0, "MQL": 1}.get(r, 2))
    assert page.locator("table.queue .sla-red").count() >= 1  # the lead that waited 95 minutes
    assert len(slack) > 1  # the SDR was notified in Slack when the leads came in
    _shot(page, "dashboard-queue.png")

    # The lead page: brief and highlighted evidence.
    row.locator("a.lead-name").click()
    assert f"/dashboard/leads/{lead_id}" in page.url
    assert page.locator("article.brief").count() == 1
    need = page.locator("#original .fields mark.ev-need").first
    assert "whiteboards" in need.inner_text()
    _shot(page, "dashboard-lead.png")

    # Work it: accept, then mark contacted (back to the queue, where it is no longer open).
    page.click("#accept button[type=submit]")
    assert "Accepted" in page.locator(".flash").inner_text()
    page.select_option("#contacted select[name=via]", "phone")
    page.click("#contacted button[type=submit]")
    assert page.url.endswith("/dashboard/queue")
    assert "Contact recorded." in page.locator(".flash").inner_text()
    assert page.locator(f"tr[data-lead='{lead_id}']").count() == 0
    page.select_option("select[name=status]", "contacted")
    page.click(".filters button[type=submit]")
    assert page.locator(f"tr[data-lead='{lead_id}'] .sla").inner_text().startswith("contacted in")

    # The funnel counts the accepted lead and its speed to contact.
    page.click("nav >> text=Analytics")
    assert page.locator("#step-accepted .count").inner_text() == "1"
    assert page.locator("#tile-acceptance .big").inner_text() == "100%"
    assert page.locator("#tile-contacted .big").inner_text() != "—"
    assert page.locator("#tile-notified .big").inner_text() != "—"
    assert page.locator("svg.chart").count() == 3
    _shot(page, "dashboard-analytics.png")


def test_the_queue_becomes_cards_on_a_phone(dashboard, browser) -> None:  # noqa: ANN001
    base, ids = dashboard
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/dashboard/sign-in")
        page.fill("input[name=email]", "maria@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        # Wait for the queue page and its stylesheet before reading the layout.
        page.wait_for_url("**/dashboard/queue**")
        page.wait_for_load_state("load")

        page.locator("table.queue thead").wait_for(state="hidden")  # fails on time-out if the header shows
        row = page.locator(f"tr[data-lead='{ids[0]}']")
        assert row.evaluate("el => getComputedStyle(el).display") == "block"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing overflows sideways
    finally:
        context.close()
