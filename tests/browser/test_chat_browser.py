"""The widget in a real browser: from "hi" on /demo to a booked meeting and the SDR's notification."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handoff.policy import Policy
from intents.text import asked_slot


class Inbox(list):
    url = ""


@pytest.fixture
def slack() -> Iterator[Inbox]:
    """A local stand-in for a Slack incoming webhook; collects what it is sent."""
    received = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            received.append(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}/slack"
    yield received
    server.shutdown()
    server.server_close()


def bot_messages(page):
    return page.locator("[data-qualifier-widget]").locator(".msg.bot")


def send(page, text: str) -> str:
    """Type `text` into the widget and return the assistant's answer."""
    widget = page.locator("[data-qualifier-widget]")
    before = bot_messages(page).count()
    widget.locator("textarea").fill(text)
    widget.locator("textarea").press("Enter")
    bot_messages(page).nth(before).wait_for()
    return bot_messages(page).nth(before).inner_text()


def test_visitor_goes_from_hi_to_a_booked_meeting_and_the_sdr_hears_of_it(
    app_config, live_server, page, slack, screenshots_dir
):
    from assistant import create_app

    app_config["POLICY"] = Policy.from_mapping(
        {"notify": {"targets": [{"name": "sales", "kind": "slack", "url": slack.url, "routes": ["sql"]}]}}
    )
    base = live_server(create_app(app_config))
    page.goto(f"{base}/demo")
    launcher = page.locator("[data-qualifier-widget]").locator("button.launcher")
    launcher.focus()
    page.keyboard.press("Enter")  # keyboard opens the panel
    bot_messages(page).first.wait_for()  # the greeting

    assert asked_slot(send(page, "hi")) == "need"  # the wording varies by session; the slot does not
    answer = send(page, "We need dispatch software for our 18 HVAC technicians, they work off paper job sheets today")
    assert "?" in answer
    # The transcript survives a reload within the visit.
    page.reload()
    page.locator("[data-qualifier-widget]").locator(".msg.visitor").nth(1).wait_for()
    answer = send(page, "within the next 3 weeks")
    answer = send(page, "yes, a call would be great") if "call" in answer or "meeting" in answer else answer
    assert "Pick a time" in answer, answer
    if screenshots_dir:
        page.screenshot(path=str(screenshots_dir / "chat-widget.png"))
    answer = send(page, "2")
    assert "email" in answer.lower()
    answer = send(page, "rosa@coolair.example")
    assert "You're booked" in answer

    # The SDR's Slack hears of the SQL with its brief.
    page.wait_for_timeout(200)
    assert slack, "no notification reached the Slack receiver"
    assert "HVAC" in json.dumps(slack[-1])
