"""The `qualifier` command line.

Commands are thin: each parses its options and calls one function of the
module that owns the work (`assistant.corpus` for qualify/evaluate/extract,
`assistant.serve` for serve, `assistant.db` for init-db).
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="inbound-qualifier")
def cli() -> None:
    """Qualify inbound inquiries: forms and chats in, routed leads with briefs out.

    \b
    Examples:
      qualifier init-db
      qualifier serve --port 8000
      qualifier extract "We need a CRM for 12 reps by end of Q3, budget 20k"
      qualifier qualify corpus.jsonl --out predictions.jsonl
      qualifier evaluate corpus.jsonl --by-tag
    """


def main() -> None:  # pragma: no cover - console entry
    cli()
