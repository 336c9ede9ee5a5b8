"""Source adapters: a vendor's webhook body -> the normalized `Inquiry`.

Adding a vendor = one module with `ADAPTER`, one line in `ADAPTERS`, and sample
bodies under `tests/forms/samples/<vendor>/`.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import (
    chatwoot,
    contactform7,
    crisp,
    freshchat,
    generic,
    gravityforms,
    hubspot,
    intercom,
    jotform,
    livechat,
    netlify,
    tally,
    tawkto,
    typeform,
    webflow,
    zendesk,
)
from .errors import BadPayload, BadSignature, FormError, NotAnInquiry, UnexpectedShape, UnknownSource
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        generic.ADAPTER,
        typeform.ADAPTER,
        hubspot.ADAPTER,
        webflow.ADAPTER,
        jotform.ADAPTER,
        tally.ADAPTER,
        gravityforms.ADAPTER,
        contactform7.ADAPTER,
        netlify.ADAPTER,
        intercom.ADAPTER,
        chatwoot.ADAPTER,
        livechat.ADAPTER,
        zendesk.ADAPTER,
        crisp.ADAPTER,
        freshchat.ADAPTER,
        tawkto.ADAPTER,
    )
}

__all__ = [
    "ADAPTERS",
    "Adapter",
    "BadPayload",
    "BadSignature",
    "Contact",
    "FormError",
    "Inquiry",
    "NotAnInquiry",
    "Turn",
    "UnexpectedShape",
    "UnknownSource",
    "VendorIds",
    "get_adapter",
    "normalize",
]


def get_adapter(source: str) -> Adapter:
    try:
        return ADAPTERS[source]
    except KeyError:
        raise UnknownSource(
            f"unknown source {source!r}; known sources: {', '.join(sorted(ADAPTERS))}"
        ) from None


def normalize(source: str, body: bytes, headers: Mapping[str, str] | None = None) -> Inquiry:
    """Parse a body from `source` (no signature check: the caller verifies first)."""
    return get_adapter(source).parse(body, headers or {})
