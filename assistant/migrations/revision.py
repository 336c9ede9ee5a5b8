"""Write a new migration from the difference between the models and the newest revision.

Usage: `python -m assistant.migrations.revision "add deliveries payload"`.
It builds a scratch SQLite database at the current head in a temporary
folder and lets Alembic's autogenerate compare it with `assistant.models`;
review the file it writes before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from assistant.db import MIGRATIONS_DIR, make_engine, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        upgrade(engine)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=argv[0], autogenerate=True)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
