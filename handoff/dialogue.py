"""The chat assistant's dialogue policy: what to say next, given what we know.

Rules, not a model: read the visitor's words with the same extractors as every
other inquiry (the caller passes `Signals` and the routing `Decision`), then
- redirect support, careers, partnership and press questions to the configured
  links, and answer spam or manipulation attempts neutrally (they change
  nothing: routing is decided by the rules alone);
- for buyers, ask for the most valuable missing slot — need first, then only
  what the route still depends on — never asking twice, accepting "rather not
  say", and stopping after a few questions;
- once the inquiry is an SQL, offer meeting slots with the assigned SDR or a
  call-back, collect a valid email if we have none, and confirm.

Pure: the caller passes the state, the free slots and a seed for varied
wording; the reply says which action to take (book, notify), and the caller
does the I/O. The questions are phrased so that `intents.text.asked_slot`
recognises them, which is how a terse "q3" or "yes" is read in context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from email_validator import EmailNotValidError, validate_email

from intents.types import Signals

from .meetings import Slot
from .types import Decision

QUESTIONS: dict[str, tuple[str, ...]] = {
    "need": (
        "What are you hoping to solve? A sentence or two about your project helps me point you to the right person.",
        "Could you tell me a bit about what you're looking for help with?",
        "What problem are you trying to solve, or what would you use it for?",
    ),
    "timeframe": (
        "When do you need this in place?",
        "What's your timeline — when would you like to be up and running?",
        "By when are you hoping to have a solution live?",
    ),
    "budget": (
        "Do you have a budget in mind for this?",
        "Is there a budget set aside for it yet, roughly how much?",
        "What budget range are you working with?",
    ),
    "authority": (
        "Will you be the one signing off on this, or is someone else involved in the decision?",
        "Who else is involved in the decision — are you the one who signs off?",
        "Are you the decision maker for this, or putting options together for someone?",
    ),
    "contact": (
        "Would you like to book a call with our team to go through it?",
        "Shall I set up a call with one of our specialists?",
        "Would a short meeting with our team help? I can book one now.",
    ),
}

REDIRECT_REPLIES = {
    "support": "That sounds like a question for our support team — they can look into your account. {link}",
    "careers": "Thanks for your interest in joining us! Open roles and how to apply are here: {link}",
    "partnerships": "Thanks — partnership proposals go to our partnerships team: {link}",
    "press": "Thanks for reaching out — our press team handles media and analyst requests: {link}",
    "general": "Thanks for your message — our team will get back to you. You can also reach us here: {link}",
}

NEUTRAL_REPLY = (
    "I can help with questions about our products and services. What are you looking for?"
)
DECLINES = re.compile(
    r"\b(rather not( say)?|prefer not|not sure|no idea|don'?t know|dunno|skip|pass|can'?t say|"
    r"not telling|confidential|no comment|n/?a)\b",
    re.I,
)
CALLBACK = re.compile(
    r"\b(contact me|call me|reach out|email me|get in touch|call back|callback|have someone|someone contact)\b",
    re.I,
)
NO = re.compile(r"^\s*(no|nope|not now|not yet|no thanks|nah|maybe later|later)\b", re.I)
EMAIL = re.compile(r"[^\s@<>(),;:\"']{1,64}@[^\s@<>(),;:\"']{1,255}")
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
SLOT_NUMBER = re.compile(r"^\s*(?:option\s*|slot\s*|#)?([1-9])\b", re.I)


DEFAULT_GREETING = "Hi! I'm the assistant here. What can I help you with today?"


class ChatConfigError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True, slots=True)
class ChatSettings:
    max_questions: int = 3
    links: Mapping[str, str] = field(default_factory=dict)  # team -> URL or email
    greeting: str = DEFAULT_GREETING

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], key: str = "chat") -> ChatSettings:
        max_q = doc.get("max_questions", 3)
        if isinstance(max_q, bool) or not isinstance(max_q, int) or not 0 <= max_q <= 10:
            raise ChatConfigError(f"{key}.max_questions", f"must be an integer 0..10, got {max_q!r}")
        links = doc.get("links", {})
        if not isinstance(links, Mapping) or not all(isinstance(v, str) for v in links.values()):
            raise ChatConfigError(f"{key}.links", "must be a table of team = \"URL or email\"")
        unknown = set(links) - set(REDIRECT_REPLIES)
        if unknown:
            raise ChatConfigError(f"{key}.links", f"unknown team(s) {sorted(unknown)}; use {sorted(REDIRECT_REPLIES)}")
        greeting = doc.get("greeting", DEFAULT_GREETING)
        if not isinstance(greeting, str):
            raise ChatConfigError(f"{key}.greeting", "must be a string")
        return cls(max_questions=max_q, links=dict(links), greeting=greeting)


@dataclass(frozen=True, slots=True)
class DialogueState:
    """What the assistant has done so far in one conversation (stored with the session)."""

    phase: str = "qualifying"  # qualifying | offering | collecting_email | booked | handed_off | redirected | closed
    asked: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()
    offered: tuple[str, ...] = ()  # ISO start times of the slots offered
    booked: str | None = None  # ISO start of the chosen slot
    callback: bool = False
    email: str | None = None
    email_attempts: int = 0
    neutral: int = 0  # neutral answers given to off-topic or manipulative messages

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "asked": list(self.asked),
            "declined": list(self.declined),
            "offered": list(self.offered),
            "booked": self.booked,
            "callback": self.callback,
            "email": self.email,
            "email_attempts": self.email_attempts,
            "neutral": self.neutral,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> DialogueState:
        if not doc:
            return cls()
        return cls(
            phase=doc.get("phase", "qualifying"),
            asked=tuple(doc.get("asked", ())),
            declined=tuple(doc.get("declined", ())),
            offered=tuple(doc.get("offered", ())),
            booked=doc.get("booked"),
            callback=bool(doc.get("callback", False)),
            email=doc.get("email"),
            email_attempts=int(doc.get("email_attempts", 0)),
            neutral=int(doc.get("neutral", 0)),
        )


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    state: DialogueState
    done: bool
    action: str | None = None  # "book" | "notify" | None
    slot: Slot | None = None
    asking: str | None = None  # the slot this reply asks about


FINISHED = ("booked", "handed_off", "redirected", "closed")


def missing_slots(signals: Signals, decision: Decision) -> list[str]:
    """What a buyer's route still depends on, most valuable first.

    SQL needs a need, a contact request and one qualifier (timeframe within a
    quarter, a stated or approved budget, or a decision maker or influencer).
    """
    missing: list[str] = []
    if signals.need is None:
        missing.append("need")
    qualifies = (
        (signals.timeframe is not None and signals.timeframe.value.urgency in ("immediate", "quarter"))
        or (signals.budget is not None and signals.budget.value.status in ("stated", "approved"))
        or (signals.authority is not None and signals.authority.value.role in ("decision_maker", "influencer"))
    )
    if not qualifies:
        if signals.timeframe is None:
            missing.append("timeframe")
        if signals.budget is None:
            missing.append("budget")
        if signals.authority is None:
            missing.append("authority")
    if signals.contact_request is None:
        missing.append("contact")
    return missing


def known_email(text: str) -> str | None:
    """A syntactically valid email address in `text`, normalized, or None."""
    for match in EMAIL.finditer(text):
        candidate = match.group(0).rstrip(".!?")
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def next_reply(
    signals: Signals,
    decision: Decision,
    state: DialogueState,
    message: str,
    *,
    settings: ChatSettings,
    slots: Sequence[Slot] = (),
    contact_email: str | None = None,
    seed: int = 0,
) -> Reply:
    """The assistant's answer to the visitor's latest `message`."""
    email = state.email or contact_email
    if state.phase in FINISHED:
        return Reply(_after_end(state), state, True)
    if state.phase == "offering":
        return _choose_slot(state, message, slots, email, decision)
    if state.phase == "collecting_email":
        return _collect_email(state, message)

    intent = signals.intent.label
    if decision.route == "redirect" and decision.redirect_to:
        link = settings.links.get(decision.redirect_to) or settings.links.get("general", "")
        text = REDIRECT_REPLIES[decision.redirect_to].format(link=link).strip()
        return Reply(text, replace(state, phase="redirected"), True)
    if intent in ("spam", "vendor_pitch"):
        # Neutral, and nothing the message said changes what we do.
        if intent == "vendor_pitch" or state.neutral >= 1:
            text = "Thanks for reaching out. We're not looking for new vendors through this chat."
            if intent == "spam":
                text = NEUTRAL_REPLY
            return Reply(text, replace(state, phase="closed", neutral=state.neutral + 1), True)
        return Reply(NEUTRAL_REPLY, replace(state, neutral=state.neutral + 1), False, asking="need")

    if decision.route == "sql":
        return _offer(replace(state, email=email), slots)

    declined = state.declined
    if state.asked and DECLINES.search(message) and state.asked[-1] not in declined:
        declined = (*declined, state.asked[-1])
    state = replace(state, declined=declined)
    todo = [s for s in missing_slots(signals, decision) if s not in state.asked and s not in state.declined]
    if todo and len(state.asked) < settings.max_questions + 1:
        slot = todo[0]
        # The contact question is the last word of a qualification, not a slot to
        # spend a question on: ask it even when the question budget is used up.
        if slot != "contact" and len([a for a in state.asked if a != "contact"]) >= settings.max_questions:
            slot = "contact" if "contact" in todo else ""
        if slot:
            variants = QUESTIONS[slot]
            lead = "Thanks. " if state.asked else ""
            text = lead + variants[(seed + len(state.asked)) % len(variants)]
            return Reply(text, replace(state, asked=(*state.asked, slot)), False, asking=slot)
    return _wrap_up(state, decision, email)


def _offer(state: DialogueState, slots: Sequence[Slot]) -> Reply:
    if not slots:
        if state.email:
            return Reply(
                f"Thanks — that's everything I need. Someone from our sales team will contact you at {state.email} shortly.",
                replace(state, phase="handed_off", callback=True),
                True,
                action="notify",
            )
        return Reply(
            "Thanks — that's everything I need. What's the best email for our sales team to reach you?",
            replace(state, phase="collecting_email", callback=True),
            False,
            asking="email",
        )
    lines = [f"{i}. {slot.label()}" for i, slot in enumerate(slots, 1)]
    text = (
        "Great — I can book you a call with one of our specialists. Pick a time:\n"
        + "\n".join(lines)
        + "\nOr say \"contact me\" and we'll reach out to you instead."
    )
    offered = tuple(s.start.isoformat() for s in slots)
    return Reply(text, replace(state, phase="offering", offered=offered), False, asking="slot")


def _pick(message: str, slots: Sequence[Slot]) -> Slot | None:
    if not slots:
        return None
    m = SLOT_NUMBER.match(message)
    if m:
        index = int(m.group(1)) - 1
        return slots[index] if index < len(slots) else None
    lowered = message.lower()
    for word, index in ORDINALS.items():
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            return slots[index]
    for slot in slots:
        day = f"{slot.start:%a}".lower()
        hour = f"{slot.start:%H:%M}"
        short = hour.lstrip("0")
        if (day in lowered or f"{slot.start:%A}".lower() in lowered) and (hour in lowered or short in lowered):
            return slot
    for slot in slots:
        if f"{slot.start:%H:%M}" in lowered:
            return slot
    return None


def _choose_slot(
    state: DialogueState, message: str, slots: Sequence[Slot], email: str | None, decision: Decision
) -> Reply:
    offered = [s for s in slots if s.start.isoformat() in state.offered] or list(slots)
    chosen = _pick(message, offered)
    typed_email = known_email(message)
    email = typed_email or email
    if chosen is not None:
        state = replace(state, booked=chosen.start.isoformat(), email=email)
        if not email:
            return Reply(
                f"{chosen.label()} it is. What email should I send the invitation to?",
                replace(state, phase="collecting_email"),
                False,
                asking="email",
            )
        return _confirm_booking(state, chosen)
    if CALLBACK.search(message):
        state = replace(state, callback=True, email=email)
        if not email:
            return Reply(
                "Sure — what's the best email to reach you on?",
                replace(state, phase="collecting_email"),
                False,
                asking="email",
            )
        return Reply(
            f"Done — someone from our team will contact you at {email} shortly.",
            replace(state, phase="handed_off"),
            True,
            action="notify",
        )
    if NO.search(message):
        return Reply(
            "No problem. If you change your mind, just write here — or leave your email and we'll follow up.",
            replace(state, phase="collecting_email", callback=True),
            False,
            asking="email",
        )
    return Reply(
        "Sorry, I didn't catch which time suits you. Reply with 1, 2 or 3, or say \"contact me\".",
        state,
        False,
        asking="slot",
    )


def _confirm_booking(state: DialogueState, slot: Slot) -> Reply:
    return Reply(
        f"You're booked: {slot.label()}. An invitation is on its way to {state.email}. Talk soon!",
        replace(state, phase="booked"),
        True,
        action="book",
        slot=slot,
    )


def _collect_email(state: DialogueState, message: str) -> Reply:
    email = known_email(message)
    if email is None:
        if state.email_attempts >= 1:
            return Reply(
                "No worries — our team will follow up here. Thanks for chatting!",
                replace(state, phase="closed", email_attempts=state.email_attempts + 1),
                True,
            )
        return Reply(
            "That doesn't look like an email address — could you check it? (name@company.com)",
            replace(state, email_attempts=state.email_attempts + 1),
            False,
            asking="email",
        )
    state = replace(state, email=email)
    if state.booked:
        # The slot is confirmed by the caller, who holds the Slot objects.
        return Reply(
            f"Thanks! You're booked — an invitation is on its way to {email}.",
            replace(state, phase="booked"),
            True,
            action="book",
        )
    return Reply(
        f"Thanks! Someone from our team will contact you at {email} shortly.",
        replace(state, phase="handed_off", callback=True),
        True,
        action="notify",
    )


def _wrap_up(state: DialogueState, decision: Decision, email: str | None) -> Reply:
    if decision.route == "mql":
        if email:
            return Reply(
                f"Thanks, that's really helpful. Someone from our team will review it and follow up at {email}.",
                replace(state, phase="handed_off"),
                True,
                action="notify",
            )
        return Reply(
            "Thanks, that's really helpful. What's the best email for our team to follow up on?",
            replace(state, phase="collecting_email", callback=True),
            False,
            asking="email",
        )
    return Reply(
        "Thanks for the details! I'll pass them on. If you'd like to talk to someone later, just ask here.",
        replace(state, phase="closed"),
        True,
    )


def _after_end(state: DialogueState) -> str:
    if state.phase == "booked":
        return "You're all set — see you at the meeting. Anything else, just write here."
    if state.phase == "handed_off":
        return "Our team has your details and will be in touch shortly."
    return "Thanks — our team has your message."
