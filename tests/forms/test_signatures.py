"""Signature checks per vendor: valid, wrong, tampered, expired, from the future, missing, no secret.

Each vendor's signer below is written from the vendor's documentation,
independently of `forms/signing.py`, so a shared misreading would have to be
made twice to pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import forms
from forms import BadSignature, signing

from .sample_files import NOW, SECRET, SIGNED_AT, is_signed, samples, secret_for

BODY = json.dumps({"hello": "world", "n": 1}).encode()
URL = "https://qualifier.example.com/webhooks/hubspot"
_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC = (
    _RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def _mac(secret: str, message: bytes, algorithm=hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


Signer = Callable[[bytes, str, int], tuple[bytes, dict[str, str]]]


def typeform(raw: bytes, secret: str, ts: int):
    return raw, {"Typeform-Signature": "sha256=" + _b64(_mac(secret, raw))}


def tally(raw: bytes, secret: str, ts: int):
    return raw, {"Tally-Signature": _b64(_mac(secret, raw))}


def webflow(raw: bytes, secret: str, ts: int):
    stamp = str(ts * 1000)
    return raw, {
        "x-webflow-timestamp": stamp,
        "x-webflow-signature": _mac(secret, f"{stamp}:".encode() + raw).hex(),
    }


def hubspot(raw: bytes, secret: str, ts: int):
    stamp = str(ts * 1000)
    signed = _b64(_mac(secret, b"POST" + URL.encode() + raw + stamp.encode()))
    return raw, {
        "X-HubSpot-Signature-v3": signed,
        "X-HubSpot-Request-Timestamp": stamp,
        signing.METHOD_HEADER: "POST",
        signing.URL_HEADER: URL,
    }


def netlify(raw: bytes, secret: str, ts: int, **extra_claims: object):
    head = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = _b64url(
        json.dumps({"iss": "netlify", "sha256": hashlib.sha256(raw).hexdigest(), **extra_claims}).encode()
    )
    return raw, {
        "X-Webhook-Signature": f"{head}.{claims}.{_b64url(_mac(secret, f'{head}.{claims}'.encode()))}"
    }


def intercom(raw: bytes, secret: str, ts: int):
    return raw, {"X-Hub-Signature": "sha1=" + _mac(secret, raw, hashlib.sha1).hex()}


def chatwoot(raw: bytes, secret: str, ts: int):
    return raw, {
        "X-Chatwoot-Timestamp": str(ts),
        "X-Chatwoot-Signature": "sha256=" + _mac(secret, f"{ts}.".encode() + raw).hex(),
    }


def livechat(raw: bytes, secret: str, ts: int):
    doc = json.loads(raw)
    doc["secret_key"] = secret
    return json.dumps(doc).encode(), {}


def zendesk(raw: bytes, secret: str, ts: int):
    return raw, {"X-API-Key": secret}


def zendesk_support(raw: bytes, secret: str, ts: int):
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return raw, {
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": _b64(_mac(secret, stamp.encode() + raw)),
    }


def crisp(raw: bytes, secret: str, ts: int):
    return raw, {
        "X-Crisp-Request-Timestamp": str(ts),
        "X-Crisp-Signature": _mac(secret, f"[{ts};".encode() + raw + b"]").hex(),
    }


def freshchat(raw: bytes, secret: str, ts: int):
    # `secret` names which key signs: the test's RSA key, or a fresh stranger's.
    key = _RSA_KEY if secret == SECRET else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return raw, {"X-Freshchat-Signature": _b64(key.sign(raw, padding.PKCS1v15(), hashes.SHA256()))}


def tawkto(raw: bytes, secret: str, ts: int):
    return raw, {"X-Tawk-Signature": _mac(secret, raw, hashlib.sha1).hex()}


# vendor -> (signer, configured secret, signs a timestamp)
SCHEMES: dict[str, tuple[Signer, str, bool]] = {
    "typeform": (typeform, SECRET, False),
    "tally": (tally, SECRET, False),
    "webflow": (webflow, SECRET, True),
    "hubspot": (hubspot, SECRET, True),
    "netlify": (netlify, SECRET, False),  # no timestamp; an `exp` claim is honoured when present
    "intercom": (intercom, SECRET, False),
    "chatwoot": (chatwoot, SECRET, True),
    "livechat": (livechat, SECRET, False),
    "zendesk": (zendesk, SECRET, False),
    "zendesk/support": (zendesk_support, SECRET, True),
    "crisp": (crisp, SECRET, True),
    "freshchat": (freshchat, RSA_PUBLIC, False),
    "tawkto": (tawkto, SECRET, False),
}
TIMESTAMPED = [name for name, (_, _, stamped) in SCHEMES.items() if stamped]


def _verify(scheme: str, raw: bytes, headers: dict[str, str], secret: str | None, now: float = NOW) -> None:
    forms.get_adapter(scheme.split("/")[0]).verify(raw, headers, secret, now=now)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_a_valid_signature_passes(scheme) -> None:
    signer, secret, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, SECRET, int(NOW) - 20)

    _verify(scheme, raw, headers, secret)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_a_signature_made_with_another_secret_fails(scheme) -> None:
    signer, secret, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, "not-the-secret", int(NOW) - 20)

    with pytest.raises(BadSignature) as caught:
        _verify(scheme, raw, headers, secret)
    assert caught.value.status == 401


# LiveChat and Sunshine Conversations send a shared key, not a signature of the body:
# they prove who sent it, not that it arrived unchanged (TLS does that).
SHARED_KEY = ("livechat", "zendesk")


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s not in SHARED_KEY])
def test_a_tampered_body_fails(scheme) -> None:
    signer, secret, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, SECRET, int(NOW) - 20)

    with pytest.raises(BadSignature):
        _verify(scheme, raw.replace(b"world", b"w0rld"), headers, secret)


@pytest.mark.parametrize("scheme", TIMESTAMPED)
@pytest.mark.parametrize("offset", [pytest.param(-301, id="expired"), pytest.param(+301, id="future")])
def test_a_signature_outside_the_window_fails(scheme, offset) -> None:
    signer, secret, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, SECRET, int(NOW) + offset)

    with pytest.raises(BadSignature, match="old|future|expired"):
        _verify(scheme, raw, headers, secret)


@pytest.mark.parametrize("scheme", TIMESTAMPED)
def test_a_signature_inside_the_window_passes_at_its_edge(scheme) -> None:
    signer, secret, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, SECRET, int(NOW) - 299)

    _verify(scheme, raw, headers, secret)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_a_missing_signature_fails(scheme) -> None:
    _, secret, _ = SCHEMES[scheme]
    raw = BODY if scheme != "livechat" else json.dumps({"action": "incoming_event"}).encode()

    with pytest.raises(BadSignature, match="missing"):
        _verify(scheme, raw, {"Content-Type": "application/json"}, secret)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("secret", [pytest.param(None, id="none"), pytest.param("", id="empty")])
def test_no_configured_secret_is_never_a_pass(scheme, secret) -> None:
    signer, _, _ = SCHEMES[scheme]
    raw, headers = signer(BODY, SECRET, int(NOW) - 20)

    with pytest.raises(BadSignature, match="QUALIFIER_SECRET_"):
        _verify(scheme, raw, headers, secret)


def test_every_verifying_adapter_has_a_scheme_here() -> None:
    verifying = {name for name, adapter in forms.ADAPTERS.items() if adapter.verify is not None}

    assert verifying == {s.split("/")[0] for s in SCHEMES}


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in samples() if is_signed(s)])
def test_signed_samples_verify_at_their_time(sample) -> None:
    adapter = forms.get_adapter(sample.vendor)
    assert adapter.verify is not None

    adapter.verify(sample.body, sample.headers, secret_for(sample.vendor), now=NOW)


def test_hubspot_v3_decodes_the_listed_escapes_in_the_url() -> None:
    received = "https://qualifier.example.com/webhooks/hubspot?token=a%3Ab%2Fc%20d"
    signed_as = "https://qualifier.example.com/webhooks/hubspot?token=a:b/c%20d"
    stamp = str(SIGNED_AT * 1000)
    headers = {
        "X-HubSpot-Signature-v3": _b64(_mac(SECRET, b"POST" + signed_as.encode() + BODY + stamp.encode())),
        "X-HubSpot-Request-Timestamp": stamp,
        signing.URL_HEADER: received,
    }

    forms.get_adapter("hubspot").verify(BODY, headers, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("version", "digest"),
    [
        pytest.param("v1", hashlib.sha256(SECRET.encode() + BODY).hexdigest(), id="v1"),
        pytest.param(
            "v2", hashlib.sha256(SECRET.encode() + b"POST" + URL.encode() + BODY).hexdigest(), id="v2"
        ),
    ],
)
def test_hubspot_legacy_signatures_are_read_when_v3_is_absent(version, digest) -> None:
    headers = {"X-HubSpot-Signature": digest, "X-HubSpot-Signature-Version": version, signing.URL_HEADER: URL}

    forms.get_adapter("hubspot").verify(BODY, headers, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("expires", "ok"), [pytest.param(NOW + 60, True, id="live"), pytest.param(NOW - 1, False, id="expired")]
)
def test_netlify_honours_an_exp_claim(expires, ok) -> None:
    raw, headers = netlify(BODY, SECRET, int(NOW), exp=expires)
    if ok:
        forms.get_adapter("netlify").verify(raw, headers, SECRET, now=NOW)
    else:
        with pytest.raises(BadSignature, match="expired"):
            forms.get_adapter("netlify").verify(raw, headers, SECRET, now=NOW)


def test_hubspot_without_the_url_pseudo_header_says_what_the_web_layer_must_pass() -> None:
    _, headers = hubspot(BODY, SECRET, int(NOW))
    del headers[signing.URL_HEADER]

    with pytest.raises(BadSignature, match=signing.URL_HEADER):
        forms.get_adapter("hubspot").verify(BODY, headers, SECRET, now=NOW)


ALG_NONE = _b64url(b'{"alg":"none"}') + "." + _b64url(b'{"iss":"netlify"}') + "."


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(ALG_NONE, id="alg-none"),
        pytest.param("only.two", id="two-parts"),
        pytest.param("!!!.???.***", id="not-base64"),
    ],
)
def test_netlify_refuses_tokens_that_are_not_hs256(token) -> None:
    with pytest.raises(BadSignature):
        forms.get_adapter("netlify").verify(BODY, {"X-Webhook-Signature": token}, SECRET, now=NOW)


@pytest.mark.parametrize(
    "pasted",
    [
        pytest.param(RSA_PUBLIC, id="pem"),
        pytest.param(RSA_PUBLIC.replace("\n", "\\n"), id="escaped-newlines"),
        pytest.param("".join(RSA_PUBLIC.splitlines()[1:-1]), id="bare-base64"),
        pytest.param(
            _RSA_KEY.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
            .decode(),
            id="pkcs1",
        ),
    ],
)
def test_freshchat_accepts_the_public_key_however_it_was_pasted(pasted) -> None:
    raw, headers = freshchat(BODY, SECRET, int(NOW))

    forms.get_adapter("freshchat").verify(raw, headers, pasted, now=NOW)


def test_freshchat_with_a_secret_that_is_not_a_key_is_a_bad_signature() -> None:
    raw, headers = freshchat(BODY, SECRET, int(NOW))

    with pytest.raises(BadSignature, match="public key"):
        forms.get_adapter("freshchat").verify(raw, headers, "hunter2", now=NOW)


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        pytest.param("ABCDEF0123", True, id="upper-case-hex"),
        pytest.param(" abcdef0123 ", True, id="padded"),
        pytest.param("abcdef012", False, id="short"),
        pytest.param("abcdef0123ff", False, id="long"),
        pytest.param("ábcdef0123", False, id="non-ascii"),
    ],
)
def test_hex_comparison_is_exact_but_case_blind(given, ok) -> None:
    expected = bytes.fromhex("abcdef0123")
    if ok:
        signing.check_hex(expected, given, "X-Test")
    else:
        with pytest.raises(BadSignature):
            signing.check_hex(expected, given, "X-Test")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("1773151500", 1773151500.0, id="seconds"),
        pytest.param("1773151500000", 1773151500.0, id="milliseconds"),
        pytest.param("2026-03-10T14:05:00Z", 1773151500.0, id="iso"),
        pytest.param("2026-03-10T15:05:00+01:00", 1773151500.0, id="iso-offset"),
    ],
)
def test_timestamps_are_read_in_any_documented_unit(value, seconds) -> None:
    assert signing.parse_timestamp(value, "X-Test") == seconds


@pytest.mark.parametrize("value", ["yesterday", "2026-03-10T14:05:00", "12e9", ""])
def test_unreadable_timestamps_are_bad_signatures(value) -> None:
    with pytest.raises(BadSignature):
        signing.parse_timestamp(value, "X-Test")
