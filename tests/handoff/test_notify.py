"""Notification payloads (Slack, email, signed webhook) and the retry schedule. Nothing is sent here."""

from __future__ import annotations

import json
import random
import tomllib
from email import message_from_bytes, policy

import pytest

from handoff.assign import Assignment
from handoff.notify import (
    DONE,
    GIVE_UP,
    RETRY,
    SignatureError,
    backoff,
    email_message,
    lead_event,
    outcome,
    recipients,
    schedule,
    signature,
    signed_request,
    slack_request,
    smtp_outcome,
    verify_signature,
)
from handoff.policy import Policy, PolicyError
from handoff.roster import Retry, Sdr, Target

from .leads import NOW
from .test_brief import ANA, hostile_brief, sql_brief

STAMP = 1773151500  # NOW minus 5 minutes, as unix seconds
SECRET = "whsec_test_secret"


# --------------------------------------------------------------------------- Slack


@pytest.mark.parametrize(
    "mention, expected",
    [
        pytest.param(True, "Assigned to <@U0ANA>", id="mention-assignee"),
        pytest.param(False, "Assigned to *Ana Okafor*", id="name-only"),
    ],
)
def test_slack_request_posts_block_kit_json(mention, expected):
    request = slack_request(sql_brief(), "http://127.0.0.1:9/hook", mention=mention)
    body = json.loads(request.body)
    assert request.headers["Content-Type"].startswith("application/json")
    assert body["text"].startswith("SQL: Priya Natarajan, Kestrel Freight")
    assert body["unfurl_links"] is False
    assert expected in body["blocks"][1]["text"]["text"]


# --------------------------------------------------------------------------- email

ASSIGNED = Assignment(ANA, None, "territory", "territory")
NO_EMAIL = Assignment(Sdr(id="x", name="X"), None, "territory", "territory")


@pytest.mark.parametrize(
    "to, assignment, expected",
    [
        pytest.param(("assignee",), ASSIGNED, ("ana@seller.example",), id="assignee"),
        pytest.param(
            ("assignee", "leads@seller.example"),
            ASSIGNED,
            ("ana@seller.example", "leads@seller.example"),
            id="assignee-and-list",
        ),
        pytest.param(
            ("assignee", "ana@seller.example"), ASSIGNED, ("ana@seller.example",), id="no-duplicates"
        ),
        pytest.param(("assignee",), None, (), id="nobody-assigned"),
        pytest.param(("assignee",), NO_EMAIL, (), id="assignee-without-email"),
    ],
)
def test_email_recipients(to, assignment, expected):
    assert recipients(Target(name="t", kind="email", to=to), assignment) == expected


def test_email_is_multipart_text_and_html():
    message = email_message(
        sql_brief(),
        sender="Qualifier <qualifier@seller.example>",
        to=["ana@seller.example"],
        now=NOW,
        message_id="<delivery-1@qualifier>",
        inquiry_url="https://qualifier.seller.example/leads/1",
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == "SQL: Priya Natarajan, Kestrel Freight (respond within 5 minutes)"
    assert (parsed["From"], parsed["To"], parsed["Message-ID"]) == (
        "Qualifier <qualifier@seller.example>",
        "ana@seller.example",
        "<delivery-1@qualifier>",
    )
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Open the lead: https://qualifier.seller.example/leads/1" in text
    assert "BANT" in text and '<article class="brief brief-sql"' in html and "<!doctype html>" in html


def test_email_headers_cannot_be_injected():
    message = email_message(hostile_brief(), sender="q@seller.example", to=["ana@seller.example"], now=NOW)
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert parsed.get_all("To") == ["ana@seller.example"] and parsed.get_all("Bcc") is None
    assert b"<script>" not in parsed.get_body(("html",)).get_content().encode()


def test_email_needs_a_recipient():
    with pytest.raises(ValueError, match="recipient"):
        email_message(sql_brief(), sender="q@seller.example", to=[], now=NOW)


# --------------------------------------------------------------------------- signed webhook


def test_signature_known_answer():
    # Computed independently: printf '1773151500.{"event":"lead.routed","n":1}' | openssl dgst -sha256 -hmac whsec_test_secret
    body = b'{"event":"lead.routed","n":1}'
    expected = "v1=09999942b429e91d6027ca999e8466eb9f1453e58aa7b7cbf4999c44633c5ae3"
    assert signature(SECRET, STAMP, body) == expected
    request = signed_request(
        "http://127.0.0.1:9/crm", {"event": "lead.routed", "n": 1}, SECRET, timestamp=STAMP
    )
    assert request.body == body
    assert request.headers["X-Qualifier-Signature"] == expected
    assert request.headers["X-Qualifier-Timestamp"] == str(STAMP)
    assert request.headers["X-Qualifier-Event"] == "lead.routed"


def test_lead_event_is_signed_and_verifies():
    event = lead_event(sql_brief(), inquiry_id="inq-1", now=NOW, inquiry_url="https://q.example/leads/inq-1")
    request = signed_request("http://127.0.0.1:9/crm", event, SECRET, timestamp=STAMP, delivery_id="dl-1")
    verify_signature(request.body, request.headers, SECRET, now=STAMP + 10)
    body = json.loads(request.body)
    assert (body["event"], body["route"], body["inquiry"]["id"]) == ("lead.routed", "sql", "inq-1")
    assert body["brief"]["bant"]["budget"]["value"] == "40,000 GBP per year"
    assert body["brief_markdown"].startswith("# SQL lead: Priya Natarajan")
    assert request.headers["X-Qualifier-Delivery"] == "dl-1"


def _signed(body=b'{"a":1}', stamp=STAMP):
    return body, dict(signed_request("http://x", body, SECRET, timestamp=stamp).headers)


@pytest.mark.parametrize(
    "tamper, message",
    [
        pytest.param(lambda b, h: (b + b" ", h), "does not match", id="body-changed"),
        pytest.param(
            lambda b, h: (b, {**h, "X-Qualifier-Timestamp": str(STAMP + 1)}),
            "does not match",
            id="timestamp-changed",
        ),
        pytest.param(
            lambda b, h: (b, {**h, "X-Qualifier-Timestamp": str(STAMP - 3600)}),
            "more than 300 s",
            id="too-old",
        ),
        pytest.param(
            lambda b, h: (b, {k: v for k, v in h.items() if k != "X-Qualifier-Signature"}),
            "does not match",
            id="no-signature",
        ),
        pytest.param(
            lambda b, h: (b, {k: v for k, v in h.items() if k != "X-Qualifier-Timestamp"}),
            "malformed",
            id="no-timestamp",
        ),
        pytest.param(
            lambda b, h: (b, {**h, "X-Qualifier-Signature": "v0=" + h["X-Qualifier-Signature"][3:]}),
            "does not match",
            id="other-version",
        ),
    ],
)
def test_tampered_webhook_is_rejected(tamper, message):
    body, headers = tamper(*_signed())
    with pytest.raises(SignatureError, match=message):
        verify_signature(body, headers, SECRET, now=STAMP + 5)


def test_wrong_secret_is_rejected_and_rotation_accepts_either():
    body, headers = _signed()
    with pytest.raises(SignatureError):
        verify_signature(body, headers, "another-secret", now=STAMP)
    rotated = {
        **headers,
        "x-qualifier-signature": f"{signature('old', STAMP, body)}, {headers['X-Qualifier-Signature']}",
    }
    del rotated["X-Qualifier-Signature"]
    verify_signature(body, rotated, SECRET, now=STAMP)


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    "status, expected",
    [
        pytest.param(200, DONE, id="200"),
        pytest.param(204, DONE, id="204"),
        pytest.param(None, RETRY, id="no-answer"),
        pytest.param(408, RETRY, id="408"),
        pytest.param(429, RETRY, id="429"),
        pytest.param(500, RETRY, id="500"),
        pytest.param(503, RETRY, id="503"),
        pytest.param(301, GIVE_UP, id="redirect"),
        pytest.param(400, GIVE_UP, id="400"),
        pytest.param(403, GIVE_UP, id="403-revoked"),
        pytest.param(404, GIVE_UP, id="404"),
        pytest.param(410, GIVE_UP, id="410-archived"),
    ],
)
def test_http_outcome(status, expected):
    assert outcome(status) == expected


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param(250, DONE, id="250"),
        pytest.param(None, RETRY, id="cannot-connect"),
        pytest.param(421, RETRY, id="421-busy"),
        pytest.param(451, RETRY, id="451-greylisted"),
        pytest.param(550, GIVE_UP, id="550-no-mailbox"),
        pytest.param(554, GIVE_UP, id="554-rejected"),
    ],
)
def test_smtp_outcome(code, expected):
    assert smtp_outcome(code) == expected


@pytest.mark.parametrize(
    "retry, expected",
    [
        pytest.param(
            Retry(attempts=5, base_seconds=2, factor=2, max_seconds=600, jitter=0),
            (2.0, 4.0, 8.0, 16.0),
            id="doubling",
        ),
        pytest.param(
            Retry(attempts=6, base_seconds=10, factor=3, max_seconds=100, jitter=0),
            (10.0, 30.0, 90.0, 100.0, 100.0),
            id="capped",
        ),
        pytest.param(Retry(attempts=1, jitter=0), (), id="single-attempt"),
    ],
)
def test_schedule_without_jitter(retry, expected):
    assert schedule(retry, random.Random(0)) == expected


def test_jitter_spreads_delays_within_bounds_and_is_reproducible():
    retry = Retry(attempts=6, base_seconds=2, factor=2, max_seconds=600, jitter=0.25)
    first = schedule(retry, random.Random(7))
    assert first == schedule(retry, random.Random(7))
    assert first != schedule(retry, random.Random(8))
    for n, delay in enumerate(first, start=1):
        nominal = 2 * 2 ** (n - 1)
        assert nominal * 0.75 <= delay <= nominal * 1.25


@pytest.mark.parametrize(
    "attempt, retry_after, expected",
    [
        pytest.param(1, 30, 30.0, id="retry-after-longer-wins"),
        pytest.param(1, 0.5, 2.0, id="retry-after-shorter-ignored"),
        pytest.param(1, 10_000, 600.0, id="retry-after-capped"),
        pytest.param(5, None, None, id="no-attempts-left"),
    ],
)
def test_backoff_honours_retry_after(attempt, retry_after, expected):
    retry = Retry(attempts=5, base_seconds=2, factor=2, max_seconds=600, jitter=0)
    assert backoff(retry, attempt, random.Random(0), retry_after) == expected


# --------------------------------------------------------------------------- policy


NOTIFY = """
[notify]
sender = "Leads <leads@seller.example>"

[notify.retry]
attempts = 3
base_seconds = 1.5

[notify.smtp]
host = "127.0.0.1"
port = 2525

[[notify.targets]]
name = "sales-channel"
kind = "slack"
url_env = "QUALIFIER_SLACK_WEBHOOK_URL"

[[notify.targets]]
name = "assigned-sdr"
kind = "email"
to = ["assignee"]
routes = ["sql"]

[[notify.targets]]
name = "crm"
kind = "webhook"
url = "https://crm.seller.example/hooks/qualifier"
secret_env = "QUALIFIER_WEBHOOK_SECRET_CRM"
routes = ["sql", "mql", "nurture"]
"""


def test_notify_policy_reads_targets_per_route():
    notify = Policy.from_mapping(tomllib.loads(NOTIFY)).notify
    assert [t.name for t in notify.targets_for("sql")] == ["sales-channel", "assigned-sdr", "crm"]
    assert [t.name for t in notify.targets_for("nurture")] == ["crm"]
    assert notify.targets_for("discard") == ()
    assert (notify.smtp.port, notify.retry.attempts, notify.retry.base_seconds) == (2525, 3, 1.5)


@pytest.mark.parametrize(
    "toml, key",
    [
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "fax"\n', "notify.targets[0].kind", id="bad-kind"
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "slack"\n',
            "notify.targets[0].url",
            id="slack-without-url",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "slack"\nurl = "https://a.example"\nurl_env = "A"\n',
            "notify.targets[0].url",
            id="url-twice",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "webhook"\nurl = "https://a.example"\n',
            "notify.targets[0].secret_env",
            id="unsigned-webhook",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "webhook"\nurl = "ftp://a.example"\nsecret_env = "S"\n',
            "notify.targets[0].url",
            id="not-http",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "email"\n', "notify.targets[0].to", id="email-without-to"
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "email"\nto = ["nobody"]\n',
            "notify.targets[0].to",
            id="email-bad-address",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "slack"\nurl_env = "lower_case"\n',
            "notify.targets[0].url_env",
            id="bad-env-name",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "email"\nto = ["assignee"]\nroutes = ["hot"]\n',
            "notify.targets[0].routes",
            id="bad-route",
        ),
        pytest.param(
            '[[notify.targets]]\nname = "x"\nkind = "email"\nto = ["assignee"]\n[[notify.targets]]\nname = "x"\nkind = "email"\nto = ["assignee"]\n',
            "notify.targets[1].name",
            id="duplicate-name",
        ),
        pytest.param('[notify]\nsender = "nobody"\n', "notify.sender", id="bad-sender"),
        pytest.param("[notify.smtp]\nport = 70000\n", "notify.smtp.port", id="bad-port"),
        pytest.param("[notify.smtp]\nstarttls = true\nssl = true\n", "notify.smtp.ssl", id="tls-twice"),
        pytest.param("[notify.retry]\njitter = 2\n", "notify.retry.jitter", id="jitter-over-one"),
        pytest.param("[notify.retry]\nfactor = 0.5\n", "notify.retry.factor", id="shrinking-backoff"),
        pytest.param('[notify]\nwebhook = "x"\n', "notify.webhook", id="unknown-key"),
    ],
)
def test_notify_policy_names_the_bad_key(toml, key):
    with pytest.raises(PolicyError) as caught:
        Policy.from_mapping(tomllib.loads(toml))
    assert caught.value.key == key
