"""The catalogue store: one SQLite file recording every file's id, path, size, mtime, digest, status and error.

Row ids are the labels of the vectors in the HNSW index. One connection is shared by all threads under a
lock, so a query thread sees the rows the indexing thread has written in its still-open checkpoint
transaction (and so sees the items indexed so far). Other processes see committed checkpoints only (WAL).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autosimnet_desktop.core.records import Failure, StoreError

SCHEMA_VERSION = 2  # 2: products (items.product, shop_products)
INDEXED, FAILED, PENDING = "indexed", "failed", "pending"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a label in an older index file stays unambiguous
    path TEXT NOT NULL UNIQUE,             -- relative to the catalogue folder, '/' separators
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT,                           -- XXH3-128 of the file's bytes when it was read
    status TEXT NOT NULL CHECK (status IN ('indexed', 'failed', 'pending')),
    error TEXT,
    checked_at REAL NOT NULL,              -- when the file was last read (seconds since the epoch)
    product TEXT                           -- the product id the photo belongs to (refreshed after each run)
);
CREATE INDEX IF NOT EXISTS items_status ON items(status);
CREATE TABLE IF NOT EXISTS shop_products (  -- the shop's product file as last read (core.products.shopfile)
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    url TEXT NOT NULL,
    images TEXT NOT NULL,                  -- image references, one per line
    line INTEGER NOT NULL
);
"""
ShopRow = tuple[str, str, str, str, tuple[str, ...], int]  # id, name, category, url, image references, line


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older store's tables to this version; safe to run again if a crash interrupted it."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(items)")}
    if columns and "product" not in columns:  # version 1: everything it holds stays valid, products are added
        conn.execute("ALTER TABLE items ADD COLUMN product TEXT")


@dataclass(frozen=True)
class Item:
    """One row of the store."""

    id: int
    path: str
    size: int
    mtime_ns: int
    digest: str | None
    status: str
    error: str | None
    checked_at: float


class Store:
    """SQLite catalogue store with a schema version, WAL journal and explicit checkpoint transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.note = ""  # set when an unusable store was replaced, for the index report
        self._lock = threading.RLock()
        self._changes = 0  # bumped by every write to the rows, so derived views know when to recompute
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = self._connect()
        except sqlite3.OperationalError as exc:  # locked, read-only, no space: not damage, say so
            raise StoreError(f"cannot open the catalogue store {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            # A damaged store holds nothing that re-indexing cannot rebuild: keep it aside and start afresh.
            aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").replace(f"{aside}{suffix}")
            self.note = f"the catalogue store was damaged ({exc}); it was moved aside and rebuilt"
            try:
                self._conn = self._connect()
            except sqlite3.DatabaseError as again:
                raise StoreError(f"cannot open the catalogue store {path}: {again}") from again

    def _connect(self) -> sqlite3.Connection:
        """Open (or create) the database and bring its schema to SCHEMA_VERSION."""
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is a checkpoint the index file already matches; it must survive a power cut.
            conn.execute("PRAGMA synchronous=FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"the catalogue store {self.path} was written by a newer version of the app")
            if version:
                _migrate(conn)
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("SELECT count(*) FROM items").fetchone()  # fail now, not later, on a damaged file
        except BaseException:
            conn.close()
            raise
        return conn

    # -- transactions -------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start a checkpoint transaction (no-op if one is open)."""
        with self._cursor() as conn:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the open checkpoint transaction, if any."""
        with self._cursor() as conn:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def rollback(self) -> None:
        """Drop the open transaction's changes, if any."""
        with self._writing() as conn:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def close(self) -> None:
        """Commit what is pending and close the connection."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self.commit()
            self._conn.close()

    @property
    def changes(self) -> int:
        """A number that changes whenever the rows may have changed (writes and rollbacks)."""
        return self._changes

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """_cursor() for a statement that changes rows."""
        with self._cursor() as conn:
            self._changes += 1
            yield conn

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[sqlite3.Connection]:
        """The connection under the lock, with SQLite errors turned into StoreError."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"catalogue store error: {exc}") from exc

    # -- meta ---------------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value of the meta table."""
        with self._cursor() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, **values: str | float | int | None) -> None:
        """Set (or, with None, delete) meta values."""
        with self._cursor() as conn:
            for key, value in values.items():
                if value is None:
                    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(value)))

    # -- items --------------------------------------------------------------------------------------

    def items(self) -> dict[str, Item]:
        """Every row, by path."""
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT id, path, size, mtime_ns, digest, status, error, checked_at FROM items").fetchall()
        return {row[1]: Item(*row) for row in rows}

    def add(self, path: str, size: int, mtime_ns: int, digest: str | None, status: str,
            error: str | None = None, checked_at: float | None = None) -> int:
        """Insert a row; returns its id (the vector's label)."""
        with self._writing() as conn:
            cur = conn.execute(
                "INSERT INTO items(path, size, mtime_ns, digest, status, error, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (path, size, mtime_ns, digest, status, error, checked_at or time.time()))
        return int(cur.lastrowid or 0)

    def add_indexed(self, rows: list[tuple[str, int, int, str | None]], checked_at: float) -> list[int]:
        """Insert indexed rows (path, size, mtime_ns, digest) in one statement; returns their ids in order.

        One multi-row INSERT per batch instead of one per photo (or an executemany, which steps SQLite once
        per row): each step lets go of the GIL and has to win it back from the thread decoding thumbnails,
        which loses the time of every hand-over. Ids are consecutive: the store's lock keeps this process's
        other writers out, the open transaction other processes', and AUTOINCREMENT gives each row the next id."""
        if not rows:
            return []
        values = f"(?, ?, ?, ?, '{INDEXED}', NULL, {float(checked_at)!r})"
        with self._writing() as conn:
            if not conn.in_transaction:  # outside one, another process could insert between the statements
                raise StoreError("add_indexed needs an open transaction (Store.begin)")
            last = 0
            for start in range(0, len(rows), 200):  # one statement per 200 rows: SQLite steps it in one call
                part = rows[start:start + 200]
                cursor = conn.execute("INSERT INTO items(path, size, mtime_ns, digest, status, error, checked_at) "
                                      "VALUES " + ", ".join([values] * len(part)), [v for row in part for v in row])
                last = int(cursor.lastrowid or 0)  # the last row's id, with no statement to step
        return list(range(last - len(rows) + 1, last + 1))

    def update(self, item_id: int, *, path: str | None = None, size: int | None = None,
               mtime_ns: int | None = None, digest: str | None = None, status: str | None = None,
               error: str | None = None, checked_at: float | None = None) -> None:
        """Change a row; `error` is always written (None clears it), other None arguments keep their value."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE items SET path = coalesce(?, path), size = coalesce(?, size), "
                "mtime_ns = coalesce(?, mtime_ns), digest = coalesce(?, digest), status = coalesce(?, status), "
                "error = ?, checked_at = coalesce(?, checked_at) WHERE id = ?",
                (path, size, mtime_ns, digest, status, error, checked_at, item_id))

    def delete(self, ids: Iterable[int]) -> None:
        """Remove rows."""
        with self._writing() as conn:
            conn.executemany("DELETE FROM items WHERE id = ?", ((int(i),) for i in ids))

    def set_status(self, ids: Iterable[int], status: str) -> None:
        """Set the status of many rows."""
        with self._writing() as conn:
            conn.executemany("UPDATE items SET status = ? WHERE id = ?", ((status, int(i)) for i in ids))

    def mark_all_pending(self) -> None:
        """Every indexed row needs encoding again (the model changed)."""
        with self._writing() as conn:
            conn.execute("UPDATE items SET status = ? WHERE status = ?", (PENDING, INDEXED))

    def paths(self, ids: Iterable[int]) -> dict[int, str]:
        """Paths of indexed rows by id (ids without an indexed row are left out)."""
        wanted = [int(i) for i in ids]
        found: dict[int, str] = {}
        with self._cursor() as conn:
            for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(conn.execute(
                    f"SELECT id, path FROM items WHERE status = '{INDEXED}' AND id IN ({marks})", chunk).fetchall())
        return found

    def id_of(self, path: str) -> int | None:
        """The id of an indexed row by path, or None."""
        with self._cursor() as conn:
            row = conn.execute("SELECT id FROM items WHERE path = ? AND status = ?", (path, INDEXED)).fetchone()
        return int(row[0]) if row else None

    def indexed(self) -> dict[int, str]:
        """Every indexed row: id -> path."""
        with self._cursor() as conn:
            return dict(conn.execute("SELECT id, path FROM items WHERE status = ? ORDER BY path", (INDEXED,)))

    def count(self, status: str = INDEXED) -> int:
        """Number of rows with `status`."""
        with self._cursor() as conn:
            return int(conn.execute("SELECT count(*) FROM items WHERE status = ?", (status,)).fetchone()[0])

    def failures(self) -> list[Failure]:
        """Files that could not be indexed, with their reasons, by path."""
        with self._cursor() as conn:
            rows = conn.execute("SELECT path, error FROM items WHERE status = ? ORDER BY path", (FAILED,))
            return [Failure(path, error or "unknown error") for path, error in rows]

    # -- products -----------------------------------------------------------------------------------

    def photos(self) -> list[tuple[int, str, int, str | None]]:
        """Every indexed row as (id, path, mtime_ns, product), by path."""
        with self._cursor() as conn:
            return conn.execute("SELECT id, path, mtime_ns, product FROM items WHERE status = ? ORDER BY path",
                                (INDEXED,)).fetchall()

    def set_products(self, products: dict[int, str]) -> None:
        """Record the product of rows (id -> product id); rows left out keep theirs."""
        with self._cursor() as conn:
            conn.executemany("UPDATE items SET product = ? WHERE id = ? AND product IS NOT ?",
                             ((pid, int(i), pid) for i, pid in products.items()))

    def shop_rows(self) -> list[ShopRow]:
        """The stored product file's products, in file order."""
        with self._cursor() as conn:
            rows = conn.execute("SELECT id, name, category, url, images, line FROM shop_products ORDER BY line")
            return [(r[0], r[1], r[2], r[3], tuple(x for x in r[4].split("\n") if x), r[5]) for r in rows]

    def replace_shop_rows(self, rows: list[ShopRow]) -> None:
        """Replace the stored product file (an empty list forgets it)."""
        with self._cursor() as conn:
            conn.execute("DELETE FROM shop_products")
            conn.executemany("INSERT INTO shop_products(id, name, category, url, images, line) VALUES (?, ?, ?, ?, ?, ?)",
                             ((r[0], r[1], r[2], r[3], "\n".join(r[4]), r[5]) for r in rows))

    def disk_bytes(self) -> int:
        """Bytes the store's files take on disk."""
        return sum(Path(f"{self.path}{s}").stat().st_size for s in ("", "-wal")
                   if Path(f"{self.path}{s}").exists())
