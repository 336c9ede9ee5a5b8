"""Database engine, sessions and schema upgrades.

SQLite (the default, one file under `instance/`) is opened in WAL mode with
foreign keys on and a busy timeout, and every transaction starts with
`BEGIN IMMEDIATE`: the service's transactions are short writes, and taking the
write lock up front is what lets several gunicorn workers share one file
without "database is locked" failures on lock upgrade (SQLAlchemy's documented
pysqlite recipe). Transactions known to only read start with `read_only()`
instead (a deferred BEGIN), so they do not wait for the write lock. PostgreSQL is `postgresql+psycopg://`.

A request gets one session (`get_session()`), closed at teardown. The schema
is Alembic's (`assistant/migrations/`); `upgrade(engine)` runs it to head and
is safe to run again.

The webhook path writes with `prepared()` statements: SQL text written once,
its parameters typed by the columns they fill. SQLAlchemy spends 100-300 us
building, caching and compiling each ORM flush or Core statement (50 us for a
prepared text, 2 us in the driver), and on SQLite all of it happens while the
write lock is held: the webhook path's two write transactions held the lock
7 ms per webhook with ORM statements, which capped one database file at about
140 webhooks a second whatever the number of processes; 2 ms with these
(two transactions of about 1 ms).
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_LOCK_FIRST_PAUSE = 0.0005  # seconds between tries for SQLite's write lock, doubling...
WRITE_LOCK_LAST_PAUSE = 0.002  # ...up to this
# A server connection unused for this long is checked before it is used again.
IDLE_PING_SECONDS = 5.0
READ_ONLY_OPTION = "qualifier_read_only"


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _server_engine(url)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            _begin_immediate(connection.connection.dbapi_connection)

    return engine


def _begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, tried again every 0.5-2 ms while another connection holds the write lock,
    for up to the busy timeout.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms... between tries, so a writer
    that found the lock taken twice waited 5 ms or more for a lock held about 1 ms: under load,
    most of a webhook's acknowledgement time. The transaction itself keeps the busy timeout."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        pause = WRITE_LOCK_FIRST_PAUSE
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, WRITE_LOCK_LAST_PAUSE)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _server_engine(url: str) -> Engine:
    """PostgreSQL: a pooled connection idle for `IDLE_PING_SECONDS` is pinged before use, and
    replaced when the ping fails (a database restart, a dropped idle connection). SQLAlchemy's
    `pool_pre_ping` pings at every checkout: one more round trip per webhook, which under load
    was 16% of a web process's time."""
    engine = create_engine(url)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", float("-inf")) < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool opens a new connection
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc
        if not alive:
            raise DisconnectionError("a pooled connection failed its ping")

    return engine


def read_only(session: Session) -> None:
    """Begin the session's next transaction as a reader: on SQLite a deferred BEGIN, which takes no
    write lock (WAL readers never wait for writers), so reads do not queue behind other processes'
    writes. Only for transactions that write nothing; a no-op inside a transaction already begun,
    and on other databases."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection(execution_options={READ_ONLY_OPTION: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def upgrade(engine: Engine) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision now in force."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def prepared(sql: str, table: Table, **types: TypeEngine[Any]) -> TextClause:
    """`sql` as a statement whose `:name` parameters are typed like `table`'s column of that name
    (or by `types`), so values are converted as the ORM converts them (UTC datetimes, JSON, bytes).
    Build it once, at import time; run it with `session.execute(statement, values)`."""
    columns = {column.name: column.type for column in table.columns}
    parameters = []
    for name in dict.fromkeys(_PARAMETER.findall(sql)):
        type_ = types.get(name, columns.get(name))
        if type_ is None:
            raise ValueError(f"parameter :{name} is neither a column of {table.name} nor typed")
        parameters.append(bindparam(name, type_=type_))
    return text(sql).bindparams(*parameters)


def ping(engine: Engine) -> None:
    """Raise when the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


# Flask wiring --------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The current request's session (opened on first use, closed at teardown)."""
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["qualifier"].sessions()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    from flask import g

    session = g.pop("db_session", None)
    if session is not None:
        session.close()
