"""Chat inquiries keep their conversation id in a column of their own, indexed;
chat sessions record when a conversation left idle was handed over.

A chat delivery finds its conversation's inquiry by (source, conversation id)
(`assistant/conversations.py`). Reading the id out of each recent chat
inquiry's JSON meant a scan of a week of chats per delivery; the column and
index make it one index lookup. Existing chat inquiries are filled in from
their stored JSON.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 00:05:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("conversation_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("chat_sessions") as batch:
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_inquiries_conversation", "inquiries", ["source", "conversation_id", "received_at"], unique=False
    )
    connection = op.get_bind()
    inquiries = sa.table(
        "inquiries",
        sa.column("id", sa.String),
        sa.column("channel", sa.String),
        sa.column("normalized", sa.JSON),
        sa.column("conversation_id", sa.String),
    )
    rows = connection.execute(
        sa.select(inquiries.c.id, inquiries.c.normalized).where(inquiries.c.channel == "chat")
    ).all()
    for start in range(0, len(rows), BATCH):
        for inquiry_id, normalized in rows[start : start + BATCH]:
            document = json.loads(normalized) if isinstance(normalized, str) else (normalized or {})
            conversation_id = ((document.get("vendor") or {}).get("conversation_id") or "")[:200]
            if conversation_id:
                connection.execute(
                    sa.update(inquiries)
                    .where(inquiries.c.id == inquiry_id)
                    .values(conversation_id=conversation_id)
                )


def downgrade() -> None:
    with op.batch_alter_table("chat_sessions") as batch:
        batch.drop_column("submitted_at")
    op.drop_index("ix_inquiries_conversation", table_name="inquiries")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("conversation_id")
