"""Dashboard users: accounts, passwords, sign-in with throttling, sessions and CSRF tokens.

- **Accounts** (`models.User`) have a role, `sdr` or `admin`, and optionally the
  roster id (`[[sdrs]] id` in the policy) whose leads are theirs; when none is
  given, the roster SDR with the same email address is used. They are made
  with `qualifier create-user EMAIL --role sdr|admin` (`create_user`).
- **Passwords** are hashed with werkzeug's `generate_password_hash` (scrypt,
  salted; werkzeug ships with Flask, so no new dependency). A sign-in for an
  unknown email still checks a password against a dummy hash, so the answer
  takes as long and says the same thing ("wrong email or password").
- **Throttling**: every attempt is stored (`models.SignInAttempt`), so the
  limits hold across gunicorn workers: after `MAX_FAILURES_PER_EMAIL` failures
  for one email, or `MAX_FAILURES_PER_ADDRESS` from one IP address, within
  `THROTTLE_WINDOW`, sign-in answers 429 with `Retry-After` until the oldest
  failure leaves the window (a success clears the email's count).
  Flask-Limiter (already installed) was considered: its default storage is per
  process, and counting failures only, per email, needs the database anyway.
- **Sessions** are Flask's signed cookie, marked HttpOnly and SameSite=Lax, and
  Secure unless the app runs in debug or testing mode (`DASHBOARD_COOKIE_SECURE`
  in the app config, true or false, overrides that). The session holds the user id and a
  fingerprint of the password hash, so changing a password signs out every
  other session. The signing key is `SECRET_KEY` from the app config, else the
  `QUALIFIER_SECRET_KEY` environment variable, else a random key made once and
  kept in `instance/secret_key` (readable by the owner only) so that every
  worker and restart shares it; tests get a throwaway key.
- **CSRF**: a synchroniser token kept in the session (`csrf_token()`), sent
  back by every form as the hidden field `csrf_token` and compared in constant
  time (`check_csrf()`); requests whose `Origin` header names another site are
  refused too. Hand-written rather than Flask-WTF's `CSRFProtect`: the pages
  are plain HTML forms, not WTForms, and the check is a dozen lines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import models

if TYPE_CHECKING:
    from flask import Flask

    from handoff.roster import Roster

ROLES = models.USER_ROLES
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte per attempt would be a denial of service
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hashing method name, not a password
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
ATTEMPTS_KEPT = timedelta(days=30)
SESSION_LIFETIME = timedelta(hours=12)
CSRF_FIELD = "csrf_token"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
SECRET_KEY_VARIABLE = "QUALIFIER_SECRET_KEY"  # noqa: S105 - a variable name, not a secret
# App config key: True or False forces the session cookie's Secure flag (default: not in debug/testing).
COOKIE_SECURE_KEY = "DASHBOARD_COOKIE_SECURE"

_EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")


class UserError(ValueError):
    """An account cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Throttled:
    """Sign-in is refused for now; try again after `retry_after` seconds."""

    retry_after: int
    why: str  # "email" | "address"


# --------------------------------------------------------------------------- accounts


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so both answers cost one hash."""
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


def email_key(email: str) -> str:
    return email.strip().casefold()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def check_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    return check_password_hash(password_hash, password)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise UserError("the password must not be only spaces")


def roster_sdr_id(email: str, sdr_id: str | None, roster: Roster) -> str | None:
    """The roster id a user works as: the one given (it must exist), else the SDR with their email."""
    if sdr_id is not None:
        if roster.sdr(sdr_id) is None:
            known = ", ".join(s.id for s in roster.sdrs) or "none: the policy lists no [[sdrs]]"
            raise UserError(f"no SDR {sdr_id!r} on the policy's roster; known ids: {known}")
        return sdr_id
    key = email_key(email)
    match = next((s for s in roster.sdrs if s.email and email_key(s.email) == key), None)
    return match.id if match else None


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: str,
    now: datetime,
    roster: Roster,
    name: str | None = None,
    sdr_id: str | None = None,
    update: bool = False,
) -> models.User:
    """Make an account (or, with `update`, set an existing one's password, role, name and SDR id)."""
    email = email.strip()
    if not _EMAIL.match(email) or len(email) > 320:
        raise UserError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}, got {role!r}")
    validate_password(password)
    resolved_sdr = roster_sdr_id(email, sdr_id, roster)
    user = session.scalars(select(models.User).where(models.User.email_key == email_key(email))).first()
    if user is not None and not update:
        raise UserError(f"a user {email} exists already; pass --update to change their password or role")
    if user is None:
        user = models.User(email=email, email_key=email_key(email), created_at=now, active=True)
        session.add(user)
    user.role, user.password_hash, user.sdr_id, user.active = (
        role,
        hash_password(password),
        resolved_sdr,
        True,
    )
    if name is not None:
        user.name = name.strip() or None
    session.commit()
    return user


# --------------------------------------------------------------------------- sign-in


def throttled(session: Session, key: str, address: str, now: datetime) -> Throttled | None:
    """Whether sign-in for this email or from this address is refused for now, and for how long."""
    since = now - THROTTLE_WINDOW
    last_success = session.scalar(
        select(func.max(models.SignInAttempt.at)).where(
            models.SignInAttempt.email_key == key, models.SignInAttempt.succeeded.is_(True)
        )
    )
    email_since = max(since, last_success) if last_success else since
    for why, column, value, limit, start in (
        ("email", models.SignInAttempt.email_key, key, MAX_FAILURES_PER_EMAIL, email_since),
        ("address", models.SignInAttempt.address, address, MAX_FAILURES_PER_ADDRESS, since),
    ):
        failures = list(
            session.scalars(
                select(models.SignInAttempt.at)
                .where(
                    column == value,
                    models.SignInAttempt.succeeded.is_(False),
                    models.SignInAttempt.at > start,
                )
                .order_by(models.SignInAttempt.at.desc())
                .limit(limit)
            )
        )
        if len(failures) >= limit:
            # Allowed again once the oldest of the last `limit` failures leaves the window.
            free_at = failures[-1] + THROTTLE_WINDOW
            return Throttled(max(1, int((free_at - now).total_seconds()) + 1), why)
    return None


def authenticate(
    session: Session, email: str, password: str, address: str, now: datetime
) -> models.User | Throttled | None:
    """The user these credentials sign in, `Throttled`, or None (wrong email or password).

    Every answered attempt is recorded; a throttled one is not (it was never checked).
    """
    key = email_key(email)[:320]
    address = (address or "unknown")[:64]
    refused = throttled(session, key, address, now)
    if refused is not None:
        session.rollback()
        return refused
    user = session.scalars(select(models.User).where(models.User.email_key == key)).first()
    hashed = user.password_hash if user is not None else _dummy_hash()
    ok = check_password(hashed, password) and user is not None and user.active
    session.add(models.SignInAttempt(email_key=key, address=address, succeeded=ok, at=now))
    session.execute(
        models.SignInAttempt.__table__.delete().where(models.SignInAttempt.at < now - ATTEMPTS_KEPT)
    )
    if ok:
        assert user is not None
        user.last_sign_in_at = now
    session.commit()
    return user if ok else None


def fingerprint(user: models.User) -> str:
    """Changes when the password does: kept in the session to end other sessions on a change."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- Flask wiring


def init_app(app: Flask) -> None:
    """Session cookie settings and the signing key (called when the dashboard is registered)."""
    from flask.sessions import SecureCookieSessionInterface

    class _Sessions(SecureCookieSessionInterface):
        def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
            configured = app.config.get(COOKIE_SECURE_KEY)
            if configured is not None:
                return bool(configured)
            return not (app.debug or app.testing)

    app.session_interface = _Sessions()
    app.config.update(
        SESSION_COOKIE_NAME="qualifier_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)


def _secret_key(app: Flask) -> str:
    from_env = os.environ.get(SECRET_KEY_VARIABLE, "").strip()
    if from_env:
        return from_env
    if app.testing:
        return secrets.token_hex(32)
    path = Path(app.instance_path) / SECRET_KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: of several workers starting at once, one writes the key and the others read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be between creating and writing the file
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it, or set {SECRET_KEY_VARIABLE}")


def sign_in(user: models.User) -> None:
    from flask import session

    session.clear()  # nothing from before sign-in survives it (session fixation)
    session.permanent = True
    session["uid"] = user.id
    session["pw"] = fingerprint(user)
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def sign_out() -> None:
    from flask import session

    session.clear()


def current_user() -> models.User | None:
    """The signed-in, active user of this request, or None."""
    from flask import g, session

    from . import db

    if "dashboard_user" in g:
        return g.dashboard_user
    user = None
    uid = session.get("uid")
    if isinstance(uid, int):
        found = db.get_session().get(models.User, uid)
        if (
            found is not None
            and found.active
            and hmac.compare_digest(session.get("pw", ""), fingerprint(found))
        ):
            user = found
    if user is None and uid is not None:
        session.pop("uid", None)
        session.pop("pw", None)
    g.dashboard_user = user
    return user


def csrf_token() -> str:
    """This session's CSRF token (made on first use); every form sends it back as `csrf_token`."""
    from flask import session

    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> str | None:
    """None when the POST carries this session's token and comes from this site, else why not."""
    from flask import request, session

    origin = request.headers.get("Origin")
    # The host only: behind a proxy that ends TLS the scheme the app sees differs from the browser's.
    if origin and urlsplit(origin).netloc.casefold() != request.host.casefold():
        return "the form was sent from another site"
    expected = session.get(CSRF_FIELD)
    supplied = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not expected:
        return "your session has expired"
    if not hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8")):
        return "the form is out of date"
    return None
