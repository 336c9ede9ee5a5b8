"""Settings from the environment and the policy file: defaults, parsing, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import create_app, runtime_of
from assistant.config import ConfigError, Settings, load_settings
from assistant.policy import PolicyFileError, load_policy, policy_path
from handoff.policy import Policy

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("generic", "typeform")


def test_defaults() -> None:
    settings = load_settings({}, known_sources=SOURCES)

    assert settings == Settings()
    assert settings.database_url == "sqlite:///instance/qualifier.db"
    assert settings.max_body_bytes == 1024 * 1024
    assert (settings.api_tokens, settings.redis_url, settings.policy_file) == ((), None, None)
    assert settings.queue_mode is False


@pytest.mark.parametrize(
    ("env", "attribute", "expected"),
    [
        pytest.param(
            {"QUALIFIER_DATABASE_URL": "sqlite:////var/lib/q.db"},
            "database_url",
            "sqlite:////var/lib/q.db",
            id="sqlite-url",
        ),
        pytest.param(
            {"QUALIFIER_DATABASE_URL": "postgresql+psycopg://app@db/q"},
            "database_url",
            "postgresql+psycopg://app@db/q",
            id="postgres-url",
        ),
        pytest.param(
            {"QUALIFIER_DATABASE_URL": "postgresql://app@db/q"},
            "database_url",
            "postgresql+psycopg://app@db/q",
            id="bare-postgres-means-psycopg",
        ),
        pytest.param(
            {"QUALIFIER_REDIS_URL": "redis://127.0.0.1:6379/0"},
            "redis_url",
            "redis://127.0.0.1:6379/0",
            id="redis",
        ),
        pytest.param({"QUALIFIER_REDIS_URL": ""}, "redis_url", None, id="empty-redis-is-none"),
        pytest.param(
            {"QUALIFIER_API_TOKENS": " alpha, beta ,,"}, "api_tokens", ("alpha", "beta"), id="tokens-trimmed"
        ),
        pytest.param({"QUALIFIER_API_TOKENS": "123"}, "api_tokens", ("123",), id="numeric-token-stays-text"),
        pytest.param({"QUALIFIER_MAX_BODY_BYTES": "2048"}, "max_body_bytes", 2048, id="body-limit"),
        pytest.param({"QUALIFIER_DEDUP_WINDOW_HOURS": "0"}, "dedup_window_hours", 0, id="no-dedup-window"),
        pytest.param(
            {"QUALIFIER_SECRET_TYPEFORM": "tf-secret"},
            "webhook_secrets",
            {"typeform": "tf-secret"},
            id="source-secret",
        ),
        pytest.param(
            {"QUALIFIER_SECRET_KEY": "session-key"}, "webhook_secrets", {}, id="secret-key-is-not-a-source"
        ),
    ],
)
def test_environment_variables(env, attribute, expected) -> None:
    assert getattr(load_settings(env, known_sources=SOURCES), attribute) == expected


@pytest.mark.parametrize(
    ("env", "variable", "says"),
    [
        pytest.param(
            {"QUALIFIER_DATABASE_URL": "mysql://x/y"},
            "QUALIFIER_DATABASE_URL",
            "sqlite",
            id="unsupported-database",
        ),
        pytest.param(
            {"QUALIFIER_DATABASE_URL": " "}, "QUALIFIER_DATABASE_URL", "non-empty", id="empty-database"
        ),
        pytest.param(
            {"QUALIFIER_REDIS_URL": "localhost:6379"},
            "QUALIFIER_REDIS_URL",
            "redis://",
            id="redis-without-scheme",
        ),
        pytest.param(
            {"QUALIFIER_MAX_BODY_BYTES": "1MB"},
            "QUALIFIER_MAX_BODY_BYTES",
            "whole number",
            id="body-limit-with-unit",
        ),
        pytest.param(
            {"QUALIFIER_MAX_BODY_BYTES": "-5"},
            "QUALIFIER_MAX_BODY_BYTES",
            "whole number",
            id="negative-limit",
        ),
        pytest.param(
            {"QUALIFIER_MAX_BODY_BYTES": "10"}, "QUALIFIER_MAX_BODY_BYTES", "from 1024", id="limit-too-small"
        ),
        pytest.param({"QUALIFIER_MAX_ATTEMPTS": "0"}, "QUALIFIER_MAX_ATTEMPTS", "from 1", id="no-attempts"),
        pytest.param(
            {"QUALIFIER_POLICY_FILE": "/no/such/policy.toml"},
            "QUALIFIER_POLICY_FILE",
            "no such policy file",
            id="missing-policy",
        ),
        pytest.param(
            {"QUALIFIER_SECRET_TYPEFROM": "x"},
            "QUALIFIER_SECRET_TYPEFROM",
            "no source named 'typefrom'",
            id="misspelt-source",
        ),
    ],
)
def test_a_bad_value_names_its_variable(env, variable, says) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env, known_sources=SOURCES)

    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")
    assert says in str(raised.value)


def test_overrides_win_over_the_environment() -> None:
    settings = load_settings(
        {"QUALIFIER_API_TOKENS": "from-env"},
        {"API_TOKENS": ["from-test"], "SECRETS": {"generic": "g"}},
        SOURCES,
    )

    assert settings.api_tokens == ("from-test",)
    assert settings.webhook_secrets == {"generic": "g"}


def test_create_app_reads_the_environment(monkeypatch, database_url) -> None:
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", database_url)
    monkeypatch.setenv("QUALIFIER_API_TOKENS", "env-token")

    app = create_app()

    assert runtime_of(app).settings.api_tokens == ("env-token",)
    assert (
        app.test_client().get("/api/inquiries", headers={"Authorization": "Bearer env-token"}).status_code
        == 200
    )


def test_create_app_fails_at_start_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("QUALIFIER_MAX_BODY_BYTES", "lots")

    with pytest.raises(ConfigError, match="QUALIFIER_MAX_BODY_BYTES"):
        create_app()


def test_the_default_sqlite_database_lives_under_instance_in_the_working_directory(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)

    app = create_app({"POLICY": Policy()})
    app.test_client().get("/readyz")

    assert (tmp_path / "instance" / "qualifier.db").is_file()
    runtime_of(app).engine.dispose()


# Policy file ------------------------------------------------------------------------------------------


def test_the_example_policy_file_holds_the_built_in_defaults() -> None:
    example = load_policy(REPO / "qualifier.toml.example")
    defaults = Policy()

    for name in Policy.__dataclass_fields__:
        if name != "raw":
            assert getattr(example, name) == getattr(defaults, name), name


def test_without_a_policy_file_the_defaults_apply(tmp_path) -> None:
    assert policy_path(None, cwd=tmp_path) is None
    assert load_policy(None) == Policy()


def test_qualifier_toml_in_the_working_directory_is_read(tmp_path) -> None:
    (tmp_path / "qualifier.toml").write_text('[routing]\nblocked_domains = ["Spam.Example"]\n')

    policy = load_policy(policy_path(None, cwd=tmp_path))

    assert policy.blocked_domains == ("spam.example",)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("[scoring\nmql_threshold = 3", "not valid TOML", id="broken-toml"),
        pytest.param('[scoring]\nmql_threshold = "high"', "scoring.mql_threshold", id="wrong-type"),
        pytest.param("[scoring.events]\nfax_sent = 3", "scoring.events.fax_sent", id="unknown-event"),
        pytest.param('routing = "strict"', "routing", id="table-expected"),
    ],
)
def test_a_bad_policy_file_names_the_file_and_key(tmp_path, text, says) -> None:
    path = tmp_path / "qualifier.toml"
    path.write_text(text)

    with pytest.raises(PolicyFileError) as raised:
        load_policy(path)

    assert str(raised.value).startswith(f"{path}: ")
    assert says in str(raised.value)


def test_the_policy_file_variable_is_used_by_the_app(monkeypatch, tmp_path, database_url) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[routing]\nkey_account_domains = ["bigco.example"]\n')
    monkeypatch.setenv("QUALIFIER_POLICY_FILE", str(path))

    app = create_app({"DATABASE_URL": database_url})

    assert runtime_of(app).policy.key_account_domains == ("bigco.example",)
