"""Planning an indexing run: what the scan and the store say must be encoded, refreshed, renamed or removed.

A pure function of the scan, the store's rows and a digest lookup, so each rule has its own test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autosimnet_desktop.core.files.reading import FileState
from autosimnet_desktop.core.storage.store import INDEXED, Item

# A file modified this close to the moment it was last read may have changed again within the same mtime
# tick ("racy" in git's terms): its size and mtime prove nothing, so its content is compared.
RACY_NS = 2_000_000_000

# relpaths -> {relpath: (content digest, state read)}, (None, None) for a file that cannot be read.
DigestLookup = Callable[[list[str]], Mapping[str, tuple[str | None, FileState | None]]]


@dataclass
class Plan:
    """What the comparison of the scan with the store decided."""

    todo: list[tuple[str, Item | None]]  # files to decode and encode, with their existing row, by path
    removed: list[Item]
    unchanged: int  # files left as they are, renamed ones included
    touched: list[tuple[Item, FileState]]  # same content, new mtime: refresh the row only
    renamed: list[tuple[Item, str, FileState]]  # a removed row whose content reappeared under a new path


def plan_run(files: Mapping[str, FileState], errors: Mapping[str, str], rows: Mapping[str, Item],
             digests: DigestLookup) -> Plan:
    """Compare the files found with the store's rows: new, changed, unchanged, removed and renamed files.

    `errors` are paths the scan could not use: their rows are neither removed nor re-encoded here.
    `digests` is asked only for files whose content must be compared (racy or touched files, and new files
    the size of a removed one)."""
    todo: list[tuple[str, Item | None]] = []
    suspects: list[tuple[str, Item]] = []
    unchanged = 0
    for relpath, state in files.items():
        row = rows.get(relpath)
        if row is None or row.status != INDEXED or row.size != state.size:
            todo.append((relpath, row))  # new, failed or pending before, or resized: always encoded
        elif row.mtime_ns != state.mtime_ns or state.mtime_ns >= row.checked_at * 1e9 - RACY_NS:
            suspects.append((relpath, row))
        else:
            unchanged += 1
    removed = [row for path, row in rows.items() if path not in files and path not in errors]
    removed_by_size: dict[int, list[Item]] = {}
    for row in removed:
        if row.status == INDEXED and row.digest:
            removed_by_size.setdefault(row.size, []).append(row)
    rename_candidates = [path for path, row in todo if row is None and files[path].size in removed_by_size]
    touched: list[tuple[Item, FileState]] = []
    renamed: list[tuple[Item, str, FileState]] = []
    checks = [path for path, _ in suspects] + rename_candidates
    if checks:
        found = digests(checks)
        for relpath, row in suspects:
            digest, read_as = found[relpath]
            if digest is not None and digest == row.digest and read_as is not None:
                touched.append((row, read_as))
                unchanged += 1
            else:
                todo.append((relpath, row))
        taken: set[int] = set()
        for relpath in rename_candidates:
            digest, read_as = found[relpath]
            match = next((r for r in removed_by_size[files[relpath].size]
                          if r.digest == digest and r.id not in taken), None)
            if match is not None and read_as is not None:
                taken.add(match.id)
                renamed.append((match, relpath, read_as))
        renamed_paths = {path for _, path, _ in renamed}
        todo = [(path, row) for path, row in todo if path not in renamed_paths]
        removed = [row for row in removed if row.id not in taken]
    todo.sort(key=lambda pair: pair[0])
    return Plan(todo, removed, unchanged + len(renamed), touched, renamed)
