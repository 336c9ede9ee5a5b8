"""Rate limits: 429 with Retry-After, counted per source and client address, one bucket per area."""

from __future__ import annotations

import os
import secrets
import time

import pytest

from assistant import create_app, runtime_of
from assistant.config import ConfigError
from assistant.limits import DEFAULTS, RateLimits
from assistant.policy import PolicyFileError
from handoff.policy import Policy
from tests.assistant import samples
from tests.assistant.dashboard_helpers import sign_in

A = "198.51.100.10"
B = "198.51.100.11"


def webhook(client, source: str = "generic", address: str = A, n: list[int] = [0]):  # noqa: B006 - a counter
    n[0] += 1
    body = samples.form(fields={"message": f"We need a quote for {n[0]} delivery vans, please call me."})
    return client.post(f"/webhooks/{source}", json=body, environ_base={"REMOTE_ADDR": address})


def start_chat(client, address: str = A):
    return client.post("/api/chat/sessions", json={"site": "demo"}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def limited(app_config):
    """`limited(**settings)`: a test client of an app with these limits.

    The limits count per minute in windows that turn at each full minute (the sliding-window
    counter weighs the previous minute's count down), so a test that began in the last seconds
    of one could see its first request forgiven: the client is given after the minute turns.
    """
    apps = []

    def make(**settings):
        app = create_app({**app_config, **settings})
        apps.append(app)
        into_minute = time.time() % 60
        if into_minute > 55:
            time.sleep(60.05 - into_minute)
        return app.test_client()

    yield make
    for app in apps:
        runtime_of(app).engine.dispose()


def test_the_request_over_the_limit_gets_429_json_with_retry_after(limited) -> None:
    client = limited(LIMIT_WEBHOOKS="2/minute")
    answers = [webhook(client) for _ in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    refused = answers[-1]
    assert refused.is_json and set(refused.get_json()) == {"error"}
    assert "rate limited" in refused.get_json()["error"] and "'generic'" in refused.get_json()["error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_retry_after_never_exceeds_the_window_at_its_start(limited, monkeypatch) -> None:
    client = limited(LIMIT_WEBHOOKS="2/minute")
    turn = 30_000_000 * 60.0  # a moment the minute turns
    monkeypatch.setattr(time, "time", lambda: turn + 0.05)
    answers = [webhook(client) for _ in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[-1].headers["Retry-After"] == "60"


def test_webhooks_are_counted_per_source_and_per_client_address(limited) -> None:
    client = limited(LIMIT_WEBHOOKS="1/minute")
    assert webhook(client, "generic", A).status_code == 202
    assert webhook(client, "generic", A).status_code == 429

    # Another address, or another source from the same address: their own buckets.
    assert webhook(client, "generic", B).status_code == 202
    other_source = webhook(client, "tally", A)
    assert other_source.status_code != 429


def test_made_up_sources_share_one_bucket(limited) -> None:
    client = limited(LIMIT_WEBHOOKS="1/minute")
    assert webhook(client, "no-such-vendor").status_code == 404
    assert webhook(client, "another-made-up-name").status_code == 429
    assert webhook(client, "generic").status_code == 202  # a real source keeps its own


@pytest.mark.parametrize(
    ("settings", "exhaust", "still_free"),
    [
        pytest.param(
            {"LIMIT_CHAT_SESSIONS": "1/minute"},
            "chat_session",
            ["webhook", "chat_message"],
            id="chat-sessions",
        ),
        pytest.param(
            {"LIMIT_WEBHOOKS": "1/minute"}, "webhook", ["chat_session", "chat_message"], id="webhooks"
        ),
        pytest.param(
            {"LIMIT_CHAT_MESSAGES": "1/minute"},
            "chat_message",
            ["webhook", "chat_session"],
            id="chat-messages",
        ),
    ],
)
def test_each_area_has_its_own_bucket(limited, settings, exhaust, still_free) -> None:
    client = limited(**settings)
    session_id = start_chat(client, B).get_json()["session_id"]  # another address: not counted for A

    def call(what: str):
        if what == "webhook":
            return webhook(client)
        if what == "chat_session":
            return start_chat(client)
        return client.post(
            f"/api/chat/sessions/{session_id}/messages",
            json={"text": "hello"},
            environ_base={"REMOTE_ADDR": A},
        )

    call(exhaust)
    assert call(exhaust).status_code == 429
    for other in still_free:
        assert call(other).status_code != 429, other


def test_sign_in_attempts_are_limited_per_address_but_the_page_is_not(limited) -> None:
    client = limited(LIMIT_SIGN_IN="2/minute")
    answers = [sign_in(client, f"guess{i}@example.com", "not the password").status_code for i in range(3)]

    assert answers == [401, 401, 429]
    refused = sign_in(client, "guess@example.com", "not the password")
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/dashboard/sign-in").status_code == 200


def test_cors_preflights_are_not_counted(limited) -> None:
    client = limited(LIMIT_CHAT_SESSIONS="1/minute")
    for _ in range(3):
        assert client.options("/api/chat/sessions", environ_base={"REMOTE_ADDR": A}).status_code == 204
    assert start_chat(client).status_code == 201


def test_off_switches_a_limit_off(limited) -> None:
    client = limited(LIMIT_WEBHOOKS="off")
    assert {webhook(client).status_code for _ in range(4)} == {202}


def test_the_policy_sets_limits_per_source_and_the_environment_overrides_it(limited) -> None:
    policy = Policy.from_mapping(
        {"limits": {"webhooks": "1/minute", "chat_sessions": "1/minute", "sources": {"tally": "off"}}}
    )
    client = limited(POLICY=policy, LIMIT_CHAT_SESSIONS="3/minute")

    assert [webhook(client).status_code for _ in range(2)] == [202, 429]  # the policy's webhooks limit
    assert all(webhook(client, "tally").status_code != 429 for _ in range(3))  # its own, off
    assert [start_chat(client).status_code for _ in range(4)] == [201, 201, 201, 429]  # the environment's


@pytest.mark.parametrize(
    ("limits", "key"),
    [
        pytest.param({"webhooks": "lots"}, "limits.webhooks", id="not-a-limit"),
        pytest.param({"webhook": "5/minute"}, "limits.webhook", id="unknown-key"),
        pytest.param({"sources": {"tally": 5}}, "limits.sources.tally", id="not-text"),
    ],
)
def test_a_bad_policy_limit_stops_start_up_naming_the_key(app_config, limits, key) -> None:
    with pytest.raises(PolicyFileError, match=key):
        create_app({**app_config, "POLICY": Policy.from_mapping({"limits": limits})})


def test_a_bad_environment_limit_names_the_variable(app_config) -> None:
    with pytest.raises(ConfigError, match="QUALIFIER_LIMIT_WEBHOOKS"):
        create_app({**app_config, "LIMIT_WEBHOOKS": "a lot"})


def test_the_defaults_are_generous_enough_for_a_vendor_burst() -> None:
    from limits import parse_many

    per_second = {str(item.GRANULARITY.name): item.amount for item in parse_many(DEFAULTS["webhooks"])}
    assert per_second["second"] >= 100 and per_second["minute"] >= 3000
    assert RateLimits().limit_for("webhooks.receive", "POST", {"source": "typeform"}) == DEFAULTS["webhooks"]
    assert RateLimits().limit_for("webhooks.receive", "GET", {"source": "typeform"}) == ""
    assert RateLimits().limit_for("api.list_inquiries", "POST", {}) == ""


# Queue mode: the counts live in Redis, shared by every worker -------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("QUALIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis at {url} does not answer")
        pytest.skip(f"no Redis at {url}")
    finally:
        client.close()
    return url


@pytest.mark.redis
def test_in_queue_mode_every_worker_shares_one_count(limited, redis_url) -> None:
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"  # a fresh key
    worker_1 = limited(REDIS_URL=redis_url, LIMIT_CHAT_SESSIONS="2/minute")
    worker_2 = limited(REDIS_URL=redis_url, LIMIT_CHAT_SESSIONS="2/minute")

    answers = [start_chat(w, address).status_code for w in (worker_1, worker_2, worker_1)]

    assert answers == [201, 201, 429]


def test_when_redis_is_down_requests_are_still_served(limited) -> None:
    client = limited(REDIS_URL="redis://127.0.0.1:9/0", LIMIT_CHAT_SESSIONS="1/minute")
    answers = [start_chat(client).status_code for _ in range(2)]
    assert answers == [201, 429]  # counted in memory meanwhile
