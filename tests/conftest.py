"""Database fixtures shared by every test that needs storage.

``database`` runs a test twice: on a SQLite file of its own, and on
PostgreSQL. The PostgreSQL database is created and migrated once per test
session and emptied (``TRUNCATE … RESTART IDENTITY``) before each test, which
is ~30 times faster than ``CREATE DATABASE`` per test; ``database_url`` gives
a brand-new, empty database for tests of the migrations themselves.

Without a reachable PostgreSQL the ``postgres`` half is skipped locally and
fails under CI (``CI`` set), so CI never goes green without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from storage.db import Database, normalize_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_server_url() -> URL:
    """The URL of the PostgreSQL database tests create their own databases from."""
    url = normalize_url(os.environ.get("CAREBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        message = (
            f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)}: start it "
            "with `pg_ctlcluster 15 main start` or set CAREBOT_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} ({error.orig})")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@contextmanager
def _new_postgres_database(server_url: URL) -> Iterator[URL]:
    """Create an empty database on the server; drop it on exit."""
    name = f"carebot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server_url.set(database=name)
        with admin.connect() as connection:
            # FORCE: a test that failed mid-transaction may still hold a connection.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated_url(postgres_server_url: URL) -> Iterator[URL]:
    """A PostgreSQL database migrated to head, shared by the session's tests."""
    with _new_postgres_database(postgres_server_url) as url:
        database = Database(url)
        try:
            database.migrate()
        finally:
            database.dispose()
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on: ``sqlite`` or ``postgres``."""
    name: str = request.param
    return name


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[URL | str]:
    """The URL of a new, empty (unmigrated) database of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server_url: URL = request.getfixturevalue("postgres_server_url")
    with _new_postgres_database(server_url) as url:
        yield url


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database, once SQLite and once PostgreSQL; disposed after the test."""
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'carebot.db'}")
        db.migrate()
    else:
        db = Database(request.getfixturevalue("postgres_migrated_url"))
        _empty(db)
    try:
        yield db
    finally:
        db.dispose()


def _empty(database: Database) -> None:
    """Delete every row and restart the id sequences, as in a fresh database."""
    # DELETE, not TRUNCATE: on a handful of rows it is ~20 times faster.
    with database.engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
            if "id" in table.columns:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
                )


@pytest.fixture(scope="session")
def clinic() -> ClinicConfig:
    """The sample clinic shipped in ``examples/`` (Europe/Paris, French and English).

    A module that needs a variant (a staff group, staff members) overrides this
    fixture with :func:`tests.chat.with_staff`.
    """
    return load_clinic_file(DEFAULT_CLINIC_FILE)
