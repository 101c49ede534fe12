"""The database: engine set-up for SQLite and PostgreSQL, migrations, and the
unit of work every caller goes through.

SQLite is the default for one clinic on one machine; PostgreSQL is for more
than one process. Both give the same guarantees here: one writer per
conversation at a time, and no double booking (see ``storage.models.SlotClaim``).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlmodel import Session

from storage.faq_questions import FaqQuestionRepository
from storage.repositories import (
    AppointmentRepository,
    AuditRepository,
    BlockRepository,
    ConsentRepository,
    ConversationRepository,
    HandoffRepository,
    InboundRepository,
    OutboxRepository,
    PatientRepository,
    TurnLogRepository,
    WaitlistRepository,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Execution option marking a SQLite engine whose transactions only read.
_READ_ONLY = "carebot_read_only"

_SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    # Wait for the writer ahead instead of failing with "database is locked".
    "PRAGMA busy_timeout=30000",
    # Safe with WAL (a power cut may lose the last commits, never corrupts).
    "PRAGMA synchronous=NORMAL",
)


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL, pointing every PostgreSQL spelling at the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    """Whether a SQLite URL names an in-memory database."""
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


class Database:
    """An engine plus the ways to use it: :meth:`migrate` and :meth:`unit_of_work`."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        """Create the engine for ``url`` (SQLite file or memory, or PostgreSQL)."""
        self.url = normalize_url(url)
        if self.url.get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(self.url, echo=echo)
        elif self.url.get_backend_name() == "postgresql":
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        else:
            raise ValueError(
                f"unsupported database {self.url.get_backend_name()!r}: use a sqlite:/// "
                "or postgresql:// URL"
            )
        # Same pool, different BEGIN: see unit_of_work(read_only=True).
        self._read_engine = self.engine.execution_options(
            **({"postgresql_readonly": True} if self.is_postgres else {_READ_ONLY: True})
        )

    @property
    def is_postgres(self) -> bool:
        """Whether this database is PostgreSQL (else SQLite)."""
        return self.engine.dialect.name == "postgresql"

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with Alembic (idempotent)."""
        with self.engine.begin() as connection:
            config = alembic_config()
            # env.py runs on this connection instead of opening its own, so an
            # in-memory SQLite database is migrated in place.
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; use it as a context manager and call ``commit()``.

        ``read_only=True`` is for pure reads (slot searches, listings): on SQLite
        it does not take the write lock, so it neither waits for nor delays
        writers; on PostgreSQL the transaction is READ ONLY. Do not write in it.
        """
        return UnitOfWork(self._read_engine if read_only else self.engine)

    def ping(self) -> None:
        """Run a trivial query; the driver's error if the database does not answer."""
        with self._read_engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration built in code (no ``alembic.ini`` needed at runtime)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        # ConfigParser interpolation would choke on a '%' in a password.
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    """A SQLite engine whose transactions start with ``BEGIN IMMEDIATE``."""
    memory = _is_sqlite_memory(url)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "echo": echo}
    if memory:
        # One shared connection, or every checkout would see a new empty database.
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # pysqlite would otherwise BEGIN lazily (DEFERRED) only before DML, so a
        # transaction that read first fails with "database is locked" when it
        # later tries to write. We take over BEGIN below instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: concurrent units of work
        # queue on busy_timeout instead of failing on a lock upgrade. Readers
        # need no lock in WAL mode, so a read-only unit of work begins DEFERRED.
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class UnitOfWork:
    """One transaction and the repositories working in it.

    Nothing is written unless :meth:`commit` is called; leaving the ``with``
    block on an exception or without committing rolls everything back.
    """

    session: Session
    patients: PatientRepository
    appointments: AppointmentRepository
    conversations: ConversationRepository
    inbound: InboundRepository
    outbox: OutboxRepository
    consents: ConsentRepository
    audit: AuditRepository
    turns: TurnLogRepository
    waitlist: WaitlistRepository
    handoffs: HandoffRepository
    blocks: BlockRepository

    def __init__(self, engine: Engine) -> None:
        """Prepare a unit of work on ``engine``; the session opens on ``__enter__``."""
        self._engine = engine

    def __enter__(self) -> UnitOfWork:
        # expire_on_commit=False: callers read the booked appointment after
        # commit (to tell the patient) without another round trip.
        self.session = Session(self._engine, expire_on_commit=False)
        session = self.session
        self.patients = PatientRepository(session)
        self.appointments = AppointmentRepository(session)
        self.waitlist = WaitlistRepository(session)
        self.handoffs = HandoffRepository(session)
        self.blocks = BlockRepository(session)
        self.conversations = ConversationRepository(session)
        self.inbound = InboundRepository(session)
        self.outbox = OutboxRepository(session)
        self.consents = ConsentRepository(session)
        self.audit = AuditRepository(session)
        self.turns = TurnLogRepository(session)
        self.faq_questions = FaqQuestionRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and returns the
        # connection to the pool.
        self.session.close()

    def commit(self) -> None:
        """Commit everything done so far; the unit of work stays usable."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything done since the last commit."""
        self.session.rollback()

    def flush(self) -> None:
        """Send pending changes to the database (to get ids) without committing."""
        self.session.flush()
