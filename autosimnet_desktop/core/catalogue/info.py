"""A summary of one catalogue, for `autosimnet info` and the GUI's status bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class CatalogueInfo:
    """A summary of one catalogue for `autosimnet info` and the GUI's status bar."""

    folder: Path
    data_dir: Path
    model_label: str
    model_sha256: str
    count: int  # searchable items
    failures: int  # unreadable files
    last_indexed: datetime | None
    index_bytes: int  # store + vector index on disk
    distance_scale: float  # s in similarity = exp(-(d / s)^2)
    scale_source: str  # "model" (its metadata) or "catalogue" (estimated from random pairs)
    note: str = ""  # e.g. "built with another model: the next index run re-encodes everything"
