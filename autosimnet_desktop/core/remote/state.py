"""What a catalogue has pushed to one collection at one address: kept in the catalogue's data folder.

One SQLite file per (address, collection). A batch is recorded in one transaction only after Qdrant has
acknowledged it, so an interrupted push leaves a state that is true (perhaps behind, never ahead): the next push
sends again what was not recorded, and point ids are stable, so sending twice is harmless.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.records import StoreError

STATE_FOLDER = "remote"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pushed (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""


def state_path(data_dir: Path, address: str, collection: str) -> Path:
    """The state file of one (address, collection) in a catalogue's data folder."""
    key = hashlib.sha256(f"{address}\n{collection}".encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return data_dir / STATE_FOLDER / f"{key}.sqlite3"


class PushState:
    """The pushed photos (relative path -> payload fingerprint) and the collection generation they belong to."""

    def __init__(self, path: Path, address: str, collection: str) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
            raise StoreError(f"cannot open the push state {path}: {reason}") from None
        with self._transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             (("address", address), ("collection", collection)))

    @classmethod
    def open(cls, data_dir: Path, address: str, collection: str) -> PushState:
        """The state of `collection` at `address` kept in a catalogue's data folder (created if new)."""
        return cls(state_path(data_dir, address, collection), address, collection)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def generation(self) -> str | None:
        """The collection generation the recorded points were pushed to (None: nothing pushed yet)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return row[0] if row else None

    def bind(self, generation: str) -> bool:
        """Follow the collection's generation; a new one (the collection was made again) forgets every point.
        Returns True if the state was reset."""
        if self.generation() == generation:
            return False
        with self._transaction() as conn:
            conn.execute("DELETE FROM pushed")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
        return True

    def pushed(self) -> dict[str, str]:
        """Relative path -> fingerprint of every photo the collection holds from this catalogue."""
        return dict(self._conn.execute("SELECT path, fingerprint FROM pushed").fetchall())

    def record(self, rows: Iterable[tuple[str, str]]) -> None:
        """Remember an acknowledged batch of (path, fingerprint), all or nothing."""
        with self._transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO pushed VALUES (?, ?)", rows)

    def forget(self, paths: Iterable[str]) -> None:
        """Forget photos whose points were deleted (acknowledged), all or nothing."""
        with self._transaction() as conn:
            conn.executemany("DELETE FROM pushed WHERE path = ?", ((p,) for p in paths))

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def __enter__(self) -> PushState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
