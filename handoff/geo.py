"""Where a lead is and how big its company is, for territory and segment rules.

- `country_code`: the form's country as typed ("Germany", "DE", "DEU", "UK",
  "Deutschland") -> ISO 3166 alpha-2, through `pycountry` (names and codes) plus
  a short alias table (`data/country_aliases.tsv`) of names people type that
  ISO does not list. Fuzzy matching (`pycountry.countries.search_fuzzy`) was
  tried and dropped: its first answer for "Niger" is Nigeria.
- `phone_country`: the region of an international phone number, through
  `phonenumbers` (used only when no country was given, and said so).
- `regions_of`: sales regions (EMEA, NORAM, APAC...) from `data/regions.tsv`,
  a hand-kept table: no maintained library carries sales regions.
- `employee_band`: "200-500", "1,000+", "under 50", "5k-10k employees" ->
  (low, high). Hand-written: a few bounded patterns over at most 80 characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files

import phonenumbers
import pycountry


def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 code of a country as typed, or None when it names no country."""
    if not text:
        return None
    cleaned = " ".join(text.strip().split())[:80]
    alias = _aliases().get(cleaned.lower())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        return None


def phone_country(phone: str | None) -> str | None:
    """The country of an international number ("+44 20 ...") or None."""
    if not phone or not phone.strip().startswith(("+", "00")):
        return None
    try:
        number = phonenumbers.parse(
            phone.strip().replace("00", "+", 1) if phone.strip().startswith("00") else phone
        )
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


def regions_of(code: str | None, overrides: Mapping[str, tuple[str, ...]] | None = None) -> frozenset[str]:
    """Every region the country belongs to (a country may be in EMEA, EUROPE and DACH at once)."""
    if not code:
        return frozenset()
    table = {**default_regions(), **(overrides or {})}
    return frozenset(name for name, codes in table.items() if code in codes)


@lru_cache(maxsize=1)
def default_regions() -> dict[str, tuple[str, ...]]:
    regions: dict[str, tuple[str, ...]] = {}
    for line in _data("regions.tsv"):
        name, codes = line.split("\t", 1)
        regions[name] = tuple(codes.split())
    return regions


_NUMBER = r"(\d{1,3}(?:[,.\s]\d{3})+|\d{1,7})\s*(k)?"
_RANGE = re.compile(_NUMBER + r"\s*(?:-|–|—|to)\s*" + _NUMBER, re.I)
_OPEN_UP = re.compile(_NUMBER + r"\s*\+|(?:more than|over|above|at least)\s*" + _NUMBER, re.I)
_OPEN_DOWN = re.compile(r"(?:<|under|less than|fewer than|up to)\s*" + _NUMBER, re.I)
_SINGLE = re.compile(_NUMBER, re.I)
_ALONE = re.compile(r"^\s*(just me|only me|myself|solo|self[- ]employed|freelancer?)\s*$", re.I)


def employee_band(text: str | None) -> tuple[int, int | None] | None:
    """(low, high) employees from a company-size answer; high None for open bands ("1000+")."""
    if not text:
        return None
    text = text[:80]
    if _ALONE.match(text):
        return (1, 1)
    if m := _RANGE.search(text):
        low, high = _count(m.group(1), m.group(2)), _count(m.group(3), m.group(4))
        return (min(low, high), max(low, high))
    if m := _OPEN_UP.search(text):
        if m.group(1) is not None:
            return (_count(m.group(1), m.group(2)), None)
        return (_count(m.group(3), m.group(4)), None)
    if m := _OPEN_DOWN.search(text):
        return (1, max(1, _count(m.group(1), m.group(2))))
    if m := _SINGLE.search(text):
        n = _count(m.group(1), m.group(2))
        return (n, n)
    return None


def _count(digits: str, k: str | None) -> int:
    n = int(re.sub(r"[,.\s]", "", digits))
    return n * 1000 if k else n


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {alias: code for alias, code in (line.split("\t") for line in _data("country_aliases.tsv"))}


def _data(name: str) -> list[str]:
    text = files("handoff").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
