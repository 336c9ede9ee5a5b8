"""SDR assignment: owner, territory and segment rules, weighted round robin, hours, absence, fallback.

The roster is written as policy TOML and read through `Policy.from_mapping`, as the service reads it.
NOW is Tue 2026-03-10 14:05 UTC: 14:05 in London, 15:05 in Berlin, 10:05 in New York, 23:05 in Tokyo.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import timedelta

import pytest

from handoff.assign import PastAssignment, assign
from handoff.policy import Policy, PolicyError

from .leads import NOW, decision, form

ROSTER = """
[assignment]
fallback_queue = "sdr-inbox"

[[sdrs]]
id = "ana"
name = "Ana"
email = "ana@seller.example"
timezone = "Europe/London"
weight = 2

[[sdrs]]
id = "ben"
name = "Ben"
timezone = "Europe/Berlin"

[[sdrs]]
id = "cy"
name = "Cy"
timezone = "America/New_York"
hours = "08:00-16:30"

[[sdrs]]
id = "dee"
name = "Dee"
timezone = "America/New_York"

[[sdrs]]
id = "kai"
name = "Kai"
timezone = "Asia/Tokyo"

[[sdrs]]
id = "olu"
name = "Olu"
timezone = "Europe/London"
out_of_office = [{ from = 2026-03-09, to = 2026-03-13 }]

[[territories]]
name = "enterprise"
min_employees = 1000
sdrs = ["ben"]

[[territories]]
name = "dach"
regions = ["DACH"]
sdrs = ["ben"]

[[territories]]
name = "uki"
countries = ["GB", "IE"]
sdrs = ["ana", "olu"]

[[territories]]
name = "noram"
regions = ["NORAM"]
sdrs = ["cy", "dee"]

[[territories]]
name = "japan"
countries = ["JP"]
sdrs = ["kai"]

[account_owners]
"bigco.example" = "dee"
"away.example" = "olu"
"""


def roster(extra: str = ""):
    return Policy.from_mapping(tomllib.loads(ROSTER + extra)).roster


def past(*ids: str, hours_ago: int = 1):
    return [
        PastAssignment(sdr_id, NOW - timedelta(hours=hours_ago, minutes=i)) for i, sdr_id in enumerate(ids)
    ]


@pytest.mark.parametrize(
    "inquiry, sdr, rule, territory, reason",
    [
        pytest.param(
            form("x", email="a@bigco.example", country="Germany"),
            "dee",
            "owner",
            None,
            "account owner of bigco.example",
            id="account-owner-wins",
        ),
        pytest.param(
            form("x", email="a@eu.bigco.example"),
            "dee",
            "owner",
            None,
            "account owner of bigco.example",
            id="owner-by-parent-domain",
        ),
        pytest.param(
            form("x", email="a@away.example", country="UK"),
            "ana",
            "territory",
            "uki",
            "Olu of away.example is out of office until 2026-03-13",
            id="owner-out-of-office",
        ),
        pytest.param(
            form("x", email="a@x.example", country="Deutschland"),
            "ben",
            "territory",
            "dach",
            "territory dach (country DE from country field",
            id="region-dach",
        ),
        pytest.param(
            form("x", email="a@x.example", country="US", company_size="5,000+"),
            "ben",
            "territory",
            "enterprise",
            "5000+ employees",
            id="segment-before-region",
        ),
        pytest.param(
            form("x", email="a@x.example", country="US", company_size="200-500"),
            "cy",
            "territory",
            "noram",
            "200-500 employees",
            id="small-company-stays-in-region",
        ),
        pytest.param(
            form("x", email="a@x.example", phone="+1 312 555 0182"),
            "cy",
            "territory",
            "noram",
            "country US from phone",
            id="country-from-phone",
        ),
        pytest.param(
            form("x", email="a@x.example", country="Japan"),
            "ana",
            "follow_the_sun",
            "japan",
            "Kai outside working hours",
            id="territory-asleep-follow-the-sun",
        ),
        pytest.param(
            form("x", email="a@x.example", country="Brazil"),
            "ana",
            "follow_the_sun",
            None,
            "no territory matches (country BR",
            id="no-territory",
        ),
        pytest.param(
            form("x", email="a@x.example"),
            "ana",
            "follow_the_sun",
            None,
            "country unknown, company size unknown",
            id="nothing-known",
        ),
    ],
)
def test_assignment_rules(inquiry, sdr, rule, territory, reason):
    result = assign(inquiry, decision("sql"), roster(), now=NOW)
    assert (result.sdr_id, result.rule, result.territory) == (sdr, rule, territory)
    assert reason in result.reason


@pytest.mark.parametrize(
    "route, redirect_to, queue",
    [
        pytest.param("nurture", None, "nurture", id="nurture"),
        pytest.param("discard", None, "discard", id="discard"),
        pytest.param("redirect", "support", "support", id="redirect-team"),
    ],
)
def test_routes_sdrs_do_not_work_wait_in_their_queue(route, redirect_to, queue):
    result = assign(form("x", country="UK"), decision(route, redirect_to=redirect_to), roster(), now=NOW)
    assert (result.sdr, result.queue, result.rule) == (None, queue, "not_worked")


def test_mql_is_worked_by_sdrs():
    assert assign(form("x", country="UK"), decision("mql"), roster(), now=NOW).sdr_id == "ana"


@pytest.mark.parametrize(
    "history, expected",
    [
        pytest.param(past("ana", "ana"), "ben", id="lighter-sdr-gets-a-turn"),
        pytest.param(past("ana", "ben"), "ana", id="heavier-sdr-gets-two"),
        pytest.param(past("ana", "ana", "ana", hours_ago=24 * 8), "ana", id="history-outside-window-ignored"),
        pytest.param(past("ana", "ana", "ana"), "ben", id="history-inside-window-counts"),
    ],
)
def test_round_robin_uses_history_and_weights(history, expected):
    # Only Ana (weight 2, London) and Ben (Berlin): a Brazilian lead follows the sun to one of them.
    two = replace(roster(), sdrs=roster().sdrs[:2], territories=())
    inquiry = form("x", email="a@x.example", country="Brazil")
    assert assign(inquiry, decision("sql"), two, now=NOW, history=history).sdr_id == expected


def test_weighted_round_robin_hands_out_two_for_one():
    policy = Policy.from_mapping(
        tomllib.loads(
            """
[[sdrs]]
id = "a"
weight = 2
[[sdrs]]
id = "b"
[[territories]]
name = "all"
sdrs = ["a", "b"]
"""
        )
    )
    history: list[PastAssignment] = []
    for i in range(9):
        result = assign(form("x"), decision("sql"), policy.roster, now=NOW, history=history)
        history.append(PastAssignment(result.sdr_id, NOW - timedelta(minutes=60 - i)))
    assert [p.sdr_id for p in history] == ["a", "b", "a", "a", "b", "a", "a", "b", "a"]


def test_equal_weights_rotate():
    policy = Policy.from_mapping(
        tomllib.loads(
            '[[sdrs]]\nid = "a"\n[[sdrs]]\nid = "b"\n[[sdrs]]\nid = "c"\n[[territories]]\nname = "all"\nsdrs = ["a", "b", "c"]\n'
        )
    )
    history: list[PastAssignment] = []
    for i in range(6):
        result = assign(form("x"), decision("sql"), policy.roster, now=NOW, history=history)
        history.append(PastAssignment(result.sdr_id, NOW - timedelta(minutes=60 - i)))
    assert [p.sdr_id for p in history] == ["a", "b", "c", "a", "b", "c"]


def test_reassignment_excludes_the_previous_sdr():
    inquiry = form("x", email="a@bigco.example", country="US")
    first = assign(inquiry, decision("sql"), roster(), now=NOW)
    again = assign(inquiry, decision("sql"), roster(), now=NOW, exclude={first.sdr_id})
    assert (first.sdr_id, again.sdr_id) == ("dee", "cy")


def test_fallback_queue_when_nobody_in_the_territory_works_and_follow_the_sun_is_off():
    text = ROSTER.replace(
        'fallback_queue = "sdr-inbox"', 'fallback_queue = "sdr-inbox"\nfollow_the_sun = false'
    )
    policy = Policy.from_mapping(tomllib.loads(text))
    result = assign(form("x", country="Japan"), decision("sql"), policy.roster, now=NOW)
    assert (result.sdr, result.queue, result.rule, result.territory) == (
        None,
        "sdr-inbox",
        "fallback",
        "japan",
    )
    assert "Kai outside working hours" in result.reason and "waits in queue sdr-inbox" in result.reason


def test_inactive_sdr_gets_nothing():
    text = ROSTER.replace('id = "ana"', 'id = "ana"\nactive = false')
    result = assign(
        form("x", country="UK"), decision("sql"), Policy.from_mapping(tomllib.loads(text)).roster, now=NOW
    )
    assert result.rule == "follow_the_sun" and result.sdr_id == "ben"
    assert "Ana inactive" in result.reason


def test_fallback_queue_at_night_for_everyone():
    night = NOW.replace(hour=3)  # 03:00 London, 22:00 New York, 12:00 Tokyo
    result = assign(form("x", country="Brazil"), decision("sql"), roster(), now=night)
    assert result.sdr_id == "kai"  # follow the sun: Tokyo is working
    weekend = NOW + timedelta(days=4)  # Saturday
    result = assign(form("x", country="Brazil"), decision("sql"), roster(), now=weekend)
    assert (result.sdr, result.queue) == (None, "sdr-inbox")


def test_overnight_shift():
    policy = Policy.from_mapping(tomllib.loads('[[sdrs]]\nid = "owl"\nhours = "22:00-06:00"\n'))
    owl = policy.roster.sdrs[0]
    assert owl.availability(NOW.replace(hour=23)) is None  # Tuesday night
    assert owl.availability(NOW.replace(hour=5)) is None  # Tuesday morning, Monday's shift
    assert owl.availability(NOW.replace(hour=12)) == "outside working hours"


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        assign(form("x"), decision("sql"), roster(), now=NOW.replace(tzinfo=None))


# --------------------------------------------------------------------------- policy validation


@pytest.mark.parametrize(
    "toml, key",
    [
        pytest.param('[[sdrs]]\nid = "a"\ntimezone = "Mars/Olympus"\n', "sdrs[0].timezone", id="bad-zone"),
        pytest.param('[[sdrs]]\nid = "a"\nhours = "9 to 5"\n', "sdrs[0].hours", id="bad-hours"),
        pytest.param('[[sdrs]]\nid = "a"\ndays = ["funday"]\n', "sdrs[0].days", id="bad-day"),
        pytest.param('[[sdrs]]\nid = "a"\nweight = 0\n', "sdrs[0].weight", id="zero-weight"),
        pytest.param('[[sdrs]]\nid = "a"\ncolour = "blue"\n', "sdrs[0].colour", id="unknown-key"),
        pytest.param('[[sdrs]]\nid = "a"\n[[sdrs]]\nid = "a"\n', "sdrs[1].id", id="duplicate-id"),
        pytest.param('[[sdrs]]\nid = "a"\nslack_id = "@ana"\n', "sdrs[0].slack_id", id="bad-slack-id"),
        pytest.param('[[sdrs]]\nid = "a"\nemail = "not-an-address"\n', "sdrs[0].email", id="bad-email"),
        pytest.param(
            '[[sdrs]]\nid = "a"\nout_of_office = [{ from = 2026-03-09, to = 2026-03-01 }]\n',
            "sdrs[0].out_of_office[0].to",
            id="absence-backwards",
        ),
        pytest.param(
            '[[sdrs]]\nid = "a"\n[[territories]]\nname = "t"\nsdrs = ["b"]\n',
            "territories[0].sdrs",
            id="territory-unknown-sdr",
        ),
        pytest.param(
            '[[sdrs]]\nid = "a"\n[[territories]]\nname = "t"\nsdrs = ["a"]\nregions = ["Atlantis"]\n',
            "territories[0].regions",
            id="unknown-region",
        ),
        pytest.param(
            '[[sdrs]]\nid = "a"\n[[territories]]\nname = "t"\nsdrs = ["a"]\ncountries = ["Germany"]\n',
            "territories[0].countries",
            id="country-not-code",
        ),
        pytest.param(
            '[[sdrs]]\nid = "a"\n[[territories]]\nname = "t"\nsdrs = ["a"]\nmin_employees = 500\nmax_employees = 100\n',
            "territories[0].max_employees",
            id="size-backwards",
        ),
        pytest.param(
            '[[sdrs]]\nid = "a"\n[account_owners]\n"acme.example" = "zz"\n',
            "account_owners.acme.example",
            id="owner-unknown-sdr",
        ),
        pytest.param(
            '[account_owners]\n"not a domain" = "a"\n', "account_owners.not a domain", id="owner-bad-domain"
        ),
        pytest.param('[assignment]\nroutes = ["hot"]\n', "assignment.routes", id="bad-route"),
        pytest.param("[assignment]\nwindow_days = 0\n", "assignment.window_days", id="bad-window"),
        pytest.param('[regions]\nMARS = ["XX1"]\n', "regions.MARS", id="bad-region-code"),
        pytest.param("[sla]\nsql_minutes = 0\n", "sla.sql_minutes", id="bad-sla"),
        pytest.param('[sla]\ntimezone = "Nowhere"\n', "sla.timezone", id="bad-sla-zone"),
        pytest.param("sdrs = 3\n", "sdrs", id="sdrs-not-array"),
    ],
)
def test_policy_names_the_bad_key(toml, key):
    with pytest.raises(PolicyError) as caught:
        Policy.from_mapping(tomllib.loads(toml))
    assert caught.value.key == key


def test_custom_region_can_be_used_by_a_territory():
    policy = Policy.from_mapping(
        tomllib.loads(
            '[regions]\nIBERIA = ["ES", "PT"]\n[[sdrs]]\nid = "a"\n[[territories]]\nname = "t"\nsdrs = ["a"]\nregions = ["IBERIA"]\n'
        )
    )
    assert assign(form("x", country="Portugal"), decision("sql"), policy.roster, now=NOW).territory == "t"
