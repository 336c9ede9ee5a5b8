"""Service settings: environment variables -> one frozen, validated `Settings`.

Every setting is a `QUALIFIER_*` environment variable (the table in
`VARIABLES`), overridable by the mapping `create_app(config)` receives (keys
without the prefix: `{"DATABASE_URL": ...}`), which is how tests configure an
app. Values are parsed against that table once, at start-up; a bad value stops
the service with a `ConfigError` naming the variable. Types are never guessed
from the text (Flask's `from_prefixed_env` would turn a token "123" into an
int), so each variable has one parser.

Per-source webhook secrets are `QUALIFIER_SECRET_<SOURCE>` (the source name in
capitals: `QUALIFIER_SECRET_TYPEFORM`); `QUALIFIER_SECRET_KEY` is reserved for
the session-signing key of the dashboard and is not a source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "QUALIFIER_"
SECRET_PREFIX = "QUALIFIER_SECRET_"  # noqa: S105 - a variable name prefix, not a secret
RESERVED_SECRET_NAMES = frozenset({"KEY"})
DEFAULT_DATABASE_URL = "sqlite:///instance/qualifier.db"
DEFAULT_POLICY_FILE = "qualifier.toml"


class ConfigError(ValueError):
    """A setting has a bad value; `variable` names the environment variable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    api_tokens: tuple[str, ...] = ()
    # None: `qualifier.toml` in the working directory when it exists, else built-in defaults.
    policy_file: Path | None = None
    webhook_secrets: Mapping[str, str] = field(default_factory=dict)  # source -> secret
    max_body_bytes: int = 1024 * 1024
    # A repeat of the same body from the same source within this window is a duplicate.
    dedup_window_hours: int = 24
    # A claim on an event older than this is considered abandoned (its process died).
    claim_timeout_seconds: int = 60
    # How often each server process sweeps for abandoned or retryable events (0: never).
    sweep_seconds: int = 30
    # Processing attempts before an event stays `failed` for good (until replayed).
    max_attempts: int = 3
    # Queue mode: the RQ queue web processes enqueue to and `qualifier worker` reads.
    queue_name: str = "qualifier"
    # Security, limits, retention and logs (assistant/security.py, limits.py, privacy.py, logs.py).
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
    trusted_proxies: int = 0
    # Rate limits such as "100/second;3000/minute" or "off"; None: the policy's [limits], else the default.
    limit_webhooks: str | None = None
    limit_chat_sessions: str | None = None
    limit_chat_messages: str | None = None
    limit_sign_in: str | None = None
    # Days raw bodies and transcripts are kept; None: the policy's [retention] days, else 365.
    retention_days: int | None = None
    log_level: str = "INFO"
    log_format: str = "json"  # json | text

    @property
    def queue_mode(self) -> bool:
        return self.redis_url is not None


def _text(value: Any, variable: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(variable, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_text(value: Any, variable: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value, variable)


def _int_parser(minimum: int, maximum: int) -> Callable[[Any, str], int]:
    def parse(value: Any, variable: str) -> int:
        if isinstance(value, bool):
            raise ConfigError(variable, f"must be a whole number, got {value!r}")
        if isinstance(value, str):
            if not (value.strip().isascii() and value.strip().isdigit()):
                raise ConfigError(variable, f"must be a whole number, got {value!r}")
            value = int(value.strip())
        if not isinstance(value, int) or not minimum <= value <= maximum:
            raise ConfigError(variable, f"must be a whole number from {minimum} to {maximum}, got {value!r}")
        return value

    return parse


def _database_url(value: Any, variable: str) -> str:
    url = _text(value, variable)
    if not url.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
        raise ConfigError(
            variable, f"must be a sqlite:/// or postgresql+psycopg:// URL, got {url.split(':', 1)[0]!r}"
        )
    if url.startswith("postgresql://"):
        # SQLAlchemy's bare postgresql:// means psycopg2, which is not a dependency.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _redis_url(value: Any, variable: str) -> str | None:
    url = _optional_text(value, variable)
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(variable, "must be a redis:// or rediss:// URL")
    return url


def _tokens(value: Any, variable: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if isinstance(value, (bytes, Mapping)) or not isinstance(items, Iterable):
        raise ConfigError(variable, "must be a comma-separated list of tokens")
    tokens = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(variable, f"tokens must be strings, got {type(item).__name__}")
        if item.strip():
            tokens.append(item.strip())
    return tuple(tokens)


def _policy_file(value: Any, variable: str) -> Path | None:
    text = _optional_text(value if value is None else str(value), variable)
    if text is None:
        return None
    path = Path(text)
    if not path.is_file():
        raise ConfigError(variable, f"no such policy file: {text}")
    return path


def _rate_limit(value: Any, variable: str) -> str | None:
    text = _optional_text(value, variable)
    if text is None:
        return None
    if text.lower() == "off":
        return "off"
    from limits import parse_many

    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(
            variable, f"must be a rate limit such as '100/second;3000/minute' or 'off', got {text!r}"
        ) from None
    return text


def _choice_parser(*allowed: str) -> Callable[[Any, str], str]:
    def parse(value: Any, variable: str) -> str:
        text = _text(value, variable)
        if text.upper() in allowed:
            return text.upper()
        if text.lower() in allowed:
            return text.lower()
        raise ConfigError(variable, f"must be one of {', '.join(allowed)}, got {text!r}")

    return parse


# variable suffix -> (Settings field, parser). The one table of what may be configured.
VARIABLES: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "DATABASE_URL": ("database_url", _database_url),
    "REDIS_URL": ("redis_url", _redis_url),
    "API_TOKENS": ("api_tokens", _tokens),
    "POLICY_FILE": ("policy_file", _policy_file),
    "MAX_BODY_BYTES": ("max_body_bytes", _int_parser(1024, 64 * 1024 * 1024)),
    "DEDUP_WINDOW_HOURS": ("dedup_window_hours", _int_parser(0, 24 * 365)),
    "CLAIM_TIMEOUT_SECONDS": ("claim_timeout_seconds", _int_parser(1, 24 * 3600)),
    "SWEEP_SECONDS": ("sweep_seconds", _int_parser(0, 24 * 3600)),
    "MAX_ATTEMPTS": ("max_attempts", _int_parser(1, 100)),
    "QUEUE_NAME": ("queue_name", _text),
    "TRUSTED_PROXIES": ("trusted_proxies", _int_parser(0, 10)),
    "LIMIT_WEBHOOKS": ("limit_webhooks", _rate_limit),
    "LIMIT_CHAT_SESSIONS": ("limit_chat_sessions", _rate_limit),
    "LIMIT_CHAT_MESSAGES": ("limit_chat_messages", _rate_limit),
    "LIMIT_SIGN_IN": ("limit_sign_in", _rate_limit),
    "RETENTION_DAYS": ("retention_days", _int_parser(1, 36_500)),
    "LOG_LEVEL": ("log_level", _choice_parser("DEBUG", "INFO", "WARNING", "ERROR")),
    "LOG_FORMAT": ("log_format", _choice_parser("json", "text")),
}


def _secrets(env: Mapping[str, str], override: Any, known_sources: Iterable[str]) -> dict[str, str]:
    known = set(known_sources)
    secrets: dict[str, str] = {}
    for name, value in env.items():
        if not name.startswith(SECRET_PREFIX):
            continue
        suffix = name.removeprefix(SECRET_PREFIX)
        if suffix in RESERVED_SECRET_NAMES or not value.strip():
            continue
        source = suffix.lower()
        if source not in known:
            raise ConfigError(name, f"no source named {source!r}; known sources: {', '.join(sorted(known))}")
        secrets[source] = value.strip()
    if override is not None:
        if not isinstance(override, Mapping):
            raise ConfigError("SECRETS", "must map source names to secrets")
        for source, value in override.items():
            variable = f"{SECRET_PREFIX}{str(source).upper()}"
            if source not in known:
                raise ConfigError(variable, f"no source named {source!r}")
            secrets[source] = _text(value, variable)
    return secrets


def load_settings(
    env: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
    known_sources: Iterable[str] = (),
) -> Settings:
    """Settings from `env` (normally `os.environ`) and then `overrides` (tests).

    `known_sources` are the webhook sources a `QUALIFIER_SECRET_<SOURCE>` may name.
    """
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for suffix, (attribute, parse) in VARIABLES.items():
        variable = PREFIX + suffix
        if suffix in overrides:
            values[attribute] = parse(overrides[suffix], variable)
        elif variable in env:
            values[attribute] = parse(env[variable], variable)
    values["webhook_secrets"] = _secrets(env, overrides.get("SECRETS"), known_sources)
    return Settings(**values)


def setting_keys() -> frozenset[str]:
    """Keys of `create_app(config)` that are settings (the rest go to Flask's config)."""
    return frozenset({*VARIABLES, "SECRETS", "POLICY"})
