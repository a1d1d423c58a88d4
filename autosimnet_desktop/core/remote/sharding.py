"""Sharded indexing: which photos of a huge folder one of N indexing processes takes (the one rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import xxhash

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard `number` (1-based) of `count`."""

    number: int
    count: int

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"

    def holds(self, relpath: str) -> bool:
        """True if the photo at `relpath` (relative to the folder, `/` separators) belongs to this shard.

        A hash of the path, not of the content: a shard decides from the scan alone, before reading a file, and
        the same path stays in the same shard on every machine and every run. XXH64 is fixed here forever:
        another hash would move photos between shards."""
        digest = xxhash.xxh64_intdigest(relpath.encode("utf-8", "surrogateescape"))
        return digest % self.count == self.number - 1

    def data_root(self, catalogues_root: Path) -> Path:
        """Where this shard keeps its own catalogue (store, index, push state) under a data root."""
        return catalogues_root / "shards" / f"{self.number}-of-{self.count}"


def parse_shard(text: str) -> Shard:
    """'K/N' with 1 <= K <= N; ValueError with a readable message otherwise."""
    match = _SHARD.match(text)
    if not match:
        raise ValueError(f"a shard is written K/N, such as 2/8, not {text!r}")
    number, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= number <= count:
        raise ValueError(f"shard {text!r}: K must be between 1 and N")
    return Shard(number, count)
