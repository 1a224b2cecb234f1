"""Engines for SQLite and PostgreSQL, transactions with a bounded retry, and database errors as RegistryError.

SQLite runs in WAL mode with its own BEGIN: writes start with BEGIN IMMEDIATE so a writer holds the write
lock from its first statement (no lock upgrade that deadlocks), reads with a plain BEGIN that never blocks.
PostgreSQL runs in READ COMMITTED with row locks; lock waits and serialization failures are retried.

A write waits for locks ``LOCK_WAIT`` seconds in all, every retry included (each attempt at most
``LOCK_TIMEOUT``), and then fails DATABASE_BUSY (the API's 503 REGISTRY_BUSY): well inside the worker timeout
(30 s) even after the request's network budget (5 s) and CPU budget (2 s), so a locked database is answered,
never dropped by the server killing its worker.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from eds.issuing.registry.errors import ErrorCode, RegistryError

T = TypeVar("T")
_log = logging.getLogger(__name__)

LOCK_TIMEOUT = 5  # seconds one attempt of a write waits for a lock (SQLite's write lock, a PostgreSQL row)
LOCK_WAIT = 10  # seconds a write waits for locks in all, retries included, before DATABASE_BUSY
CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL, so that a dead server is reported quickly
_RETRIED_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def parse_url(url: str) -> URL:
    """The URL with ``postgresql://`` meaning psycopg 3 (the driver the project installs)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise RegistryError(ErrorCode.INVALID_INPUT, "not a database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise RegistryError(ErrorCode.INVALID_INPUT, f"unsupported database {parsed.get_backend_name()!r}")
    return parsed


def create(url: URL) -> Engine:
    """An engine; PostgreSQL's pooled connections are pinged before use, so a restarted server is picked up again."""
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={
            "connect_timeout": CONNECT_TIMEOUT, "options": f"-c lock_timeout={LOCK_TIMEOUT}s"})
    memory = url.database in (None, "", ":memory:")
    if not memory:
        try:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise RegistryError(ErrorCode.DATABASE_UNAVAILABLE, "cannot create the registry database's folder") from None
    # No ping before each use: a SQLite connection is an open file, with no server that could have gone away.
    engine = create_engine(url, connect_args={"timeout": LOCK_TIMEOUT}, **({"poolclass": StaticPool} if memory else {}))

    @event.listens_for(engine, "connect")
    def _connect(connection: sqlite3.Connection, _record: Any) -> None:
        connection.isolation_level = None  # we send BEGIN ourselves
        connection.execute("PRAGMA foreign_keys = ON")
        if not memory:
            connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("write"):
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(options.get('lock_wait', LOCK_TIMEOUT) * 1000)}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _retryable(error: DBAPIError) -> bool:
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original) or "busy" in str(original)
    return getattr(original, "sqlstate", None) in _RETRIED_SQLSTATES


def translate(error: SQLAlchemyError) -> RegistryError:
    """A database failure as a RegistryError whose message names no table, column or statement."""
    if isinstance(error, IntegrityError):
        return RegistryError(ErrorCode.CONFLICT, "the record conflicts with one already in the registry")
    _log.warning("registry database failure: %s", error)  # the details go to the operator's log only
    if isinstance(error, DBAPIError) and _retryable(error):
        return RegistryError(ErrorCode.DATABASE_BUSY, "the registry is busy; try again")
    return RegistryError(ErrorCode.DATABASE_UNAVAILABLE, "the registry database cannot be reached or failed")


class Database:
    """Sessions for reads and for writes; a write that meets a lock or serialization conflict is run again."""

    def __init__(self, engine: Engine, *, attempts: int = 6) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.attempts = attempts
        self.on_commit: list[Callable[[dict[str, Any]], None]] = []
        """Called with the committed session's ``info`` after each write (the journal puts its seq there)."""
        self._writer = engine.execution_options(write=True)
        # verify_journal reads many tables: on PostgreSQL it must see them all at one moment.
        self._snapshot = (engine.execution_options(isolation_level="REPEATABLE READ")
                          if self.dialect == "postgresql" else engine)

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction and commit; exceptions from ``work`` roll it back and pass through.

        ``work`` may run more than once (after a lock or serialization conflict), so it must only touch the
        session and values it can compute again. Lock waits end after ``LOCK_WAIT`` seconds in all.
        """
        attempt = 1
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            wait = min(LOCK_TIMEOUT, max(0.001, deadline - time.monotonic()))
            try:
                with Session(self._writer.execution_options(lock_wait=wait), expire_on_commit=False) as session, \
                        session.begin():
                    result = work(session)
            except DBAPIError as error:
                # PostgreSQL waits LOCK_TIMEOUT per statement: no attempt starts that could end past the deadline
                left = deadline - time.monotonic() - (LOCK_TIMEOUT if self.dialect == "postgresql" else 0)
                if attempt >= self.attempts or not _retryable(error) or left <= 0:
                    raise translate(error) from None
            except SQLAlchemyError as error:
                raise translate(error) from None
            else:
                for listener in self.on_commit:
                    listener(session.info)
                return result
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))
            attempt += 1

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A session in a read transaction; database failures come out as RegistryError."""
        try:
            with Session(self._snapshot if snapshot else self.engine) as session, session.begin():
                yield session
        except SQLAlchemyError as error:
            raise translate(error) from None
