"""Money expressions: "$50k–$75k", "under 10k", "€7k/mo", "between 20 and 30 thousand", "1.200,50 €".

A small grammar in the shape of Duckling's money dimension: a lexer (figures in
the thousand separators of several locales, currency symbols, ISO codes and
words from `lexicons/currencies.tsv`, magnitudes, number words), then rules
with stable ids (`RULES`) that build an amount, a range, a bound, an
approximation, a period and a per-unit price into one `Money(min, max,
currency, period)`. `find_money(text)` returns every expression with its
character span and the ids of the rules that built it; `parse_money(text)`
reads a text that is one expression whole. The example corpus is
`tests/intents/corpus/money_en.py`; every rule id has at least one example.

Libraries: `price-parser` (Zyte) was tried and reads one price per string
with no magnitudes, ranges or words ("50-75k" -> 50, "under 10k" -> 10, "ten
grand" -> nothing). `quantulum3` was considered and not adopted: a general
quantity parser with a trained unit disambiguator, more than this task needs,
and its money knowledge would still need our bounds, periods and locales on
top. Duckling itself is a Haskell service
(another process and a network hop per message). Hand-written rules plus a
large example table fit better here.

Nothing here decides whether a figure is somebody's budget: that is
`intents/budget.py`, which reads the words around each match.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .types import Money

LEXICON_FILE = Path(__file__).parent / "lexicons" / "currencies.tsv"

# Every rule of the grammar, by id. A match carries the ids that built it.
RULES: dict[str, str] = {
    "money.amount.digits.v1": "a figure in digits, thousand separators of several locales (1,200.50; 1.200,50; 1 200; 1'200)",
    "money.amount.words.v1": "a figure in words (fifty thousand, ten grand, half a million)",
    "money.magnitude.v1": "a magnitude after a figure (k, K, thousand, grand, M, mm, million, bn, lakh, crore, mil, Tsd, Mio)",
    "money.currency.prefix.v1": "a currency symbol or code before the figure ($, US$, EUR, CHF, R$)",
    "money.currency.suffix.v1": "a currency symbol, code or word after the figure (€, USD, dollars, bucks, euros)",
    "money.range.v1": "two figures joined by a dash, 'to', 'or', 'bis', 'à' (50-75k, $5k to $8k)",
    "money.between.v1": "'between A and B', 'from A to B' and their translations (entre, zwischen, tussen, tra)",
    "money.bound.max.v1": "an upper bound (under, up to, max, no more than, at most, X or less, X tops)",
    "money.bound.min.v1": "a lower bound (at least, north of, over, minimum, X+, X or more)",
    "money.approx.v1": "an approximate figure (about, around, ~, roughly, X-ish, X or so): min = max",
    "money.stretch.v1": "a figure then a higher one it can stretch to (12k per month, could stretch to 15)",
    "money.period.v1": "a period after the figure (per month, /mo, a year, annually, one-off)",
    "money.per_unit.v1": "a per-unit price kept as written ($25/user/month -> 25 monthly)",
    "money.vague.v1": "a vague magnitude with no figure (six figures, a few thousand, tens of thousands)",
}


@dataclass(frozen=True, slots=True)
class MoneyMatch:
    """One money expression found in a text."""

    start: int  # character span in the text
    end: int
    money: Money
    rule: str  # the rule that shaped the whole expression
    rules: tuple[str, ...]  # every rule that contributed, in RULES order
    latent: bool = False  # a bare number: no currency, magnitude or money word
    explicit_currency: bool = False  # a currency marker was written
    money_word: bool = False  # "grand", "bucks", "six figures": money even without a currency
    vague: bool = False  # "six figures": money, no figure
    approx: bool = False
    bound: str | None = None  # "min" | "max" for one-sided bounds
    per_unit: str | None = None  # "user", "seat", "hour"... for per-unit prices


# --- lexicon -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Currency:
    iso: str  # ISO 4217, or "*" for the context's currency
    where: str  # prefix | suffix | both
    size: int  # tokens it spans


@dataclass(frozen=True, slots=True)
class _Lexicon:
    exact: dict[tuple[str, ...], _Currency]  # exact-case surfaces, by token tuple
    folded: dict[tuple[str, ...], _Currency]  # case-folded surfaces
    first_exact: dict[str, int]  # first token of a surface -> the longest surface it starts (tokens)
    first_folded: dict[str, int]


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    """The currency markers of `lexicons/currencies.tsv`, loaded once."""
    exact: dict[tuple[str, ...], _Currency] = {}
    folded: dict[tuple[str, ...], _Currency] = {}
    with LEXICON_FILE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    for surface, iso, where, case in rows[1:]:
        toks = tuple(t.text for t in _lex(surface))
        if case == "cs":
            exact[toks] = _Currency(iso, where, len(toks))
        else:
            folded[tuple(t.lower() for t in toks)] = _Currency(iso, where, len(toks))
    if not exact or not folded:
        raise RuntimeError(f"empty currency lexicon: {LEXICON_FILE}")
    first_exact: dict[str, int] = {}
    first_folded: dict[str, int] = {}
    for table, firsts in ((exact, first_exact), (folded, first_folded)):
        for key in table:
            firsts[key[0]] = max(firsts.get(key[0], 0), len(key))
    return _Lexicon(exact, folded, first_exact, first_folded)


# --- lexer ---------------------------------------------------------------------------------

_SPACE = " \u00a0\u202f"
_NUM = (
    r"(?<!\w)(?<!\d[.,])(?:"
    # grouped by comma, dot or apostrophe, with an optional 1-2 digit decimal part
    r"\d{1,3}(?:(?:,\d{3}(?!\d))+|(?:\.\d{3}(?!\d))+|(?:['’]\d{3}(?!\d))+)(?:[.,]\d{1,2}(?!\d))?"
    # Indian grouping: 5,00,000 and 1,00,00,000
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?!\d)(?:\.\d{1,2}(?!\d))?"
    # grouped by spaces ("15 000"), never a run of phone-number groups
    rf"|(?<!\d[{_SPACE}])\d{{1,3}}(?:[{_SPACE}]\d{{3}}(?!\d))+(?![{_SPACE}.\-]\d)(?:,\d{{1,2}}(?!\d))?"
    r"|\d+(?:[.,]\d+)?"
    r")(?![.,]\d)(?!\d)"
)
_LEX_RE = re.compile(
    r"(?P<cur>(?<![^\W\d_])(?:US|U|AU|A|CA|C|NZ|S|HK|R|MX|NT)\$S?)"
    rf"|(?P<num>{_NUM})"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*\.?)"
    r"|(?P<sym>[^\w\s])"
)
_ABBREV_DOT = frozenset({"rs.", "fr.", "sfr.", "kr.", "mio.", "tsd.", "ca.", "approx.", "max.", "min.", "c.", "est.", "aprox."})


@dataclass(slots=True)
class _Tok:
    """A token of the lexer (not frozen: thousands are made per message, and a frozen
    dataclass takes four times as long to make). Never changed after it is made."""

    kind: str  # num | word | sym | cur
    text: str
    low: str
    start: int
    end: int


def _lex(text: str, start: int = 0, end: int | None = None) -> list[_Tok]:
    out: list[_Tok] = []
    append = out.append
    for m in _LEX_RE.finditer(text, start, len(text) if end is None else end):
        kind = m.lastgroup or "sym"
        raw = m.group()
        start, end = m.span()
        if kind != "word":
            append(_Tok(kind, raw, raw.lower().replace("’", "'"), start, end))
            continue
        stop = None
        if raw.endswith(".") and raw.lower() not in _ABBREV_DOT:
            raw, end = raw[:-1], end - 1  # a sentence full stop, not part of the word
            stop = _Tok("sym", ".", ".", end, end + 1)
        # (an elision needs an apostrophe: the cheap test first)
        if ("'" in raw or "’" in raw) and (elided := _ELISION.match(raw)):
            # "d'environ", "l'anno": the article, then the word (read on its own by the rules)
            cut = start + elided.end(1)
            append(_Tok("word", raw[: elided.end(1)], elided.group(1).lower().replace("’", "'"), start, cut))
            append(_Tok("word", raw[elided.end(1) :], raw[elided.end(1) :].lower(), cut, end))
        else:
            append(_Tok(kind, raw, raw.lower().replace("’", "'"), start, end))
        if stop is not None:
            append(stop)
    return out


_ELISION = re.compile(r"((?:d|l|qu|j|n|s|c|m|t|dell|dall|nell|sull|all|un)['’])[^\W\d_]", re.I)


def _number_value(raw: str) -> tuple[float, bool]:
    """The value of a figure as written, and whether it is a lone dot group ("1.250")."""
    s = raw.replace("'", "").replace("’", "")
    for sp in _SPACE:
        s = s.replace(sp, "")
    if "," in s and "." in s:
        decimal_comma = s.rfind(",") > s.rfind(".")
        s = s.replace(".", "").replace(",", ".") if decimal_comma else s.replace(",", "")
        return float(s), False
    if "," in s:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}", s):
            return float(s.replace(",", "")), False
        return float(s.replace(",", ".")), False
    if "." in s:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
            return float(s.replace(".", "")), s.count(".") == 1
        return float(s), False
    return float(s), False


# --- word tables -----------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "grand": 1e3}

# Magnitude -> (multiplier, must touch the figure, is a money word)
_MAGNITUDES: dict[str, tuple[float, bool, bool]] = {
    "k": (1e3, False, False), "thousand": (1e3, False, False), "thousands": (1e3, False, False),
    "grand": (1e3, False, True), "thou": (1e3, False, True),
    "m": (1e6, True, False), "mm": (1e6, True, False), "mn": (1e6, True, False), "mln": (1e6, False, False),
    "mio": (1e6, False, False), "mio.": (1e6, False, False), "million": (1e6, False, False),
    "millions": (1e6, False, False), "b": (1e9, True, False), "bn": (1e9, True, False),
    "billion": (1e9, False, False), "hundred": (1e2, False, False),
    "lakh": (1e5, False, False), "lakhs": (1e5, False, False), "lac": (1e5, False, False),
    "lacs": (1e5, False, False), "crore": (1e7, False, False), "crores": (1e7, False, False),
    "cr": (1e7, True, False),
    # es/pt/de/fr/nl/it
    "tsd": (1e3, False, False), "tsd.": (1e3, False, False), "tausend": (1e3, False, False),
    "mille": (1e3, False, False), "mila": (1e3, False, False), "duizend": (1e3, False, False),
    "millón": (1e6, False, False), "millon": (1e6, False, False), "millones": (1e6, False, False),
    "milhão": (1e6, False, False), "milhao": (1e6, False, False), "milhões": (1e6, False, False),
    "milhoes": (1e6, False, False), "millionen": (1e6, False, False), "milione": (1e6, False, False),
    "milioni": (1e6, False, False), "miljoen": (1e6, False, False),
}
# "mil": a thousand in Spanish and Portuguese ("10 mil euros"), a million in English slang ("$2 mil").
_MIL = "mil"
_ENGLISH_DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "GBP"})

_PERCENT = frozenset({"%", "percent", "pct", "prozent", "procent", "pourcent"})
_RANGE_JOINERS = frozenset({"-", "–", "—", "~", "to", "through", "thru", "till", "or", "bis", "à", "a", "tot", "até", "ate", "hasta", "au"})
_BETWEEN = frozenset({"between", "entre", "zwischen", "tussen", "tra", "fra"})
_BETWEEN_AND = frozenset({"and", "&", "y", "e", "und", "et", "en", "-", "–", "—", "to", "a"})
_FROM = frozenset({"from", "de", "desde", "von", "van", "da", "dal"})
_FROM_TO = frozenset({"to", "-", "–", "—", "a", "à", "bis", "tot", "até", "ate", "hasta", "al", "au"})

_PREFIX_BOUNDS: dict[tuple[str, ...], str] = {}
for _kind, _phrases in (
    ("max", (
        "under", "below", "beneath", "less than", "lower than", "up to", "upto", "max", "max.", "maximum",
        "max of", "maximum of", "a max of", "a maximum of", "no more than", "not more than", "not over",
        "no higher than", "not higher than", "at most", "at the most", "not exceeding", "not to exceed",
        "capped at", "cap of", "a cap of", "cap at", "ceiling of", "a ceiling of", "within", "sub", "<",
        "< =", "≤", "hasta", "máximo", "maximo", "un máximo de", "bis zu", "bis", "maximal", "höchstens",
        "unter", "weniger als", "jusqu'à", "jusqu'a", "au maximum", "moins de", "até", "no máximo",
        "menos de", "tot", "maximaal", "hooguit", "minder dan", "fino a", "massimo", "al massimo",
        "meno di", "sotto", "inferior a", "inférieur à", "no more then", "less then", "sub -", "just under",
    )),
    ("min", (
        "at least", "north of", "over", "above", "more than", "minimum", "minimum of", "a minimum of",
        "min", "min.", "min of", "upwards of", "in excess of", "starting at", "starting from", "starts at",
        ">", "> =", "≥", "beyond", "not less than", "no less than", "mindestens", "ab", "über",
        "mehr als", "au moins", "plus de", "al menos", "más de", "mas de", "mínimo", "pelo menos",
        "mais de", "no mínimo", "minimaal", "meer dan", "ten minste", "almeno", "più di", "oltre",
        "minimo", "superior a", "more then", "just over",
    )),
    ("approx", (
        "about", "around", "approximately", "approx", "approx.", "appx", "roughly", "~", "circa", "ca",
        "ca.", "c.", "nearly", "almost", "close to", "in the region of", "in the ballpark of", "ballpark",
        "a ballpark of", "somewhere around", "somewhere near", "somewhere in the region of", "round about",
        "around about", "something like", "like", "est.", "estimated", "an estimated", "roughly about",
        "in the range of", "in the neighborhood of", "in the neighbourhood of", "just under", "just over",
        "etwa", "ungefähr", "rund", "zirka", "environ", "autour de", "à peu près", "alrededor de",
        "aproximadamente", "unos", "unas", "cerca de", "aprox", "aprox.", "por volta de", "ongeveer",
        "rond", "zo'n", "intorno a", "all'incirca", "più o meno", "más o menos", "mais ou menos",
        "plus ou moins", "around the", "give or take",
    )),
):
    for _p in _phrases:
        _PREFIX_BOUNDS[tuple(_p.split())] = _kind

_PREFIX_WORDS = frozenset(w for key in _PREFIX_BOUNDS for w in key)

_SUFFIX_BOUNDS: dict[tuple[str, ...], str] = {}
for _kind, _phrases in (
    ("max", (
        "max", "max.", "maximum", "tops", "at most", "or less", "or under", "and under", "or below",
        "at the most", "at max", "máximo", "maximal", "höchstens", "massimo", "maximaal", "max budget",
        "ou moins", "o menos", "oder weniger", "of minder",
    )),
    ("min", (
        "plus", "or more", "or above", "and up", "and above", "or higher", "and upwards", "or upwards",
        "minimum", "min", "min.", "at least", "at a minimum", "minimum budget", "mínimo", "mindestens",
        "minimo", "minimaal", "ou plus", "o más", "oder mehr", "of meer", "ou mais",
    )),
    ("approx", (
        "ish", "- ish", "or so", "give or take", "roughly", "or thereabouts", "approx", "approx.",
        "approximately", "ballpark", "more or less", "circa", "ca.", "environ", "ungefähr",
    )),
):
    for _p in _phrases:
        _SUFFIX_BOUNDS[tuple(_p.split())] = _kind
# "plus" is a bound only when nothing it adds follows ("$5k plus VAT" is not).
_PLUS_ADDS = frozenset({"vat", "tax", "taxes", "gst", "hst", "expenses", "fees", "fee", "shipping", "travel", "costs", "iva", "mwst", "tva", "btw", "setup", "maintenance", "support"})
_FILLERS = frozenset({"of", "is", "be", "was", "would", "will", "'s", "budget", "spend", "spending", "the", "a", "an", "our", "my", "total", "overall", ":", "=", "price", "in", "for", "it", "at"})
_LIKE_VERB = frozenset({"would", "i'd", "we'd", "'d", "i", "we", "you", "they", "to", "also", "really", "would't", "don't", "didn't", "just", "d"})
_NEGATORS = frozenset({"not", "no", "never", "cannot", "can't", "won't", "don't", "doesn't", "shouldn't", "wouldn't", "mustn't", "couldn't", "dont", "cant", "wont"})

# Periods: after "per", "a", "/"... the noun; or an adverb on its own.
_PERIOD_NOUNS = {
    "month": "monthly", "mo": "monthly", "mos": "monthly", "mth": "monthly", "mnth": "monthly",
    "monat": "monthly", "mes": "monthly", "mois": "monthly", "mês": "monthly", "maand": "monthly",
    "mese": "monthly", "year": "annual", "yr": "annual", "annum": "annual", "jahr": "annual",
    "año": "annual", "ano": "annual", "an": "annual", "jaar": "annual", "anno": "annual",
}
_SLASH_ONLY = {"m": "monthly", "y": "annual", "a": "annual"}
_PER_WORDS = frozenset({"per", "a", "an", "each", "every", "pro", "por", "par", "al", "im", "ao", "all'", "/", "p"})
_PERIOD_ADVERBS = {
    "monthly": "monthly", "annually": "annual", "yearly": "annual", "annual": "annual", "pa": "annual",
    "pm": "monthly", "mensual": "monthly", "mensuales": "monthly", "mensualmente": "monthly",
    "monatlich": "monthly", "mensuel": "monthly", "mensuelle": "monthly", "mensuels": "monthly",
    "mensal": "monthly", "mensais": "monthly", "mensalmente": "monthly", "maandelijks": "monthly",
    "mensile": "monthly", "mensili": "monthly", "jährlich": "annual", "jaehrlich": "annual",
    "anual": "annual", "anuales": "annual", "anualmente": "annual", "annuel": "annual", "annuelle": "annual",
    "annuels": "annual", "anuais": "annual", "jaarlijks": "annual", "annuo": "annual", "annui": "annual",
    "annuale": "annual", "annuali": "annual", "einmalig": "one_time", "eenmalig": "one_time",
    "onetime": "one_time", "ponctuel": "one_time",
}
_PERIOD_PHRASES: dict[tuple[str, ...], str] = {
    ("one", "-", "off"): "one_time", ("one", "off"): "one_time", ("one", "-", "time"): "one_time",
    ("one", "time"): "one_time", ("lump", "sum"): "one_time", ("one", "-", "shot"): "one_time",
    ("single", "payment"): "one_time", ("upfront",): "one_time", ("up", "-", "front"): "one_time", ("pago", "único"): "one_time", ("pago", "unico"): "one_time",
    ("paiement", "unique"): "one_time", ("una", "tantum"): "one_time", ("pagamento", "único"): "one_time",
    ("p", ".", "a", "."): "annual", ("p", ".", "a"): "annual", ("p", "/", "a"): "annual",
    ("p", "/", "m"): "monthly", ("p", "/", "y"): "annual", ("per", "annum"): "annual",
    ("for", "the", "year"): "annual", ("a", "year"): "annual", ("a", "month"): "monthly",
    ("l'", "anno"): "annual", ("al", "mese"): "monthly", ("all'", "anno"): "annual", ("im", "monat"): "monthly",
}
_UNIT_NAMES = frozenset({
    "user", "seat", "license", "licence", "agent", "head", "employee", "member", "person", "location",
    "site", "device", "endpoint", "rep", "account", "host", "server", "node", "unit", "hour", "hr", "h",
    "day", "week", "wk", "quarter", "qtr", "project", "page", "post", "article", "lead", "click", "visit",
    "contact", "vehicle", "truck", "driver", "technician", "tech", "store", "workstation", "mailbox",
    "usuario", "nutzer", "utilisateur", "usuário", "gebruiker", "utente", "licencia", "lizenz",
})

# Nouns that make a figure a quantity ("50k users", "4k video", "10-15 people").
_QUANTITY_NOUNS = frozenset({
    "users", "user", "seats", "licenses", "licences", "employees", "employee", "people", "persons", "staff",
    "members", "customers", "clients", "visitors", "visits", "views", "pageviews", "impressions",
    "subscribers", "followers", "fans", "contacts", "leads", "records", "rows", "emails", "messages", "sms",
    "texts", "calls", "minutes", "mins", "min", "hours", "hrs", "hour", "days", "day", "weeks", "week", "months",
    "month", "years", "year", "yrs", "words", "pages", "documents", "docs", "files", "images", "photos",
    "videos", "video", "tb", "gb", "mb", "kb", "servers", "devices", "endpoints", "machines", "vehicles",
    "trucks", "drivers", "units", "items", "products", "skus", "sku", "orders", "transactions", "tickets",
    "requests", "events", "locations", "stores", "sites", "branches", "offices", "countries", "languages",
    "students", "patients", "beds", "rooms", "sqft", "sq", "square", "feet", "ft", "meters", "metres",
    "km", "miles", "kg", "kgs", "lbs", "tons", "tonnes", "liters", "litres", "boxes", "pallets", "parcels",
    "shipments", "deliveries", "agents", "reps", "technicians", "techs", "installs", "downloads", "apps",
    "accounts", "profiles", "listings", "properties", "lines", "channels", "keywords", "backlinks", "links",
    "articles", "posts", "times", "x", "steps", "resolution", "monitors", "displays", "screens", "tvs",
    "pixels", "p", "fps", "hz", "dpi", "questions", "responses", "surveys", "participants", "attendees",
    "guests", "people's", "person", "sellers", "buyers", "vendors", "suppliers", "partners", "doors",
    "homes", "houses", "apartments", "tenants", "residents", "projects", "invoices",
    "packages", "cameras", "sensors", "phones", "laptops", "computers",
    "workstations", "mailboxes", "domains", "websites", "stars", "reviews", "ratings", "percent", "%",
    "pct", "prozent", "procent", "pourcent", "points", "degrees", "usuarios", "empleados", "mitarbeiter",
    "nutzer", "utilisateurs", "employés", "usuários", "funcionários", "gebruikers", "medewerkers", "utenti",
    "dipendenti", "personas", "personen", "personnes", "pessoas", "persone", "stück", "piezas", "pièces",
    "likes", "shares", "clicks", "players", "loads", "shifts", "jobs", "hires",
    "candidates", "roles", "positions", "km²", "m²", "acres", "hectares", "floors", "sqm", "bottles",
    "cases", "cans", "cups", "meals", "covers", "tables", "nights", "bookings", "reservations", "listeners", "readers", "viewers", "plays", "streams", "registrants", "signups", "subs", "audience",
})

# Vague magnitudes
_FIGURE_COUNTS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9}
_VAGUE_QUALIFIERS = frozenset({"low", "mid", "high", "lower", "upper", "middle", "solid", "healthy"})
_FEW = frozenset({"few", "couple", "several", "some"})
_VAGUE_SCALES = frozenset({"thousand", "thousands", "grand", "hundred", "hundreds", "k", "million", "millions", "mil"})


# A condition that may close a stretch: "5k, up to 8k if needed".
_CONDITIONS = {
    ("if", "needed"): "", ("if", "necessary"): "", ("if", "required"): "", ("if", "need", "be"): "",
    ("at", "a", "push"): "", ("in", "a", "pinch"): "", ("if", "we", "must"): "", ("if", "it", "fits"): "",
}



@dataclass(frozen=True, slots=True)
class _Phrases:
    """A phrase table with its first words, so a lookup gives up on most tokens at once."""

    table: dict[tuple[str, ...], str]
    firsts: frozenset[str]
    longest: int

    @classmethod
    def of(cls, table: dict[tuple[str, ...], str]) -> _Phrases:
        return cls(table, frozenset(k[0] for k in table), max(len(k) for k in table))


_SUFFIX_PHRASES = _Phrases.of(_SUFFIX_BOUNDS)
_PERIOD_TABLE = _Phrases.of(_PERIOD_PHRASES)
_CONDITION_TABLE = _Phrases.of(_CONDITIONS)

# Words an expression may start with (besides figures and currency markers).
_STARTERS = frozenset(
    {*_UNITS, *_TENS, *_VAGUE_QUALIFIERS, *_FEW, "a", "an", "half", "quarter", "tens", "hundreds", "thousands", "millions"}
)


# --- public functions ------------------------------------------------------------------------


MAX_MATCHES = 400  # a message with more figures than this is a table or an attack; the rest is skipped
MAX_ATTEMPTS = 4000  # tokens tried as the start of an expression, for the same reason
_CHUNK = 4000  # characters parsed at a time; an expression never spans the margins below
_MARGIN_BEFORE = 80
_MARGIN_AFTER = 240
# What every money expression holds: a digit, a number word or a magnitude word.
_ANCHOR = re.compile(
    r"\d|\b(?:" + "|".join(sorted({*_UNITS, *_TENS, "hundred", "thousand", "million", "grand", "few", "couple",
                                    "several", "half", "quarter", "tens", "hundreds", "thousands", "millions",
                                    "figure", "figures"}, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def find_money(text: str, currency_hint: str | None = None) -> list[MoneyMatch]:
    """Every money expression in `text`, left to right, none overlapping.

    A figure with no currency marker takes `currency_hint` (None stays None).
    Bare numbers come back with `latent=True`: whether they are money is for
    the caller's context to say. The text is read in chunks, skipping those
    with no digit or number word, and reading stops after MAX_MATCHES
    expressions or MAX_ATTEMPTS tries: time stays linear and bounded on any input.
    """
    out: list[MoneyMatch] = []
    attempts = [MAX_ATTEMPTS]
    pos, n = 0, len(text)
    while pos < n and len(out) < MAX_MATCHES and attempts[0] > 0:
        end = _space_after(text, min(n, pos + _CHUNK))
        lo = _space_before(text, max(0, pos - _MARGIN_BEFORE))
        hi = _space_after(text, min(n, end + _MARGIN_AFTER))
        if _ANCHOR.search(text, pos, min(n, end + 40)):
            for match in _Parser(text, _lex(text, lo, hi), currency_hint, attempts).run():
                if match.start < pos:
                    continue  # the previous chunk read it
                if match.start >= end or len(out) >= MAX_MATCHES:
                    break
                out.append(match)
        pos = max(end, out[-1].end if out else end)
    return out


def _space_after(text: str, i: int) -> int:
    """The first whitespace at or after i (at most 64 characters on), or i."""
    for k in range(i, min(len(text), i + 64)):
        if text[k].isspace():
            return k
    return i


def _space_before(text: str, i: int) -> int:
    for k in range(i, max(-1, i - 64), -1):
        if text[k : k + 1].isspace():
            return k
    return i


def parse_money(text: str, currency_hint: str | None = None, *, latent: bool = False) -> Money | None:
    """The money of a text that is one expression whole ("50-75k", "under $10,000"), else None.

    A bare number parses only with `latent=True` (the bot asked about budget).
    """
    stripped = text.strip().rstrip(".!?,;")
    if not stripped:
        return None
    matches = find_money(stripped, currency_hint)
    if len(matches) != 1:
        return None
    m = matches[0]
    if m.start != 0 or m.end != len(stripped) or (m.latent and not latent):
        return None
    return m.money


def currency_in(text: str | None) -> str | None:
    """The first currency a text names explicitly ("in USD?", "budget in euros"), or None."""
    if not text:
        return None
    toks = _lex(text)
    for i in range(len(toks)):
        cur = _currency_at(toks, i, "any")
        if cur and cur[0].iso != "*":
            # "$" alone in a question ("what's your $ budget?") is still dollars.
            return cur[0].iso
    return None


# --- parser ----------------------------------------------------------------------------------


def _currency_at(toks: list[_Tok], i: int, position: str) -> tuple[_Currency, int] | None:
    """The currency written at token i (one to three tokens), and how many tokens it spans."""
    if i >= len(toks):
        return None
    lex = lexicon()
    longest = max(lex.first_exact.get(toks[i].text, 0), lex.first_folded.get(toks[i].low, 0))
    if not longest:
        return None
    exact, folded = lex.exact, lex.folded
    for n in range(longest, 0, -1):
        if i + n > len(toks):
            continue
        span = toks[i : i + n]
        if any(span[k + 1].start - span[k].end > 1 for k in range(n - 1)):
            continue
        cur = exact.get(tuple(t.text for t in span)) or folded.get(tuple(t.low for t in span))
        if cur is None:
            continue
        if position != "any" and cur.where not in (position, "both"):
            continue
        return cur, n
    return None


@dataclass(slots=True)
class _Amount:
    value: float
    start: int  # token indexes, end exclusive
    end: int
    currency: str | None = None  # ISO written, or "*" for a money word of the context's currency
    explicit: bool = False
    magnitude: float = 0.0  # multiplier written after the figure, 0 if none
    money_word: bool = False
    rules: set[str] = field(default_factory=set)
    leading_zero: bool = False


@dataclass(slots=True)
class _Expr:
    start: int
    end: int
    lo: float | None
    hi: float | None
    currency: str | None
    explicit: bool
    magnitude: bool
    money_word: bool
    rule: str
    rules: set[str]
    period: str | None = None
    per_unit: str | None = None
    approx: bool = False
    bound: str | None = None
    vague: bool = False
    first: _Amount | None = None
    last: _Amount | None = None


class _Parser:
    def __init__(self, text: str, toks: list[_Tok], hint: str | None, attempts: list[int] | None = None) -> None:
        self.attempts = attempts if attempts is not None else [MAX_ATTEMPTS]  # shared by the chunks of a text
        self.text = text
        self.toks = toks
        self.n = len(toks)
        self.hint = hint
        self._currencies: dict[tuple[int, str], tuple[_Currency, int] | None] = {}
        lex = lexicon()
        self._first_exact, self._first_folded = lex.first_exact, lex.first_folded

    def currency(self, i: int, position: str) -> tuple[_Currency, int] | None:
        """`_currency_at`, remembered: the driver and the amount rule ask about the same tokens."""
        if 0 <= i < self.n:
            tok = self.toks[i]
            if tok.text not in self._first_exact and tok.low not in self._first_folded:
                return None  # no currency starts with this token (`_currency_at`'s own first test)
        key = (i, position)
        if key not in self._currencies:
            self._currencies[key] = _currency_at(self.toks, i, position)
        return self._currencies[key]

    # tokens ---------------------------------------------------------------------------
    def low(self, i: int) -> str:
        return self.toks[i].low if 0 <= i < self.n else ""

    def touching(self, i: int) -> bool:
        """Token i starts where token i-1 ends (no space)."""
        return 0 < i < self.n and self.toks[i].start == self.toks[i - 1].end

    def phrase_at(self, i: int, phrases: _Phrases) -> tuple[str, int] | None:
        if i >= self.n or self.toks[i].low not in phrases.firsts:
            return None
        for n in range(phrases.longest, 0, -1):
            if i + n <= self.n and (key := tuple(self.toks[k].low for k in range(i, i + n))) in phrases.table:
                return phrases.table[key], n
        return None

    # driver ---------------------------------------------------------------------------
    def run(self) -> list[MoneyMatch]:
        out: list[MoneyMatch] = []
        i, floor = 0, 0
        while i < self.n:
            tok = self.toks[i]
            expr = None
            if tok.kind in ("num", "cur") or tok.low in _STARTERS or self.currency(i, "prefix"):
                self.attempts[0] -= 1
                if self.attempts[0] < 0:
                    break
                expr = self.expression(i, floor)
            if expr is None:
                i += 1
                continue
            expr = self.stretch(expr)
            match = self.to_match(expr)
            if match is not None:
                out.append(match)
            i = floor = expr.end
        return out

    # amounts --------------------------------------------------------------------------
    def amount(self, i: int) -> _Amount | None:
        toks, n = self.toks, self.n
        j = i
        currency, explicit, rules = None, False, set()
        cur = self.currency(j, "prefix")
        if cur:
            currency, explicit = cur[0].iso, cur[0].iso != "*"
            rules.add("money.currency.prefix.v1")
            j += cur[1]
        if j >= n:
            return None
        leading_zero = False
        ambiguous_dot = False
        num_text = ""
        if toks[j].kind == "num":
            num_text = toks[j].text
            if sum(ch.isdigit() for ch in num_text) > 15:
                return None  # an id, a card or a serial number, not an amount
            value, ambiguous_dot = _number_value(num_text)
            leading_zero = toks[j].text.startswith("0") and len(toks[j].text) > 1 and toks[j].text[1].isdigit()
            rules.add("money.amount.digits.v1")
            if cur and toks[j].start - toks[j - 1].end > 1:
                return None
            j += 1
        else:
            words = self.number_words(j)
            if words is None:
                return None
            value, j = words
            rules.add("money.amount.words.v1")
        amount = _Amount(value, i, j, currency, explicit, rules=rules, leading_zero=leading_zero)
        # magnitudes ("5k", "1.5 million", "5 hundred thousand")
        for _ in range(2):
            if j >= n or toks[j].kind != "word":
                break
            low = toks[j].low
            mag = _MAGNITUDES.get(low)
            if low == _MIL:
                mag = (0.0, False, False)
            if mag is None:
                break
            factor, must_touch, money_word = mag
            if must_touch and not self.touching(j) and not (cur and toks[j].text.isupper()):
                break
            if low in ("k",) and not self.touching(j) and toks[j].start - toks[j - 1].end > 1:
                break
            if low == _MIL:
                factor = self.mil_factor(currency, j)
            if ambiguous_dot and factor >= 1e3:
                amount.value = float(num_text)  # "1.250 million" is 1.25 million
                ambiguous_dot = False
            amount.value *= factor
            amount.magnitude = factor if not amount.magnitude else amount.magnitude * factor
            amount.money_word = amount.money_word or money_word
            rules.add("money.magnitude.v1")
            j += 1
        # letters glued to a figure that are no magnitude ("2nd", "10am", "5GB", "3x") make it no money
        glued = j < n and self.touching(j) and toks[j].kind == "word" and toks[j - 1].kind == "num"
        if glued and not self.currency(j, "suffix"):
            return None
        if j < n and toks[j].kind == "num" and self.touching(j):
            return None
        # suffix currency ("€", "USD", "dollars", "k€")
        suf = self.currency(j, "suffix")
        if suf and toks[j].start - toks[j - 1].end <= 1:
            if suf[0].iso == "GBP" and toks[j].low in ("pound", "pounds") and self.low(j + suf[1]) in ("of", "weight", "heavy"):
                return None
            if currency is None or currency == "*" or suf[0].iso == currency or suf[0].iso == "*":
                if currency is None or currency == "*":
                    currency = suf[0].iso
                explicit = explicit or suf[0].iso != "*"
                amount.money_word = amount.money_word or suf[0].iso == "*"
                rules.add("money.currency.suffix.v1")
                j += suf[1]
        amount.currency, amount.explicit, amount.end = currency, explicit, j
        # percentages are never money
        if j < n and (toks[j].low in _PERCENT or (toks[j].low == "per" and self.low(j + 1) == "cent")):
            return None
        return amount

    def mil_factor(self, currency: str | None, j: int) -> float:
        after = self.low(j + 1)
        if after in ("euros", "dólares", "dolares", "reais", "pesos", "reales", "de", "libras", "soles"):
            return 1e3
        if currency in _ENGLISH_DOLLARS:
            return 1e6
        if currency is None and (self.hint in _ENGLISH_DOLLARS) and after not in ("€",):
            return 1e6
        return 1e3

    def number_words(self, i: int) -> tuple[float, int] | None:
        """ "fifty thousand", "two hundred and fifty", "a million", "half a million", "ten grand" """
        n = self.n
        low = self.low(i)
        if low == "half" and self.low(i + 1) in ("a", "of"):
            k = i + 1
            if self.low(k) == "of" and self.low(k + 1) == "a":
                k += 1
            k += 1
            scale = _SCALES.get(self.low(k))
            if self.low(k) == "mil":
                scale = 1e6
            if scale and scale >= 1e6:
                return 0.5 * scale, k + 1
            return None
        if low in ("a", "an", "quarter"):
            k = i + 1
            frac = 1.0
            if low == "quarter" or self.low(k) == "quarter":
                frac = 0.25
                k = k + 1 if low != "quarter" else k
                if self.low(k) == "of" and self.low(k + 1) == "a":
                    k += 2
            nxt = self.low(k)
            if nxt in ("hundred",):
                return 100.0 * frac, k + 1
            scale = _SCALES.get(nxt)
            if scale and (frac == 1.0 or scale >= 1e6):
                # leave the scale word to the magnitude step: "a thousand dollars" = 1 x thousand
                return frac, k
            return None
        # "twenty-five", "two hundred and fifty", "twelve hundred"; never "one two three"
        current, last, j = 0.0, "", i
        while j < n:
            w = self.low(j)
            if w in _UNITS and (last in ("", "hundred") or (last == "tens" and _UNITS[w] < 10)):
                current, last = current + _UNITS[w], "unit"
            elif w in _TENS and last in ("", "hundred"):
                current, last = current + _TENS[w], "tens"
            elif w == "hundred" and last in ("unit", "tens") and current < 100:
                current, last = current * 100, "hundred"
            elif (w == "-" and last == "tens" and self.low(j + 1) in _UNITS) or (
                w == "and" and last == "hundred" and (self.low(j + 1) in _UNITS or self.low(j + 1) in _TENS)
            ):
                j += 1
                continue
            else:
                break
            j += 1
        if not last:
            return None
        return current, j

    # expressions ------------------------------------------------------------------------
    def expression(self, i: int, floor: int) -> _Expr | None:
        vague = self.vague(i)
        if vague is not None:
            return vague
        a = self.amount(i)
        if a is None:
            return None
        words = "money.amount.digits.v1" not in a.rules
        expr = _Expr(
            start=a.start, end=a.end, lo=a.value, hi=a.value, currency=a.currency, explicit=a.explicit,
            magnitude=bool(a.magnitude), money_word=a.money_word,
            rule="money.amount.words.v1" if words else "money.amount.digits.v1", rules=set(a.rules),
            first=a, last=a,
        )
        # "10-15%", "10 to 20 percent": a range of percentages, not of money
        if (
            self.low(a.end) in ("-", "–", "to")
            and a.end + 1 < self.n
            and self.toks[a.end + 1].kind == "num"
            and self.low(a.end + 2) in _PERCENT
        ):
            return None
        before = self.prefix(a.start, floor)
        kind = before[0] if before else None
        # ranges: "50-75k", "$5k to $8k", "between 20 and 30 thousand", "de 10 a 20 mil"
        ranged = False
        if a.end < self.n:
            joiner = self.low(a.end)
            allowed = (
                (joiner in _RANGE_JOINERS and joiner not in ("a", "au"))
                or (kind == "between" and joiner in _BETWEEN_AND)
                or (kind == "from" and joiner in _FROM_TO)
            )
            b = self.amount(a.end + 1) if allowed else None
            bounds = self.combine(a, b, joiner) if b is not None else None
            if b is not None and bounds is not None:
                ranged = True
                expr.lo, expr.hi = bounds
                expr.end, expr.last = b.end, b
                expr.currency = a.currency if a.currency not in (None, "*") else b.currency
                expr.explicit = a.explicit or b.explicit
                expr.magnitude = bool(a.magnitude or b.magnitude)
                expr.money_word = a.money_word or b.money_word
                expr.rule = "money.between.v1" if kind in ("between", "from") else "money.range.v1"
                expr.rules |= b.rules | {expr.rule}
        if before is not None:
            if kind in ("between", "from"):
                if ranged:
                    expr.start = before[1]
            elif kind == "approx":
                expr.approx = True
                expr.rules.add("money.approx.v1")
                if not ranged:
                    expr.rule = "money.approx.v1"
                expr.start = before[1]
            elif not ranged:  # "under $10k", "at least 20k"; a bound on a range is noise
                if kind == "max":
                    expr.lo = None
                else:
                    expr.hi = None
                expr.bound = kind
                expr.rule = f"money.bound.{kind}.v1"
                expr.rules.add(expr.rule)
                expr.start = before[1]
        self.suffixes(expr)
        return expr

    def combine(self, a: _Amount, b: _Amount, joiner: str) -> tuple[float, float] | None:
        if b.leading_zero or a.leading_zero:
            return None
        lo, hi = a.value, b.value
        if not a.magnitude and b.magnitude:
            if lo * b.magnitude <= hi:
                lo *= b.magnitude
        elif a.magnitude and not b.magnitude:
            if hi * a.magnitude >= lo and hi < lo:
                hi *= a.magnitude
        elif not a.magnitude and not b.magnitude and lo < 1000 <= hi and lo * 1000 <= hi and "money.amount.digits.v1" in a.rules:
            lo *= 1000
        if hi < lo:
            return None
        # two years or two quantities glued by a dash ("2025-2026") are no range of money
        marked = a.explicit or b.explicit or a.magnitude or b.magnitude or a.money_word or b.money_word
        if not marked and all(1900 <= v <= 2100 and float(v).is_integer() for v in (a.value, b.value)):
            return None
        if joiner == "or" and not (a.explicit or b.explicit or a.magnitude or b.magnitude):
            return None
        return lo, hi

    def prefix(self, i: int, floor: int) -> tuple[str, int] | None:
        """A bound, approximation, 'between' or 'from' just before token i: (kind, start token)."""
        if i - 1 < floor:
            return None
        # skip up to three fillers: "max budget of $10k", "at least a $5k"
        k = i
        for _ in range(4):
            found = self.bound_ending_at(k, floor)
            if found is not None:
                return found
            if k - 1 >= floor and self.low(k - 1) in _FILLERS:
                k -= 1
                continue
            break
        prev = self.low(i - 1)
        if prev in _BETWEEN:
            return "between", i - 1
        if prev in _FROM:
            return "from", i - 1
        return None

    def bound_ending_at(self, k: int, floor: int) -> tuple[str, int] | None:
        for n in range(5, 0, -1):
            s = k - n
            if s < floor:
                continue
            key = tuple(self.toks[t].low for t in range(s, k))
            kind = _PREFIX_BOUNDS.get(key)
            if kind is None:
                continue
            # "I'd like a $5k budget": "like" the verb is no approximation
            if key == ("like",) and self.low(s - 1) in _LIKE_VERB:
                continue
            # "can't go over $5k", "don't want to spend more than" -> an upper bound
            if kind == "min" and key[-1] in ("over", "than", "above", "exceed", "beyond"):
                window = [self.low(t) for t in range(max(floor, s - 4), s)]
                if any(w in _NEGATORS or w.endswith("n't") for w in window):
                    kind = "max"
            return kind, s
        return None

    def suffixes(self, expr: _Expr) -> None:
        """Periods, per-unit prices and trailing bounds after the figure, in any order."""
        for _ in range(4):
            j = expr.end
            if j >= self.n:
                return
            period = self.period_at(j)
            if period is not None:
                kind, value, end = period
                if kind == "unit":
                    expr.per_unit = expr.per_unit or value
                    expr.rules.add("money.per_unit.v1")
                elif expr.period is None:
                    expr.period = value
                    expr.rules.add("money.period.v1")
                else:
                    return
                expr.end = end
                continue
            plus = self.low(j) == "+" and self.touching(j) and expr.bound is None and expr.hi == expr.lo
            if plus and self.low(j + 1) not in _PLUS_ADDS:  # "50k+", not "5k + VAT"
                expr.hi, expr.bound = None, "min"
                expr.rules.add("money.bound.min.v1")
                expr.rule = "money.bound.min.v1"
                expr.end = j + 1
                continue
            if expr.currency in (None, "*") and not expr.vague:
                cur = self.currency(j, "suffix")
                if cur is not None and cur[0].iso != "*" and self.toks[j].start - self.toks[j - 1].end <= 1:
                    expr.currency, expr.explicit = cur[0].iso, True  # "100,000+ USD"
                    expr.rules.add("money.currency.suffix.v1")
                    expr.end = j + cur[1]
                    continue
            found = self.phrase_at(j, _SUFFIX_PHRASES)
            if found is None:
                return
            kind, size = found
            if self.low(j) == "plus" and (self.low(j + 1) in _PLUS_ADDS or (j + 1 < self.n and self.toks[j + 1].kind in ("num", "cur"))):
                return
            if self.low(j) in ("min", "min.") and not (expr.explicit or expr.magnitude):
                return
            if kind == "approx":
                expr.approx = True
                expr.rules.add("money.approx.v1")
                if expr.rule not in ("money.range.v1", "money.between.v1", "money.bound.max.v1", "money.bound.min.v1"):
                    expr.rule = "money.approx.v1"
            elif expr.bound is None and expr.lo == expr.hi:
                if kind == "max":
                    expr.lo, expr.bound = None, "max"
                else:
                    expr.hi, expr.bound = None, "min"
                rule = f"money.bound.{kind}.v1"
                expr.rules.add(rule)
                expr.rule = rule
            else:
                return
            expr.end = j + size

    def period_at(self, j: int) -> tuple[str, str, int] | None:
        """("period", monthly|annual|one_time, end) or ("unit", name, end) at token j."""
        low = self.low(j)
        phrase = self.phrase_at(j, _PERIOD_TABLE)
        if phrase is not None:
            value, size = phrase
            if not (low == "p" and not self.touching(j + 1)):
                return "period", value, j + size
        if low in _PERIOD_ADVERBS:
            # "30k monthly readers", "50k annual visitors": an adjective on a count
            nxt = self.low(j + 1)
            if nxt in _QUANTITY_NOUNS or nxt in ("active", "unique", "recurring", "returning") or _plural_noun(nxt):
                return None
            return "period", _PERIOD_ADVERBS[low], j + 1
        if low in _PER_WORDS or low in ("/", "a", "an"):
            noun = self.low(j + 1)
            noun_s = noun[:-1] if noun.endswith("s") and noun[:-1] in _PERIOD_NOUNS else noun
            if low == "/" and noun in _SLASH_ONLY:
                return "period", _SLASH_ONLY[noun], j + 2
            if noun_s in _PERIOD_NOUNS and (low != "an" or noun_s == "an"):
                if noun_s == "an" and low not in ("par", "/", "l'"):
                    return None
                return "period", _PERIOD_NOUNS[noun_s], j + 2
            unit = noun[:-1] if noun.endswith("s") and noun[:-1] in _UNIT_NAMES else noun
            if unit in _UNIT_NAMES and low in ("/", "per", "a", "an", "each", "every", "pro", "por", "par"):
                if low in ("a", "an") and unit in ("h",):
                    return None
                return "unit", {"hr": "hour", "h": "hour", "wk": "week", "qtr": "quarter"}.get(unit, unit), j + 2
        return None

    # stretch --------------------------------------------------------------------------
    _GAP = frozenset({
        ",", ";", "-", "–", "—", "(", ")", "but", "and", "or", "can", "could", "might", "may", "would", "will",
        "we", "i", "we'd", "we'll", "i'd", "i'll", "we're", "i'm", "stretch", "stretching", "go", "going",
        "push", "pushing", "flex", "extend", "be", "is", "flexible", "possibly", "maybe", "perhaps", "if",
        "needed", "need", "necessary", "required", "up", "to", "as", "high", "far", "max", "maximum", "at",
        "most", "the", "right", "fit", "for", "a", "in", "pinch", "potentially", "ideally", "willing",
        "able", "prepared", "even", "absolute", "budget", "ceiling", "cap", "with", "some", "wiggle", "room",
        "really", "it's", "it", "there", "that", "no", "more", "than", "not", "over", "ok", "okay", "fine",
        "though", "tops", "upper", "limit", "hard", "top", "end", "approved", "by", "…",
    })
    _STRETCH = frozenset({"stretch", "stretching", "push", "pushing", "flex", "extend", "up", "max", "maximum", "possibly", "maybe", "perhaps", "ceiling", "cap", "go", "most", "tops", "limit", "top"})

    def stretch(self, first: _Expr) -> _Expr:
        """ "12k per month, could stretch to 15" -> 12000..15000 monthly; "at least 5k but no more than 8k". """
        if first.vague or first.bound == "max" or first.lo is None or first.rule in ("money.range.v1", "money.between.v1"):
            return first
        k = first.end
        limit = min(self.n, first.end + 12)
        while k < limit:
            tok = self.toks[k]
            if tok.kind in ("num", "cur") or tok.low in _UNITS or tok.low in _TENS or self.currency(k, "prefix"):
                second = self.expression(k, first.end)
                if second is None or second.vague or second.lo is None and second.hi is None:
                    return first
                gap = [self.toks[t].low for t in range(first.end, second.start)]
                if not all(w in self._GAP for w in gap):
                    return first
                if not (second.bound == "max" or any(w in self._STRETCH for w in gap)):
                    return first
                if second.bound == "min" or second.rule in ("money.range.v1", "money.between.v1"):
                    return first
                if second.period is not None and second.period != first.period:
                    return first
                hi = second.hi
                if hi is None:
                    return first
                a, b = first.last, second.first
                if a is not None and b is not None and a.magnitude and not b.magnitude and b.value * a.magnitude >= first.lo > hi:
                    hi = b.value * a.magnitude
                if hi <= first.lo:
                    return first
                if second.currency not in (None, "*") and first.currency not in (None, "*") and second.currency != first.currency:
                    return first
                merged = _Expr(
                    start=first.start, end=second.end, lo=first.lo, hi=hi,
                    currency=first.currency if first.currency not in (None, "*") else second.currency,
                    explicit=first.explicit or second.explicit, magnitude=first.magnitude or second.magnitude,
                    money_word=first.money_word or second.money_word, rule="money.stretch.v1",
                    rules=first.rules | second.rules | {"money.stretch.v1"}, period=first.period or second.period,
                    per_unit=first.per_unit or second.per_unit, approx=first.approx, bound=None,
                    first=first.first, last=second.last,
                )
                tail = self.phrase_at(merged.end, _CONDITION_TABLE)
                if tail is not None:
                    merged.end += tail[1]
                return merged
            if tok.low not in self._GAP and self.prefix_word(tok.low) is False:
                return first
            k += 1
        return first

    @staticmethod
    def prefix_word(low: str) -> bool:
        return low in _PREFIX_WORDS

    # vague --------------------------------------------------------------------------------
    def vague(self, i: int) -> _Expr | None:
        j = i
        low = self.low(j)
        if low in _VAGUE_QUALIFIERS:
            j += 1
            if self.low(j) == "-":
                j += 1
        count = _FIGURE_COUNTS.get(self.low(j))
        if count is not None:
            k = j + 1
            if self.low(k) == "-":
                k += 1
            if self.low(k) in ("figure", "figures", "digit", "digits") and (self.low(k) in ("figure", "figures") or self.low(k + 1) in ("budget", "sum", "amount", "figure")):
                return self.vague_expr(i, k + 1)
            return None
        if j != i:
            return None
        # "a few thousand", "a couple of grand", "several thousand dollars"
        k = i
        if low in ("a", "an"):
            k += 1
        if self.low(k) in _FEW:
            k += 1
            if self.low(k) == "of":
                k += 1
            if self.low(k) in _VAGUE_SCALES and (self.low(k) != "hundred" or self.currency(k + 1, "suffix")):
                if self.low(k) == "k" and not self.touching(k):
                    return None
                return self.vague_expr(i, k + 1)
            return None
        # "tens of thousands", "hundreds of thousands", "thousands of dollars"
        if low in ("tens", "hundreds") and self.low(i + 1) == "of" and self.low(i + 2) in ("thousands", "millions"):
            return self.vague_expr(i, i + 3)
        if low in ("thousands", "millions") and self.low(i + 1) == "of" and self.currency(i + 2, "suffix"):
            return self.vague_expr(i, i + 2)
        return None

    def vague_expr(self, start: int, end: int) -> _Expr:
        explicit = False
        money_word = True
        cur = self.currency(end, "suffix") if end < self.n else None
        if self.low(end) == "of" and self.currency(end + 1, "suffix"):
            cur = self.currency(end + 1, "suffix")
            end += 1
        if cur:
            explicit = cur[0].iso != "*"
            end += cur[1]
        figure_words = any(self.low(t) in ("figure", "figures", "digit", "digits", "grand") for t in range(start, end))
        expr = _Expr(
            start=start, end=end, lo=None, hi=None, currency=None, explicit=explicit, magnitude=True,
            money_word=money_word and (explicit or figure_words), rule="money.vague.v1",
            rules={"money.vague.v1"}, vague=True,
        )
        self.suffixes(expr)
        return expr

    # result --------------------------------------------------------------------------------
    def to_match(self, expr: _Expr) -> MoneyMatch | None:
        toks = self.toks
        # A bare number is latent; so is a figure in words with no money word ("thanks a million").
        words_only = all(
            "money.amount.digits.v1" not in (a.rules if a else set()) for a in (expr.first, expr.last)
        )
        latent = not (expr.explicit or expr.money_word or expr.vague) and (not expr.magnitude or words_only)
        # a quantity, not money: "50k users", "4k video", "10-15 people", "a few thousand records"
        if not expr.explicit and not expr.money_word and expr.end < self.n:
            nxt = self.low(expr.end)
            if nxt in _PERIOD_ADVERBS or nxt in ("active", "unique", "new", "total", "daily", "weekly"):
                nxt = self.low(expr.end + 1)  # "100k monthly visitors"
            if (nxt in _QUANTITY_NOUNS or _plural_noun(nxt)) and not (expr.period or expr.per_unit):
                return None
        if not expr.explicit and expr.vague and not expr.money_word:
            nxt = self.low(expr.end)
            if nxt == "of":
                return None
        if expr.vague:
            money = Money(None, None, None, expr.period)
        else:
            currency = expr.currency
            if currency in (None, "*"):
                currency = self.hint
            lo = _clean(expr.lo)
            hi = _clean(expr.hi)
            money = Money(lo, hi, currency, expr.period)
        ordered = tuple(r for r in RULES if r in expr.rules)
        return MoneyMatch(
            start=toks[expr.start].start,
            end=toks[expr.end - 1].end,
            money=money,
            rule=expr.rule,
            rules=ordered,
            latent=latent,
            explicit_currency=expr.explicit,
            money_word=expr.money_word,
            vague=expr.vague,
            approx=expr.approx,
            bound=expr.bound,
            per_unit=expr.per_unit,
        )


# Words ending in "s" that are no counted noun after a figure ("50k is", "10k tops", "5k thanks").
_NOT_PLURAL = frozenset({
    "this", "is", "was", "has", "does", "as", "us", "plus", "less", "tops", "ish", "thanks", "unless",
    "across", "towards", "besides", "perhaps", "always", "sometimes", "yes", "its", "his", "hers", "ours",
    "yours", "theirs", "whereas", "minus", "bucks", "dollars", "euros", "pounds", "francs", "rupees",
    "reais", "pesos", "dólares", "dolares", "libras", "thus", "various", "afterwards", "upwards",
    "downwards", "onwards", "regardless", "nevertheless", "anyways", "fees",
    # verbs: "10k works for us", "5k sounds right"
    "works", "sounds", "seems", "looks", "makes", "gets", "fits", "covers", "includes", "goes", "means",
    "helps", "matters", "stays", "remains", "feels", "needs", "buys", "pays", "gives", "takes", "runs",
    "keeps", "lets", "comes", "leaves", "allows", "depends", "suits", "applies", "equals", "sits", "hurts",
})


def _plural_noun(word: str) -> bool:
    """A lower-case plural-looking word ("registrants", "listeners"): what a bare figure counts."""
    return len(word) > 3 and word.isalpha() and word.endswith("s") and not word.endswith("ss") and word not in _NOT_PLURAL


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(value, 2)
    return float(int(rounded)) if rounded.is_integer() else rounded
