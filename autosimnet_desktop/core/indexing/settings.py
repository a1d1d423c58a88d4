"""The tuning knobs of an indexing run; the defaults suit a 2-core laptop (figures: docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autosimnet_desktop.core.images.decode import Preprocess


@dataclass(frozen=True)
class IndexSettings:
    """How an indexing run splits its work; see docs/performance.md for how each default was chosen."""

    batch_size: int = 128  # files per store/index batch and per cancel check
    chunk_size: int = 32  # files decoded by one thread, then encoded in one call: few, large hand-overs
    small_chunk_size: int = 128  # the small-file lane pays a few GIL hand-overs per chunk, so its chunks are big
    small_batch_size: int = 256  # each batch wakes two threads that take the GIL from the small-file lane
    max_chunk_bytes: int = 16 << 20  # a model with a bigger input gets smaller chunks, not more memory
    workers: int | None = None  # threads decoding big files; None: one per core
    encoders: int | None = None  # encoding threads; None: see encoding_threads()
    checkpoint_items: int = 20_000
    checkpoint_seconds: float = 30.0
    max_file_bytes: int = 256 << 20  # a bigger "image" is refused before it is read into memory
    # Only the relative paths this accepts are part of the catalogue (one shard of a huge folder); None: all.
    only: Callable[[str], bool] | None = None

    def encoding_threads(self, workers: int) -> int:
        """Threads that encode beside `workers` decoding threads: `encoders` if set, else two (one per four
        cores above eight, one on a single core): without int8 dot-product instructions one thread cannot
        keep up with decoding."""
        if self.encoders:
            return self.encoders
        return max(min(workers, 2), workers // 4)

    def chunk_sizes(self, spec: Preprocess) -> tuple[int, int]:
        """(big-file, small-file) chunk sizes for a model's input, each within `max_chunk_bytes`."""
        fit = max(1, self.max_chunk_bytes // input_bytes(spec))
        return min(self.chunk_size, fit), min(self.small_chunk_size, fit)

    def batch_limit(self, small: bool) -> int:
        """Files per batch: batches of small files only are bigger."""
        return self.small_batch_size if small else self.batch_size


def input_bytes(spec: Preprocess) -> int:
    """Bytes of one preprocessed image (float32, channels x size x size)."""
    return spec.channels * spec.size ** 2 * 4
