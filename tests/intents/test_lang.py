"""Language detection (intents/lang.py): ISO 639-1 of the person's words, "und" when unknowable."""

from __future__ import annotations

import time

import pytest

from intents.lang import SUPPORTED, UNDETERMINED, detect_language

EXAMPLES = [
    # the product's languages, ordinary messages
    (
        "en",
        "We are replacing our ticketing tool and need something that handles email and chat for 14 agents.",
    ),
    ("es", "Buenas tardes, buscamos un programa para gestionar las reservas de nuestras tres clínicas."),
    ("de", "Hallo, für unsere Tischlerei brauchen wir ein Programm, das die Arbeitsstunden der Monteure erfasst."),
    ("fr", "Bonjour, nous cherchons un logiciel pour gérer les plannings de nos équipes de nettoyage."),
    ("pt", "Olá, estamos à procura de um sistema para controlar o estoque das nossas lojas."),
    ("nl", "Goedemorgen, wij zoeken een systeem om de planning van onze monteurs te regelen."),
    ("it", "Buongiorno, cerchiamo un gestionale per le prenotazioni del nostro agriturismo."),
    # short texts: decided by cue words
    ("en", "yes please"),
    ("en", "pricing?"),
    ("es", "gracias"),
    ("de", "danke"),
    ("fr", "merci beaucoup"),
    ("pt", "obrigado"),
    ("nl", "bedankt"),
    ("it", "grazie mille"),
    # English with product names, numbers and a link
    ("en", "Need SSO + SCIM for Okta, ~250 seats, see https://example.org/spec.pdf for details."),
    # other languages: the best guess
    ("pl", "Dzień dobry, szukamy systemu do zarządzania flotą samochodów dostawczych."),
    ("sv", "Hej, vi letar efter ett system för att hantera våra lager och beställningar."),
    ("ru", "Здравствуйте, мы ищем систему для учёта складских запасов."),
    ("ja", "在庫管理システムについて問い合わせたいです。"),
    # nothing to tell
    (UNDETERMINED, ""),
    (UNDETERMINED, "q3"),
    (UNDETERMINED, "40k"),
    (UNDETERMINED, "asdf jkl qwer"),
    (UNDETERMINED, "+1 312 555 0100"),
]


@pytest.mark.parametrize(("expected", "text"), [pytest.param(e, t, id=f"{e}:{t[:40]}") for e, t in EXAMPLES])
def test_detect_language(expected: str, text: str) -> None:
    assert detect_language(text) == expected


def test_answers_are_iso_639_1_or_und() -> None:
    for _, text in EXAMPLES:
        code = detect_language(text)
        assert code == UNDETERMINED or (len(code) == 2 and code.isalpha() and code.islower())
    assert set(SUPPORTED) == {"en", "es", "de", "fr", "pt", "nl", "it"}


def test_fast_enough_for_the_analysis_budget() -> None:
    text = EXAMPLES[0][1] * 4
    detect_language(text)  # loads the model once per process
    started = time.process_time()
    for _ in range(50):
        detect_language(text)
    assert (time.process_time() - started) / 50 < 0.005


def test_long_text_is_cut_not_slow() -> None:
    started = time.process_time()
    assert detect_language("Wir brauchen eine neue Software für unser Lager. " * 2_000) == "de"
    assert time.process_time() - started < 0.5
