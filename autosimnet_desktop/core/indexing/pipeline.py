"""Incremental indexing: scan, plan, decode in parallel, encode in batches, record, checkpoint.

Crash safety rests on one ordering: at a checkpoint the vector index is saved (atomically) *before* the
store's transaction commits. Whatever moment a crash hits, the next open finds an index that is a superset
of what the store calls indexed; `VectorIndex.load` deletes the extra labels and the store's rows that the
index lacks are encoded again. Nothing saved is ever corrupted; at most the work since the last checkpoint
is redone.

Threads: the caller's thread collects batches; small files are decoded on a lane of their own and big ones
by a pool (see decoding.SMALL_FILE_BYTES); encoding threads embed each chunk (onnxruntime releases the GIL);
one recording thread writes batches in order. Encoding and recording run at a lower priority, so the
decoding that sets the pace keeps its core and the desktop stays responsive.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import NamedTuple

from autosimnet_desktop.core.files.reading import FileReader, FileState, digest_file, read_file
from autosimnet_desktop.core.files.scanner import ScanResult, restrict, scan
from autosimnet_desktop.core.indexing.decoding import Chunk, Decoded, decode_chunk, plan_chunks
from autosimnet_desktop.core.indexing.plan import Plan, plan_run
from autosimnet_desktop.core.indexing.recording import Recorder
from autosimnet_desktop.core.indexing.settings import IndexSettings, input_bytes
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.records import CancelToken, Cancelled, IndexReport, Progress, ProgressCallback
from autosimnet_desktop.core.storage.store import Item, Store
from autosimnet_desktop.core.storage.vector_index import VectorIndex
from autosimnet_desktop.core.threads import lower_thread_priority, worker_count

# Niceness added to the encoding and recording threads: they may fall a few chunks behind without slowing
# the run, while the decoding lane must not wait for a core.
HELPER_NICENESS = 5
_lower_helper_priority = functools.partial(lower_thread_priority, HELPER_NICENESS, batch=True)

# Decoded batches queued ahead of the main thread: enough that no decoding thread waits while it collects.
AHEAD_BYTES = 64 << 20


class InFlight(NamedTuple):
    """A chunk between the main thread's hands: decoding, then encoding (each a future)."""

    decoding: Future[Chunk]
    encoded: Future[list[Decoded]]
    files: int  # in the chunk
    small: bool  # small files, decoded on the lane


class Indexer:
    """One incremental indexing run over a folder, writing to a store and a vector index.

    `read` is the only way files are read (tests hand in their own); `on_checkpoint` runs before each
    save, so the caller can store derived figures in the same transaction."""

    def __init__(self, folder: Path, store: Store, index: VectorIndex, index_path: Path, encoder: Encoder,
                 settings: IndexSettings | None = None, *, read: FileReader = read_file,
                 on_checkpoint: Callable[[], None] | None = None) -> None:
        self.folder = folder
        self.store = store
        self.index = index
        self.index_path = index_path
        self.encoder = encoder
        self.settings = settings or IndexSettings()
        self.workers = worker_count(self.settings.workers)
        self.read = read
        self.on_checkpoint = on_checkpoint
        self._recorder = Recorder(store, index)
        # Batches are recorded on a thread of their own while the caller's thread (which cannot be niced)
        # collects the next one; one batch in flight at a time keeps them in order.
        self._record_thread: ThreadPoolExecutor | None = None
        self._recording: Future[None] | None = None

    # -- the run --------------------------------------------------------------------------------------

    def run(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            rebuild_reason: str = "") -> IndexReport:
        """Bring the store and index up to date with the folder; cancellation keeps finished work."""
        started = time.perf_counter()
        report = IndexReport(rebuilt=bool(rebuild_reason), message=rebuild_reason)
        cancel = cancel or CancelToken()
        notify = progress or (lambda _p: None)
        notify(Progress(0, 0, stage="scanning"))
        processed = 0
        self._recorder.dirty = bool(rebuild_reason)
        self.store.begin()
        self._record_thread = ThreadPoolExecutor(1, thread_name_prefix="autosimnet-record",
                                                 initializer=_lower_helper_priority)
        try:
            try:
                found = restrict(scan(self.folder, cancel=cancel), self.settings.only)
                with ThreadPoolExecutor(self.workers, thread_name_prefix="autosimnet-decode") as pool:
                    plan = self._plan(found, pool, cancel, notify)
                    self._recorder.apply_plan(plan, found.errors, report)
                    processed = self._encode_all(plan.todo, found, pool, report, notify, cancel)
            except Cancelled:
                report.cancelled = True
            # Inside the outer try: a batch that failed to record (disk full...) rolls back even when the
            # run was cancelled meanwhile.
            self._wait_for_records()
        except BaseException:
            # Keep what the last checkpoint saved; the next run redoes the rest.
            with contextlib.suppress(Exception):
                self._wait_for_records()
            self.store.rollback()
            raise
        finally:
            self._record_thread.shutdown(wait=True)
            self._record_thread = None
        elapsed = time.perf_counter() - started
        notify(Progress(processed, processed, processed / elapsed if elapsed > 0 else 0.0, stage="saving"))
        if self._recorder.dirty:
            self.checkpoint()
        else:  # nothing reached the index: not rewriting it keeps a no-change run instant
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

    def _plan(self, found: ScanResult, pool: ThreadPoolExecutor, cancel: CancelToken,
              notify: ProgressCallback) -> Plan:
        """plan_run, with the content comparisons it asks for read in the decoding pool."""
        limit = self.settings.max_file_bytes

        def digests(paths: list[str]) -> Mapping[str, tuple[str | None, FileState | None]]:
            notify(Progress(0, len(paths), stage="checking"))
            results = pool.map(lambda path: digest_file(self.read, self.folder, path, limit), paths)
            by_path = {path: (digest, state) for path, digest, state in results}
            if cancel.cancelled:
                raise Cancelled()
            return by_path

        return plan_run(found.files, found.errors, self.store.items(), digests)

    # -- recording --------------------------------------------------------------------------------------

    def _record(self, batch: list[Decoded], rows: dict[str, Item | None], report: IndexReport) -> None:
        """Queue a batch for the recording thread, once the previous one is recorded."""
        assert self._record_thread is not None  # run() owns it
        self._wait_for_records()
        self._recording = self._record_thread.submit(self._recorder.record_batch, batch, rows, report)

    def _wait_for_records(self) -> None:
        """Block until the queued batch is in the store and the index (re-raising its error, if any)."""
        recording, self._recording = self._recording, None
        if recording is not None:
            recording.result()

    # -- decoding and encoding ----------------------------------------------------------------------------

    def _decoded(self, todo: list[tuple[str, Item | None]], found: ScanResult, pool: ThreadPoolExecutor,
                 cancel: CancelToken) -> Iterator[tuple[bool, list[Decoded]]]:
        """Decode and encode `todo` chunk by chunk, in order, with a bounded number of chunks in flight."""
        settings = self.settings
        spec, limit = self.encoder.preprocess, settings.max_file_bytes
        chunk_size, small_chunk_size = settings.chunk_sizes(spec)
        chunks = plan_chunks([found.files[relpath].size for relpath, _ in todo], chunk_size, small_chunk_size)
        in_flight: deque[InFlight] = deque()
        # Up to AHEAD_BYTES of decoded batches, but always one chunk per decoding thread and one more.
        batch_bytes = max(chunk_size, small_chunk_size) * input_bytes(spec)
        ahead = max(self.workers + 1, min(self.workers * 4, AHEAD_BYTES // batch_bytes))

        def decode(positions: list[int]) -> Chunk:
            return decode_chunk(self.read, self.folder, [todo[i][0] for i in positions], spec, limit)

        with ThreadPoolExecutor(1, thread_name_prefix="autosimnet-decode-small") as small_lane, \
                ThreadPoolExecutor(settings.encoding_threads(self.workers), thread_name_prefix="autosimnet-encode",
                                   initializer=_lower_helper_priority) as encoding:
            try:
                for small, positions in chunks:
                    decoding = (small_lane if small else pool).submit(decode, positions)
                    in_flight.append(InFlight(decoding, encoding.submit(self._encode_chunk, decoding),
                                              len(positions), small))
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

        When it is not ready, this waits for the chunks that make up a whole batch, so the main thread wakes
        once per batch rather than once per chunk: each wake-up takes the GIL from the decoding lane."""
        if not in_flight[0].encoded.done():
            target, files = self.settings.batch_limit(in_flight[0].small), 0
            # At most half the chunks in flight, so the decoding threads keep work queued meanwhile.
            for chunk in itertools.islice(in_flight, max(1, len(in_flight) // 2)):
                files += chunk.files
                if files >= target:
                    break
            wait([chunk.encoded])
        oldest = in_flight.popleft()
        return oldest.small, oldest.encoded.result()

    def _encode_chunk(self, decoding: Future[Chunk]) -> list[Decoded]:
        """Wait for a decoded chunk and embed its good images (runs on an encoding thread)."""
        chunk = decoding.result()
        decoded, batch = chunk.files, chunk.batch
        assert batch is not None  # only the encoding thread drops it
        rows = [row for row, d in enumerate(decoded) if d.array is not None]
        if rows:
            vectors = self.encoder.encode(batch if len(rows) == len(batch) else batch[rows])
            for row, vector in zip(rows, vectors):
                decoded[row].array, decoded[row].vector = None, vector
        chunk.batch = None
        return decoded

    def _encode_all(self, todo: list[tuple[str, Item | None]], found: ScanResult, pool: ThreadPoolExecutor,
                    report: IndexReport, notify: ProgressCallback, cancel: CancelToken) -> int:
        """Encode and record every file of `todo`, checkpointing as it goes; returns files processed."""
        total = len(todo)
        rows = dict(todo)
        done = since_checkpoint = 0
        started = last_checkpoint = time.perf_counter()
        save_cost = 0.0
        batch: list[Decoded] = []
        all_small = True  # a batch that holds any bigger photo closes at batch_size
        for small, chunk in self._decoded(todo, found, pool, cancel):
            batch.extend(chunk)
            all_small = all_small and small
            if len(batch) < self.settings.batch_limit(all_small) and done + len(batch) < total:
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
