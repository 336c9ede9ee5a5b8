"""Submitting a demo or quote form is a request for contact (SCHEMA.md), even when the message never says so."""

from datetime import UTC, datetime

import pytest

from forms.types import Contact, Inquiry, VendorIds
from handoff import decide
from handoff.policy import Policy
from intents import analyze
from intents.types import Context

MESSAGE = "We reconcile 3,000 card transactions a month by hand and want to automate the matching. I'm the finance director."
CTX = Context(now=datetime(2026, 5, 4, 9, 0, tzinfo=UTC))


def inquiry(form_id, page_url):
    return Inquiry(source="generic", channel="form", contact=Contact(email="ola@brightmill.example"),
                   message=MESSAGE, message_field="message", fields={"message": MESSAGE},
                   page_url=page_url, vendor=VendorIds(form_id=form_id))


@pytest.mark.parametrize(
    ("form_id", "page_url", "route"),
    [
        pytest.param("book-a-demo", "https://www.example.com/demo", "sql", id="demo-form"),
        pytest.param("quote", "https://www.example.com/request-a-quote", "sql", id="quote-form"),
        pytest.param("contact", "https://www.example.com/contact", "mql", id="plain-contact-form"),
        pytest.param("newsletter", "https://www.example.com/blog", "mql", id="other-form"),
    ],
)
def test_demo_and_quote_forms_count_as_asking_for_contact(form_id, page_url, route):
    item = inquiry(form_id, page_url)
    decision = decide(analyze(item, CTX), item, Policy())
    assert decision.route == route
    if route == "sql":
        assert any("request form" in r.text for r in decision.reasons)
