"""The product's own chat: the session API, the widget script and the demo page.

- `POST /api/chat/sessions` `{"site", "page_url"}` -> 201 `{"session_id", "greeting"}`
- `POST /api/chat/sessions/<id>/messages` `{"text"}` -> `{"reply", "state", "done"}`
- `GET /widget.js`, `GET /demo`

Each visitor message is stored, the whole conversation so far is qualified
with the same pipeline as every webhook (`pipeline.qualify_inquiry`), and the
dialogue policy (`handoff.dialogue`) says what to answer. When the
conversation finishes, it is submitted through the same intake as a chat
webhook (source `generic`, idempotent per session), so it is stored, routed,
briefed and delivered to the SDR exactly like any other inquiry. A
conversation the visitor leaves mid-way is submitted as it stands after
`[chat] idle_minutes` (default 30) by the sweep (`submit_idle`).

Site keys and their allowed origins come from the policy's `[chat.sites]`;
a site with no origins listed accepts only this service's own pages (the
demo). CORS answers only allowed origins.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forms.types import Contact, Inquiry, Turn
from handoff.assign import assign
from handoff.dialogue import ChatSettings, DialogueState, Reply, missing_slots, next_reply
from handoff.meetings import Availability, Slot, free_slots
from handoff.policy import PolicyError
from intents.text import asked_slot

from . import db, intake, models, pipeline
from .errors import ClientError

log = logging.getLogger(__name__)

bp = Blueprint("chat", __name__)

WIDGET_FILE = Path(__file__).with_name("static") / "widget.js"
MAX_MESSAGE_CHARS = 4000
MAX_TURNS = 60  # a conversation longer than this is not a qualification chat any more
DEFAULT_SITES = {"demo": ()}
DEFAULT_IDLE_MINUTES = 30
IDLE_BATCH = 100


@dataclass(frozen=True, slots=True)
class ChatConfig:
    settings: ChatSettings
    sites: Mapping[str, tuple[str, ...]]  # site key -> allowed origins (empty: same origin only)
    availability: Availability
    # A conversation with no visitor message for this long is handed to intake as it stands (0: never).
    idle_minutes: int = DEFAULT_IDLE_MINUTES

    @classmethod
    def from_policy(cls, raw: Mapping[str, Any]) -> ChatConfig:
        doc = raw.get("chat", {})
        if not isinstance(doc, Mapping):
            raise PolicyError("chat", "must be a table")
        sites_doc = doc.get("sites", None)
        sites: dict[str, tuple[str, ...]] = dict(DEFAULT_SITES)
        if sites_doc is not None:
            if not isinstance(sites_doc, Mapping):
                raise PolicyError("chat.sites", "must be a table of site key = { origins = [...] }")
            sites = {}
            for key, site in sites_doc.items():
                origins = site.get("origins", []) if isinstance(site, Mapping) else None
                if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
                    raise PolicyError(
                        f"chat.sites.{key}.origins", "must be a list of origins like https://www.example.com"
                    )
                sites[str(key)] = tuple(o.rstrip("/") for o in origins)
        settings = ChatSettings.from_mapping(
            {k: v for k, v in doc.items() if k in ("max_questions", "links", "greeting")}
        )
        availability = Availability.from_mapping(doc.get("availability", {}), "chat.availability")
        idle = doc.get("idle_minutes", DEFAULT_IDLE_MINUTES)
        if isinstance(idle, bool) or not isinstance(idle, int) or not 0 <= idle <= 24 * 60:
            raise PolicyError("chat.idle_minutes", f"must be minutes, 0 (never) to 1440, got {idle!r}")
        return cls(settings=settings, sites=sites, availability=availability, idle_minutes=idle)


def init_app(app) -> None:
    runtime = app.extensions["qualifier"]
    app.extensions["qualifier_chat"] = ChatConfig.from_policy(runtime.policy.raw)
    key = app.config.get("OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
    if key:
        from intents.llm import openai_completer

        base_url = app.config.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        model = (
            app.config.get("QUALIFIER_LLM_MODEL") or os.environ.get("QUALIFIER_LLM_MODEL") or "gpt-4o-mini"
        )
        app.extensions["qualifier_llm"] = openai_completer(key, base_url, model)
    app.register_blueprint(bp)


def _config() -> ChatConfig:
    return current_app.extensions["qualifier_chat"]


# CORS and origins ---------------------------------------------------------------------------


def _own_origin() -> str:
    return request.host_url.rstrip("/")


def _origin_allowed(site: str) -> bool:
    origins = _config().sites.get(site)
    if origins is None:
        return False
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser: the site key is all we can check
        return True
    origin = origin.rstrip("/")
    return origin == _own_origin() or origin in origins or "*" in origins


@bp.after_request
def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and request.path.startswith("/api/chat/") and _cors_origin_ok(origin.rstrip("/")):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers.add("Vary", "Origin")
    return response


def _cors_origin_ok(origin: str) -> bool:
    return (
        any(origin in origins or "*" in origins for origins in _config().sites.values())
        or origin == _own_origin()
    )


@bp.route("/api/chat/sessions", methods=["OPTIONS"])
@bp.route("/api/chat/sessions/<session_id>/messages", methods=["OPTIONS"])
def _preflight(session_id: str | None = None) -> tuple[str, int]:
    return "", 204


# Endpoints ----------------------------------------------------------------------------------


def _json_object() -> dict[str, Any]:
    if not request.is_json:
        raise ClientError(415, "send the message as JSON (Content-Type: application/json)")
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ClientError(400, "malformed JSON") from None
    if not isinstance(body, dict):
        raise ClientError(400, "the body must be a JSON object")
    return body


@bp.post("/api/chat/sessions")
def start_session() -> tuple[Response, int]:
    body = _json_object()
    site = body.get("site")
    if not isinstance(site, str) or not site:
        raise ClientError(400, "'site' must be your site key (the data-site of the widget's script tag)")
    if site not in _config().sites:
        raise ClientError(404, f"unknown site key {site!r}")
    if not _origin_allowed(site):
        raise ClientError(403, f"origin {request.headers.get('Origin')!r} is not allowed for site {site!r}")
    page_url = body.get("page_url")
    if page_url is not None and (not isinstance(page_url, str) or len(page_url) > 2000):
        raise ClientError(400, "'page_url' must be a URL string of at most 2000 characters")
    now = datetime.now(UTC)
    chat = models.ChatSession(
        id="chat_" + secrets.token_urlsafe(16),
        site=site,
        page_url=page_url,
        state={},
        created_at=now,
        updated_at=now,
    )
    session = db.get_session()
    session.add(chat)
    greeting = _config().settings.greeting
    session.add(models.ChatTurn(session_id=chat.id, index=0, role="bot", text=greeting, at=now))
    session.commit()
    return jsonify(session_id=chat.id, greeting=greeting), 201


@bp.post("/api/chat/sessions/<session_id>/messages")
def post_message(session_id: str) -> Response:
    body = _json_object()
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ClientError(400, "'text' must be a non-empty string")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ClientError(413, f"'text' is too long: at most {MAX_MESSAGE_CHARS} characters")
    session = db.get_session()
    chat = session.get(models.ChatSession, session_id)
    if chat is None:
        raise ClientError(404, "unknown chat session; start a new one")
    if not _origin_allowed(chat.site):
        raise ClientError(403, "origin not allowed for this chat session")
    turns = list(
        session.scalars(
            select(models.ChatTurn)
            .where(models.ChatTurn.session_id == chat.id)
            .order_by(models.ChatTurn.index)
        )
    )
    if len(turns) >= MAX_TURNS:
        raise ClientError(429, "this conversation is too long; start a new one", {"Retry-After": "60"})

    runtime = current_app.extensions["qualifier"]
    config = _config()
    now = datetime.now(UTC)
    turns.append(models.ChatTurn(session_id=chat.id, index=len(turns), role="visitor", text=text, at=now))
    state = DialogueState.from_json(chat.state)
    inquiry = _inquiry(chat, turns, state)
    signals, decision, predicted = pipeline.qualify_inquiry(inquiry, now, runtime.policy, _second_opinion())
    assignment = assign(inquiry, decision, runtime.policy.roster, now=now)
    sdr_id = assignment.sdr_id or "team"
    needs_slots = decision.route == "sql" or state.phase in ("offering", "collecting_email")
    slots = _free_slots(session, config.availability, sdr_id, now) if needs_slots else []
    seed = zlib.crc32(chat.id.encode())
    reply = next_reply(
        signals,
        decision,
        state,
        text,
        settings=config.settings,
        slots=slots,
        contact_email=state.email,
        seed=seed,
    )
    reply = _book_if_asked(session, reply, chat, sdr_id, slots, config.availability, now)
    reply_text = _wording(reply)

    turns.append(models.ChatTurn(session_id=chat.id, index=len(turns), role="bot", text=reply_text, at=now))
    session.add_all(turns[-2:])
    chat.state = reply.state.to_json()
    chat.route = decision.route
    chat.updated_at = now
    session.commit()

    if reply.done and (chat.inquiry_id is None or chat.submitted_at is not None):
        # Finished: hand it over, or, when it was handed over on going idle, bring its inquiry up to date.
        chat.inquiry_id = _submit(session, runtime, chat, turns, reply.state, now)
        chat.submitted_at = None
        session.commit()
    return jsonify(
        reply=reply_text,
        state={
            "intent": predicted["intent"],
            "need": predicted["need"],
            "budget": predicted["budget"],
            "timeframe": predicted["timeframe"],
            "authority": predicted["authority"],
            "route": predicted["route"],
            "missing": missing_slots(signals, decision) if signals.intent.label == "buying" else [],
            "phase": reply.state.phase,
            "inquiry_id": chat.inquiry_id,
        },
        done=reply.done,
    )


@bp.get("/widget.js")
def widget() -> Response:
    response = Response(_widget_source(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@lru_cache(maxsize=1)
def _widget_source() -> bytes:
    return WIDGET_FILE.read_bytes()


@bp.get("/demo")
def demo() -> str:
    site = next(iter(_config().sites), "demo")
    return render_template("pages/demo.html", widget_url="/widget.js", site_key=site)


# Helpers ------------------------------------------------------------------------------------


def _inquiry(chat: models.ChatSession, turns: list[models.ChatTurn], state: DialogueState) -> Inquiry:
    transcript = tuple(Turn(t.role, t.text, t.at.isoformat()) for t in turns)
    first = next((t.text for t in turns if t.role == "visitor"), None)
    return Inquiry(
        source="chat",
        channel="chat",
        contact=Contact(email=state.email),
        message=first,
        transcript=transcript,
        page_url=chat.page_url,
        submitted_at=turns[-1].at.isoformat(),
    )


def _free_slots(session, availability: Availability, sdr_id: str, now: datetime) -> list[Slot]:
    booked = session.execute(
        select(models.Booking.start, models.Booking.end).where(
            models.Booking.sdr_id == sdr_id, models.Booking.end > now
        )
    ).all()
    return free_slots(availability, now, [(b.start, b.end) for b in booked])


def _book_if_asked(
    session, reply: Reply, chat, sdr_id: str, slots: list[Slot], availability: Availability, now: datetime
) -> Reply:
    """Store the booking the dialogue chose; a slot taken meanwhile is offered again."""
    if reply.action != "book":
        return reply
    slot = reply.slot
    if slot is None and reply.state.booked:
        start = datetime.fromisoformat(reply.state.booked)
        slot = Slot(start, start + timedelta(minutes=availability.slot_minutes))
    if slot is None:
        return reply
    booking = models.Booking(
        sdr_id=sdr_id,
        start=slot.start,
        end=slot.end,
        session_id=chat.id,
        email=reply.state.email,
        created_at=now,
    )
    session.add(booking)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        fresh = _free_slots(session, availability, sdr_id, now)
        state = replace(
            reply.state, phase="offering", booked=None, offered=tuple(s.start.isoformat() for s in fresh)
        )
        lines = "\n".join(f"{i}. {s.label()}" for i, s in enumerate(fresh, 1))
        return Reply(
            f"Sorry — that time was just taken. These are still free:\n{lines}", state, False, asking="slot"
        )
    return reply


def _second_opinion():
    """The optional model's extraction candidates for the analysis, or None in rules mode."""
    complete = current_app.extensions.get("qualifier_llm")
    if complete is None:
        return None
    from intents.llm import second_opinion

    return lambda view, ctx: second_opinion(view, ctx, complete)


def _wording(reply: Reply) -> str:
    """The rule wording, or the optional model's rephrasing of a question (same slot kept)."""
    complete = current_app.extensions.get("qualifier_llm")
    if complete is None or reply.asking not in ("need", "timeframe", "budget", "authority"):
        return reply.text
    from intents.llm import rephrase

    return rephrase(reply.text, complete, lambda text: asked_slot(text) == reply.asking)


def submit_idle(app, now: datetime) -> list[str]:
    """Hand over every conversation the visitor left mid-way; returns their inquiry ids.

    A visitor who stops answering (closes the tab after giving the need and an
    email) must still reach sales: once no message has come for the policy's
    `[chat] idle_minutes`, the conversation is submitted as it stands. If the
    visitor comes back and finishes it, that submission's inquiry is
    qualified again with the whole conversation (`_submit`), so it stays one
    lead. The sweep (`serve.recover`) calls this in both modes.
    """
    runtime = app.extensions["qualifier"]
    config: ChatConfig = app.extensions["qualifier_chat"]
    if not config.idle_minutes:
        return []
    quiet_since = now - timedelta(minutes=config.idle_minutes)
    submitted = []
    with runtime.sessions() as session:
        waiting = session.scalars(
            select(models.ChatSession)
            .where(
                models.ChatSession.updated_at < quiet_since,
                models.ChatSession.inquiry_id.is_(None)
                | (models.ChatSession.submitted_at < models.ChatSession.updated_at),
            )
            .order_by(models.ChatSession.updated_at)
            .limit(IDLE_BATCH)
        ).all()
        for chat in waiting:
            turns = list(
                session.scalars(
                    select(models.ChatTurn)
                    .where(models.ChatTurn.session_id == chat.id)
                    .order_by(models.ChatTurn.index)
                )
            )
            if not any(t.role == "visitor" for t in turns):
                continue  # opened and never used: nothing to hand over
            state = DialogueState.from_json(chat.state)
            chat.inquiry_id = _submit(session, runtime, chat, turns, state, now)
            chat.submitted_at = now
            session.commit()
            submitted.append(chat.inquiry_id)
    return submitted


def _submit(
    session,
    runtime: Any,
    chat: models.ChatSession,
    turns: list[models.ChatTurn],
    state: DialogueState,
    now: datetime,
) -> str:
    """Hand the conversation to intake as a chat webhook would; returns the inquiry id.

    The first submission stores a raw event (idempotent per session). A later
    one, after the conversation went on, brings the same inquiry up to date
    (`pipeline.resubmit`): one conversation stays one lead.
    """
    transcript = [{"role": t.role, "text": t.text, "at": t.at.isoformat()} for t in turns]
    if state.booked:
        transcript.append(
            {"role": "bot", "text": f"Meeting booked for {state.booked}.", "at": now.isoformat()}
        )
    payload = {
        "conversation_id": chat.id,
        "visitor": {"name": None, "email": state.email, "company": None},
        "page_url": chat.page_url,
        "transcript": transcript,
    }
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Qualifier-Chat-Site": chat.site}
    if chat.inquiry_id is not None:
        pipeline.resubmit(session, chat.inquiry_id, body, headers, runtime.policy, runtime.settings, now=now)
        return chat.inquiry_id
    token = pipeline.new_claim_token()
    stored = intake.store_raw_event(
        session,
        source="generic",
        body=body,
        headers=headers,
        idempotency_key=f"chat:{chat.id}",
        now=now,
        dedup_window=timedelta(hours=runtime.settings.dedup_window_hours),
        claim_token=token,
    )
    if not stored.duplicate:
        pipeline.process_event(
            session, stored.raw_event_id, runtime.policy, runtime.settings, now=now, token=token
        )
    return stored.inquiry_id
