"""The routing and scoring policy (handoff/policy.py): defaults, every key, errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from handoff.policy import KEYS, Policy, PolicyError, RouteRule

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "qualifier.toml.example"


def test_defaults_follow_schema_and_design() -> None:
    policy = Policy.from_mapping({})
    assert policy == Policy(raw={})
    assert policy.mql_threshold == 40
    assert policy.require_contact_request is True
    assert policy.sql_urgencies == ("immediate", "quarter")
    assert policy.sql_budget_statuses == ("stated", "approved")
    assert policy.sql_authority_roles == ("decision_maker", "influencer")
    assert dict(policy.intent_routes) == {
        "support": "redirect", "partnership": "redirect", "job_seeker": "redirect", "research": "redirect",
        "spam": "discard", "vendor_pitch": "discard", "other": "nurture",
    }
    assert {k: policy.redirects[k] for k in ("support", "partnership", "job_seeker", "research", "press")} == {
        "support": "support", "partnership": "partnerships", "job_seeker": "careers",
        "research": "general", "press": "press",
    }


def test_every_key_is_read() -> None:
    doc = {
        "routing": {
            "key_account_domains": ["BigCo.com "],
            "blocked_domains": ["spam.example"],
            "customer_domains": ["client.example"],
            "competitor_domains": ["rival.example"],
            "competitor_route": "discard",
            "require_contact_request": False,
            "sql_urgencies": ["immediate"],
            "sql_budget_statuses": ["approved"],
            "sql_authority_roles": ["decision_maker"],
            "intents": {"other": "discard"},
            "redirects": {"support": "customer-success", "press": "comms"},
            "forms": {"newsletter": {"max_route": "nurture"}, "contact-sales": {"min_route": "mql"}},
        },
        "sources": {"typeform": {"fields": {"Your story": "message"}, "max_route": "mql"}},
        "scoring": {
            "mql_threshold": 55,
            "events": {"email_open": 2},
            "engagement_window_days": 90,
            "fit": {"need": 40},
        },
    }
    policy = Policy.from_mapping(doc)
    assert policy.key_account_domains == ("bigco.com",)
    assert policy.blocked_domains == ("spam.example",)
    assert policy.customer_domains == ("client.example",)
    assert policy.competitor_domains == ("rival.example",)
    assert policy.competitor_route == "discard"
    assert policy.require_contact_request is False
    assert (policy.sql_urgencies, policy.sql_budget_statuses, policy.sql_authority_roles) == (
        ("immediate",), ("approved",), ("decision_maker",)
    )
    assert policy.intent_routes["other"] == "discard"
    assert (policy.redirects["support"], policy.redirects["press"]) == ("customer-success", "comms")
    assert dict(policy.form_rules) == {"newsletter": RouteRule(max_route="nurture"), "contact-sales": RouteRule(min_route="mql")}
    assert dict(policy.source_rules) == {"typeform": RouteRule(max_route="mql")}
    assert dict(policy.field_maps) == {"typeform": {"Your story": "message"}}
    assert policy.mql_threshold == 55
    assert policy.event_points["email_open"] == 2 and policy.event_points["email_click"] == 5
    assert policy.engagement_window_days == 90
    assert policy.fit_points["need"] == 40 and policy.fit_points["contact_request"] == 20


BAD = [
    ({"routing": []}, "routing"),
    ({"routing": {"key_acount_domains": []}}, "routing.key_acount_domains"),
    ({"routing": {"blocked_domains": "spam.example"}}, "routing.blocked_domains"),
    ({"routing": {"competitor_route": "sql"}}, "routing.competitor_route"),
    ({"routing": {"require_contact_request": "yes"}}, "routing.require_contact_request"),
    ({"routing": {"sql_urgencies": ["soon"]}}, "routing.sql_urgencies"),
    ({"routing": {"sql_budget_statuses": "stated"}}, "routing.sql_budget_statuses"),
    ({"routing": {"sql_authority_roles": ["boss"]}}, "routing.sql_authority_roles"),
    ({"routing": {"intents": {"buying": "nurture"}}}, "routing.intents.buying"),
    ({"routing": {"intents": {"spam": "sql"}}}, "routing.intents.spam"),
    ({"routing": {"redirects": {"sales": "x"}}}, "routing.redirects.sales"),
    ({"routing": {"redirects": {"support": ""}}}, "routing.redirects.support"),
    ({"routing": {"forms": {"demo": "sql"}}}, "routing.forms.demo"),
    ({"routing": {"forms": {"demo": {"max_route": "redirect"}}}}, "routing.forms.demo.max_route"),
    ({"routing": {"forms": {"demo": {"min_route": "sql", "max_route": "mql"}}}}, "routing.forms.demo.min_route"),
    ({"routing": {"forms": {"demo": {"route": "sql"}}}}, "routing.forms.demo.route"),
    ({"sources": {"typeform": {"feilds": {}}}}, "sources.typeform.feilds"),
    ({"sources": {"typeform": {"fields": {"a": 1}}}}, "sources.typeform.fields.a"),
    ({"sources": {"typeform": {"min_route": "discard"}}}, "sources.typeform.min_route"),
    ({"scoring": {"mql_threshold": "40"}}, "scoring.mql_threshold"),
    ({"scoring": {"mql_treshold": 40}}, "scoring.mql_treshold"),
    ({"scoring": {"events": {"page_view": 1}}}, "scoring.events.page_view"),
    ({"scoring": {"events": {"email_open": 1.5}}}, "scoring.events.email_open"),
    ({"scoring": {"fit": {"budget": 10}}}, "scoring.fit.budget"),
    ({"scoring": {"engagement_window_days": -1}}, "scoring.engagement_window_days"),
]


@pytest.mark.parametrize(("doc", "key"), [pytest.param(d, k, id=k) for d, k in BAD])
def test_bad_value_names_its_key(doc: dict, key: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(doc)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")


def test_example_file_is_valid_and_documents_every_key() -> None:
    text = EXAMPLE_FILE.read_text(encoding="utf-8")
    Policy.from_mapping(tomllib.loads(text))
    for key in KEYS:
        leaf = key.rsplit(".", 1)[-1]
        assert leaf in text, f"{key} is not documented in {EXAMPLE_FILE.name}"
    assert all(description.endswith(".") for description in KEYS.values())
