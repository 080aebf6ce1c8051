"""Declarative base, naming convention and UTC helpers shared by every model."""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import islice

from sqlalchemy import DateTime, MetaData, TypeDecorator, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.schema import AddConstraint, DropConstraint

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, PostgreSQL's ``timestamptz`` does; this type gives
    the same aware ``datetime`` on both so comparisons never mix naive and aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # One registry carries both, because Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def configure_engine(engine) -> None:
    """SQLite: WAL, foreign keys and a busy timeout on every connection."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if not str(engine.url.database or "").startswith(":memory:") and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    engine.dispose()


def bulk_insert(session, table, rows: list[dict]) -> None:
    """Insert many rows at once, in the session's transaction.

    PostgreSQL gets COPY; SQLite one ``executemany`` straight on the driver. Both
    skip SQLAlchemy's per-row statement handling, which for 100,000 rows costs
    more than the database's own work (COPY: under a second; a multi-row INSERT
    through SQLAlchemy: several). Every row carries the same keys, and no column
    defaults are applied: give every value that is not nullable.
    """
    if not rows:
        return
    table = getattr(table, "__table__", table)
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    quote = dialect.identifier_preparer
    target = "{} ({})".format(quote.format_table(table), ", ".join(quote.quote(n) for n in names))
    if dialect.name == "postgresql":
        # COPY's text format, written a block at a time: much less work per row
        # than handing psycopg each row to convert.
        columns = [
            _convert_column(rows, name, table.c[name].type.bind_processor(dialect), _copy_text)
            for name in names
        ]
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            lines = map("\t".join, zip(*columns, strict=True))
            while block := list(islice(lines, 10_000)):
                copy.write("\n".join(block) + "\n")
    elif dialect.name == "sqlite":
        columns = [
            _convert_column(rows, name, table.c[name].type.bind_processor(dialect), None)
            for name in names
        ]
        marks = ", ".join("?" for _ in names)
        connection.exec_driver_sql(
            f"INSERT INTO {target} VALUES ({marks})",  # noqa: S608 — identifiers quoted above
            list(zip(*columns, strict=True)),
        )
    else:
        connection.execute(table.insert(), rows)


_MEMO_TYPES = (bool, int, str, date)


def _all_utc(values) -> bool:
    return all(isinstance(v, datetime) and v.tzinfo is UTC for v in values if v is not None)


def _convert_column(rows: list[dict], name: str, process, to_text) -> list:
    """One column's values through the column type's own conversion (UTC
    timestamps, JSON, booleans) and ``to_text``. A column whose values repeat
    (a timestamp, a department, a flag) converts each distinct value once."""
    values = [row[name] for row in rows]
    steps = [step for step in (process, to_text) if step is not None]
    if not steps:
        return values

    def convert(value):
        for step in steps:
            value = step(value)
        return value

    # Memoise only a column of one type whose equal values convert alike: not
    # True beside 1 or 1.0 beside 1, nor a local time whose twin an hour away
    # (fold) compares equal to it.
    kinds = set(map(type, values)) - {type(None)}
    if len(kinds) != 1 or kinds.pop() not in _MEMO_TYPES and not _all_utc(values):
        return list(map(convert, values))
    distinct = set(values)
    if len(distinct) * 2 > len(values):  # mostly unique: nothing to share
        return list(map(convert, values))
    converted = {value: convert(value) for value in distinct}
    return [converted[value] for value in values]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    return str(value).translate(_COPY_ESCAPES)


@contextmanager
def foreign_keys_checked_once(session, tables, *, lock_timeout_ms: int = 3000):
    """A bulk load into ``tables`` whose foreign keys are checked once at the
    end, over every row in one join, rather than row by row as they are
    written: on PostgreSQL the per-row checks of 100,000 rows cost more than
    writing them. The keys are dropped and added back inside the caller's
    transaction (PostgreSQL's DDL is transactional), so a failed load, or a row
    that breaks a key, rolls back with the rest and the schema never changes.

    While the load runs it holds the tables (and those they refer to) for
    itself; readers wait for it. If it cannot have them within
    ``lock_timeout_ms`` (a long report is reading them), it checks row by row
    instead rather than make everyone queue behind it; so it does when the
    app's database role may write the tables but does not own them. Elsewhere
    (SQLite) the keys stay as they are.
    """
    tables = [getattr(t, "__table__", t) for t in tables]
    keys = [fk for table in tables for fk in sorted(table.foreign_key_constraints, key=_name_of)]
    dropped = _drop_foreign_keys(session, tables, keys, lock_timeout_ms)
    yield
    for fk in dropped:
        session.execute(AddConstraint(fk))


def _name_of(constraint) -> str:
    return str(constraint.name)


# Why a load may not drop the keys, and checks row by row instead: the tables
# are busy (lock_not_available, deadlock_detected), or the database role the app
# runs as may write rows but does not own the tables (insufficient_privilege).
_CANNOT_DROP = ("55P03", "40P01", "42501")


def _drop_foreign_keys(session, tables, keys, lock_timeout_ms: int) -> list:
    """Drop ``keys`` under an exclusive lock on every table they involve; the
    keys dropped (none when the tables are busy or the database is not
    PostgreSQL)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or not keys:
        return []
    involved = {t.name: t for t in tables}
    involved |= {fk.referred_table.name: fk.referred_table for fk in keys}
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_table(involved[name]) for name in sorted(involved))
    set_lock_timeout = text("SELECT set_config('lock_timeout', :value, true)")
    previous = session.scalar(text("SELECT current_setting('lock_timeout')"))
    try:
        with session.begin_nested():
            session.execute(set_lock_timeout, {"value": f"{int(lock_timeout_ms)}ms"})
            session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
            for fk in keys:
                session.execute(DropConstraint(fk))
    except DBAPIError as error:
        # The savepoint is rolled back with its setting, and the keys stay in place.
        if getattr(error.orig, "sqlstate", None) not in _CANNOT_DROP:
            raise
        return []
    session.execute(set_lock_timeout, {"value": previous})
    return keys


def insert_ignore(session, table, rows: list[dict], index_elements: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    statement = dialect_insert(session, table).values(rows)
    session.execute(statement.on_conflict_do_nothing(index_elements=index_elements))


def upsert(session, table, rows: list[dict], index_elements: list[str], update: list[str]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of the ``update`` columns."""
    if not rows:
        return
    statement = dialect_insert(session, table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=index_elements,
        set_={name: statement.excluded[name] for name in update},
    )
    session.execute(statement)


def dialect_insert(session, table):
    """The dialect's ``insert()`` (with ``on_conflict_…``) for SQLite or PostgreSQL."""
    table = getattr(table, "__table__", table)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
