"""Persistence for carebot: SQLModel tables, repositories, the unit of work and
Alembic migrations, on SQLite (default) or PostgreSQL.

Typical use::

    database = Database("sqlite:///carebot.db")
    database.migrate()
    with database.unit_of_work() as uow:
        result = uow.appointments.book(patient_id=1, slot=slot, actor="patient", now=now)
        uow.commit()
"""

from storage.db import Database, UnitOfWork
from storage.repositories import NotFoundError, SlotTaken

__all__ = ["Database", "NotFoundError", "SlotTaken", "UnitOfWork"]
