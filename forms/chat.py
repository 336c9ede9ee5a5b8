"""The shared tail of chat adapters: one webhook event -> one chat `Inquiry`.

Chat vendors deliver a conversation in pieces (a message, then another, then
"closed"). Each adapter turns one delivery into an Inquiry holding the turns that
delivery carries, the conversation id in `vendor.conversation_id`, and two
reserved fields the service layer reads to assemble transcripts:

- `_event`: the vendor's event name (`conversation.admin.closed`, `message_created`...);
- `_closed`: `"yes"` when the event ends the conversation (resolved, closed, chat ended).

Labels that start with `_` are metadata. `fields.canonical_name` maps them to
"ignored", so the analysis never reads them as the person's words.

Anonymous visitor names (`visitor493603`, `V1610462619730`, `Guest 12`, `Web User 3f2a`) are
widget placeholders, not names. They are dropped rather than reported as a
contact's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .body import check_fields, clean
from .fields import pick
from .generic import contact_from_fields
from .types import Contact, Inquiry, Turn, VendorIds

EVENT_FIELD = "_event"
CLOSED_FIELD = "_closed"

_ANONYMOUS = re.compile(
    r"^(?:visitor|guest|customer|client|user|anonymous|unknown|v)[\s#_-]*\d*$"
    r"|^\d+$"
    r"|^web user [0-9a-f]{3,}$",  # Zendesk messaging's anonymous users
    re.IGNORECASE,
)


def person_name(name: str | None) -> str | None:
    """A real name, or None for a widget placeholder such as `visitor4821`."""
    if not name:
        return None
    name = " ".join(name.split())
    if not name or _ANONYMOUS.match(name):
        return None
    return name


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """First word and the rest, as the generic source splits a full name."""
    parts = name.split() if name else []
    if not parts:
        return None, None
    return parts[0], " ".join(parts[1:]) or None


def turn(role: str, text: str | None, at: str | None = None) -> Turn | None:
    """A transcript turn with HTML stripped; None when nothing readable is left."""
    if not text:
        return None
    cleaned = clean(text)
    return Turn(role=role, text=cleaned, at=at) if cleaned else None


def chat_inquiry(
    source: str,
    *,
    turns: Iterable[Turn | None],
    contact: Contact | None = None,
    fields: Mapping[str, str] | None = None,
    page_url: str | None = None,
    submitted_at: str | None = None,
    vendor: VendorIds | None = None,
    event: str | None = None,
    closed: bool = False,
    extra: Mapping[str, str] | None = None,
) -> Inquiry:
    """Build the Inquiry; contact gaps are filled from answered fields (pre-chat forms)."""
    transcript = tuple(t for t in turns if t is not None)
    answered = dict(fields or {})
    if event:
        answered[EVENT_FIELD] = event
    if closed:
        answered[CLOSED_FIELD] = "yes"
    check_fields(answered, source)
    given = contact or Contact()
    from_fields = contact_from_fields(answered, extra)
    name = person_name(given.name) or from_fields.name
    first, last = given.first_name, given.last_name
    if not first and not last:
        if given.name and name == person_name(given.name):
            first, last = split_name(name)
        else:
            first, last = from_fields.first_name, from_fields.last_name
    merged = Contact(
        name=name,
        first_name=first,
        last_name=last,
        email=given.email or from_fields.email,
        company=given.company or from_fields.company,
        title=given.title or from_fields.title,
        phone=given.phone or from_fields.phone,
    )

    def field(name: str) -> str | None:
        found = pick(answered, name, extra)
        return found[1] if found else None

    return Inquiry(
        source=source,
        channel="chat",
        contact=merged,
        message=next((t.text for t in transcript if t.role == "visitor"), None),
        transcript=transcript,
        fields=answered,
        page_url=page_url,
        submitted_at=submitted_at or (transcript[-1].at if transcript else None),
        website=field("website"),
        country=field("country"),
        company_size=field("company_size"),
        vendor=vendor or VendorIds(),
    )
