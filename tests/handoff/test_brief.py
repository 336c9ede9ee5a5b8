"""The SDR brief: content, deadlines, golden Markdown, and escaping of hostile input in every format.

Golden files live in tests/handoff/golden/; after an intended change, rewrite them with
`UPDATE_GOLDEN=1 pytest tests/handoff/test_brief.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from markdown_it import MarkdownIt

from handoff.assign import Assignment
from handoff.brief import (
    FORMATS,
    QUESTIONS,
    TEMPLATES_DIR,
    EarlierInquiry,
    Engagement,
    EngagementEvent,
    build_brief,
    environment,
    render,
    response_deadline,
)
from handoff.roster import Sdr, Sla, WorkingHours
from intents.types import Authority, Budget, Timeframe

from .leads import NOW, chat, decision, form, signals

GOLDEN = Path(__file__).parent / "golden"

ANA = Sdr(id="ana", name="Ana Okafor", email="ana@seller.example", slack_id="U0ANA", timezone="Europe/London")


def sql_lead():
    inquiry = form(
        "We run dispatch for three depots off spreadsheets and need a routing tool for 30 dispatchers. "
        "Budget is about £40k a year and we want it live by end of June. Could someone walk us through a demo?",
        name="Priya Natarajan",
        first_name="Priya",
        email="priya@kestrelfreight.example",
        company="Kestrel Freight",
        title="VP Operations",
        phone="+44 20 7946 0321",
        country="United Kingdom",
        company_size="200-500",
        fields={"job_title": "VP Operations"},
    )
    found = signals(
        inquiry,
        need="need a routing tool for 30 dispatchers",
        budget=(Budget("stated", 40_000, 40_000, "GBP", "annual"), "about £40k a year"),
        timeframe=(Timeframe("quarter", by=date(2026, 6, 30)), "live by end of June"),
        authority=(Authority("decision_maker", title="VP Operations"), "VP Operations"),
        contact=("demo", "walk us through a demo"),
    )
    routed = decision(
        "sql",
        (
            "need stated: 'need a routing tool for 30 dispatchers'",
            "asked for contact: 'walk us through a demo'",
            "SQL: specific need, asked for contact, and timing, budget or authority qualifies",
        ),
        score=90,
    )
    return inquiry, found, routed


def sql_brief(**options):
    inquiry, found, routed = sql_lead()
    return build_brief(
        inquiry,
        found,
        routed,
        now=NOW,
        assignee=Assignment(
            ANA, None, "territory uki (country GB from country field, 200-500 employees)", "territory", "uki"
        ),
        history=(
            EarlierInquiry(
                datetime(2026, 1, 14, 9, 30, tzinfo=UTC),
                "mql",
                "asked about pricing tiers",
                "company",
                "inq-17",
            ),
        ),
        engagement=Engagement(
            35,
            (
                EngagementEvent("pricing_page_visit", datetime(2026, 3, 9, 16, 0, tzinfo=UTC), 20),
                EngagementEvent("webinar_registered", datetime(2026, 2, 20, 12, 0, tzinfo=UTC), 10),
                EngagementEvent("email_click", datetime(2026, 2, 18, 8, 0, tzinfo=UTC), 5),
            ),
        ),
        **options,
    )


def mql_brief():
    inquiry = chat(
        [
            ("bot", "Hi! What brings you here today?"),
            ("visitor", "looking for something to track field technician hours across sites"),
            ("bot", "Got it. Do you have a budget in mind?"),
            ("visitor", "not sure about cost yet, depends on pricing"),
        ],
        name="Sam",
        email="sam.tech@gmail.com",
        website="http://www.tidewater-hvac.example/about",
    )
    found = signals(
        inquiry,
        need="track field technician hours across sites",
        budget=(Budget("unknown"), "not sure about cost yet"),
    )
    return build_brief(
        inquiry, found, decision("mql", ("MQL: specific need, but no contact request",), score=30), now=NOW
    )


def redirect_brief():
    inquiry = form(
        "Our invoices page shows an error since the last update.", name="Lee", email="lee@client.example"
    )
    found = signals(inquiry, intent="support", need="invoices page shows an error")
    routed = decision(
        "redirect", ("intent: support (existing customer with a problem)",), redirect_to="support", score=0
    )
    return build_brief(inquiry, found, routed, now=NOW)


# --------------------------------------------------------------------------- hostile input

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
CHANNEL = "<!channel> <!here> <!everyone>"
USER = "<@U123> <@W999|boss>"
LINK = "[click](javascript:alert(1))"
IMAGE_LINK = "![x](javascript:alert(2))"
SLACK_LINK = "<https://evil.example|Your invoice>"
BACKTICKS = "```\nrm -rf /\n```"
HEADING = "# heading\n## subheading"
SETEXT = "first line\n---\nthird line"
FORMULA = '=HYPERLINK("http://evil.example","click")'
BARE_MENTION = "@channel @here @everyone"
BIDI = "invoice\u202etxt.exe"
HOSTILE = (
    SCRIPT,
    IMG,
    CHANNEL,
    USER,
    LINK,
    IMAGE_LINK,
    SLACK_LINK,
    BACKTICKS,
    HEADING,
    SETEXT,
    FORMULA,
    BARE_MENTION,
    BIDI,
)


def hostile_brief():
    message = "We need a routing tool. " + " | ".join(HOSTILE) + "\n# fake section\n> quoted | table"
    inquiry = form(
        message,
        name=f"{FORMULA} {SCRIPT}",
        first_name=FORMULA,
        email="x@evil.example",
        company=f"{CHANNEL} {LINK}",
        title=f"{HEADING} {USER}",
        phone=f"{FORMULA}",
        country=BACKTICKS,
        company_size=SETEXT,
        fields={"job_title": f"VP {SCRIPT}", "how did you hear about us": f"{SLACK_LINK} {BARE_MENTION}"},
    )
    found = signals(
        inquiry,
        need=f"routing tool. {SCRIPT}",
        authority=(Authority("decision_maker", title=f"VP {SCRIPT}"), f"VP {SCRIPT}"),
        budget=(Budget("unknown"), FORMULA),
        contact=("demo", CHANNEL),
    )
    routed = decision("sql", tuple(f"quoted: '{text}'" for text in HOSTILE))
    return build_brief(
        inquiry,
        found,
        routed,
        now=NOW,
        assignee=Assignment(ANA, None, f"account owner of {LINK}", "owner"),
        history=(
            EarlierInquiry(NOW - timedelta(days=3), "mql", f"{SCRIPT} {CHANNEL} {HEADING}", "contact", LINK),
        ),
        engagement=Engagement(5, (EngagementEvent(SCRIPT, NOW, 5),)),
    )


# --------------------------------------------------------------------------- golden Markdown


@pytest.mark.parametrize(
    "name, make",
    [
        pytest.param("sql_form_full", sql_brief, id="sql_form_full"),
        pytest.param("mql_chat_unknowns", mql_brief, id="mql_chat_unknowns"),
        pytest.param("redirect_support", redirect_brief, id="redirect_support"),
        pytest.param("hostile", hostile_brief, id="hostile"),
    ],
)
def test_markdown_matches_golden_file(name, make):
    path = GOLDEN / f"{name}.md"
    rendered = render(make(), "markdown")
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(sql_brief, id="sql_form_full"),
        pytest.param(mql_brief, id="mql_chat_unknowns"),
        pytest.param(redirect_brief, id="redirect_support"),
        pytest.param(hostile_brief, id="hostile"),
    ],
)
def test_the_slack_message_is_laid_out_as_json_dumps_would(make):
    # The Slack template writes its JSON by hand; a slip in its whitespace would still parse.
    rendered = render(make(), "slack")
    assert rendered == json.dumps(json.loads(rendered), ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------- content


def test_brief_names_who_what_bant_why_and_next_step():
    brief = sql_brief()
    assert (brief.who.name, brief.who.title, brief.who.company) == (
        "Priya Natarajan",
        "VP Operations",
        "Kestrel Freight",
    )
    assert (brief.who.company_domain, brief.who.free_mail, brief.who.phone, brief.who.country) == (
        "kestrelfreight.example",
        False,
        "+44 20 7946 0321",
        "United Kingdom",
    )
    assert [q.where for q in brief.own_words] == ["message"]
    assert [(row.slot, row.value, row.evidence, row.confidence) for row in brief.bant] == [
        ("need", "stated", ("need a routing tool for 30 dispatchers",), 0.8),
        ("budget", "40,000 GBP per year", ("about £40k a year",), 0.85),
        ("timeframe", "within a quarter, by 2026-06-30", ("live by end of June",), 0.75),
        ("authority", "decision maker (VP Operations)", ("VP Operations",), 0.9),
    ]
    assert brief.asked_for == "a demo"
    assert brief.reasons[-1].startswith("SQL:")
    assert brief.next_step == "Call Priya on +44 20 7946 0321 within 5 minutes and give them a demo."
    assert brief.respond_by == NOW + timedelta(minutes=5)
    assert json.loads(json.dumps(brief.to_json()))["assignee"]["id"] == "ana"


@pytest.mark.parametrize(
    "email, website, domain, free",
    [
        pytest.param("dana@corp.example", None, "corp.example", False, id="work-email"),
        pytest.param(
            "dana@gmail.com",
            "https://www.corp.example/team",
            "corp.example",
            True,
            id="free-mail-uses-website",
        ),
        pytest.param("dana@outlook.com", None, None, True, id="free-mail-no-website"),
        pytest.param(None, "corp.example", "corp.example", False, id="no-email"),
    ],
)
def test_company_domain_and_free_mail_flag(email, website, domain, free):
    inquiry = form("need a tool", email=email, website=website)
    brief = build_brief(inquiry, signals(inquiry, need="need a tool"), decision("mql"), now=NOW)
    assert (brief.who.company_domain, brief.who.free_mail) == (domain, free)


ALL_SLOTS = ("need", "budget", "timeframe", "authority")
MESSAGE = "We need a scheduling tool, budget is 20k, go live in May, I am the CTO."
KNOWN = {
    "need": {"need": "need a scheduling tool"},
    "budget": {"budget": (Budget("stated", 20_000, 20_000, "USD"), "budget is 20k")},
    "timeframe": {"timeframe": (Timeframe("quarter", by=date(2026, 5, 31)), "go live in May")},
    "authority": {"authority": (Authority("decision_maker", title="CTO"), "I am the CTO")},
}


@pytest.mark.parametrize("route", ["sql", "mql"])
@pytest.mark.parametrize(
    "known",
    [
        pytest.param((), id="none-known"),
        pytest.param(("need",), id="need-only"),
        pytest.param(("need", "budget"), id="need-budget"),
        pytest.param(("need", "timeframe", "authority"), id="budget-missing"),
        pytest.param(ALL_SLOTS, id="all-known"),
    ],
)
def test_discovery_questions_cover_exactly_the_unknown_slots(route, known):
    inquiry = form(MESSAGE)
    found = signals(inquiry, **{k: v for slot in known for k, v in KNOWN[slot].items()})
    brief = build_brief(inquiry, found, decision(route), now=NOW)
    unknown = [slot for slot in ALL_SLOTS if slot not in known]
    assert [q.slot for q in brief.questions] == unknown
    assert [q.text for q in brief.questions] == [QUESTIONS[slot] for slot in unknown]
    assert brief.unknown_slots == tuple(unknown)


@pytest.mark.parametrize(
    "finding, value",
    [
        pytest.param({"budget": (Budget("unknown"), "budget is 20k")}, "unknown", id="budget-status-unknown"),
        pytest.param(
            {"authority": (Authority("unknown"), "I am the CTO")}, "unknown", id="authority-role-unknown"
        ),
        pytest.param({"budget": (Budget("none"), "budget is 20k")}, "no budget", id="no-budget-is-known"),
        pytest.param(
            {"timeframe": (Timeframe("none", kind="vague"), "go live in May")},
            "no timeline",
            id="no-timeline-is-known",
        ),
    ],
)
def test_unknown_values_keep_their_evidence_and_get_a_question(finding, value):
    inquiry = form(MESSAGE)
    brief = build_brief(
        inquiry, signals(inquiry, need="need a scheduling tool", **finding), decision("mql"), now=NOW
    )
    slot = next(iter(finding))
    row = next(r for r in brief.bant if r.slot == slot)
    assert row.value == value
    assert row.evidence
    assert (slot in brief.unknown_slots) == (value == "unknown")


def test_no_questions_and_no_deadline_for_routes_no_sdr_works():
    brief = redirect_brief()
    assert (brief.questions, brief.respond_by, brief.sla) == ((), None, None)
    assert brief.route_label == "Redirect to support"
    assert brief.next_step == "Forward to the support team; not a sales lead."
    for fmt in FORMATS:
        assert "Discovery questions" not in render(brief, fmt).replace(
            "DISCOVERY QUESTIONS", "Discovery questions"
        )


@pytest.mark.parametrize(
    "fmt, marker",
    [
        pytest.param("markdown", "| Budget | unknown | — | — |", id="markdown"),
        pytest.param("html", "<td>Budget</td><td><em>unknown</em></td>", id="html"),
        pytest.param("text", "  Budget     unknown", id="text"),
        pytest.param("slack", "*Budget:* _unknown_", id="slack"),
    ],
)
def test_unknown_slots_read_unknown_in_every_format(fmt, marker):
    inquiry = form("hello")
    brief = build_brief(inquiry, signals(inquiry), decision("mql"), now=NOW)
    rendered = render(brief, fmt)
    assert marker in (json.dumps(json.loads(rendered)) if fmt == "slack" else rendered).replace("\\n", "\n")
    assert "None" not in rendered


def test_earlier_inquiries_newest_first():
    inquiry = form("need a tool")
    old = EarlierInquiry(datetime(2025, 11, 1, tzinfo=UTC), "nurture", "first", "company")
    new = EarlierInquiry(datetime(2026, 2, 1, tzinfo=UTC), "mql", "second", "contact")
    brief = build_brief(
        inquiry, signals(inquiry, need="need a tool"), decision("mql"), now=NOW, history=[old, new]
    )
    assert [h.summary for h in brief.history] == ["second", "first"]


# --------------------------------------------------------------------------- deadlines

TUESDAY = datetime(2026, 3, 10, tzinfo=UTC)
NEW_YORK = Sdr(id="nyc", name="Jo", timezone="America/New_York", hours=WorkingHours())


@pytest.mark.parametrize(
    "route, now, sla, sdr, expected, words",
    [
        pytest.param(
            "sql",
            TUESDAY.replace(hour=14, minute=5),
            Sla(),
            None,
            TUESDAY.replace(hour=14, minute=10),
            "within 5 minutes",
            id="sql-in-hours",
        ),
        pytest.param(
            "sql",
            TUESDAY.replace(hour=20),
            Sla(),
            None,
            TUESDAY.replace(hour=21),
            "within 1 hour",
            id="sql-after-hours",
        ),
        pytest.param(
            "sql",
            TUESDAY.replace(hour=10),
            Sla(sql_minutes=60),
            None,
            TUESDAY.replace(hour=11),
            "within 1 hour",
            id="sql-configured-hour",
        ),
        pytest.param(
            "sql",
            TUESDAY.replace(hour=10),
            Sla(sql_minutes=90),
            None,
            TUESDAY.replace(hour=11, minute=30),
            "within 90 minutes",
            id="sql-90-minutes",
        ),
        pytest.param(
            "mql",
            TUESDAY.replace(hour=14, minute=5),
            Sla(),
            None,
            TUESDAY.replace(hour=17),
            "same business day",
            id="mql-in-hours",
        ),
        pytest.param(
            "mql",
            TUESDAY.replace(hour=7),
            Sla(),
            None,
            TUESDAY.replace(hour=17),
            "same business day",
            id="mql-before-opening",
        ),
        pytest.param(
            "mql",
            TUESDAY.replace(hour=18),
            Sla(),
            None,
            datetime(2026, 3, 11, 17, tzinfo=UTC),
            "same business day",
            id="mql-after-closing",
        ),
        pytest.param(
            "mql",
            datetime(2026, 3, 13, 18, tzinfo=UTC),
            Sla(),
            None,
            datetime(2026, 3, 16, 17, tzinfo=UTC),
            "same business day",
            id="mql-friday-evening",
        ),
        pytest.param(
            "mql",
            TUESDAY.replace(hour=23),
            Sla(),
            NEW_YORK,
            datetime(2026, 3, 11, 17, tzinfo=ZoneInfo("America/New_York")),
            "same business day",
            id="mql-sdr-time-zone",
        ),
        pytest.param(
            "sql",
            TUESDAY.replace(hour=20),
            Sla(),
            NEW_YORK,
            TUESDAY.replace(hour=20, minute=5),
            "within 5 minutes",
            id="sql-sdr-still-working",
        ),
        pytest.param("nurture", TUESDAY, Sla(), None, None, None, id="nurture-none"),
        pytest.param("discard", TUESDAY, Sla(), None, None, None, id="discard-none"),
    ],
)
def test_response_deadline(route, now, sla, sdr, expected, words):
    assert response_deadline(route, now, sla, sdr) == (expected, words)


def test_deadline_is_shown_in_the_assigned_sdrs_time_zone():
    brief = sql_brief()
    assert brief.timezone == "Europe/London"
    assert "Respond by 2026-03-10 14:10 GMT" in render(brief, "markdown")


def test_naive_now_is_refused():
    inquiry, found, routed = sql_lead()
    with pytest.raises(ValueError, match="timezone-aware"):
        build_brief(inquiry, found, routed, now=datetime(2026, 3, 10, 14, 5))


# --------------------------------------------------------------------------- hostile input per format


def test_markdown_renders_visitor_text_as_text():
    rendered = render(hostile_brief(), "markdown")
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(rendered)
    for forbidden in ("<script", "<img", "<a ", "href=", "<code", "<pre", "<hr", "<blockquote>\n<h"):
        assert forbidden not in html, forbidden
    headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", html)
    assert not any("heading" in h or "fake section" in h or "first line" in h for h in headings)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the words are still there, as text
    # The BANT table keeps its four columns whatever the visitor typed.
    rows = [line for line in rendered.splitlines() if line.startswith("| ")]
    assert all(len(re.split(r"(?<!\\)\|", row)) == 6 for row in rows)


def test_html_escapes_visitor_text():
    rendered = render(hostile_brief(), "html")
    for forbidden in ("<script", "<img", 'href="javascript', "\u202e"):
        assert forbidden not in rendered, forbidden
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert set(re.findall(r'href="([a-z]+):', rendered)) <= {"mailto", "tel", "https"}


def _texts(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def test_slack_message_cannot_ping_link_or_break_out():
    message = json.loads(render(hostile_brief(), "slack", mention=True))
    texts = list(_texts(message))
    controls = [token for text in texts for token in re.findall(r"<[^<>]*>", text)]
    # The only Slack control sequences are ours: the date and the assigned SDR's mention.
    assert all(token.startswith("<!date^") or token == "<@U0ANA>" for token in controls), controls
    joined = "\n".join(texts)
    for forbidden in ("<!channel>", "<!here>", "<@U123>", "<https://evil", "@here", "@channel", "@everyone"):
        assert forbidden not in joined, forbidden
    assert "&lt;!channel&gt;" in joined
    assert all(
        block.get("text", {}).get("verbatim", True)
        for block in message["blocks"]
        if block["type"] == "section"
    )


def test_plain_text_email_keeps_visitor_lines_behind_quotes_and_labels():
    rendered = render(hostile_brief(), "text")
    for line in rendered.splitlines():
        assert not re.match(r"[=+@#<\[`!-]", line), line
    assert "> # fake section" in rendered


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_no_line_or_cell_starts_a_spreadsheet_formula(fmt):
    rendered = render(hostile_brief(), fmt)
    lines = rendered.splitlines()
    # Markdown has table cells; plain text has only lines (a visitor's "|" is just a character there).
    cells = (
        [cell.strip() for line in lines for cell in re.split(r"(?<!\\)\|", line)]
        if fmt == "markdown"
        else lines
    )
    assert not [cell for cell in cells if re.match(r"[=+@]|-[^ -]", cell)]


def test_slack_message_fits_block_kit_limits_for_a_huge_message():
    inquiry = form(
        ("word " * 20 + "<&>\n") * 1000 + "need a routing tool", name="N" * 500, company="&" * 5000
    )
    brief = build_brief(inquiry, signals(inquiry, need="need a routing tool"), decision("sql"), now=NOW)
    started = time.perf_counter()
    message = json.loads(render(brief, "slack"))
    assert time.perf_counter() - started < 1.0
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 3000
    for block in message["blocks"]:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


# --------------------------------------------------------------------------- environment


def test_templates_ship_for_every_format():
    assert {(TEMPLATES_DIR / name).is_file() for name in FORMATS.values()} == {True}


def test_environment_is_strict_and_escapes_only_html():
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape("brief/brief.html.j2") and not env.autoescape("brief/brief.md.j2")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown brief format"):
        render(sql_brief(), "pdf")
