"""The service's commands: init-db, normalize, serve (a real gunicorn on a free port), and their help."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from assistant import db
from assistant.cli import cli
from assistant.models import Base

from . import samples

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no qualifier.toml here: built-in policy
    return url


# init-db ---------------------------------------------------------------------------------------------


def test_init_db_creates_the_schema_and_is_idempotent(runner, sqlite_env) -> None:
    first = runner.invoke(cli, ["init-db"])
    second = runner.invoke(cli, ["init-db"])

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert f"revision {db.head_revision()}" in second.output
    engine = db.make_engine(sqlite_env)
    assert {
        "raw_events",
        "inquiries",
        "contacts",
        "contact_stages",
        "qualifications",
        "briefs",
        "deliveries",
        "behaviour_events",
        "alembic_version",
    } <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_migrations_create_exactly_the_models(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/drift.db")
    db.upgrade(engine)

    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )

    engine.dispose()
    assert differences == []


def test_upgrading_fills_in_the_conversation_id_of_existing_chat_inquiries(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with engine.begin() as connection:
        for inquiry_id, channel, conversation in (
            ("inq_chat", "chat", "conv-81"),
            ("inq_form", "form", None),
            ("inq_chat_without_id", "chat", None),
        ):
            normalized = {"message": "hello", "vendor": {"conversation_id": conversation}}
            connection.execute(
                text(
                    "INSERT INTO inquiries (id, source, channel, normalized, received_at, status) "
                    "VALUES (:id, 'crisp', :channel, :normalized, '2026-11-30 10:00:00', 'processed')"
                ),
                {"id": inquiry_id, "channel": channel, "normalized": json.dumps(normalized)},
            )

    db.upgrade(engine)

    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, conversation_id FROM inquiries")).all())
    engine.dispose()
    assert rows == {"inq_chat": "conv-81", "inq_form": None, "inq_chat_without_id": None}


def test_init_db_logs_each_migration_and_keeps_quiet_about_alembic_s_set_up(tmp_path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUALIFIER_")},
        "QUALIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/quiet.db",
        "QUALIFIER_LOG_FORMAT": "text",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from assistant.cli import cli; cli()", "init-db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    upgrades = [line for line in lines if "Running upgrade" in line]
    assert upgrades and all(
        re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ", line) for line in upgrades
    )
    assert not [line for line in lines if "setup plugin" in line]


def test_init_db_reports_a_bad_setting_by_name(runner, monkeypatch) -> None:
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", "oracle://nope")

    result = runner.invoke(cli, ["init-db"])

    assert result.exit_code == 1
    assert "QUALIFIER_DATABASE_URL" in result.output


# normalize --------------------------------------------------------------------------------------------


def test_normalize_prints_the_normalized_inquiry(runner, tmp_path) -> None:
    path = tmp_path / "form.json"
    path.write_bytes(samples.body(samples.form()))

    result = runner.invoke(cli, ["normalize", "generic", str(path)])

    assert result.exit_code == 0, result.output
    inquiry = json.loads(result.output)
    assert set(inquiry) >= {
        "source",
        "channel",
        "contact",
        "message",
        "transcript",
        "fields",
        "page_url",
        "submitted_at",
        "website",
        "country",
        "company_size",
        "vendor",
    }
    assert inquiry["contact"]["company"] == "Brightquay Freight"
    assert inquiry["country"] == "United Kingdom"


def test_normalize_reads_standard_input(runner) -> None:
    result = runner.invoke(cli, ["normalize", "generic", "-"], input=samples.body(samples.chat()))

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["channel"] == "chat"


@pytest.mark.parametrize(
    ("args", "content", "code", "says"),
    [
        pytest.param(
            ["normalize", "nosuch", "{file}"], b"{}", 2, "unknown source 'nosuch'", id="unknown-source"
        ),
        pytest.param(
            ["normalize", "generic", "{missing}"], None, 2, "missing.json': No such file", id="missing-file"
        ),
        pytest.param(["normalize", "generic"], None, 2, "Missing argument", id="no-file"),
        pytest.param(
            ["normalize", "generic", "{file}", "-H", "no-colon"],
            b"{}",
            2,
            "is not 'Name: value'",
            id="bad-header",
        ),
        pytest.param(
            ["normalize", "generic", "{file}"], b"{oops", 1, "body.json: malformed JSON", id="malformed-json"
        ),
        pytest.param(
            ["normalize", "generic", "{file}"],
            b'{"x": 1}',
            1,
            "body.json: body has neither",
            id="unexpected-shape",
        ),
    ],
)
def test_normalize_errors_name_the_problem_and_exit_non_zero(
    runner, tmp_path, args, content, code, says
) -> None:
    path = tmp_path / "body.json"
    if content is not None:
        path.write_bytes(content)
    argv = [a.format(file=path, missing=tmp_path / "missing.json") for a in args]

    result = runner.invoke(cli, argv)

    assert result.exit_code == code
    assert says in result.output


# help ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["init-db", "serve", "normalize"])
def test_every_service_command_has_help_with_examples(runner, command) -> None:
    result = runner.invoke(cli, [command, "--help"])

    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"qualifier {command}" in result.output


def test_serve_refuses_to_start_with_a_bad_setting(runner, monkeypatch) -> None:
    monkeypatch.setenv("QUALIFIER_MAX_BODY_BYTES", "big")

    result = runner.invoke(cli, ["serve", "--port", "1"])

    assert result.exit_code == 1
    assert "QUALIFIER_MAX_BODY_BYTES" in result.output


# serve: a real server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_serve_runs_gunicorn_workers_that_answer(tmp_path) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUALIFIER_")},
        "QUALIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/served.db",
        "QUALIFIER_API_TOKENS": "served-token",
        "PYTHONPATH": str(REPO),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from assistant.cli import cli; cli()",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    health = json.loads(answer.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert health == {"status": "ok"}, (
            server.stdout.read1().decode() if server.poll() is not None else "no answer"
        )

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/generic",
            data=samples.body(samples.form()),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 202
            ack = json.loads(answer.read())
        read = urllib.request.Request(ack["url"], headers={"Authorization": "Bearer served-token"})
        with urllib.request.urlopen(read, timeout=10) as answer:
            document = json.loads(answer.read())
        assert (ack["status"], document["status"]) == ("processed", "processed"), document["error"]
        if Path("/proc").is_dir():
            deadline = time.monotonic() + 10
            while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(_children(server.pid)) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output = server.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output = server.communicate()[0].decode()
    assert f"Serving on http://127.0.0.1:{port}/" in output
    assert "recovered 0 pending events" in output
