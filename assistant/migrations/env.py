"""Alembic environment: runs the migrations on the connection `assistant.db.upgrade` passes in.

Used programmatically (`qualifier init-db`, `qualifier serve`); there is no
alembic.ini. To write a new revision against a scratch database:
`python -m assistant.migrations.revision "message"`.
"""

from __future__ import annotations

from alembic import context

from assistant.models import Base, UTCDateTime


def render_item(kind: str, item: object, autogen_context: object) -> str | bool:
    """Write our UTC column type as the plain type it stores, so revisions don't import the models."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when misused from the alembic CLI
    raise RuntimeError("run migrations through `qualifier init-db`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
