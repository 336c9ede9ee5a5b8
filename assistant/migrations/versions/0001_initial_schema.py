"""Initial schema: raw events, contacts and their stages, inquiries, qualifications,
briefs, deliveries, behaviour events.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-06 20:43:19.219920
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The models' BigId: SQLite autoincrements only INTEGER primary keys.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "behaviour_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_behaviour_events_email_at", "behaviour_events", ["email_key", "at"])

    op.create_table(
        "contacts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email_key"),
    )
    op.create_index("ix_contacts_domain", "contacts", ["domain"])

    op.create_table(
        "raw_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inquiry_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("dedup_sha256", sa.String(length=64), nullable=True),
        sa.Column("vendor_event_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_status", sa.Integer(), nullable=True),
        sa.Column("duplicate_of", sa.String(length=40), nullable=True),
        sa.Column("claim_token", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inquiry_id"),
        sa.UniqueConstraint("source", "dedup_sha256", name="uq_raw_events_dedup_sha256"),
        sa.UniqueConstraint("source", "idempotency_key", name="uq_raw_events_idempotency_key"),
        sa.UniqueConstraint("source", "vendor_event_id", name="uq_raw_events_vendor_event_id"),
    )
    op.create_index("ix_raw_events_body_sha256", "raw_events", ["body_sha256"])
    op.create_index("ix_raw_events_pending", "raw_events", ["status", "next_attempt_at"])

    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("raw_event_id", BIG_ID, nullable=True),
        sa.Column("contact_id", BIG_ID, nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("normalized", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["raw_event_id"], ["raw_events.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("raw_event_id"),
    )
    op.create_index("ix_inquiries_contact_id", "inquiries", ["contact_id"])
    op.create_index("ix_inquiries_received", "inquiries", ["received_at", "id"])
    op.create_index("ix_inquiries_route", "inquiries", ["route"])

    op.create_table(
        "briefs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inquiry_id", sa.String(length=40), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("slack", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inquiry_id"),
    )
    op.create_table(
        "contact_stages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("previous", sa.String(length=20), nullable=True),
        sa.Column("inquiry_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_stages_contact_id", "contact_stages", ["contact_id"])

    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inquiry_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_inquiry_id", "deliveries", ["inquiry_id"])

    op.create_table(
        "qualifications",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inquiry_id", sa.String(length=40), nullable=False),
        sa.Column("predicted", sa.JSON(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("redirect_to", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("analyzer_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_qualifications_inquiry_id", "qualifications", ["inquiry_id"])


def downgrade() -> None:
    op.drop_index("ix_qualifications_inquiry_id", table_name="qualifications")

    op.drop_table("qualifications")
    op.drop_index("ix_deliveries_inquiry_id", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")

    op.drop_table("deliveries")
    op.drop_index("ix_contact_stages_contact_id", table_name="contact_stages")

    op.drop_table("contact_stages")
    op.drop_table("briefs")
    op.drop_index("ix_inquiries_route", table_name="inquiries")
    op.drop_index("ix_inquiries_received", table_name="inquiries")
    op.drop_index("ix_inquiries_contact_id", table_name="inquiries")

    op.drop_table("inquiries")
    op.drop_index("ix_raw_events_pending", table_name="raw_events")
    op.drop_index("ix_raw_events_body_sha256", table_name="raw_events")

    op.drop_table("raw_events")
    op.drop_index("ix_contacts_domain", table_name="contacts")

    op.drop_table("contacts")
    op.drop_index("ix_behaviour_events_email_at", table_name="behaviour_events")

    op.drop_table("behaviour_events")
