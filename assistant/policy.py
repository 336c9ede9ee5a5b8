"""Read the routing policy from its TOML file into `handoff.policy.Policy`.

The file is `QUALIFIER_POLICY_FILE`, else `qualifier.toml` in the working
directory when there is one, else the built-in defaults
(`qualifier.toml.example` lists every key with its default). Parsing is the
standard library's `tomllib`; validation is `Policy.from_mapping`, which names
the bad key. Errors here add the file name, so a start-up failure reads
"qualifier.toml: scoring.mql_threshold: must be an integer".
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from handoff.policy import Policy, PolicyError

from .config import DEFAULT_POLICY_FILE


class PolicyFileError(ValueError):
    """The policy file cannot be read or holds a bad value; the message names file and key."""


def policy_path(configured: Path | None, cwd: Path | None = None) -> Path | None:
    """The file the policy comes from, or None for the built-in defaults."""
    if configured is not None:
        return configured
    candidate = (cwd or Path.cwd()) / DEFAULT_POLICY_FILE
    return candidate if candidate.is_file() else None


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read the policy file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Policy.from_mapping(document)
    except PolicyError as exc:
        raise PolicyFileError(f"{path}: {exc}") from None
