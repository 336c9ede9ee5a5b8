"""Alembic migrations of the service's schema (see `assistant.db.upgrade`)."""
