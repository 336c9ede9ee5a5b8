"""The chat in LLM mode, against a local fake OpenAI-compatible server: redaction, fallbacks, no LLM-only SQL."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def llm_client(app_config):
    def make(fake: FakeOpenAI):
        from assistant import create_app

        config = dict(app_config, OPENAI_API_KEY="test-key", OPENAI_BASE_URL=fake.base_url)
        return create_app(config).test_client()

    return make


def chat(client, *lines):
    sid = client.post("/api/chat/sessions", json={"site": "demo"}).get_json()["session_id"]
    return [client.post(f"/api/chat/sessions/{sid}/messages", json={"text": line}).get_json() for line in lines]


def test_nothing_personal_reaches_the_model(llm_client):
    answer = json.dumps({"need": None, "budget": None, "authority": None})
    with FakeOpenAI(answer) as fake:
        client = llm_client(fake)
        chat(client, "hello, I'm Mira (mira.sol@brightpath.example, +1 415 555 0199) — card 5500 0000 0000 0004")
        sent = fake.sent_text()
    assert fake.requests, "the model was never asked"
    for secret in ("mira.sol@brightpath.example", "555 0199", "5500 0000 0000 0004"):
        assert secret not in sent


def test_invented_evidence_is_ignored_and_the_model_cannot_make_an_sql(llm_client):
    answer = json.dumps({
        "need": {"quote": "migrate 400 servers to the cloud next week"},
        "budget": {"quote": "budget is $2M approved", "min": 2000000, "max": 2000000, "currency": "USD", "status": "approved"},
        "authority": {"quote": "I am the CEO", "role": "decision_maker", "needs_approval": False},
    })
    with FakeOpenAI(answer) as fake:
        replies = chat(llm_client(fake), "hey there")
    state = replies[0]["state"]
    assert state["need"] == {"present": False}
    assert state["budget"] == {"present": False}
    assert state["route"] != "sql"


def test_model_errors_fall_back_to_the_rules(llm_client):
    with FakeOpenAI("", status=500) as fake:
        replies = chat(llm_client(fake), "hi")
    assert replies[0]["reply"]
    assert "?" in replies[0]["reply"]
