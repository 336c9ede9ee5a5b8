"""Funnel analytics: the pure aggregates, the SVG charts, CSV neutralisation, and the page and CSV over HTTP."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from assistant import analytics, auth, models, runtime_of
from assistant.analytics import LeadFacts

from .dashboard_helpers import add_lead, make_user, post_action, roster_policy, sign_in

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday


def fact(route: str | None, intent: str | None = "buying", **values) -> LeadFacts:  # noqa: ANN003
    return LeadFacts(
        inquiry_id=values.pop("inquiry_id", f"inq_{route}_{intent}"),
        source=values.pop("source", "generic"),
        received_at=values.pop("received_at", T0),
        route=route,
        intent=intent,
        **values,
    )


# How far an inquiry got ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "reached"),
    [
        pytest.param(fact(None, None), 0, id="not-processed"),
        pytest.param(fact("discard", "spam"), 0, id="junk-is-not-a-lead"),
        pytest.param(fact("redirect", "support"), 0, id="redirect-is-not-a-lead"),
        pytest.param(fact("nurture", "other"), 0, id="other-nurture-is-a-subscriber"),
        pytest.param(fact("nurture"), 1, id="buying-nurture-is-a-lead"),
        pytest.param(fact("mql"), 2, id="mql"),
        pytest.param(fact("sql"), 3, id="sql"),
        pytest.param(fact("nurture", final_route="mql", decision="rerouted"), 2, id="rerouted-up-to-mql"),
        pytest.param(fact("mql", final_route="sql", decision="accepted"), 4, id="accepted-mql"),
        pytest.param(fact("sql", final_route="nurture", decision="rejected"), 3, id="rejection-keeps-what-was-reached"),
        pytest.param(fact("sql", decision="accepted", opportunity_at=T0), 5, id="opportunity"),
        pytest.param(fact("sql", decision="rejected", opportunity_at=T0), 3, id="opportunity-then-rejected"),
    ],
)
def test_the_step_each_inquiry_reached(f: LeadFacts, reached: int) -> None:
    assert f.reached == reached


def test_the_funnel_counts_and_rates() -> None:
    facts = [
        fact("discard", "spam"),
        fact("redirect", "job_seeker"),
        fact("nurture"),
        fact("nurture"),
        fact("mql"),
        fact("mql", decision="accepted"),
        fact("sql", decision="rejected"),
        fact("sql", decision="accepted", opportunity_at=T0),
    ]

    funnel = analytics.funnel(facts)

    assert [(s.name, s.count) for s in funnel.steps] == [
        ("inquiries", 8), ("leads", 6), ("mql", 4), ("sql", 3), ("accepted", 2), ("opportunity", 1)
    ]
    assert [s.rate for s in funnel.steps] == [None, 6 / 8, 4 / 6, 3 / 4, 2 / 3, 1 / 2]
    assert funnel.step("sql").of_inquiries == 3 / 8


def test_an_empty_funnel_has_no_rates() -> None:
    funnel = analytics.funnel([])

    assert [s.count for s in funnel.steps] == [0] * 6
    assert all(s.rate is None for s in funnel.steps)


def test_funnels_by_source_busiest_first() -> None:
    facts = [fact("sql", source="typeform"), fact("mql", source="generic"), fact("nurture", source="generic")]

    assert [(s, f.count("inquiries"), f.count("sql")) for s, f in analytics.by_source(facts)] == [
        ("generic", 2, 0),
        ("typeform", 1, 1),
    ]


def test_weeks_start_on_monday_in_the_sla_zone_and_empty_weeks_show() -> None:
    sunday_night_utc = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)  # already Monday in Berlin
    facts = [fact("sql", received_at=T0), fact("mql", received_at=sunday_night_utc)]

    utc = analytics.by_week(facts, "UTC", since=T0 - timedelta(days=14), until=T0 + timedelta(days=8))
    berlin = analytics.by_week(facts, "Europe/Berlin")

    assert [(w, f.count("inquiries")) for w, f in utc] == [
        (date(2026, 2, 23), 0), (date(2026, 3, 2), 0), (date(2026, 3, 9), 2), (date(2026, 3, 16), 0)
    ]
    assert [(w, f.count("inquiries")) for w, f in berlin] == [(date(2026, 3, 9), 1), (date(2026, 3, 16), 1)]


# Speed, acceptance, junk -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        pytest.param([], 50, None, id="empty"),
        pytest.param([7.0], 90, 7.0, id="one"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 50, 2.5, id="even-median"),
        pytest.param([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 90, 91.0, id="p90-interpolated"),
        pytest.param([5.0, 1.0, 3.0], 50, 3.0, id="unsorted"),
    ],
)
def test_percentile(values, pct, expected) -> None:
    assert analytics.percentile(values, pct) == expected


def test_speed_to_lead_from_arrival_to_notification_and_first_contact() -> None:
    facts = [
        fact("sql", notified_at=T0 + timedelta(seconds=1), contacted_at=T0 + timedelta(minutes=4)),
        fact("sql", notified_at=T0 + timedelta(seconds=3), contacted_at=T0 + timedelta(minutes=10)),
        fact("mql", notified_at=T0 + timedelta(seconds=2)),
        fact("nurture"),
    ]

    speed = analytics.speed_to_lead(facts)

    assert (speed["notified"].count, speed["notified"].p50, speed["notified"].p90) == (3, 2.0, 2.8)
    assert (speed["contacted"].count, speed["contacted"].p50) == (2, 420.0)
    assert speed["contacted"].p90 == pytest.approx(564.0)


def test_acceptance_counts_the_qualifiers_sqls_only() -> None:
    facts = [
        fact("sql", decision="accepted", sdr_id="maria"),
        fact("sql", decision="accepted", sdr_id="maria"),
        fact("sql", decision="rejected", sdr_id="tom"),
        fact("sql", decision="rerouted", sdr_id="tom"),
        fact("sql", sdr_id="tom"),
        fact("mql", decision="accepted", sdr_id="maria"),  # not a qualifier SQL
    ]

    overall = analytics.acceptance(facts)
    per_sdr = dict(analytics.acceptance_by_sdr(facts))

    assert (overall.sqls, overall.accepted, overall.rejected, overall.rerouted, overall.pending) == (5, 2, 1, 1, 1)
    assert overall.rate == 0.5
    assert per_sdr["maria"].rate == 1.0
    assert per_sdr["tom"].rate == 0.0
    assert analytics.acceptance([]).rate is None


def test_junk_by_class_and_flag() -> None:
    facts = [
        fact("discard", "spam", flags=("link_dump",)),
        fact("discard", "spam", flags=("link_dump", "gibberish")),
        fact("discard", "vendor_pitch", flags=("seo_offer",)),
        fact("redirect", "support"),
        fact("sql"),
    ]

    junk = analytics.junk(facts)

    assert junk.total == 3
    assert junk.by_intent == (("spam", 2), ("vendor_pitch", 1))
    assert junk.by_flag == (("link_dump", 2), ("gibberish", 1), ("seo_offer", 1))


# Charts and CSV -------------------------------------------------------------------------------------------------


def test_charts_escape_their_labels() -> None:
    svg = str(analytics.bar_chart([("<script>x</script>", 3, "3 & more")], title='a "title"'))
    columns = str(analytics.column_chart(["<b>w1</b>"], [("<i>s</i>", [2])], title="t"))

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "3 &amp; more" in svg
    assert 'aria-label="a &#34;title&#34;"' in svg
    assert "<b>" not in columns and "<i>" not in columns


def test_bar_lengths_are_proportional() -> None:
    svg = str(analytics.bar_chart([("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0")], title="t", width=640))

    widths = [float(w) for w in re.findall(r'<rect x="150" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths == [370.0, 185.0, 0.0]


def test_an_empty_chart_says_so() -> None:
    assert "No data in this period." in str(analytics.bar_chart([], title="t"))
    assert "No data in this period." in str(analytics.column_chart([], [("s", [])], title="t"))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")", id="equals"),
        pytest.param("+1 555 0100", "'+1 555 0100", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("Acme = best", "Acme = best", id="equals-inside-is-fine"),
        pytest.param(-5, -5, id="negative-number-stays-a-number"),
        pytest.param(2.5, 2.5, id="float"),
        pytest.param(None, "", id="none"),
        pytest.param(True, "yes", id="bool"),
        pytest.param(datetime(2026, 3, 10, 14, 5, tzinfo=UTC), "2026-03-10T14:05:00+00:00", id="datetime"),
    ],
)
def test_csv_cells_are_neutralised(value, cell) -> None:
    assert analytics.csv_cell(value) == cell


def test_the_leads_csv_neutralises_visitor_text() -> None:
    f = fact("sql", name="=cmd|'/C calc'!A0", company="@evil", email="a@b.example", contacted_at=T0 + timedelta(seconds=90))

    rows = list(csv.reader(io.StringIO(analytics.leads_csv([f]))))

    assert rows[0] == list(analytics.LEADS_HEADER)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "'=cmd|'/C calc'!A0"
    assert row["company"] == "'@evil"
    assert row["seconds_to_contact"] == "90.0"


def test_the_funnel_csv_has_total_source_and_week_rows() -> None:
    facts = [fact("sql", source="typeform", decision="accepted"), fact("mql", source="generic")]
    report = analytics.report(facts, since=T0 - timedelta(days=1), until=T0 + timedelta(days=1), zone="UTC")

    rows = list(csv.DictReader(io.StringIO(analytics.funnel_csv(report))))

    assert [(r["group"], r["key"], r["inquiries"], r["sql"], r["accepted"]) for r in rows] == [
        ("total", "all", "2", "1", "1"),
        ("source", "generic", "1", "0", "0"),  # as busy as typeform: alphabetical
        ("source", "typeform", "1", "1", "1"),
        ("week", "2026-03-02", "0", "0", "0"),
        ("week", "2026-03-09", "2", "1", "1"),
    ]
    assert rows[0]["sql_rate"] == "0.5"


# Through the database and HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def policy():  # noqa: ANN201
    return roster_policy()


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "PASSWORD_METHOD", "scrypt:1024:8:1")


def test_facts_come_from_inquiries_decisions_and_deliveries(app, client) -> None:
    now = datetime.now(UTC)
    accepted = add_lead(app, route="sql", score=90, received_at=now - timedelta(minutes=20), sdr="maria", source="typeform")
    rejected = add_lead(app, route="sql", score=80, received_at=now - timedelta(minutes=10), sdr="maria")
    add_lead(app, route="discard", score=0, received_at=now - timedelta(minutes=5), intent="spam", flags=("link_dump",))
    add_lead(app, route="sql", score=80, received_at=now - timedelta(days=60))  # outside the window
    with runtime_of(app).sessions() as session:
        session.add(
            models.Delivery(
                inquiry_id=accepted, channel="slack", target="sdr-channel", status="sent", attempts=1,
                created_at=now - timedelta(minutes=20), sent_at=now - timedelta(minutes=20) + timedelta(seconds=2),
            )
        )
        session.commit()
    make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")
    post_action(client, accepted, "accept")
    post_action(client, accepted, "contacted", via="phone")
    post_action(client, rejected, "reject", reason="no_budget")

    with runtime_of(app).sessions() as session:
        facts = {f.inquiry_id: f for f in analytics.load_facts(session, now - timedelta(days=30), now + timedelta(minutes=1))}

    assert len(facts) == 3
    assert facts[accepted].decision == "accepted"
    assert facts[accepted].source == "typeform"
    assert facts[accepted].notified_at - facts[accepted].received_at == timedelta(seconds=2)
    assert timedelta(minutes=19) < facts[accepted].contacted_at - facts[accepted].received_at < timedelta(minutes=21)
    assert (facts[rejected].decision, facts[rejected].reject_reason, facts[rejected].final_route) == (
        "rejected", "no_budget", "nurture"
    )
    spam = next(f for f in facts.values() if f.route == "discard")
    assert (spam.intent, spam.flags) == ("spam", ("link_dump",))


def test_the_analytics_page_shows_the_funnel_charts_and_tables(app, client) -> None:
    now = datetime.now(UTC)
    lead = add_lead(app, route="sql", score=90, received_at=now - timedelta(minutes=7), sdr="maria")
    add_lead(app, route="mql", score=60, received_at=now - timedelta(minutes=6), company="<svg onload=alert(1)>")
    add_lead(app, route="discard", score=0, received_at=now, intent="vendor_pitch")
    make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")
    post_action(client, lead, "accept")
    post_action(client, lead, "contacted")

    page = client.get("/dashboard/analytics?days=7").get_data(as_text=True)

    assert page.count('<svg class="chart"') == 3
    counts = dict(re.findall(r'<tr id="step-(\w+)">.*?class="num count">(\d+)<', page))
    assert counts == {"inquiries": "3", "leads": "2", "mql": "2", "sql": "1", "accepted": "1", "opportunity": "0"}
    assert "100%" in page  # the acceptance rate: 1 of 1 decided SQL
    assert "7 min" in page  # speed to first contact
    assert "vendor_pitch" in page
    assert "<svg onload" not in page


@pytest.mark.parametrize(
    "days",
    [pytest.param("7", id="week"), pytest.param("0", id="all-time"), pytest.param("banana", id="bad-value-defaults")],
)
def test_the_period_filter(app, client, days) -> None:
    make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")

    assert client.get(f"/dashboard/analytics?days={days}").status_code == 200


def test_the_funnel_csv_download(app, client) -> None:
    add_lead(app, route="sql", score=90, received_at=datetime.now(UTC), source="=evil")
    make_user(app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")

    answer = client.get("/dashboard/analytics.csv?table=funnel&days=30")

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0]["group"] == "total" and rows[0]["inquiries"] == "1"
    assert any(r["key"] == "'=evil" for r in rows)  # source names are neutralised too
    assert re.match(r'attachment; filename="qualifier-funnel-30d-\d{8}\.csv"', answer.headers["Content-Disposition"])


def test_the_leads_csv_for_admins(app, client) -> None:
    add_lead(app, route="sql", score=90, received_at=datetime.now(UTC), name="+Mallory Formula", company="=1+1")
    make_user(app, "boss@example.com", "admin")
    sign_in(client, "boss@example.com")

    rows = list(csv.DictReader(io.StringIO(client.get("/dashboard/analytics.csv?table=leads").get_data(as_text=True))))

    assert [(r["name"], r["company"], r["route"]) for r in rows] == [("'+Mallory Formula", "'=1+1", "sql")]
    with runtime_of(app).sessions() as session:
        assert session.scalars(select(models.User)).one().role == "admin"


# PostgreSQL: the JSON paths and aggregates of the queue, analytics and export on the production database ------


@pytest.mark.postgres
def test_queue_analytics_and_export_on_postgresql(pg_app) -> None:
    import json as json_module

    from assistant import feedback

    now = datetime.now(UTC)
    sql = add_lead(pg_app, route="sql", score=90, received_at=now - timedelta(minutes=9), sdr="maria")
    mql = add_lead(pg_app, route="mql", score=50, received_at=now - timedelta(minutes=8))
    add_lead(pg_app, route="discard", score=0, received_at=now, intent="spam", flags=("link_dump",))
    client = pg_app.test_client()
    make_user(pg_app, "maria@example.com", "sdr")
    sign_in(client, "maria@example.com")

    queue = client.get("/dashboard/queue?scope=all").get_data(as_text=True)
    mine = client.get("/dashboard/queue").get_data(as_text=True)
    post_action(client, sql, "accept")
    post_action(client, sql, "contacted")
    with runtime_of(pg_app).sessions() as session:
        facts = {f.inquiry_id: f for f in analytics.load_facts(session, now - timedelta(days=1), now + timedelta(minutes=1))}
        out = io.StringIO()
        exported = feedback.export(session, out)

    assert re.findall(r'data-lead="([^"]+)"', queue) == [sql, mql]
    assert re.findall(r'data-lead="([^"]+)"', mine) == [sql]
    assert facts[sql].decision == "accepted" and facts[sql].sdr_id == "maria"
    assert next(f for f in facts.values() if f.route == "discard").flags == ("link_dump",)
    assert exported == 1 and json_module.loads(out.getvalue())["expected"]["route"] == "sql"
    assert client.get("/dashboard/analytics").status_code == 200
