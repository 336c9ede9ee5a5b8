"""Field aliasing: which label means name, email, company, title, phone, message..."""

from __future__ import annotations

import pytest

from forms.fields import FIELD_ALIASES, canonical_name, label_key, pick

LABELS = [
    # (label as a form shows it, canonical name)
    ("Your Name", "name"),
    ("full_name", "name"),
    ("What's your name?", "name"),
    ("Nom complet", "name"),
    ("Nombre completo", "name"),
    ("Ihr Name", "name"),
    ("Navn", "name"),
    ("First Name *", "first_name"),
    ("Prénom", "first_name"),
    ("Vorname", "first_name"),
    ("Last name", "last_name"),
    ("Nachname", "last_name"),
    ("Work email", "email"),
    ("E-mail:", "email"),
    ("your-email", "email"),
    ("Adresse e-mail", "email"),
    ("Correo electrónico", "email"),
    ("Organization", "company"),
    ("Company name", "company"),
    ("Société", "company"),
    ("Nom de l'entreprise", "company"),
    ("Unternehmen", "company"),
    ("Job title", "title"),
    ("jobtitle", "title"),
    ("Which best describes your role?", "title"),
    ("Puesto", "title"),
    ("Phone Number", "phone"),
    ("tel", "phone"),
    ("Téléphone", "phone"),
    ("Telefonnummer", "phone"),
    ("How can we help?", "message"),
    ("your-message", "message"),
    ("Tell us about your project", "message"),
    ("Votre message", "message"),
    ("¿Cómo podemos ayudarte?", "message"),
    ("Wie können wir Ihnen helfen?", "message"),
    ("Anything else we should know?", "message"),
    ("Subject", "subject"),
    ("Budget range", "budget"),
    ("Timeline", "timeline"),
    ("numemployees", "company_size"),
    ("How many employees?", "company_size"),
    ("Country/Region", "country"),
    ("Company website", "website"),
    ("utm_source", "ignored"),
    ("g-recaptcha-response", "ignored"),
    ("hubspotutk", "ignored"),
    ("_event", "ignored"),
    ("_wpcf7_unit_tag", "ignored"),
    ("Favourite colour", None),
    ("Which products interest you?", None),
]


@pytest.mark.parametrize(("label", "canonical"), [pytest.param(label, c, id=label) for label, c in LABELS])
def test_label_means(label, canonical) -> None:
    assert canonical_name(label) == canonical


@pytest.mark.parametrize(
    ("label", "key"),
    [
        pytest.param("Work Email *", "workemail", id="punctuation"),
        pytest.param("Prénom", "prenom", id="accents-folded"),
        pytest.param("Téléphone", "telephone", id="more-accents"),
        pytest.param("  How can we help?  ", "howcanwehelp", id="spaces"),
    ],
)
def test_label_key(label, key) -> None:
    assert label_key(label) == key


def test_no_alias_belongs_to_two_canonical_names() -> None:
    owners: dict[str, list[str]] = {}
    for canonical, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            owners.setdefault(alias, []).append(canonical)

    assert {a: c for a, c in owners.items() if len(c) > 1} == {}


def test_aliases_are_keys() -> None:
    assert [a for aliases in FIELD_ALIASES.values() for a in aliases if label_key(a) != a] == []


@pytest.mark.parametrize(
    ("extra", "canonical"),
    [
        pytest.param({"Q7": "company"}, "company", id="exact-label"),
        pytest.param({"q 7": "company"}, "company", id="same-key"),
        pytest.param({"Q7": "ignored"}, "ignored", id="silenced"),
        pytest.param({}, None, id="no-mapping"),
    ],
)
def test_per_source_mapping_comes_first(extra, canonical) -> None:
    assert canonical_name("Q7", extra) == canonical


def test_an_underscore_label_can_still_be_mapped() -> None:
    assert canonical_name("_company", {"_company": "company"}) == "company"


def test_pick_takes_the_first_non_empty_match() -> None:
    fields = {"Email": "  ", "Work email": "ana@example.com", "Backup email": "x@example.com"}

    assert pick(fields, "email") == ("Work email", "ana@example.com")
