"""Every rule of the money grammar is exercised by at least one corpus example (Duckling style):
a rule with no example is dead or untested."""

from __future__ import annotations

from intents.money import RULES, find_money, parse_money
from tests.intents.corpus.money_en import EXAMPLES, HINT, IN_SENTENCE, LATENT


def _rules_hit() -> set[str]:
    hit: set[str] = set()
    texts = [t for _, forms in EXAMPLES for t in forms]
    texts += [s for s, _, _ in IN_SENTENCE] + [a for _, a, _ in LATENT]
    for text in texts:
        for match in find_money(text, HINT):
            hit.update(match.rules)
    return hit


def test_every_rule_has_an_example():
    assert set(RULES) - _rules_hit() == set()


def test_every_rule_hit_is_declared():
    assert _rules_hit() - set(RULES) == set()


def test_rule_of_a_match_is_among_its_rules():
    for _, forms in EXAMPLES:
        for text in forms:
            for match in find_money(text, HINT):
                assert match.rule in match.rules, text
    assert parse_money("$5k", HINT) is not None
