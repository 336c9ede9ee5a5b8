"""Everything a user can call is documented (datasette-style): commands, sources, settings, policy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import forms
from assistant.cli import cli
from handoff.policy import Policy

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command):
    assert f"qualifier {command}" in README, f"README.md does not mention `qualifier {command}`"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command):
    help_text = cli.commands[command].help or ""
    assert help_text.strip(), f"`qualifier {command}` has no help"
    assert "qualifier " in help_text or "Example" in help_text, f"`qualifier {command} --help` shows no example"


@pytest.mark.parametrize("source", sorted(forms.ADAPTERS))
def test_every_source_has_set_up_steps(source):
    assert re.search(rf"^## {re.escape(source)}\b", SOURCES, re.M), f"docs/sources.md has no section for {source}"
    assert f"`{source}`" in README, f"README.md's source table does not list {source}"


def test_example_policy_file_loads():
    Policy.from_mapping(tomllib.loads((ROOT / "qualifier.toml.example").read_text(encoding="utf-8")))


def test_every_environment_variable_is_in_the_readme():
    from assistant.config import setting_keys

    for key in sorted(setting_keys() - {"POLICY", "SECRETS"}):
        assert f"QUALIFIER_{key}" in README, f"README.md's configuration table lacks QUALIFIER_{key}"
