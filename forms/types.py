"""The normalized inquiry every source adapter produces.

An `Inquiry` is what the rest of the product reads: the contact, the free-text
message, every answered field with its label as received, the chat transcript
with roles, and the vendor's ids. Unknown values are None, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("visitor", "bot", "agent")
CHANNELS = ("form", "chat")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company: str | None = None
    title: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # visitor | bot | agent
    text: str
    at: str | None = None


@dataclass(frozen=True, slots=True)
class VendorIds:
    form_id: str | None = None
    submission_id: str | None = None
    conversation_id: str | None = None
    event_id: str | None = None  # the vendor's id for this delivery, for idempotency


@dataclass(frozen=True, slots=True)
class Inquiry:
    source: str
    channel: str  # form | chat
    contact: Contact = field(default_factory=Contact)
    message: str | None = None
    # The field the message came from, as received ("message", "How can we help?").
    message_field: str | None = None
    transcript: tuple[Turn, ...] = ()
    # Every answered field, label as received -> value as text, in received order.
    fields: Mapping[str, str] = field(default_factory=dict)
    page_url: str | None = None
    submitted_at: str | None = None
    website: str | None = None
    country: str | None = None
    company_size: str | None = None
    vendor: VendorIds = field(default_factory=VendorIds)

    def to_json(self) -> dict[str, Any]:
        """The normalized shape of DESIGN.md (`qualifier normalize`)."""
        return {
            "source": self.source,
            "channel": self.channel,
            "contact": {
                "name": self.contact.name,
                "first_name": self.contact.first_name,
                "last_name": self.contact.last_name,
                "email": self.contact.email,
                "company": self.contact.company,
                "title": self.contact.title,
                "phone": self.contact.phone,
            },
            "message": self.message,
            "message_field": self.message_field,
            "transcript": [{"role": t.role, "text": t.text, "at": t.at} for t in self.transcript],
            "fields": dict(self.fields),
            "page_url": self.page_url,
            "submitted_at": self.submitted_at,
            "website": self.website,
            "country": self.country,
            "company_size": self.company_size,
            "vendor": {
                "form_id": self.vendor.form_id,
                "submission_id": self.vendor.submission_id,
                "conversation_id": self.vendor.conversation_id,
                "event_id": self.vendor.event_id,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Inquiry:
        """Inverse of `to_json` (stored inquiries are read back with it)."""
        contact = data.get("contact") or {}
        vendor = data.get("vendor") or {}
        return cls(
            source=data["source"],
            channel=data["channel"],
            contact=Contact(**{k: contact.get(k) for k in Contact.__slots__}),
            message=data.get("message"),
            message_field=data.get("message_field"),
            transcript=tuple(
                Turn(t["role"], t["text"], t.get("at")) for t in data.get("transcript") or ()
            ),
            fields=dict(data.get("fields") or {}),
            page_url=data.get("page_url"),
            submitted_at=data.get("submitted_at"),
            website=data.get("website"),
            country=data.get("country"),
            company_size=data.get("company_size"),
            vendor=VendorIds(**{k: vendor.get(k) for k in VendorIds.__slots__}),
        )


Parse = Callable[[bytes, Mapping[str, str]], Inquiry]
Verify = Callable[[bytes, Mapping[str, str], "str | None"], None]


@dataclass(frozen=True, slots=True)
class Adapter:
    """One source: how to read its body and check its signature.

    `verify` is None for sources that do not sign; those are protected by the
    per-source `?token=` secret instead. `event_id` returns the vendor's id of a
    delivery (used to recognise retries), or None.
    """

    name: str
    channel: str
    parse: Parse
    verify: Verify | None
    docs_url: str
    signature_header: str | None = None
