"""The service: a Flask application factory wiring forms, intents and handoff to HTTP and storage.

`create_app(config)` reads the settings (`QUALIFIER_*` environment variables,
then `config` for tests), the policy file, opens the database engine and
registers the blueprints. Nothing happens at import time; Flask and
SQLAlchemy are imported inside the factory so that commands that need no app
(`qualifier extract`, `qualifier normalize`) start quickly.

To add an area: write its blueprint module and add one line to the
registration list at the end of `create_app`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from handoff.policy import Policy

    from .config import Settings
    from .health import Metrics

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class Runtime:
    """What the app built at start-up, in `app.extensions["qualifier"]`."""

    settings: Settings
    policy: Policy
    engine: Engine
    sessions: sessionmaker[Session]
    metrics: Metrics
    # Sources already warned about for accepting unsigned webhooks (warn once per process).
    unsigned_warned: set[str] = field(default_factory=set)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from flask import Flask

    import forms
    from handoff.policy import Policy

    from . import (
        api,
        chat,
        dashboard,
        db,
        errors,
        events,  # behaviour events
        health,
        limits,  # rate limits (Flask-Limiter)
        logs,  # request ids, JSON log lines, redaction
        privacy,  # contact export and erasure
        security,  # security headers, cookies, proxies
        webhooks,
    )
    from .config import load_settings, setting_keys
    from .policy import load_policy, policy_path

    config = dict(config or {})
    settings = load_settings(os.environ, config, known_sources=forms.ADAPTERS)
    policy = config.get("POLICY")
    if not isinstance(policy, Policy):
        policy = load_policy(policy_path(settings.policy_file))

    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), template_folder=str(TEMPLATES_DIR))
    # One byte over the limit, so that reading a chunked body shows it is too large (webhooks.py).
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes + 1)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # answers keep the documented key order
    app.config.update({key: value for key, value in config.items() if key not in setting_keys()})

    engine = db.make_engine(settings.database_url)
    app.extensions["qualifier"] = Runtime(
        settings=settings,
        policy=policy,
        engine=engine,
        sessions=db.make_session_factory(engine),
        metrics=health.Metrics(engine),
    )
    db.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    logs.init_app(app)
    security.init_app(app)

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(events.bp)  # POST /api/events (behaviour events, engagement scoring)
    app.register_blueprint(health.bp)
    chat.init_app(app)  # blueprint "chat": /api/chat/..., /widget.js, /demo
    dashboard.init_app(app)  # blueprint "dashboard": /dashboard/... (SDR sign-in, queue, leads, analytics)
    privacy.init_app(app)  # blueprint "privacy": /api/contacts/<email>[/export]
    limits.init_app(app)  # after the blueprints: limits webhooks, chat and sign-in by endpoint
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["qualifier"]
