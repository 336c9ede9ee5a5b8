"""Getting a routed lead to people: SDR assignment, notifications, retries, replay.

The pipeline calls two functions (everything else here serves them and the CLI):

- `assign_lead(...)` while it qualifies an inquiry: the SDR from
  `handoff.assign` with the round-robin history of the last
  `assignment.window_days`, read from earlier qualifications
  (`predicted["assignment"]`). A lead that already has an SDR keeps it when it
  is qualified again, so replays do not reshuffle the queue.
- `plan_rows(...)` in the transaction that stores the qualification: one
  `Delivery` row per `[[notify.targets]]` entry that wants the route (made
  once per lead and target), so what must be sent is durable before anything
  is sent.
- `dispatch(...)` once the qualification is committed: an attempt at each
  pending row straight away, so the SDR hears within a second of the webhook.
  In default mode the web process runs it after answering the webhook (a
  small thread pool, `assistant.queue`); in queue mode the RQ worker that
  qualified the lead runs it. A process that dies before sending leaves the
  rows `pending` and due, and the sweep sends them.

Each attempt is claimed with a short lease (a second process never sends the
same row at the same time), sent, and written back: `sent`; `pending` with
`next_attempt_at` from `handoff.notify.backoff` (exponential, jittered) when the
receiver may recover (no answer, 408/429/5xx, SMTP 4xx); `failed` when it will
not (other 4xx, SMTP 5xx, a missing secret) or the attempts are used up.
`send_due` retries what is due; `pipeline.process_pending` (the server's
sweep and start-up recovery) calls it. The rows of a lead are its delivery log
(`delivery_log`), and `replay` (`qualifier replay-deliveries`) sends a lead's
notifications again, or every failed one.

Payloads are rebuilt at each attempt from what is stored (the normalized
inquiry, its stored assignment, the policy) through `handoff.brief` and
`handoff.notify`, so a retry or a replay sends what the first attempt sent and
secrets never sit in the database. Sending uses the standard library only:
`urllib.request` for Slack and webhooks (redirects are not followed: a POST
must not turn into a GET somewhere else) and `smtplib` for email.
"""

from __future__ import annotations

import logging
import os
import random
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from forms.types import Inquiry as NormalizedInquiry
from handoff import notify
from handoff.assign import Assignment, PastAssignment, assign
from handoff.brief import Brief, build_brief
from handoff.policy import Policy
from handoff.roster import Target
from handoff.types import Decision

from . import models

log = logging.getLogger(__name__)

# A claimed delivery is left alone by other processes this long (then it is due again).
LEASE = timedelta(seconds=60)
HTTP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Sender:
    """How deliveries are sent: where secrets come from, the jitter source, the HTTP timeout."""

    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    rng: random.Random = field(default_factory=random.Random)
    http_timeout: float = HTTP_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt at one delivery did."""

    delivery_id: int
    inquiry_id: str
    channel: str
    target: str
    status: str  # sent | pending (will retry) | failed
    attempts: int
    error: str | None = None
    next_attempt_at: datetime | None = None


# --------------------------------------------------------------------------- assignment


def assign_lead(
    session: Session,
    inquiry: models.Inquiry,
    normalized: NormalizedInquiry,
    decision: Decision,
    policy: Policy,
    *,
    now: datetime,
) -> Assignment:
    """The SDR (or queue) for a qualified inquiry; an SDR already given the lead keeps it."""
    roster = policy.roster
    if decision.route not in roster.routes or not roster.sdrs:
        return assign(normalized, decision, roster, now=now)  # a queue: no history to read
    previous = _stored_assignment(session, inquiry.id, policy)
    if previous is not None and previous.sdr is not None and decision.route in roster.routes:
        return previous
    since = now - timedelta(days=roster.window_days)
    rows = session.execute(
        select(
            models.Qualification.inquiry_id,
            models.Qualification.predicted[("assignment", "sdr")].as_string(),
            models.Qualification.created_at,
        ).where(
            models.Qualification.created_at >= since,
            models.Qualification.route.in_(roster.routes),
            models.Qualification.inquiry_id != inquiry.id,
        )
    ).all()
    latest: dict[str, PastAssignment] = {}
    for inquiry_id, sdr_id, at in rows:
        if sdr_id and (inquiry_id not in latest or latest[inquiry_id].at < at):
            latest[inquiry_id] = PastAssignment(sdr_id, at)
    return assign(normalized, decision, roster, now=now, history=list(latest.values()))


def assignment_json(assignment: Assignment) -> dict[str, Any]:
    """The assignment as stored in `predicted["assignment"]`."""
    sdr = assignment.sdr
    return {
        "sdr": sdr.id if sdr else None,
        "name": sdr.name if sdr else None,
        "queue": assignment.queue,
        "rule": assignment.rule,
        "territory": assignment.territory,
        "reason": assignment.reason,
    }


def _stored_assignment(session: Session, inquiry_id: str, policy: Policy) -> Assignment | None:
    predicted = session.scalars(
        select(models.Qualification.predicted)
        .where(models.Qualification.inquiry_id == inquiry_id)
        .order_by(models.Qualification.id.desc())
        .limit(1)
    ).first()
    stored = (predicted or {}).get("assignment")
    if not isinstance(stored, dict):
        return None
    sdr = policy.roster.sdr(stored["sdr"]) if stored.get("sdr") else None
    if stored.get("sdr") and sdr is None:
        return None  # the SDR left the roster: assign afresh
    return Assignment(
        sdr,
        stored.get("queue"),
        stored.get("reason") or "",
        stored.get("rule") or "",
        stored.get("territory"),
    )


# --------------------------------------------------------------------------- planning and sending


def wants_notifying(policy: Policy, route: str | None) -> bool:
    """Whether a lead on `route` has any notification target (else `dispatch` has nothing to do)."""
    return bool(route) and bool(policy.notify.targets_for(route or ""))


def dispatch(
    session: Session, inquiry_id: str, policy: Policy, *, now: datetime, sender: Sender | None = None
) -> list[Attempt]:
    """Plan a processed lead's notifications and try each now. Never raises: the lead is stored already."""
    try:
        inquiry = session.get(models.Inquiry, inquiry_id)
        if inquiry is None or inquiry.route is None:
            return []
        plan(session, inquiry, policy, now=now)
        return send_due(session, policy, now=now, sender=sender, inquiry_id=inquiry_id)
    except Exception:  # noqa: BLE001 - notifications must never undo or fail the processing
        session.rollback()
        log.exception(
            "notifications for %s could not be sent; `qualifier replay-deliveries` retries them", inquiry_id
        )
        return []


def plan(
    session: Session, inquiry: models.Inquiry, policy: Policy, *, now: datetime
) -> list[models.Delivery]:
    """One pending Delivery per target that wants the lead's route and has none yet (committed)."""
    made = plan_rows(session, inquiry, policy, now=now)
    session.commit()
    return made


def plan_rows(
    session: Session, inquiry: models.Inquiry, policy: Policy, *, now: datetime
) -> list[models.Delivery]:
    """`plan` inside the caller's transaction: the pipeline commits them with the qualification,
    so a lead is never processed without the record of what must still be sent."""
    targets = policy.notify.targets_for(inquiry.route or "")
    if not targets:
        return []
    existing = {
        (d.channel, d.target)
        for d in session.scalars(select(models.Delivery).where(models.Delivery.inquiry_id == inquiry.id))
    }
    made = []
    for target in targets:
        if (target.kind, target.name) in existing:
            continue
        delivery = models.Delivery(
            inquiry_id=inquiry.id,
            channel=target.kind,
            target=target.name,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        made.append(delivery)
    return made


def send_due(
    session: Session,
    policy: Policy,
    *,
    now: datetime,
    sender: Sender | None = None,
    inquiry_id: str | None = None,
    limit: int = 100,
) -> list[Attempt]:
    """Attempt every pending delivery that is due (of one inquiry, or all), oldest first."""
    sender = sender or Sender()
    query = (
        select(models.Delivery.id)
        .where(
            models.Delivery.status == "pending",
            or_(models.Delivery.next_attempt_at.is_(None), models.Delivery.next_attempt_at <= now),
        )
        .order_by(models.Delivery.id)
        .limit(limit)
    )
    if inquiry_id is not None:
        query = query.where(models.Delivery.inquiry_id == inquiry_id)
    ids = list(session.scalars(query))
    session.commit()
    briefs: dict[str, Brief] = {}
    attempts = []
    for delivery_id in ids:
        attempt = _attempt(session, delivery_id, policy, sender, now, briefs)
        if attempt is not None:
            attempts.append(attempt)
    return attempts


def replay(
    session: Session,
    policy: Policy,
    *,
    now: datetime,
    inquiry_id: str | None = None,
    sender: Sender | None = None,
) -> list[Attempt]:
    """Send again: every delivery of one lead (planning any new target), or every failed one."""
    if inquiry_id is not None:
        inquiry = session.get(models.Inquiry, inquiry_id)
        if inquiry is None:
            raise LookupError(f"no inquiry {inquiry_id}")
        if inquiry.route is not None:
            plan(session, inquiry, policy, now=now)
        where = models.Delivery.inquiry_id == inquiry_id
    else:
        where = models.Delivery.status == "failed"
    ids = list(session.scalars(select(models.Delivery.id).where(where).order_by(models.Delivery.id)))
    if ids:
        session.execute(
            update(models.Delivery)
            .where(models.Delivery.id.in_(ids))
            .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        )
    session.commit()
    sender = sender or Sender()
    briefs: dict[str, Brief] = {}
    return [a for i in ids if (a := _attempt(session, i, policy, sender, now, briefs)) is not None]


def delivery_log(session: Session, inquiry_id: str) -> list[dict[str, Any]]:
    """Every notification of a lead with its state, oldest first."""
    rows = session.scalars(
        select(models.Delivery).where(models.Delivery.inquiry_id == inquiry_id).order_by(models.Delivery.id)
    )
    return [
        {
            "id": d.id,
            "channel": d.channel,
            "target": d.target,
            "status": d.status,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            "created_at": d.created_at.isoformat(),
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        }
        for d in rows
    ]


def _attempt(
    session: Session,
    delivery_id: int,
    policy: Policy,
    sender: Sender,
    now: datetime,
    briefs: dict[str, Brief],
) -> Attempt | None:
    claimed = session.execute(
        update(models.Delivery)
        .where(
            models.Delivery.id == delivery_id,
            models.Delivery.status == "pending",
            or_(models.Delivery.next_attempt_at.is_(None), models.Delivery.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:
        return None
    delivery = session.get(models.Delivery, delivery_id)
    assert delivery is not None
    session.refresh(delivery)
    try:
        target = _target(policy, delivery)
        inquiry = session.get(models.Inquiry, delivery.inquiry_id)
        assert inquiry is not None
        if inquiry.id not in briefs:
            briefs[inquiry.id] = _brief(session, inquiry, policy)
        result, error, retry_after = _send(delivery, target, briefs[inquiry.id], policy, sender, now)
    except _Permanent as exc:
        result, error, retry_after = notify.GIVE_UP, str(exc), None
    except Exception as exc:  # noqa: BLE001 - a bug or an outage in building must not lose the row
        log.exception("delivery %s could not be built", delivery_id)
        result, error, retry_after = notify.RETRY, f"{type(exc).__name__}: {exc}", None

    delivery.attempts += 1
    next_at = None
    if result == notify.DONE:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, error  # error: partly refused
    elif (
        result == notify.RETRY
        and (delay := notify.backoff(policy.notify.retry, delivery.attempts, sender.rng, retry_after))
        is not None
    ):
        next_at = now + timedelta(seconds=delay)
        delivery.status, delivery.last_error = "pending", error
    else:
        delivery.status, delivery.last_error = "failed", error
    delivery.next_attempt_at = next_at
    session.commit()
    log.info(
        "delivery %s (%s %s) attempt %d: %s%s",
        delivery.id,
        delivery.channel,
        delivery.target,
        delivery.attempts,
        delivery.status,
        f" ({error})" if error else "",
    )
    return Attempt(
        delivery.id,
        delivery.inquiry_id,
        delivery.channel,
        delivery.target,
        delivery.status,
        delivery.attempts,
        delivery.last_error,
        next_at,
    )


class _Permanent(Exception):
    """A delivery that cannot succeed until someone changes the policy or the environment."""


def _target(policy: Policy, delivery: models.Delivery) -> Target:
    for target in policy.notify.targets:
        if target.name == delivery.target and target.kind == delivery.channel:
            return target
    raise _Permanent(f"target {delivery.target!r} ({delivery.channel}) is no longer in the policy")


def _brief(session: Session, inquiry: models.Inquiry, policy: Policy) -> Brief:
    """The lead's brief as the pipeline stored it: same analysis, assignment, history and time."""
    from . import pipeline  # the pipeline imports this module to dispatch

    normalized = NormalizedInquiry.from_json(inquiry.normalized)
    signals, decision, _ = pipeline.qualify_inquiry(normalized, inquiry.received_at, policy)
    return build_brief(
        normalized,
        signals,
        decision,
        now=inquiry.received_at,
        history=pipeline._history(session, inquiry),  # noqa: SLF001 - the brief's history, as the pipeline builds it
        assignee=_stored_assignment(session, inquiry.id, policy),
        sla=policy.sla,
    )


def _secret(sender: Sender, name: str | None, what: str) -> str:
    value = sender.environ.get(name or "", "")
    if not value:
        raise _Permanent(f"environment variable {name} ({what}) is not set")
    return value


def _send(
    delivery: models.Delivery, target: Target, brief: Brief, policy: Policy, sender: Sender, now: datetime
) -> tuple[str, str | None, float | None]:
    """(outcome, error, Retry-After seconds) of one attempt."""
    if target.kind == "slack":
        url = target.url or _secret(sender, target.url_env, "Slack webhook URL")
        return _post(notify.slack_request(brief, url, mention=target.mention_assignee), sender.http_timeout)
    if target.kind == "webhook":
        url = target.url or _secret(sender, target.url_env, "webhook URL")
        secret = _secret(sender, target.secret_env, "webhook signing secret")
        event = notify.lead_event(brief, inquiry_id=delivery.inquiry_id, now=delivery.created_at)
        request = notify.signed_request(
            url, event, secret, timestamp=int(now.timestamp()), delivery_id=f"dlv_{delivery.id}"
        )
        return _post(request, sender.http_timeout)
    to = notify.recipients(target, brief.assignment)
    if not to:
        raise _Permanent("no recipient: nobody with an email address is assigned")
    domain = parseaddr(policy.notify.sender)[1].rpartition("@")[2] or "qualifier"
    message = notify.email_message(
        brief,
        sender=policy.notify.sender,
        to=to,
        now=now,
        message_id=f"<dlv-{delivery.id}.{delivery.inquiry_id}@{domain}>",
    )
    return _smtp(message, policy, sender)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx stays an answer (and a permanent failure), never a second request


@lru_cache(maxsize=1)
def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)


def _post(request: notify.HttpRequest, timeout: float) -> tuple[str, str | None, float | None]:
    if not request.url.startswith(("https://", "http://")):
        raise _Permanent("the URL must start with https:// or http://")
    http = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        request.url, data=request.body, headers=dict(request.headers), method=request.method
    )
    try:
        with _opener().open(http, timeout=timeout) as answer:
            return notify.outcome(answer.status), None, None
    except urllib.error.HTTPError as exc:
        with exc:  # closes the connection behind the error
            detail = exc.read(300).decode("utf-8", "replace").strip()
        error = f"HTTP {exc.code}" + (f": {detail}" if detail else "")
        return notify.outcome(exc.code), error, _retry_after(exc.headers.get("Retry-After"))
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return notify.outcome(None), f"no answer: {reason}", None


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: our own backoff is good enough


def _smtp(message: Any, policy: Policy, sender: Sender) -> tuple[str, str | None, float | None]:
    smtp = policy.notify.smtp
    connect = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
    try:
        with connect(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username_env:
                client.login(
                    _secret(sender, smtp.username_env, "SMTP user"),
                    _secret(sender, smtp.password_env, "SMTP password"),
                )
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return notify.smtp_outcome(max(codes)), f"recipients refused: {_smtp_reasons(exc.recipients)}", None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return notify.smtp_outcome(exc.smtp_code), f"SMTP {exc.smtp_code}: {text}", None
    except (smtplib.SMTPException, OSError) as exc:
        return notify.smtp_outcome(None), f"no answer: {exc}", None
    if refused:
        # Some recipients took it: a retry would send the others a second copy.
        return notify.DONE, f"some recipients refused: {_smtp_reasons(refused)}", None
    return notify.DONE, None, None


def _smtp_reasons(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt} {code}" for rcpt, (code, _) in refused.items())
