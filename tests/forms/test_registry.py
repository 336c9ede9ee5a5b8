"""The adapter registry: every source is registered, sampled, signed where it signs, documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import forms
from forms import UnknownSource

from .sample_files import NOW, SAMPLES, is_signed, samples, secret_for

# DESIGN.md's source names, in its order.
SOURCES = (
    "generic",
    "typeform",
    "hubspot",
    "webflow",
    "jotform",
    "tally",
    "gravityforms",
    "contactform7",
    "netlify",
    "intercom",
    "chatwoot",
    "livechat",
    "zendesk",
    "crisp",
    "freshchat",
    "tawkto",
)
CHAT_SOURCES = {"intercom", "chatwoot", "livechat", "zendesk", "crisp", "freshchat", "tawkto"}
SOURCES_DOC = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def test_the_registry_holds_exactly_the_documented_sources() -> None:
    assert tuple(forms.ADAPTERS) == SOURCES


@pytest.mark.parametrize("name", SOURCES)
def test_adapter_is_named_after_its_key_and_declares_its_channel(name) -> None:
    adapter = forms.get_adapter(name)

    assert adapter.name == name
    assert adapter.channel == ("any" if name == "generic" else "chat" if name in CHAT_SOURCES else "form")


@pytest.mark.parametrize("name", SOURCES)
def test_adapter_has_at_least_three_samples_each_with_an_expectation(name) -> None:
    found = samples(name)

    assert len(found) >= 3, f"{name} has {len(found)} samples under {SAMPLES / name}"
    assert all(s.expected_path.exists() for s in found)


@pytest.mark.parametrize("name", SOURCES)
def test_adapter_has_a_docs_url(name) -> None:
    assert re.match(r"^(https://\S+|README\.md#\S+)$", forms.get_adapter(name).docs_url)


@pytest.mark.parametrize("name", [n for n in SOURCES if forms.ADAPTERS[n].verify is not None])
def test_a_verifying_adapter_has_a_signed_sample_that_verifies(name) -> None:
    adapter = forms.get_adapter(name)
    signed = [s for s in samples(name) if is_signed(s)]

    assert signed, f"{name} verifies signatures but has no signed sample"
    for sample in signed:
        adapter.verify(sample.body, sample.headers, secret_for(name), now=NOW)
    if adapter.signature_header:
        assert any(adapter.signature_header.lower() in {h.lower() for h in s.headers} for s in signed), (
            f"no signed {name} sample carries {adapter.signature_header}"
        )


@pytest.mark.parametrize("name", SOURCES)
def test_every_source_has_a_set_up_section(name) -> None:
    text = SOURCES_DOC.read_text("utf-8")

    assert f"\n## {name}\n" in text
    assert f"/webhooks/{name}" in text


def test_an_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(UnknownSource) as caught:
        forms.get_adapter("wufoo")

    assert caught.value.status == 404
    assert "typeform" in caught.value.message
