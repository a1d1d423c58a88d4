"""Incremental indexing: scan, compare with the store, decode in parallel, encode in batches, checkpoint.

Crash safety rests on one ordering: at a checkpoint the vector index is saved (atomically) *before* the
store's transaction commits. Whatever moment a crash hits, the next open finds an index that is a superset
of what the store calls indexed; `VectorIndex.load` deletes the extra labels and the store's rows that the
index lacks are encoded again. Nothing saved is ever corrupted; at most the work since the last checkpoint
is redone.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import xxhash

from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.images.decode import READ_FLAGS, ImageError, Preprocess, check_file_stat, load_for_model
from autosimnet_desktop.core.records import CancelToken, Cancelled, IndexReport, Progress, ProgressCallback
from autosimnet_desktop.core.files.scanner import FileState, ScanResult, os_error_reason, scan
from autosimnet_desktop.core.storage.store import FAILED, INDEXED, PENDING, Item, Store
from autosimnet_desktop.core.storage.vector_index import VectorIndex

# A file modified this close to the moment it was read may have changed again within the same mtime tick
# ("racy" in git's terms): its size and mtime prove nothing, so its content is compared next time.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class IndexSettings:
    """Tuning knobs of an indexing run; the defaults suit a 2-core laptop."""

    batch_size: int = 128  # images per store/index batch and per cancel check (see small_batch_size)
    # Files per chunk, decoded by one thread and then encoded in one batch: fewer, larger tasks keep thread
    # hand-overs small. Measured: 32 indexed 60x80 photos 7% faster than 16, 1200x1600 photos equally fast.
    chunk_size: int = 32
    # Chunks of the small-file lane (see SMALL_FILE_BYTES), where each chunk costs the lane a few hand-overs
    # of the GIL to the other threads. Measured at 60x80 with alternating pairs in one process: chunks of 64
    # (and batches of 128) beat 32 (and 64) in 11 of 12 pairs (+2.5%); chunks of 128 (and batches of 256) beat
    # 64 (and 128) in 10 of 14 pairs and in 11 of 14 (+0.6 and +1.5 points of the ratio to decode-only). Big
    # files keep chunks of 32, so the pool's threads finish their last chunks together.
    small_chunk_size: int = 128
    # Batches of small files: the main and recording threads wake once per batch, each time taking the GIL
    # from the lane. 256 against 128 with chunks of 128: +1.1 points at 60x80 (won 11 of 14). Big files keep
    # batches of 128: with 256 the paper model lost 1.2 points at 1200x1600 (won 2 of 10).
    small_batch_size: int = 256
    # A chunk's decoded batch stays under this size: a model with a bigger input gets smaller chunks (the
    # shipped 64x64 models need 48 KB an image, so 341 would fit; a 224x224 RGB model gets chunks of 27).
    max_chunk_bytes: int = 16 << 20
    workers: int | None = None  # threads decoding big files; None: one per core
    encoders: int | None = None  # encoding threads; None: see encoding_threads()
    checkpoint_items: int = 20_000
    checkpoint_seconds: float = 30.0
    max_file_bytes: int = 256 << 20  # a bigger "image" is refused before it is read into memory

    def encoding_threads(self, workers: int) -> int:
        """Threads that encode beside `workers` decoding threads: `encoders` if set, else two (one per four cores
        on a machine with more than eight, one on a single core).

        On a CPU with int8 dot-product instructions (AVX-512 VNNI) one encoding thread embeds ~9,000 thumbnails a
        second and keeps up with any decoding; on one without them (measured on an AMD EPYC Zen 1 at 2 GHz) it
        embeds 650, a third of what the small-file lane decodes, and with a single encoding thread indexing used
        1.4 of 2 cores. A second one takes the time the lane leaves while it waits for a free slot: there, 60x80
        photos indexed 42% faster and 1200x1600 ones 8% (docs/performance.md, change 16)."""
        if self.encoders:
            return self.encoders
        return max(min(workers, 2), workers // 4)

    def chunk_sizes(self, spec: Preprocess) -> tuple[int, int]:
        """(big-file, small-file) chunk sizes for a model's input, each within `max_chunk_bytes`."""
        fit = max(1, self.max_chunk_bytes // input_bytes(spec))
        return min(self.chunk_size, fit), min(self.small_chunk_size, fit)


def input_bytes(spec: Preprocess) -> int:
    """Bytes of one preprocessed image (float32, channels x size x size)."""
    return spec.channels * spec.size ** 2 * 4


@dataclass
class Decoded:
    """What decoding made of one file: an encoder input or an error, and the file state it actually read.

    The encoding thread then embeds the chunk and replaces `array` by the embedding in `vector`."""

    relpath: str
    array: np.ndarray | None
    state: FileState | None
    digest: str | None
    error: str | None
    vector: np.ndarray | None = None


def digest_bytes(data: bytes) -> str:
    """Content digest stored per file (detects changes size and mtime cannot, and renames).

    XXH3-128: not cryptographic (nothing here is adversarial: a collision needs the same size too), and
    at ~10 GB/s it costs 0.002 ms for a 150 KB photo where blake2b took 0.11 ms, 5% of decoding it."""
    return xxhash.xxh3_128_hexdigest(data)


def _read_to_end(fd: int, size: int) -> bytes:
    """Read an open file to its end: one system call when it still has the `size` bytes it had.

    Asking for one byte more shows a file that grew; a short read (a file that shrank, or a file
    system that reads in pieces) goes on to the end. The caller compares the result with fstat.
    (A buffered file object would make 8 more system calls per file, each a hand-over of the GIL.)"""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    parts = [data]
    while data:
        data = os.read(fd, 1 << 20)
        parts.append(data)
    return b"".join(parts)


def read_file(path: Path, max_bytes: int) -> tuple[bytes, FileState]:
    """Read a regular file whole, refusing pipes/devices and files that change while being read."""
    for _attempt in range(2):
        fd = os.open(path, READ_FLAGS)
        try:
            before = os.fstat(fd)
            check_file_stat(before)
            if before.st_size > max_bytes:
                raise ImageError(f"file too large ({before.st_size / 2**20:.0f} MB)")
            data = _read_to_end(fd, before.st_size)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        state = FileState(size=after.st_size, mtime_ns=after.st_mtime_ns)
        if (before.st_size, before.st_mtime_ns) == (state.size, state.mtime_ns) and len(data) == state.size:
            return data, state
    raise ImageError("file kept changing while it was read (still being copied?)")


# Reading and decoding a thumbnail-sized file is mostly Python (a few system calls, header parsing, a dozen
# Pillow calls) run under the GIL: two threads decoding thumbnails at once hand the GIL to each other and go
# no faster than one. So small files are decoded on one thread of their own, the small-file lane, while
# another thread encodes; a bigger file's decoding is mostly C that releases the GIL, so big files are decoded
# by a pool of one thread per core. Measured in the pipeline, the lane against the pool for every file: +10%
# at 90x120 (2.9 KB), +3% at 120x160 (4.1 KB), -3% at 150x200 (5.5 KB), -24% at 225x300 (9.7 KB).
SMALL_FILE_BYTES = 4096


# The lane sets the pace of a thumbnail catalogue; the encoding and recording threads may fall a few chunks
# behind without slowing the run. When more threads are ready to run than there are cores, the scheduler
# shares a core evenly, and the lane lost ~10% of its time waiting for one. So those two threads run at a
# lower priority: the lane keeps its core, and indexing also leaves more room to the rest of the desktop.
# Measured at 60x80 with alternating runs: 86.6% of decode-only at nice +5 against 85.5% (medians of 10 pairs);
# in another 12 pairs the median of the paired differences was +1.8 points (nice won 8). Big photos: even.
HELPER_NICENESS = 5


def lower_thread_priority() -> None:
    """Lower the calling thread's priority by HELPER_NICENESS and make it a batch thread (a pool's initializer).

    A SCHED_BATCH thread does not preempt a running thread when it wakes up (the encoding thread wakes for
    every chunk, the recording thread for every batch): with it the pipeline reached 85.6% of decode-only
    against 84.6% with the nice value alone (12 alternating pairs at 60x80, won 9, +1.7% img/s).
    Only on Linux, where the nice value and the policy belong to each thread (elsewhere `setpriority` would
    change the whole process, or another one). Neither needs a privilege; failing to is harmless."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + HELPER_NICENESS))
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(thread, os.SCHED_BATCH, os.sched_param(0))


def decode_file(folder: Path, relpath: str, spec: Preprocess, max_bytes: int,
                out: np.ndarray | None = None) -> Decoded:
    """Read, digest and preprocess one catalogue file (into `out`, if given); never raises for a bad file."""
    try:
        data, state = read_file(folder / relpath, max_bytes)
        digest = digest_bytes(data)
    except ImageError as exc:
        return Decoded(relpath, None, None, None, str(exc))
    except OSError as exc:
        return Decoded(relpath, None, None, None, os_error_reason(exc))
    try:
        array = load_for_model(data, spec, out)
    except ImageError as exc:
        return Decoded(relpath, None, state, digest, str(exc))
    except MemoryError:
        return Decoded(relpath, None, state, digest, "image too large for the available memory")
    except Exception as exc:  # noqa: BLE001 - a Pillow plugin bug on one odd file must not stop the run
        return Decoded(relpath, None, state, digest, f"cannot decode image ({type(exc).__name__}: {exc})")
    return Decoded(relpath, array, state, digest, None)


def plan_chunks(sizes: list[int], chunk_size: int, small_chunk_size: int | None = None) -> list[tuple[bool, list[int]]]:
    """Group file positions into chunks: (small, positions), small and big files apart.

    `sizes` are the files' sizes from the scan; big files go `chunk_size` to a chunk, small ones
    `small_chunk_size` (by default the same). Chunks come in the order of their first file, so a folder
    that mixes thumbnails and photos keeps the small-file lane and the pool busy at the same time."""
    small_size = small_chunk_size or chunk_size
    small = [i for i, size in enumerate(sizes) if size <= SMALL_FILE_BYTES]
    big = [i for i, size in enumerate(sizes) if size > SMALL_FILE_BYTES]
    chunks = [(True, small[i:i + small_size]) for i in range(0, len(small), small_size)]
    chunks += [(False, big[i:i + chunk_size]) for i in range(0, len(big), chunk_size)]
    chunks.sort(key=lambda chunk: chunk[1][0])
    return chunks


@dataclass
class Chunk:
    """Decoded files and the encoder batch they were decoded into (a bad file's row is left unused).

    The encoding thread drops `batch` once it is embedded: chunks waiting for the main thread keep
    only their vectors."""

    files: list[Decoded]
    batch: np.ndarray | None


class InFlight(NamedTuple):
    """A chunk between the main thread's hands: decoding, then encoding (each a future)."""

    decoding: Future[Chunk]
    encoded: Future[list[Decoded]]
    count: int  # files in the chunk
    small: bool  # small files, decoded on the lane


def decode_chunk(folder: Path, relpaths: list[str], spec: Preprocess, max_bytes: int) -> Chunk:
    """Decode files straight into one batch for the encoder (no copy for the encoding thread to make)."""
    batch = np.empty((len(relpaths), spec.channels, spec.size, spec.size), np.float32)
    return Chunk([decode_file(folder, relpath, spec, max_bytes, batch[row]) for row, relpath in enumerate(relpaths)],
                 batch)


def digest_file(folder: Path, relpath: str, max_bytes: int) -> tuple[str, str | None, FileState | None]:
    """(relpath, digest or None, state) for a content comparison; None when the file cannot be read."""
    try:
        data, state = read_file(folder / relpath, max_bytes)
    except (ImageError, OSError):
        return relpath, None, None
    return relpath, digest_bytes(data), state


@dataclass
class _Plan:
    """What the comparison of the scan with the store decided."""

    todo: list[tuple[str, Item | None]]  # files to decode and encode, with their existing row
    removed: list[Item]
    unchanged: int
    touched: list[tuple[Item, FileState]]  # same content, new mtime: refresh the row only
    renamed: list[tuple[Item, str, FileState]]  # a removed row whose file reappeared under a new path


class Indexer:
    """One incremental indexing run over a folder, writing to a store and a vector index."""

    def __init__(self, folder: Path, store: Store, index: VectorIndex, index_path: Path, encoder: Encoder,
                 settings: IndexSettings | None = None) -> None:
        self.folder = folder
        self.store = store
        self.index = index
        self.index_path = index_path
        self.encoder = encoder
        self.settings = settings or IndexSettings()
        self.workers = max(1, self.settings.workers or os.cpu_count() or 1)
        self.on_checkpoint: Callable[[], None] | None = None  # lets the catalogue save derived meta
        self._dirty = False  # the in-memory index differs from the saved file
        # Batches are recorded (store rows, HNSW insertion) on a thread of their own, at the encoding thread's
        # lower priority, while the main thread goes on collecting the next batch. The main thread is the
        # caller's, which cannot be niced.
        self._recorder: ThreadPoolExecutor | None = None
        self._recording: Future[None] | None = None

    def _record(self, batch: list[Decoded], rows: dict[str, Item | None], report: IndexReport) -> None:
        """Queue a batch for the recording thread (one batch in flight at a time, so batches stay in order)."""
        assert self._recorder is not None  # run() owns it
        self._wait_for_records()
        self._recording = self._recorder.submit(self._index_batch, batch, rows, report)

    def _wait_for_records(self) -> None:
        """Block until the queued batch is in the store and the index (re-raising its error, if any)."""
        recording, self._recording = self._recording, None
        if recording is not None:
            recording.result()

    def _add(self, labels: list[int], vectors: np.ndarray) -> None:
        """Insert vectors into the index on the calling thread (with threads of its own, hnswlib would start and
        join them for every batch); remember that the index needs saving."""
        self._dirty = True
        self.index.add(labels, vectors)

    def _remove(self, labels: list[int]) -> None:
        """Delete vectors from the index (remembering that it needs saving)."""
        if labels:
            self._dirty = True
            self.index.remove(labels)

    def run(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            rebuild_reason: str = "") -> IndexReport:
        """Bring the store and index up to date with the folder; cancellation keeps finished work."""
        started = time.perf_counter()
        report = IndexReport(rebuilt=bool(rebuild_reason), message=rebuild_reason)
        cancel = cancel or CancelToken()
        notify = progress or (lambda _p: None)
        notify(Progress(0, 0, stage="scanning"))
        processed = 0
        self._dirty = bool(rebuild_reason)
        self.store.begin()
        self._recorder = ThreadPoolExecutor(1, thread_name_prefix="autosimnet-record",
                                            initializer=lower_thread_priority)
        try:
            try:
                found = scan(self.folder, cancel=cancel)
                with ThreadPoolExecutor(self.workers, thread_name_prefix="autosimnet-decode") as pool:
                    plan = self._plan(found, pool, cancel, notify)
                    self._apply_plan(plan, found, report)
                    processed = self._encode_all(plan.todo, found, pool, report, notify, cancel)
            except Cancelled:
                report.cancelled = True
            # Inside the outer try: a batch that failed to record (disk full...) rolls back even when the run
            # was cancelled meanwhile.
            self._wait_for_records()
        except BaseException:
            # Keep what the last checkpoint saved; the next run redoes the rest.
            with contextlib.suppress(Exception):
                self._wait_for_records()
            self.store.rollback()
            raise
        finally:
            self._recorder.shutdown(wait=True)
            self._recorder = None
        elapsed = time.perf_counter() - started
        notify(Progress(processed, processed, processed / elapsed if elapsed > 0 else 0.0, stage="saving"))
        if self._dirty:
            self.checkpoint()
        else:  # nothing reached the index: no need to rewrite it, which keeps a no-change run instant
            self.store.set_meta(last_indexed=f"{time.time():.3f}")
            self.store.commit()
        report.failures = self.store.failures()
        report.unreadable = len(report.failures)
        report.seconds = time.perf_counter() - started
        report.images_per_second = processed / report.seconds if report.seconds > 0 else 0.0
        return report

    def checkpoint(self) -> None:
        """Save the index atomically, then commit the store: see the module docstring for why in that order."""
        self._wait_for_records()
        if self.on_checkpoint is not None:
            self.on_checkpoint()
        self.index.save(self.index_path)
        self.store.set_meta(last_indexed=f"{time.time():.3f}")
        self.store.commit()

    # -- planning -----------------------------------------------------------------------------------

    def _plan(self, found: ScanResult, pool: ThreadPoolExecutor, cancel: CancelToken,
              notify: ProgressCallback) -> _Plan:
        """Compare the scan with the store: new, changed, unchanged, removed, renamed files."""
        rows = self.store.items()
        todo: list[tuple[str, Item | None]] = []
        suspects: list[tuple[str, Item]] = []  # same size, mtime ambiguous: compare content
        unchanged = 0
        for relpath, state in found.files.items():
            row = rows.get(relpath)
            if row is None or row.status != INDEXED:
                todo.append((relpath, row))  # new, or failed/pending before: always retried
            elif row.size != state.size:
                todo.append((relpath, row))
            elif row.mtime_ns != state.mtime_ns or state.mtime_ns >= row.checked_at * 1e9 - RACY_NS:
                suspects.append((relpath, row))
            else:
                unchanged += 1
        removed = [row for path, row in rows.items() if path not in found.files and path not in found.errors]
        # A new file the size of a removed one may be that file renamed or moved: compare digests.
        removed_by_size: dict[int, list[Item]] = {}
        for row in removed:
            if row.status == INDEXED and row.digest:
                removed_by_size.setdefault(row.size, []).append(row)
        rename_candidates = [(p, r) for p, r in todo if r is None and found.files[p].size in removed_by_size]
        checks = suspects + rename_candidates
        touched: list[tuple[Item, FileState]] = []
        renamed: list[tuple[Item, str, FileState]] = []
        if checks:
            notify(Progress(0, len(checks), stage="checking"))
            results = pool.map(lambda pr: digest_file(self.folder, pr[0], self.settings.max_file_bytes), checks)
            by_path = {path: (digest, state) for path, digest, state in results}
            if cancel.cancelled:
                raise Cancelled()
            taken: set[int] = set()
            for relpath, row in suspects:
                digest, state = by_path[relpath]
                if digest is not None and digest == row.digest and state is not None:
                    touched.append((row, state))
                    unchanged += 1
                else:
                    todo.append((relpath, row))
            for relpath, _ in rename_candidates:
                digest, state = by_path[relpath]
                match = next((r for r in removed_by_size.get(found.files[relpath].size, [])
                              if r.digest == digest and r.id not in taken), None)
                if match is not None and state is not None:
                    taken.add(match.id)
                    renamed.append((match, relpath, state))
            renamed_paths = {path for _, path, _ in renamed}
            todo = [(p, r) for p, r in todo if p not in renamed_paths]
            removed = [r for r in removed if r.id not in taken]
        todo.sort(key=lambda pr: pr[0])
        return _Plan(todo, removed, unchanged, touched, renamed)

    def _apply_plan(self, plan: _Plan, found: ScanResult, report: IndexReport) -> None:
        """Apply what needs no decoding: removals, renames, refreshed mtimes and scan errors."""
        now = time.time()
        rows = self.store.items()
        # Index first, store second: a query never sees a removed file, even between the two.
        self._remove([row.id for row in plan.removed if row.status == INDEXED])
        self.store.delete(row.id for row in plan.removed)
        report.removed = len(plan.removed)
        for row, state in plan.touched:
            self.store.update(row.id, size=state.size, mtime_ns=state.mtime_ns, error=None, checked_at=now)
        for row, relpath, state in plan.renamed:  # a new path has no row (see _plan's rename candidates)
            self.store.update(row.id, path=relpath, size=state.size, mtime_ns=state.mtime_ns, error=None,
                              checked_at=now)
        report.unchanged = plan.unchanged + len(plan.renamed)
        for relpath, reason in found.errors.items():
            self._record_failure(relpath, rows.get(relpath), reason, None, None)

    def _record_failure(self, relpath: str, row: Item | None, reason: str, state: FileState | None,
                        digest: str | None) -> None:
        """Store a file as unreadable (and take any old vector of it out of the index)."""
        size, mtime = (state.size, state.mtime_ns) if state else (0, 0)
        if row is None:
            self.store.add(relpath, size, mtime, digest, FAILED, reason)
            return
        if row.status == INDEXED:
            self._remove([row.id])
        self.store.update(row.id, size=size, mtime_ns=mtime, digest=digest, status=FAILED, error=reason,
                          checked_at=time.time())

    # -- decoding and encoding ------------------------------------------------------------------------

    def _decoded(self, todo: list[tuple[str, Item | None]], found: ScanResult, pool: ThreadPoolExecutor,
                 cancel: CancelToken) -> Iterator[tuple[bool, list[Decoded]]]:
        """Decode and encode `todo` chunk by chunk, in order, with a bounded number of chunks in flight.

        Small files are decoded on the small-file lane (see SMALL_FILE_BYTES), big ones in the pool; the
        encoding threads (IndexSettings.encoding_threads) embed each decoded chunk with a single-threaded
        session (onnxruntime releases the GIL). The recording thread writes the batches (see _record).
        Measured on 2 cores with 60x80 photos: a decoding thread that only decodes and an encoding thread
        that only encodes index ~8% more photos a second than two workers that each decoded (taking turns)
        and then encoded their own chunk."""
        settings = self.settings
        spec, limit = self.encoder.preprocess, settings.max_file_bytes
        chunk_size, small_chunk_size = settings.chunk_sizes(spec)
        chunks = plan_chunks([found.files[relpath].size for relpath, _ in todo], chunk_size, small_chunk_size)
        in_flight: deque[InFlight] = deque()
        # Enough queued work that no decoding thread waits while the main thread collects a batch: up to ~64 MB
        # of decoded batches (6 MB for a chunk of 128 with the shipped 64x64 models, so 8 chunks on 2 cores),
        # but always one chunk per decoding thread and one more (16 workers: 17 chunks, up to 102 MB).
        batch_bytes = max(chunk_size, small_chunk_size) * input_bytes(spec)
        ahead = max(self.workers + 1, min(self.workers * 4, (64 << 20) // batch_bytes))

        def decode(positions: list[int]) -> Chunk:
            return decode_chunk(self.folder, [todo[i][0] for i in positions], spec, limit)

        with ThreadPoolExecutor(1, thread_name_prefix="autosimnet-decode-small") as small_lane, \
                ThreadPoolExecutor(settings.encoding_threads(self.workers), thread_name_prefix="autosimnet-encode",
                                   initializer=lower_thread_priority) as encoding:
            try:
                for small, positions in chunks:
                    decoding = (small_lane if small else pool).submit(decode, positions)
                    in_flight.append(InFlight(decoding, encoding.submit(self._encode_chunk, decoding), len(positions),
                                              small))
                    if len(in_flight) >= ahead:
                        yield self._next_encoded(in_flight)
                        if cancel.cancelled:
                            raise Cancelled()
                while in_flight:
                    yield self._next_encoded(in_flight)
            finally:
                for chunk in in_flight:
                    chunk.encoded.cancel()
                    chunk.decoding.cancel()

    def _next_encoded(self, in_flight: deque[InFlight]) -> tuple[bool, list[Decoded]]:
        """The oldest chunk in flight, once encoded: (small files?, its files).

        When it is not ready, this waits for the chunks that make up a whole batch (they are encoded in order),
        so the main thread wakes once per batch rather than once per chunk: each wake-up takes the GIL from the
        decoding lane (the caller's thread woke 0.04 instead of 0.11-0.13 times per photo)."""
        if not in_flight[0].encoded.done():
            target, files = self._batch_limit(in_flight[0].small), 0
            # At most half the chunks in flight, so the decoding threads keep work queued while this one waits.
            for chunk in itertools.islice(in_flight, max(1, len(in_flight) // 2)):
                files += chunk.count
                if files >= target:
                    break
            wait([chunk.encoded])
        oldest = in_flight.popleft()
        return oldest.small, oldest.encoded.result()

    def _batch_limit(self, small: bool) -> int:
        """Files per batch: small files are recorded in bigger batches (see IndexSettings.small_batch_size)."""
        return self.settings.small_batch_size if small else self.settings.batch_size

    def _encode_chunk(self, decoding: Future[Chunk]) -> list[Decoded]:
        """Wait for a decoded chunk and embed its good images (runs on the encoding thread)."""
        chunk = decoding.result()
        decoded, batch = chunk.files, chunk.batch
        assert batch is not None
        rows = [row for row, d in enumerate(decoded) if d.array is not None]
        if rows:
            vectors = self.encoder.encode(batch if len(rows) == len(batch) else batch[rows])
            for row, vector in zip(rows, vectors):
                decoded[row].array, decoded[row].vector = None, vector
        chunk.batch = None
        return decoded

    def _encode_all(self, todo: list[tuple[str, Item | None]], found: ScanResult, pool: ThreadPoolExecutor,
                    report: IndexReport, notify: ProgressCallback, cancel: CancelToken) -> int:
        """Encode and index every file of `todo`, checkpointing as it goes; returns files processed."""
        total = len(todo)
        rows = dict(todo)
        done = 0
        started = last_checkpoint = time.perf_counter()
        since_checkpoint = 0
        save_cost = 0.0
        batch: list[Decoded] = []
        all_small = True  # a batch that holds any bigger photo closes at batch_size (see _batch_limit)
        for small, chunk in self._decoded(todo, found, pool, cancel):
            batch.extend(chunk)
            all_small = all_small and small
            if len(batch) < self._batch_limit(all_small) and done + len(batch) < total:
                continue
            all_small = True
            self._record(batch, rows, report)
            done += len(batch)
            since_checkpoint += len(batch)
            current = batch[-1].relpath
            batch = []
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = (total - done) / rate if rate > 0 else None
            notify(Progress(done, total, rate, eta, current, stage="indexing"))
            now = time.perf_counter()
            # The interval grows with the cost of a save, so saving never takes more than ~10% of the run.
            due = max(self.settings.checkpoint_seconds, 10 * save_cost)
            if done < total and (since_checkpoint >= self.settings.checkpoint_items or now - last_checkpoint >= due):
                notify(Progress(done, total, rate, eta, current, stage="saving"))
                self.checkpoint()
                self.store.begin()
                last_checkpoint = time.perf_counter()
                save_cost = last_checkpoint - now
                since_checkpoint = 0
            if cancel.cancelled:
                raise Cancelled()
        if batch:
            self._record(batch, rows, report)
            done += len(batch)
        return done

    def _index_batch(self, batch: list[Decoded], rows: dict[str, Item | None], report: IndexReport) -> None:
        """Record a batch of encoded files in the store and add their vectors to the index."""
        good = [d for d in batch if d.vector is not None]
        for item in batch:
            if item.vector is None:
                self._record_failure(item.relpath, rows[item.relpath], item.error or "unknown error",
                                     item.state, item.digest)
        if not good:
            return
        vectors = np.stack([d.vector for d in good])  # type: ignore[misc]
        finite = np.isfinite(vectors).all(axis=1)
        labels: list[int] = []
        keep: list[int] = []
        fresh: list[int] = []  # positions of new files, recorded together below
        now = time.time()
        for position, item in enumerate(good):
            row = rows[item.relpath]
            assert item.state is not None
            if not finite[position]:
                self._record_failure(item.relpath, row, "the model produced no usable embedding", item.state,
                                     item.digest)
                continue
            if row is None:
                fresh.append(position)
                continue
            self.store.update(row.id, size=item.state.size, mtime_ns=item.state.mtime_ns, digest=item.digest,
                              status=INDEXED, error=None, checked_at=now)
            labels.append(row.id)
            keep.append(position)
            if row.status == INDEXED or row.status == PENDING:
                report.changed += 1
            else:
                report.new += 1  # failed before, readable now
        added = self.store.add_indexed(
            [(good[i].relpath, good[i].state.size, good[i].state.mtime_ns, good[i].digest)  # type: ignore[union-attr]
             for i in fresh], now)
        report.new += len(added)
        self._add(labels + added, vectors[keep + fresh])
