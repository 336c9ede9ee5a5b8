"""Contact requests (intents/contact.py + resolve_contact_request).

Each row is an inquiry and the kind of request that should stand (None: no
request). Form rows are a one-field message; chat rows alternate roles. All
examples are written for these tests.
"""

from __future__ import annotations

import time

import pytest

from forms.types import Inquiry, Turn, VendorIds
from intents.contact import extract_contact_request, is_request_form, load_rules, object_kind
from intents.resolve import resolve_contact_request
from intents.text import TextView
from intents.types import Context


def form(message: str, *, form_id: str | None = None, page_url: str | None = None, **fields: str) -> Inquiry:
    all_fields = {"message": message, **fields} if message else dict(fields)
    return Inquiry(
        source="generic",
        channel="form",
        message=message or None,
        message_field="message" if message else None,
        fields=all_fields,
        page_url=page_url,
        vendor=VendorIds(form_id=form_id),
    )


def chat(*turns: tuple[str, str]) -> Inquiry:
    return Inquiry(
        source="generic", channel="chat", transcript=tuple(Turn(role, text) for role, text in turns)
    )


def standing(inquiry: Inquiry, ctx: Context):  # noqa: ANN201 - Finding | None
    view = TextView(inquiry)
    return resolve_contact_request(extract_contact_request(view, ctx), view)


def kind_of(inquiry: Inquiry, ctx: Context) -> str | None:
    finding = standing(inquiry, ctx)
    return finding.value.kind if finding else None


# (expected kind or None, message)
MESSAGES = [
    # requests, English
    ("demo", "We run six bakeries and want to book a demo of the ordering app next week."),
    ("demo", "Could we see a quick demo before our budget meeting?"),
    ("demo", "Requesting demo for our compliance team, please."),
    ("demo", "Can someone demo the route planner for me and my ops lead?"),
    ("demo", "Do you offer live demos? We're comparing three vendors."),
    ("call", "I'd appreciate a 20-minute call with an engineer about the SSO setup."),
    ("call", "Give me a ring on Thursday, I'm usually at my desk after 10."),
    ("meeting", "Would love a short consultation on moving our ledger off spreadsheets."),
    ("meeting", "Let's set up a time to go through the migration plan."),
    ("meeting", "I'd like to speak with one of your solution architects about our data lake."),
    ("meeting", "Send me a calendar link and I'll grab a slot."),
    ("meeting", "Happy to hop on a quick chat this week if that helps."),
    ("quote", "Please send us a quote for the annual plan, 3 sites."),
    ("quote", "Can your team put together a firm quote for the warehouse racking?"),
    ("quote", "Quote needed for replacing the roof membrane on two buildings."),
    ("proposal", "We need a proposal by the 30th for the board pack."),
    ("proposal", "Could your agency send over a proposal for the rebrand?"),
    ("contact", "Please have someone from sales reach out, we need this sorted."),
    ("contact", "Can somebody call me back about the fleet tracking units?"),
    ("contact", "Feel free to reach out to me directly, happy to chat details."),
    ("contact", "You can reach me at 0161 555 0199 most mornings."),
    ("contact", "Can I talk to a human about upgrading our plan?"),
    ("pricing", "What would the pricing be for 45 field technicians on the pro tier?"),
    ("pricing", "How much would it cost to equip about 120 vans with trackers?"),
    ("pricing", "Looking for prices covering our team of 18, billed yearly."),
    ("pricing", "We have 300 mailboxes to migrate - how much would that run?"),
    ("pricing", "Need the cost for a 60-person team, monthly billing preferred."),
    # non-English
    ("demo", "Hola, nos gustaría una demostración del sistema de inventario."),
    ("quote", "Buenos días, quisiera pedir un presupuesto para tres oficinas."),
    ("contact", "Por favor, que me llamen mañana por la tarde."),
    ("quote", "Guten Tag, bitte senden Sie uns ein Angebot für die Wartung."),
    ("contact", "Rufen Sie mich bitte zurück, am besten vormittags."),
    ("meeting", "Bonjour, nous souhaitons prendre un rendez-vous avec un commercial."),
    ("quote", "Pourriez-vous nous faire un devis pour 40 postes ?"),
    ("meeting", "Olá, gostaríamos de marcar uma reunião na próxima semana."),
    ("quote", "Precisamos de um orçamento para a frota de entregas."),
    ("quote", "Goedemiddag, graag ontvangen wij een offerte voor het onderhoud."),
    ("contact", "Kunt u mij terugbellen over de licenties?"),
    ("quote", "Buongiorno, vorremmo ricevere un preventivo per il magazzino."),
    ("contact", "Potete contattarmi domani mattina?"),
    ("contact", "Merci de me rappeler avant midi, c'est pour le parc informatique."),
    ("contact", "Podem entrar em contato comigo amanhã?"),
    ("pricing", "Necesito el precio para 30 usuarios con soporte."),
    ("pricing", "Quel est le tarif pour 12 techniciens ?"),
    ("pricing", "Qual o preço para 8 lojas?"),
    ("pricing", "Wat zijn de kosten voor 50 medewerkers?"),
    ("pricing", "Mi serve il prezzo per 20 utenti, grazie."),
    ("pricing", "Was kostet das? Preise für 25 Nutzer bitte."),
    # not a request
    (None, "pricing?"),
    (None, "How much does it cost?"),
    (None, "Can you send me a brochure and a couple of case studies?"),
    (None, "Please send more info about the product."),
    (None, "Please contact me with more information about your plans."),
    (None, "Is there a free trial I can start today?"),
    (None, "Where can I find the API docs?"),
    (None, "We need a call center platform for 40 agents."),
    (None, "Our customers should be able to book a call with a stylist online."),
    (None, "We need to hold a meeting with our board first, then we'll decide."),
    (None, "I watched the demo video on your site, it looked good."),
    (None, "We don't need a demo, we already know the product."),
    (None, "No calls please, email only."),
    (None, "A sales call isn't necessary at this point."),
    (None, "Maybe at some point down the road we'd want a demo."),
    (None, "Tenemos un presupuesto de 20.000 euros para el proyecto."),
    (None, "We want reps to send a quote straight from the CRM."),
    (None, "Our app lets patients book an appointment with any dentist."),
    (None, "We are 40 people and growing fast."),
    (None, "We bought 12 licenses last year and pricing went up since."),
]


@pytest.mark.parametrize(("expected", "message"), [pytest.param(e, m, id=m[:60]) for e, m in MESSAGES])
def test_message_contact_request(expected: str | None, message: str, ctx: Context) -> None:
    assert kind_of(form(message), ctx) == expected


# (expected kind or None, transcript)
CHATS = [
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "we need to track 30 delivery vans"),
            ("bot", "Got it! Would you like to book a call with our team?"),
            ("visitor", "yes please"),
        ],
        id="yes to an offered call",
    ),
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "our payroll runs on spreadsheets"),
            ("bot", "Shall I set up a call with one of our specialists?"),
            ("visitor", "sure, tuesday is best"),
        ],
        id="sure to a set-up offer",
    ),
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "need a helpdesk for 8 agents"),
            ("bot", "Great, I can book you a call. Pick a time: 1) Mon 10:00 2) Tue 14:00 3) Wed 09:30"),
            ("visitor", "2"),
        ],
        id="picks an offered slot",
    ),
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "we want to move our CAD files to the cloud"),
            ("bot", "Our team will reach out today. What's the best number?"),
            ("visitor", "+44 20 7946 0018"),
        ],
        id="phone number after a call-back offer",
    ),
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "hola, buscamos un sistema de turnos"),
            ("bot", "Would you like to book a demo?"),
            ("visitor", "sí, claro"),
        ],
        id="yes in Spanish",
    ),
    pytest.param(
        "yes_to_offer",
        [
            ("visitor", "we sell spare parts in 3 countries"),
            ("bot", "Would you like to book a call with our team?"),
            ("visitor", "I'm free Thursday afternoon, send me the invite"),
        ],
        id="accepts without a yes word",
    ),
    pytest.param(
        None,
        [
            ("visitor", "we need approvals with an audit trail"),
            ("bot", "Want me to book a call with an account exec?"),
            ("visitor", "not right now, I'll come back when the budget is set"),
        ],
        id="declines the call",
    ),
    pytest.param(
        None,
        [
            ("visitor", "can I get a demo of the scheduling module?"),
            ("bot", "Sure! Would you like to book a call first?"),
            ("visitor", "no thanks, let me check with my manager"),
        ],
        id="a later decline withdraws an earlier request",
    ),
    pytest.param(
        "demo",
        [
            ("visitor", "just browsing"),
            ("bot", "Would you like to book a call?"),
            ("visitor", "nah"),
            ("visitor", "actually yes, can we book a demo for Friday?"),
        ],
        id="a request after a decline stands",
    ),
    pytest.param(
        None,
        [
            ("visitor", "do you integrate with Xero?"),
            ("bot", "We do! Are you the person who signs off?"),
            ("visitor", "yes"),
        ],
        id="yes to a question that offered nothing",
    ),
    pytest.param(
        None,
        [
            ("visitor", "we need a new phone system for 3 offices"),
            ("bot", "I can have a specialist call you. First, are you the one who signs off on this?"),
            ("visitor", "yes"),
        ],
        id="yes answers the last question, not an earlier offer",
    ),
    pytest.param(
        None,
        [
            ("visitor", "looking at options for our clinic"),
            ("bot", "Would you like to book a call?"),
            ("visitor", "hmm, what does it cost?"),
        ],
        id="no answer to the offer",
    ),
    pytest.param(
        "quote",
        [
            ("visitor", "need a price for 12 users"),
            ("bot", "Which accounting system do you use?"),
            ("visitor", "Sage. just send the quote to my email"),
        ],
        id="visitor asks in a later turn",
    ),
    pytest.param(
        None,
        [
            ("visitor", "we need a CRM"),
            ("bot", "Would you like a demo? I can book a call now."),
            ("visitor", "Sure, but not this month"),
        ],
        id="yes but not now is a decline",
    ),
]


@pytest.mark.parametrize(("expected", "turns"), CHATS)
def test_chat_contact_request(expected: str | None, turns: list[tuple[str, str]], ctx: Context) -> None:
    assert kind_of(chat(*turns), ctx) == expected


# (expected kind or None, inquiry): form metadata and structured fields
FORMS = [
    pytest.param(
        "pricing",
        form("We want to see the price for the enterprise tier.", form_id="get-a-quote"),
        id="quote form: a plain mention counts",
    ),
    pytest.param(
        "demo",
        form(
            "Keen to see how the demo handles multi-site stock.",
            page_url="https://example.org/request-demo?src=ad",
        ),
        id="demo page: a plain mention counts",
    ),
    pytest.param(
        "quote",
        form("We're collecting quotes from three installers for the solar array.", form_id="quote-request"),
        id="quote form: a plural mention counts",
    ),
    pytest.param(
        None,
        form("We need stock control for 4 warehouses.", form_id="request-demo"),
        id="demo form without any mention: no evidence, no finding",
    ),
    pytest.param(
        None,
        form("We want to see the price for the enterprise tier.", form_id="contact-us"),
        id="contact form: a plain mention is not a request",
    ),
    pytest.param("demo", form("", Interest="Request a demo"), id="dropdown value"),
    pytest.param("demo", form("Demo"), id="one-word message"),
    pytest.param("contact", form("", Reason="Contact sales"), id="contact-sales dropdown"),
    pytest.param(
        "yes_to_offer",
        form("We need payroll for 2 countries.", **{"Would you like a product demo?": "Yes"}),
        id="checkbox offering a demo, yes",
    ),
    pytest.param(
        None,
        form("We need payroll for 2 countries.", **{"Would you like a product demo?": "No"}),
        id="checkbox offering a demo, no",
    ),
    pytest.param(
        "quote",
        form("Please send a quote for 2 countries.", **{"Would you like a call?": "No"}),
        id="a form's no withdraws nothing else",
    ),
]


@pytest.mark.parametrize(("expected", "inquiry"), FORMS)
def test_form_contact_request(expected: str | None, inquiry: Inquiry, ctx: Context) -> None:
    assert kind_of(inquiry, ctx) == expected


# (message, expected evidence text of the standing request)
IN_SENTENCE = [
    ("Hi team, we'd like to book a demo for the ops crew.", "like to book a demo"),
    ("Morning! What's the pricing for 45 technicians on annual billing?", "pricing for 45 technicians"),
    ("All good so far. Can someone call me tomorrow?", "Can someone call me"),
    ("Bonjour, pourriez-vous nous faire un devis rapidement ?", "un devis"),
]


@pytest.mark.parametrize(("message", "evidence"), [pytest.param(m, e, id=e) for m, e in IN_SENTENCE])
def test_evidence_is_the_request_words(message: str, evidence: str, ctx: Context) -> None:
    finding = standing(form(message), ctx)
    assert finding is not None
    (span,) = finding.evidence
    assert span.text == evidence
    assert message[span.start : span.end] == evidence
    assert span.source == "field:message"


@pytest.mark.parametrize(
    ("message", "negated", "hedged"),
    [
        pytest.param("We don't want a call yet.", True, False, id="negated before"),
        pytest.param("A demo is not needed for us.", False, False, id="no request at all"),
        pytest.param("We'd like a demo at some point next year.", False, True, id="deferred"),
        pytest.param("Could we get a demo?", False, False, id="plain"),
    ],
)
def test_candidate_flags(message: str, negated: bool, hedged: bool, ctx: Context) -> None:
    candidates = extract_contact_request(TextView(form(message)), ctx)
    if "not needed" in message:
        assert candidates == []
        return
    (finding,) = candidates
    assert (finding.negated, finding.hedged) == (negated, hedged)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("demo", "demo"),
        ("Demonstración", "demo"),
        ("call-back", "call"),
        ("Angebot", "quote"),
        ("rendez-vous", "meeting"),
        ("proposals", "proposal"),
        ("wormhole", "contact"),
    ],
)
def test_object_kind(word: str, kind: str) -> None:
    assert object_kind(word) == kind


@pytest.mark.parametrize(
    ("form_id", "page_url", "expected"),
    [
        ("demo-request", None, True),
        (None, "https://example.org/get-a-quote", True),
        ("contact-us", "https://demo-shop.example.org/contact", False),
        (None, None, False),
    ],
)
def test_request_form(form_id: str | None, page_url: str | None, expected: bool) -> None:
    assert is_request_form(form("hello", form_id=form_id, page_url=page_url)) is expected


def test_every_rule_is_exercised(ctx: Context) -> None:
    """Every request, answer and form rule fires on at least one example above."""
    fired: set[str] = set()
    inquiries = [form(m) for _, m in MESSAGES]
    inquiries += [chat(*p.values[1]) for p in CHATS]
    inquiries += [p.values[1] for p in FORMS]
    inquiries += [form(m) for m, _ in IN_SENTENCE]
    for inquiry in inquiries:
        fired.update(f.rule for f in extract_contact_request(TextView(inquiry), ctx))
    rules = load_rules()
    wanted = {
        rule.id
        for role in ("request", "choice", "form_mention", "yes", "no", "slot_pick", "contact_details")
        for rule in rules[role]
    }
    assert sorted(wanted - fired) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a-" * 50_000, id="dashes"),
        pytest.param("1 2 3 4 5 6 7 8 9 0 " * 5_000, id="digits"),
        pytest.param("could someone call me about pricing for 40 drivers? " * 2_000, id="requests"),
    ],
)
def test_long_message_is_fast(text: str, ctx: Context) -> None:
    started = time.process_time()
    extract_contact_request(TextView(form(text[:100_000])), ctx)
    assert time.process_time() - started < 0.5
