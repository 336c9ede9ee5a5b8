"""No adapter raises anything but a `FormError` (400/401/422), whatever it is sent.

Three kinds of input: arbitrary bytes under each content type, arbitrary JSON,
and each vendor's own samples with one value somewhere swapped for arbitrary
JSON. The last is the one that reaches deep into each adapter.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms import BadSignature, FormError, body, html, signing

from .sample_files import NOW, SECRET, samples

NAMES = list(forms.ADAPTERS)
CONTENT_TYPES = [
    {},
    {"Content-Type": "application/json"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=zz"},
    {"content-type": "text/plain"},
]
# FORMS_FUZZ_EXAMPLES=1000 for a long hunt; the default keeps the suite quick.
FUZZ = settings(
    max_examples=int(os.environ.get("FORMS_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _parse_only_form_errors(name: str, raw: bytes, headers: dict[str, str]) -> None:
    with contextlib.suppress(FormError):
        forms.normalize(name, raw, headers)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(raw=st.binary(max_size=300), headers=st.sampled_from(CONTENT_TYPES))
def test_arbitrary_bytes(name, raw, headers) -> None:
    _parse_only_form_errors(name, raw, headers)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(doc=json_values)
def test_arbitrary_json(name, doc) -> None:
    _parse_only_form_errors(name, json.dumps(doc).encode(), {"Content-Type": "application/json"})


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


def _replace(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[head] = _replace(copy[head], rest, value)
    return copy


JSON_SAMPLES = [s for s in samples() if s.path.suffix == ".json"]


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in JSON_SAMPLES])
@FUZZ
@given(data=st.data())
def test_samples_with_one_value_swapped(sample, data) -> None:
    doc = json.loads(sample.body)
    path = data.draw(st.sampled_from(_paths(doc)), label="path")
    mutated = _replace(doc, path, data.draw(json_values, label="value"))
    _parse_only_form_errors(sample.vendor, json.dumps(mutated).encode(), sample.headers)


@pytest.mark.parametrize("name", [n for n in NAMES if forms.ADAPTERS[n].verify is not None])
@FUZZ
@given(
    raw=st.binary(max_size=200),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Typeform-Signature",
                "Tally-Signature",
                "x-webflow-signature",
                "x-webflow-timestamp",
                "X-HubSpot-Signature-v3",
                "X-HubSpot-Request-Timestamp",
                "X-HubSpot-Signature",
                "X-HubSpot-Signature-Version",
                "X-Qualifier-Url",
                "X-Webhook-Signature",
                "X-Hub-Signature",
                "X-Chatwoot-Signature",
                "X-Chatwoot-Timestamp",
                "X-API-Key",
                "X-Zendesk-Webhook-Signature",
                "X-Zendesk-Webhook-Signature-Timestamp",
                "X-Crisp-Signature",
                "X-Crisp-Request-Timestamp",
                "X-Freshchat-Signature",
                "X-Tawk-Signature",
            ]
        ),
        st.text(max_size=60)
        | st.sampled_from(["sha256=", "sha1=", "a.b.c", "1773151480", "2026-03-10T14:04:40Z"]),
        max_size=4,
    ),
)
def test_verify_raises_only_bad_signature(name, raw, headers) -> None:
    secret = (
        SECRET
        if name != "freshchat"
        else (samples("freshchat")[0].path.parent / "public_key.pem").read_text()
    )
    try:
        forms.get_adapter(name).verify(raw, headers, secret, now=NOW)
    except FormError as exc:
        assert exc.status == 401


@FUZZ
@given(value=st.text() | json_values)
def test_vendor_times_never_raise(value) -> None:
    result = body.iso_time(value)
    assert result is None or isinstance(result, str)


@FUZZ
@given(value=st.text(max_size=40) | st.sampled_from(["0001-01-01T00:00:00+14:00", "²", "1" * 17]))
def test_timestamps_raise_only_bad_signature(value) -> None:
    with contextlib.suppress(BadSignature):
        signing.parse_timestamp(value, "X-Test")


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from("<>/!&;#[]-ab pxX01\"'=\n"), max_size=200) | st.text(max_size=200)
)
def test_html_to_text_never_raises(text) -> None:
    assert isinstance(html.to_text(text), str)
