"""Alembic environment for carebot.

``storage.db.Database.migrate()`` passes its own connection in
``config.attributes["connection"]``; the command line
(``alembic -c storage/alembic.ini …``) builds one from ``CAREBOT_DATABASE_URL``.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.types import UTCDateTime

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy ones, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, AutoString):
        return "sa.String()"
    return False


def configure(connection: Connection) -> None:
    """Point Alembic at a connection with our settings."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    """Run migrations on the given connection, or on one opened from the URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from storage.db import Database  # here: storage.db imports this package's siblings

    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "CAREBOT_DATABASE_URL", "sqlite:///carebot.db"
    )
    database = Database(url)
    try:
        with database.engine.begin() as own:
            configure(own)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    raise SystemExit("carebot migrations run online only: give a database URL")
run_migrations_online()
