"""Money corpus for `intents.money`, Duckling style: every surface form must parse whole to its value.

Context currency USD (a US form's country gives it); a figure with an explicit
marker keeps its own currency. Written for these tests; the SCHEMA.md "Money"
conventions decide the values: "about X" -> X..X, "up to X" -> max only, "at
least X" -> min only, "X, can stretch to Y" -> X..Y, per-unit prices as written.
"""

from __future__ import annotations

from intents.types import Money

HINT = "USD"
SAME = object()  # max = min


def usd(lo, hi=SAME, period=None):
    return Money(lo, lo if hi is SAME else hi, "USD", period)


def eur(lo, hi=SAME, period=None):
    return Money(lo, lo if hi is SAME else hi, "EUR", period)


EXAMPLES: list[tuple[Money, list[str]]] = [
    # --- points, symbols, codes, words
    (usd(500), ["$500", "500 dollars", "500 USD", "USD 500", "500 bucks", "$ 500", "500$", "500 usd"]),
    (usd(50_000), ["$50k", "$50K", "50k USD", "50,000 dollars", "50 grand", "US$50,000", "USD 50k", "$50,000.00", "fifty thousand dollars"]),
    (usd(1_500_000), ["$1.5M", "$1.5 million", "1.5mm USD", "$1,500,000", "$1.5mn", "1.5 million dollars"]),
    (usd(2_000_000), ["$2 mil", "two million dollars", "$2MM", "2M USD", "$2m"]),
    (usd(500_000), ["half a million dollars", "$500k", "$0.5M", "half a mil bucks"]),
    (usd(250_000), ["a quarter million dollars", "$250,000", "a quarter of a million bucks", "two hundred and fifty thousand dollars"]),
    (usd(1_000), ["a grand", "$1k", "1,000 dollars", "a thousand dollars", "one grand"]),
    (usd(10_000), ["ten grand", "10 grand", "$10,000", "10k dollars", "10 thousand bucks"]),
    (usd(1_200), ["twelve hundred dollars", "$1,200", "1.2k USD"]),
    (usd(1_200.5), ["1,200.50 USD", "$1,200.50"]),
    (usd(25_000), ["25k", "25K", "$25 thousand", "25 thousand dollars", "twenty-five grand"]),
    (usd(1_000_000), ["a million bucks", "$1M", "1 million dollars", "one million USD", "$1mm"]),
    # --- thousand separators of several locales
    (eur(1_200.5), ["1.200,50 €", "€1.200,50", "1 200,50 EUR", "EUR 1.200,50", "1.200,50 euros"]),
    (eur(17_000), ["17 000 €", "17.000 €", "€17,000", "17 k€", "17K€", "17.000 EUR", "17 000 euros", "EUR 17k", "17 mil euros", "€ 17.000"]),
    (Money(1_200, 1_200, "CHF"), ["CHF 1'200", "1'200 CHF", "Fr. 1'200", "1’200 CHF", "1200 Swiss francs"]),
    (Money(8_500, 8_500, "GBP"), ["£8.5k", "8,500 GBP", "8.5k pounds", "£8,500", "8500 quid", "8,500 pounds sterling"]),
    (Money(500_000, 500_000, "JPY"), ["¥500,000", "500,000 yen", "JPY 500k"]),
    (Money(500_000, 500_000, "INR"), ["₹5 lakh", "5 lakh rupees", "INR 5,00,000", "Rs. 5,00,000", "Rs 500,000"]),
    (Money(10_000_000, 10_000_000, "INR"), ["1 crore rupees", "₹1,00,00,000", "₹1 crore"]),
    (Money(20_000, 20_000, "AUD"), ["A$20k", "AUD 20,000", "20k AUD", "20,000 Australian dollars"]),
    (Money(15_000, 15_000, "CAD"), ["C$15,000", "15k CAD", "CA$15k", "15,000 Canadian dollars"]),
    (Money(50_000, 50_000, "BRL"), ["R$ 50 mil", "R$50.000", "50 mil reais", "BRL 50k"]),
    (Money(100_000, 100_000, "SEK"), ["SEK 100 000", "100 000 SEK", "100k SEK"]),
    (Money(75_000, 75_000, "ZAR"), ["ZAR 75,000", "75k rand"]),
    (Money(200_000, 200_000, "MXN"), ["MXN 200,000", "200k MXN", "200,000 Mexican pesos"]),
    # --- ranges
    (usd(50_000, 75_000), ["50-75k", "$50k–$75k", "$50k - $75k", "50k to 75k", "between 50 and 75 thousand dollars", "between $50k and $75k", "from $50,000 to $75,000", "$50-75k", "50,000-75,000 USD", "50k-75k", "$50,000 – $75,000"]),
    (usd(5_000, 8_000), ["$5k to $8k", "5-8k", "$5,000-$8,000", "five to eight thousand dollars", "5k–8k", "$5k or $8k"]),
    (usd(20_000, 30_000), ["between 20 and 30 thousand", "20 to 30 grand", "20-30K", "from 20k to 30k"]),
    (eur(10_000, 20_000), ["10.000 - 20.000 €", "€10-20k", "entre 10 y 20 mil euros", "zwischen 10.000 und 20.000 EUR", "de 10 000 à 20 000 €", "tussen €10.000 en €20.000", "tra 10.000 e 20.000 euro", "10k-20k EUR", "10.000 bis 20.000 Euro"]),
    (usd(1_000, 2_000, "monthly"), ["$1,000-$2,000 per month", "1-2k a month", "$1k–2k/mo", "between $1k and $2k monthly"]),
    (Money(5_000, 10_000, "GBP"), ["£5k-£10k", "5-10k GBP", "£5,000 to £10,000"]),
    (usd(50_000, 75_000), ["50-75.000 USD"]),
    # --- upper bounds
    (usd(None, 10_000), ["under 10k", "under $10,000", "no more than $10,000", "at most ten grand", "up to 10k", "max 10k", "10k max", "$10k tops", "less than $10k", "below 10k", "not more than 10,000 dollars", "10k or less", "a maximum of $10k", "<$10k", "sub-$10k", "capped at 10k", "maximum of 10k"]),
    (eur(None, 20_000), ["bis zu 20.000 €", "hasta 20.000 euros", "jusqu'à 20 000 €", "até 20 mil euros", "fino a 20.000 euro", "tot €20.000", "maximal 20.000 EUR", "moins de 20 000 €", "menos de 20.000 euros"]),
    (usd(None, 500, "monthly"), ["under $500 a month", "no more than $500/mo", "up to 500 USD per month", "$500/month max"]),
    # --- lower bounds
    (usd(20_000, None), ["at least 20k", "north of $20k", "over $20,000", "more than 20 grand", "20k+", "$20k minimum", "minimum $20k", "20k or more", "upwards of $20k", "in excess of $20,000", "$20,000 and up", "> $20k", "at least twenty grand"]),
    (eur(50_000, None), ["mindestens 50.000 €", "au moins 50 000 €", "al menos 50.000 euros", "pelo menos 50 mil euros", "minimaal €50.000", "almeno 50.000 euro", "50.000 € oder mehr", "plus de 50 000 €", "mehr als 50.000 EUR"]),
    (usd(100_000, None), ["$100k+", "100,000+ USD", "100K plus", "$100k and above"]),
    # --- approximations: min = max
    (usd(50_000), ["about $50k", "around 50k", "~$50k", "roughly 50 grand", "approximately $50,000", "50k-ish", "$50k or so", "circa 50k", "in the ballpark of $50k", "something like 50k", "50k give or take", "ca. 50.000 $", "approx. $50k"]),
    (eur(30_000), ["etwa 30.000 €", "environ 30 000 €", "alrededor de 30.000 euros", "cerca de 30 mil euros", "ongeveer €30.000", "circa 30.000 euro", "ungefähr 30.000 EUR", "aproximadamente 30.000 €"]),
    # --- "X, can stretch to Y"
    (usd(12_000, 15_000, "monthly"), ["12k monthly, we can stretch to 15", "$12k/month, could stretch to $15k", "12k per month but we can push to 15k", "12k a month, 15k max"]),
    (usd(5_000, 8_000), ["5k, max 8k", "5k, up to 8k if needed", "at least $5k but no more than $8k", "$5k, maybe $8k", "around 5k, could go up to 8k"]),
    # --- periods and per-unit prices
    (usd(25, 25, "monthly"), ["$25/user/month", "$25 per user per month", "$25 per seat/mo", "25 dollars a seat each month", "$25 per user monthly"]),
    (usd(2_000, 2_000, "monthly"), ["$2k/mo", "$2,000 per month", "$2k a month", "2000 USD monthly", "$2000 p/m", "$2k pm", "two grand a month", "$2k/month", "$2k every month"]),
    (usd(60_000, 60_000, "annual"), ["$60k/yr", "$60,000 per year", "$60k a year", "$60k annually", "60k USD per annum", "$60k p.a.", "60 grand yearly", "$60k/year", "$60k each year"]),
    (usd(15_000, 15_000, "one_time"), ["$15k one-off", "$15k one time", "$15,000 lump sum", "$15k one-time", "$15k upfront"]),
    (eur(8_000, 8_000, "monthly"), ["€8k/mo", "8,000 EUR per month", "8.000 € al mes", "8.000 € pro Monat", "8 000 € par mois", "€8.000 por mês", "€8000 per maand", "8.000 euro al mese", "8.000 € monatlich", "8.000 € mensuales"]),
    (eur(40_000, 40_000, "annual"), ["40.000 € pro Jahr", "40 000 € par an", "40.000 euros al año", "40.000 euro all'anno", "€40.000 per jaar", "40.000 € im Jahr", "40.000 € jährlich"]),
    (usd(150), ["$150/hour", "$150 an hour", "$150 per hour"]),
    # --- vague magnitudes: money, no figure
    (Money(None, None, None), ["six figures", "a few thousand dollars", "5 figures", "low six figures", "mid-six figures", "seven figures", "several grand", "hundreds of thousands of dollars", "a couple of grand", "thousands of euros", "six-figure", "a few grand"]),
    (Money(None, None, None, "annual"), ["low five figures a year", "six figures per year"]),
]

# Figures in words with no money word, and bare numbers: money only when the
# context says so (the bot asked about budget). (question, answer, expected)
LATENT: list[tuple[str, str, Money]] = [
    ("What budget do you have in mind?", "5000", usd(5_000)),
    ("Roughly how much are you looking to spend?", "around 20000", usd(20_000)),
    ("What's your budget range?", "10000-20000", usd(10_000, 20_000)),
    ("And the budget, in euros?", "15000", eur(15_000)),
    ("Do you have a ballpark budget?", "fifty thousand", usd(50_000)),
    ("Which figure should we plan around, in GBP?", "75000", Money(75_000, 75_000, "GBP")),
    ("How much can you invest in this?", "about 12,000", usd(12_000)),
    ("What's the most you could spend?", "no more than 3000", usd(None, 3_000)),
    ("What's your budget?", "a hundred thousand", usd(100_000)),
    ("Budget?", "between 800 and 1200", usd(800, 1_200)),
]

# Text that holds no money (a bare number may come back latent, never as money).
NEGATIVES: list[str] = [
    "we have 50 employees", "call 555-0100", "Q3 2026", "4k video", "v2.5", "top 10", "200 boxes", "50%",
    "20 percent", "2026", "10-15 people", "in 2 weeks", "5 pounds of coffee", "4K monitors", "1080p",
    "24/7 support", "3x faster", "10am tomorrow", "2nd floor", "50k users", "100k monthly visitors",
    "30k monthly readers", "a few thousand records", "tens of thousands of rows", "2-3 weeks",
    "version 3.2.1", "ISO 27001", "SOC 2", "+1 312 555 0182", "2026-03-15", "15.03.2026", "3/15/2026",
    "10:30", "5GB", "room 101", "1 in 5 customers", "H2 2026", "FY27", "Windows 11", "iPhone 15",
    "5 stars", "7 days a week", "12 months", "a 30-day trial", "our 3 offices", "5 km", "500 sq ft",
    "8 hours a day", "about 40 people", "around 20 users", "up to 5 seats", "at least 3 locations",
    "between 10 and 20 agents", "over 200 stores", "under 18", "page 2", "step 1", "top 5%",
    "1,000 units", "1.2 million records", "10k followers", "5 mm screws", "3D printing", "4G network",
    "COVID-19", "thanks a million", "we sell 2 million units a year", "1.5M impressions",
    "grand opening", "2 million downloads", "15-20 technicians", "~2k registrants", "0800 123 456",
    "between 2025 and 2026", "25 people per team", "50 emails per day", "1,200 SKUs", "the 90s",
    "B2B", "a 10 minute call", "99.9% uptime",
]

# (sentence, evidence text, money): the span find_money reports for the budget figure.
IN_SENTENCE: list[tuple[str, str, Money]] = [
    ("Our budget is about $50k this year.", "about $50k", usd(50_000)),
    ("We could spend between $20k and $30k on the rollout.", "between $20k and $30k", usd(20_000, 30_000)),
    ("Anything under 10k works for us", "under 10k", usd(None, 10_000)),
    ("We're thinking 12k monthly, we can stretch to 15 if the results are there", "12k monthly, we can stretch to 15", usd(12_000, 15_000, "monthly")),
    ("Pricing around €8k/mo would be fine.", "around €8k/mo", eur(8_000, 8_000, "monthly")),
    ("We have maybe 5-8k for this", "5-8k", usd(5_000, 8_000)),
    ("Budget: $25/user/month for 80 users", "$25/user/month", usd(25, 25, "monthly")),
    ("Tenemos un presupuesto de 10.000 euros.", "10.000 euros", eur(10_000)),
    ("Wir rechnen mit etwa 22.000 EUR im Jahr für die Lizenzen.", "etwa 22.000 EUR im Jahr", eur(22_000, 22_000, "annual")),
    ("Nous prévoyons 16 500 € par an pour l'outil.", "16 500 € par an", eur(16_500, 16_500, "annual")),
    ("O orçamento é de R$ 50 mil por ano.", "R$ 50 mil por ano", Money(50_000, 50_000, "BRL", "annual")),
    ("Ons budget is ongeveer €30.000 per jaar.", "ongeveer €30.000 per jaar", eur(30_000, 30_000, "annual")),
    ("Il budget è di circa 40.000 euro all'anno.", "circa 40.000 euro all'anno", eur(40_000, 40_000, "annual")),
    ("We're a team of 40 with a six-figure budget.", "six-figure", Money(None, None, None)),
    ("We pay nothing today; we'd put 12k USD towards it.", "12k USD", usd(12_000)),
    ("For 30 seats we'd go up to $1,500 per month.", "up to $1,500 per month", usd(None, 1_500, "monthly")),
    ("Budget (total): £40,000 - £60,000, paid in stages.", "£40,000 - £60,000", Money(40_000, 60_000, "GBP")),
    ("Can't go over $5k for the whole thing.", "over $5k", usd(None, 5_000)),
    ("We don't want to spend more than 3k a month.", "more than 3k a month", usd(None, 3_000, "monthly")),
    ("Somewhere in the region of 200k, maybe 250k.", "Somewhere in the region of 200k, maybe 250k", usd(200_000, 250_000)),
]
