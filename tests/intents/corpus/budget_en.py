"""Budget slot corpus: whole inquiries (generic webhook payloads) and the budget SCHEMA.md gives them.

Written for these tests about a fictional software and services vendor. The
context currency is USD (a US form) unless a case sets `currency_hint`. `evidence`
lists words that must be among the chosen finding's evidence texts. NOW = Tue
2026-03-10 14:05 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intents.types import Budget

NOW = "2026-03-10T14:05:00Z"


@dataclass(frozen=True)
class Case:
    id: str
    payload: dict[str, Any]
    expected: Budget | None
    evidence: tuple[str, ...] = ()
    currency_hint: str | None = "USD"
    hedged: bool | None = None
    tags: tuple[str, ...] = field(default=())


def form(message: str | None = None, **fields: str) -> dict[str, Any]:
    body: dict[str, str] = {"first_name": "Rui", "last_name": "Okafor", "email": "rui@lanternworks.example",
                            "company": "Lanternworks"}
    if message is not None:
        body["message"] = message
    body.update({k.replace("__", " "): v for k, v in fields.items()})
    return {"form_id": "contact", "page_url": "https://vendor.example/contact", "submitted_at": NOW, "fields": body}


def chat(*turns: tuple[str, str]) -> dict[str, Any]:
    return {
        "conversation_id": "c-1",
        "visitor": {"name": "Rui Okafor", "email": "rui@lanternworks.example"},
        "page_url": "https://vendor.example/pricing",
        "transcript": [{"role": role, "text": text, "at": NOW} for role, text in turns],
    }


def stated(lo, hi, currency="USD", period=None):
    return Budget("stated", lo, hi, currency, period)


def approved(lo=None, hi=None, currency=None, period=None):
    return Budget("approved", lo, hi, currency if lo is not None or hi is not None else None, period)


NONE = Budget("none")
UNKNOWN = Budget("unknown")

CASES: list[Case] = [
    # --- free text in a form
    Case("form-annual", form("We're replacing our ticketing tool for 30 agents; budget is around $40k a year."),
         stated(40_000, 40_000, period="annual"), ("around $40k a year",), hedged=True),
    Case("form-range-k", form("Rebuilding the member portal. We've earmarked nothing yet but think 50-75k is realistic."),
         stated(50_000, 75_000), ("50-75k",)),
    Case("form-per-unit", form("Budget is $25/user/month for about 80 users."),
         stated(25, 25, period="monthly"), ("$25/user/month",)),
    Case("form-spend-eur", form("Looking to spend about €8k per month on the platform."),
         stated(8_000, 8_000, "EUR", "monthly"), ("about €8k per month",)),
    Case("form-got-gbp", form("We've got £8.5k for it, happy to talk."),
         stated(8_500, 8_500, "GBP"), ("£8.5k",)),
    Case("form-bare-dollar", form("Need a new logo and brand kit, $3,000 all in."),
         stated(3_000, 3_000), ("$3,000",)),
    Case("form-stretch", form("Need a new website. Around $6k, could go to 7.5 for the right agency."),
         stated(6_000, 7_500), ("Around $6k, could go to 7.5",)),
    Case("form-upper-bound", form("We can't go over $5k for the whole project."),
         stated(None, 5_000), ("over $5k",)),
    Case("form-lower-bound", form("Our spend would be at least 20k for the first phase."),
         stated(20_000, None), ("at least 20k",)),
    Case("form-monthly-budget-words", form("Our monthly budget for tooling is 2,500 dollars."),
         stated(2_500, 2_500, period="monthly"), ("2,500 dollars",)),
    Case("form-no-hint", form("We have a budget of 12k for the pilot."), stated(12_000, 12_000, None), ("12k",),
         currency_hint=None),
    Case("form-country-hint", form("We have a budget of 12k for the pilot."), stated(12_000, 12_000, "EUR"), ("12k",),
         currency_hint="EUR"),
    Case("form-cued-bare-number", form("Budget: 5000 per month, starting in April."),
         stated(5_000, 5_000, period="monthly"), ("5000 per month",)),
    Case("form-price-range", form("Our price range is 2-4k for the whole build."), stated(2_000, 4_000), ("2-4k",)),
    Case("form-annual-budget-words", form("Our annual budget for analytics tools is 36k."),
         stated(36_000, 36_000, period="annual"), ("36k",)),
    Case("form-one-off-project", form("It's a one-off project, budget about 9k."),
         stated(9_000, 9_000, period="one_time"), ("about 9k",)),
    Case("form-one-off-after", form("We can put $9k total, one-off, into the redesign."),
         stated(9_000, 9_000, period="one_time"), ("$9k",)),
    Case("form-scam", form("I hold an inheritance of $4.2M and need a trustworthy partner to receive it."), None),
    # --- approval
    Case("form-approved", form("Budget approved for Q3, roughly 20-30k."), approved(20_000, 30_000, "USD"),
         ("roughly 20-30k",)),
    Case("form-approved-no-figure", form("Good news: our budget has been approved by finance."), approved(),
         ("approved",)),
    Case("form-left-in-budget", form("There's still £4,500 remaining in our training budget for this quarter."),
         approved(4_500, 4_500, "GBP"), ("£4,500",)),
    Case("form-set-aside", form("Finance set aside 30k for the migration."), approved(30_000, 30_000, "USD"),
         ("30k",)),
    Case("form-budgeted", form("We've already budgeted for a new CRM this year."), approved(), ("already budgeted",)),
    Case("form-pending-approval", form("I'm hoping to get budget approved next quarter."), NONE),
    Case("form-pending-with-figure", form("We'd need about $15k but it's not approved yet."),
         stated(15_000, 15_000), ("about $15k",)),
    # --- none
    Case("form-no-budget", form("No budget yet, we're just scoping options."), NONE, ("No budget",)),
    Case("form-cant-afford", form("Honestly we can't afford much right now, but curious."), NONE, ("can't afford",)),
    Case("form-cant-afford-figure", form("Keen on a security audit, but we cannot afford 25k+ this year."), NONE),
    Case("form-tbd", form("Budget is TBD until our board meets in May."), NONE),
    Case("form-dont-have", form("We don't have a dedicated budget for this."), NONE),
    Case("form-zero-dollars", form("Budget is $0 right now, we're bootstrapped."), NONE, ("$0",)),
    # --- unknown
    Case("form-tight", form("We're a small nonprofit on a tight budget."), UNKNOWN, ("tight budget",)),
    Case("form-six-figures", form("Budget: six figures for the full programme."), UNKNOWN, ("six figures",)),
    Case("form-flexible", form("Our budget is flexible if the fit is right."), UNKNOWN),
    Case("form-no-limit", form("There's no budget limit for the right partner."), UNKNOWN),
    # --- absent: not sure, refusals
    Case("form-rather-not-say", form("I'd rather not say what our budget is yet."), None),
    Case("form-not-sure", form("Not sure about budget, depends on what you quote."), None),
    # --- money that is not their budget
    Case("form-vendor-pitch", form("Our SEO packages start at $299/month. Interested?"), None),
    Case("form-current-spend", form("We currently pay $400/mo for our old helpdesk and it's clunky."), None),
    Case("form-revenue", form("We're a $20M ARR company looking at analytics tools."), None),
    Case("form-salary", form("My expected salary is $85k; available from May."), None),
    Case("form-refund", form("I was charged $49 twice last month, please refund one."), None),
    Case("form-employees", form("We have 250 employees across 4 offices and need an HRIS."), None),
    Case("form-phone", form("Ring me on +1 646 555 0199 about a demo."), None),
    Case("form-version-video", form("We run version 4.2 and need 4k video support."), None),
    Case("form-price-question", form("Is the $49 plan enough for three users?"), None),
    Case("form-funding", form("We just raised $3M and are hiring fast; need an ATS."), None),
    Case("form-quote-elsewhere", form("Another agency quoted us $60k, which seemed high."), None),
    Case("form-savings", form("Your tool could save us $2k a month in manual work."), None),
    Case("form-quantity", form("We send about 50k emails a month and need better deliverability."), None),
    Case("form-year", form("We plan to roll this out in 2026 across our 120 stores."), None),
    # --- budget dropdowns and fields
    Case("field-range", form("Need a new booking system.", budget="$10k - $25k"), stated(10_000, 25_000),
         ("$10k - $25k",)),
    Case("field-under", form("Need a new booking system.", budget="Under $5,000"), stated(None, 5_000)),
    Case("field-plus", form("Need a new booking system.", budget="50k+"), stated(50_000, None)),
    Case("field-not-sure", form("Need a new booking system.", budget="Not sure yet"), None),
    Case("field-prefer-not", form("Need a new booking system.", budget="Prefer not to say"), None),
    Case("field-none", form("Need a new booking system.", budget="No budget allocated"), NONE),
    Case("field-bare-number", form("Need a new booking system.", budget="7500"), stated(7_500, 7_500)),
    Case("field-label-currency", form("Need a new booking system.", **{"Budget (EUR)": "8000"}),
         stated(8_000, 8_000, "EUR")),
    Case("field-monthly-label", form("Need help with paid search.", **{"Monthly budget": "$3,000"}),
         stated(3_000, 3_000, period="monthly")),
    Case("field-question-label", form("Need help with paid search.", **{"What budget do you have for this project?": "around 15k"}),
         stated(15_000, 15_000)),
    Case("field-and-approval", form("Our budget has been approved for this quarter.", budget="$5k-$10k"),
         approved(5_000, 10_000, "USD")),
    Case("field-overridden-by-text", form("Honestly we could go up to 15k.", budget="$5k-$10k"),
         stated(None, 15_000), ("up to 15k",)),
    Case("field-none-text-figure", form("We have $5k set aside for a first phase.", budget="No budget"),
         approved(5_000, 5_000, "USD")),
    Case("field-figure-text-none", form("No budget has been allocated yet.", budget="$25k-$50k"), NONE),
    # --- chats: answers read against the bot's question
    Case("chat-answer-k", chat(("visitor", "hi, we need help with our SEO"),
                               ("bot", "Great! What budget did you have in mind?"), ("visitor", "maybe 20k")),
         stated(20_000, 20_000), ("20k",), hedged=True),
    Case("chat-answer-bare", chat(("visitor", "looking for a security audit"),
                                  ("bot", "Sure. Roughly what budget do you have for it?"), ("visitor", "5000")),
         stated(5_000, 5_000), ("5000",)),
    Case("chat-bare-not-asked", chat(("visitor", "looking for a security audit"),
                                     ("bot", "Sure. By when should it be finished?"), ("visitor", "3000")),
         None),
    Case("chat-question-currency", chat(("visitor", "we need a helpdesk"),
                                        ("bot", "What budget do you have, in euros?"), ("visitor", "15000")),
         stated(15_000, 15_000, "EUR")),
    Case("chat-stretch", chat(("visitor", "need an SDR agency"), ("bot", "How much per month can you spend?"),
                              ("visitor", "12k monthly, we could stretch to 15")),
         stated(12_000, 15_000, period="monthly")),
    Case("chat-later-overrides", chat(("visitor", "we have a budget of $20k"), ("bot", "Thanks, noted."),
                                      ("visitor", "sorry, correction: the budget is $25k")),
         stated(25_000, 25_000), ("$25k",)),
    Case("chat-later-approved", chat(("visitor", "our budget is about 10k"), ("bot", "Anything else?"),
                                     ("visitor", "oh and finance approved 15k this morning")),
         approved(15_000, 15_000, "USD"), ("15k",)),
    Case("chat-none-then-figure", chat(("visitor", "no budget yet tbh"),
                                       ("bot", "What could you spend if it solves this?"), ("visitor", "maybe 5k")),
         stated(5_000, 5_000)),
    Case("chat-figure-then-none", chat(("visitor", "we were thinking around 8k"), ("bot", "Got it."),
                                       ("visitor", "update: our budget was cut, so nothing for now")),
         NONE),
    Case("chat-yes-approved", chat(("visitor", "want a demo"), ("bot", "Is budget already approved for this?"),
                                   ("visitor", "yes")), approved(), ("yes",)),
    Case("chat-not-yet", chat(("visitor", "want a demo"), ("bot", "Is budget already approved for this?"),
                              ("visitor", "not yet")), NONE),
    Case("chat-not-sure", chat(("visitor", "want a demo"), ("bot", "Is there a figure you're aiming for?"),
                               ("visitor", "not sure yet")), None),
    Case("chat-yes-with-figure", chat(("visitor", "want a demo"), ("bot", "Is money already earmarked for it?"),
                                      ("visitor", "yes, about $12k")), approved(12_000, 12_000, "USD")),
    Case("chat-bot-price-not-evidence", chat(("visitor", "how much is it?"), ("bot", "Our plans start at $99/month."),
                                             ("visitor", "ok thanks")), None),
    Case("chat-current-spend-answer", chat(("visitor", "need a new phone system"), ("bot", "What's your budget?"),
                                           ("visitor", "we pay about $300 a month for our current one")), None),
    Case("chat-flexible-answer", chat(("visitor", "need a new phone system"), ("bot", "What's your budget?"),
                                      ("visitor", "flexible")), UNKNOWN),
    # --- other languages
    Case("es", form("Para la migración contamos con unos 12.500 euros."), stated(12_500, 12_500, "EUR")),
    Case("de", form("Wir planen jährlich rund 24.000 EUR pro Jahr dafür ein."), stated(24_000, 24_000, "EUR", "annual")),
    Case("fr", form("Pour la refonte, nous prévoyons une enveloppe de 18 000 €."), stated(18_000, 18_000, "EUR")),
    Case("pt", form("Nosso orçamento é de R$ 50 mil."), stated(50_000, 50_000, "BRL")),
    Case("nl", form("Onze begroting is ongeveer €30.000."), stated(30_000, 30_000, "EUR")),
    Case("it", form("Abbiamo un budget di 40.000 euro all'anno."), stated(40_000, 40_000, "EUR", "annual")),
    Case("es-none", form("Por ahora no tenemos presupuesto, solo estamos mirando."), NONE),
    Case("de-none", form("Wir haben noch kein Budget dafür."), NONE),
]
