"""The core's parts on their own: data folders, scanner, store, vector index, similarity and export formats."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autosimnet_desktop.core.storage import datadirs

from autosimnet_desktop.core.exports import formats as exporting
from autosimnet_desktop.core.records import SearchHit, StoreError
from autosimnet_desktop.core.files.scanner import scan
from autosimnet_desktop.core.search.searcher import estimate_scale, similarity
from autosimnet_desktop.core.storage.store import FAILED, INDEXED, SCHEMA_VERSION, Store
from autosimnet_desktop.core.storage.vector_index import MIN_CAPACITY, VectorIndex

from .conftest import PAPER_MODEL
from autosimnet_desktop.core.model.encoder import Encoder

from .core_helpers import SpyEncoder, SpyIndex, SpyReader, thread_priority, write_photo


def test_data_dirs_are_keyed_by_absolute_path_and_overridable(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    shop = tmp_path / "My Shop"
    shop.mkdir()
    (tmp_path / "link").symlink_to(shop)
    monkeypatch.chdir(tmp_path)
    root = Path(os.environ[datadirs.ENV_DATA_DIR])
    a = datadirs.catalogue_data_dir("My Shop")
    assert a == datadirs.catalogue_data_dir(shop) == datadirs.catalogue_data_dir(tmp_path / "link")
    assert a.parent == root / "catalogues" and a.name.startswith("My_Shop-")
    other = tmp_path / "other" / "My Shop"
    assert datadirs.catalogue_data_dir(other) != a  # same name, other folder: another catalogue
    assert datadirs.catalogue_data_dir(shop, tmp_path / "x").parent == tmp_path / "x" / "catalogues"
    assert datadirs.thumbnail_cache_dir(shop).parent == root / "thumbnails"
    best = datadirs.model_data_dir(shop, "/x/models/autosimnet-best.onnx")
    assert best == a / "models" / "autosimnet-best"  # one index per model, inside the catalogue's folder
    assert datadirs.model_data_dir(shop, "autosimnet-paper.onnx") != best
    assert datadirs.model_data_dir(shop, "/y/we ird*.onnx").name == "we_ird"
    monkeypatch.delenv(datadirs.ENV_DATA_DIR)
    assert datadirs.catalogue_data_dir(shop).name == a.name  # platformdirs default, same key


def test_scan_lists_relative_posix_paths_and_skips_hidden_entries(tmp_path: Path) -> None:
    write_photo(tmp_path / "a" / "b" / "c.jpg", 1)
    write_photo(tmp_path / ".git" / "x.jpg", 2)
    write_photo(tmp_path / "a" / ".thumb.jpg", 3)
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "readme.txt").write_text("x")
    found = scan(tmp_path)
    assert list(found.files) == ["a/b/c.jpg"] and found.errors == {}


def test_scan_reports_an_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autosimnet_desktop.core.files import scanner

    locked = tmp_path / "locked"
    write_photo(locked / "x.jpg", 1)
    write_photo(tmp_path / "open" / "y.jpg", 2)
    if os.name != "posix" or os.geteuid() == 0:  # root (CI) reads a chmod 000 folder anyway: refuse it as the OS would
        real_scandir = os.scandir

        def scandir_as_a_normal_user(path):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(scanner.os, "scandir", scandir_as_a_normal_user)
    locked.chmod(0)
    try:
        found = scan(tmp_path)
    finally:
        locked.chmod(0o755)
    assert "permission" in found.errors["locked/"].lower()
    assert list(found.files) == ["open/y.jpg"]  # the rest of the catalogue is still scanned


def test_store_transactions_are_visible_to_other_threads_before_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.begin()
    item = store.add("a.jpg", 1, 2, "d", INDEXED)
    seen: list[dict[int, str]] = []
    thread = threading.Thread(target=lambda: seen.append(store.paths([item])))
    thread.start()
    thread.join()
    assert seen == [{item: "a.jpg"}]
    other = sqlite3.connect(tmp_path / "s.sqlite3")  # another process sees committed checkpoints only
    assert other.execute("select count(*) from items").fetchone()[0] == 0
    store.commit()
    assert other.execute("select count(*) from items").fetchone()[0] == 1
    store.add("b.jpg", 1, 2, None, FAILED, "empty file")
    assert [f.path for f in store.failures()] == ["b.jpg"]
    other.close()
    store.close()


def test_store_add_indexed_returns_each_new_rows_own_id(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    with pytest.raises(StoreError):  # ids are only sure to be consecutive inside a transaction
        store.add_indexed([("x.jpg", 1, 1, None)], 1.0)
    store.begin()
    first = store.add("a.jpg", 1, 1, "d", INDEXED)
    last = store.add("b.jpg", 1, 1, "d", INDEXED)
    store.delete([last])  # the highest id is gone: AUTOINCREMENT must not hand it out again
    rows = [(f"new/{i:03d}.jpg", 100 + i, 7, f"digest{i}") for i in range(450)]  # more than one statement
    ids = store.add_indexed(rows, checked_at=123.0)
    assert ids == [store.id_of(path) for path, *_ in rows] and len(set(ids)) == 450
    assert min(ids) > last > first and store.add_indexed([], 1.0) == []
    store.commit()
    item = store.items()["new/449.jpg"]
    assert (item.id, item.size, item.mtime_ns, item.digest, item.status, item.checked_at) == \
        (ids[-1], 549, 7, "digest449", INDEXED, 123.0)
    store.close()


def test_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_vector_index_reuses_deleted_slots_grows_and_caps_k(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    index = VectorIndex(8)
    index.add(range(1, 11), rng.standard_normal((10, 8)))
    index.remove([3, 4, 5])
    slots = index._index.element_count
    index.add([20, 21], rng.standard_normal((2, 8)))
    assert index._index.element_count == slots and len(index) == 9  # deleted slots were reused
    (labels, distances), = index.search(rng.standard_normal(8), 50)
    assert len(labels) == 9 and not {3, 4, 5} & set(labels.tolist())
    assert list(distances) == sorted(distances)
    index.add(range(100, 100 + MIN_CAPACITY + 10), rng.standard_normal((MIN_CAPACITY + 10, 8)))
    assert len(index) == 9 + MIN_CAPACITY + 10
    assert VectorIndex(8).search(np.zeros(8), 5)[0][0].size == 0


def test_vector_index_distances_are_euclidean_not_squared() -> None:
    index = VectorIndex(2)
    index.add([1, 2], np.array([[0.0, 0.0], [3.0, 4.0]]))
    (labels, distances), = index.search(np.array([0.0, 0.0]), 2)
    assert labels.tolist() == [1, 2] and distances.tolist() == pytest.approx([0.0, 5.0])


def test_vector_index_load_drops_labels_the_store_never_committed(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    index = VectorIndex(4)
    index.add([1, 2, 3], rng.standard_normal((3, 4)))
    path = tmp_path / "v.hnsw"
    index.save(path)
    assert not list(tmp_path.glob("*.tmp"))
    loaded = VectorIndex(4)
    missing = loaded.load(path, expected={1, 2, 7})
    assert missing == {7} and loaded.labels() == [1, 2]
    (labels, _), = loaded.search(rng.standard_normal(4), 3)
    assert 3 not in labels.tolist()
    path.write_bytes(b"junk")
    with pytest.raises(StoreError):
        VectorIndex(4).load(path, {1})


def test_vector_index_survives_concurrent_searches_and_writes() -> None:
    rng = np.random.default_rng(2)
    index = VectorIndex(16)
    index.add(range(200), rng.standard_normal((200, 16)))
    stop = threading.Event()
    errors: list[BaseException] = []

    def search() -> None:
        try:
            while not stop.is_set():
                for labels, _ in index.search(rng.standard_normal((4, 16)), 10):
                    assert len(labels) == 10
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for t in readers:
        t.start()
    for step in range(40):
        base = 1000 + step * 50
        index.add(range(base, base + 50), rng.standard_normal((50, 16)))
        index.remove(range(base, base + 25))
    stop.set()
    for t in readers:
        t.join()
    assert not errors and len(index) == 200 + 40 * 25


def test_similarity_is_one_at_zero_and_exp_minus_one_at_the_scale() -> None:
    assert similarity(0.0, 2.0) == 1.0
    assert similarity(2.0, 2.0) == pytest.approx(np.exp(-1))
    assert similarity(1.0, 0.0) == 0.0
    vectors = np.random.default_rng(3).standard_normal((500, 32)).astype(np.float32)
    assert estimate_scale(vectors) == pytest.approx(np.sqrt(2 * 32), rel=0.05)
    assert estimate_scale(vectors[:1]) == 0.0


def test_export_formats_follow_the_contract() -> None:
    related = {"a, b/1.jpg": [SearchHit("c/é.jpg", 0.41, 0.93), SearchHit("d.jpg", 0.5, 0.9)]}
    text = exporting.as_text(exporting.write_related_csv, related)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["product", "rank", "similar", "similarity"]
    assert rows[1] == ["a, b/1.jpg", "1", "c/é.jpg", "0.9300"] and rows[2][1] == "2"
    assert json.loads(exporting.related_json(related)) == {
        "a, b/1.jpg": [{"path": "c/é.jpg", "similarity": 0.93, "distance": 0.41},
                       {"path": "d.jpg", "similarity": 0.9, "distance": 0.5}]}
    groups = [[SearchHit("a.jpg", 0.0, 1.0, "A"), SearchHit("b.jpg", 0.1, 0.99)]]
    dup_rows = list(csv.reader(io.StringIO(exporting.as_text(exporting.write_duplicates_csv, groups))))
    assert dup_rows == [["group", "path", "similarity", "distance", "product"], ["1", "a.jpg", "1.0000", "0.0000", "A"],
                        ["1", "b.jpg", "0.9900", "0.1000", ""]]


def test_atomic_export_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    exporting.write_text_atomic(target, "a\n")
    assert target.read_text() == "a\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with pytest.raises(FileNotFoundError) as failure:
        exporting.write_text_atomic(tmp_path / "missing-dir" / "x.csv", "b")
    assert failure.value.filename == str(tmp_path / "missing-dir" / "x.csv")  # the user's path, not a temp name


@pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")
def test_atomic_export_gets_the_permissions_a_plain_file_would(tmp_path: Path) -> None:
    target = tmp_path / "related.csv"
    old = os.umask(0o022)
    try:
        exporting.write_text_atomic(target, "a\n")
        assert target.stat().st_mode & 0o777 == 0o644  # readable by the shop's upload tool or web server
        target.chmod(0o640)
        exporting.write_text_atomic(target, "b\n")  # replacing a file keeps its permissions
        assert target.stat().st_mode & 0o777 == 0o640 and target.read_text() == "b\n"
        target.chmod(0o664)  # wider than the umask allows a new file: kept exactly
        exporting.write_text_atomic(target, "c\n")
        assert target.stat().st_mode & 0o777 == 0o664
        link = tmp_path / "latest.csv"
        link.symlink_to(target)
        exporting.write_text_atomic(link, "d\n")  # through a link: the file it points to is replaced
        assert link.is_symlink() and target.read_text() == "d\n"
    finally:
        os.umask(old)


def test_store_in_an_unusable_place_is_a_clear_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises((StoreError, OSError)):
        Store(blocker / "s.sqlite3")
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path / "dir.sqlite3")


@pytest.mark.parametrize("fmt, suffix", [("JPEG", ".jpg"), ("PPM", ".ppm"), ("TGA", ".tga"), ("ICO", ".ico")])
def test_common_and_rare_formats_open_from_a_path_bytes_and_a_file_object(tmp_path: Path, fmt: str,
                                                                           suffix: str) -> None:
    from PIL import Image

    from autosimnet_desktop.core.images.decode import COMMON_FORMATS, open_image

    path = write_photo(tmp_path / f"photo{suffix}", 3, fmt=fmt, size=(48, 64))
    assert (fmt in COMMON_FORMATS) == (fmt == "JPEG")  # the rare ones take the fall-back path
    expected = np.asarray(Image.open(path).convert("RGB"))
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        img = open_image(source, "RGB")
        assert img.mode == "RGB" and np.array_equal(np.asarray(img), expected)


def test_to_array_applies_the_models_mean_and_std_per_channel() -> None:
    from PIL import Image

    from autosimnet_desktop.core.images.decode import Preprocess, to_array

    img = Image.new("RGB", (4, 4), (255, 0, 51))
    plain = to_array(img, Preprocess(size=4, colour_mode="RGB", mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)))
    assert plain.shape == (3, 4, 4) and plain.dtype == np.float32
    assert np.allclose(plain[:, 0, 0], [1.0, 0.0, 0.2])
    spec = Preprocess(size=4, colour_mode="RGB", mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 2.0))
    assert np.allclose(to_array(img, spec)[:, 0, 0], [1.0, -1.0, 0.1])


def test_plan_chunks_keeps_small_and_big_files_apart_in_order_of_their_first_file() -> None:
    from autosimnet_desktop.core.indexing.decoding import SMALL_FILE_BYTES, plan_chunks

    small, big = SMALL_FILE_BYTES, SMALL_FILE_BYTES + 1
    sizes = [small, big, small, small, big, big, small, big, small]
    chunks = plan_chunks(sizes, chunk_size=2)
    assert chunks == [(True, [0, 2]), (False, [1, 4]), (True, [3, 6]), (False, [5, 7]), (True, [8])]
    assert plan_chunks([], 32) == []
    assert plan_chunks(sizes, chunk_size=2, small_chunk_size=3) == [(True, [0, 2, 3]), (False, [1, 4]),
                                                                    (False, [5, 7]), (True, [6, 8])]


def test_chunks_of_a_model_with_a_big_input_stay_within_the_memory_cap() -> None:
    from autosimnet_desktop.core.images.decode import Preprocess
    from autosimnet_desktop.core.indexing.settings import IndexSettings, input_bytes

    settings = IndexSettings(chunk_size=32, small_chunk_size=128, max_chunk_bytes=16 << 20)
    shipped = Preprocess(size=64, colour_mode="RGB", mean=(0.0,) * 3, std=(1.0,) * 3)
    assert settings.chunk_sizes(shipped) == (32, 128)  # 48 KB an image: the cap does not bite
    big_input = Preprocess(size=224, colour_mode="RGB", mean=(0.0,) * 3, std=(1.0,) * 3)
    big, small = settings.chunk_sizes(big_input)
    assert (big, small) == (27, 27)
    assert small * input_bytes(big_input) <= 16 << 20 < (small + 1) * input_bytes(big_input)
    assert IndexSettings(max_chunk_bytes=1).chunk_sizes(shipped) == (1, 1)  # never empty


def test_small_files_are_decoded_on_one_thread_and_recorded_in_bigger_batches(tmp_path: Path) -> None:
    from autosimnet_desktop.core.catalogue.factory import build_catalogue
    from autosimnet_desktop.core.indexing.decoding import SMALL_FILE_BYTES
    from autosimnet_desktop.core.indexing.settings import IndexSettings

    folder = tmp_path / "shop"
    small = [write_photo(folder / f"thumb{i:02d}.jpg", i, size=(60, 80)) for i in range(40)]
    big = [write_photo(folder / f"photo{i:02d}.jpg", 100 + i, size=(600, 800)) for i in range(40)]
    assert max(p.stat().st_size for p in small) <= SMALL_FILE_BYTES < min(p.stat().st_size for p in big)
    encoder, reader = Encoder(PAPER_MODEL), SpyReader()
    index = SpyIndex(encoder.dim)
    settings = IndexSettings(workers=2, chunk_size=8, small_chunk_size=8, batch_size=8, small_batch_size=16)
    catalogue = build_catalogue(folder, encoder, tmp_path / "data", settings, vector_index=index, read=reader)
    try:
        report = catalogue.index()
        batches = [[catalogue.store.paths(labels)[label] for label in labels] for labels in index.added]
    finally:
        catalogue.close()
    assert report.new == 80 and not report.unreadable
    # Recorded in order, big files (photo*) in batches of 8, small ones (thumb*) in batches of 16.
    assert [name for batch in batches for name in batch] == sorted(p.name for p in small + big)
    assert [len(batch) for batch in batches] == [8] * 5 + [16, 16, 8]
    small_threads = {reader.threads[p.name] for p in small}
    big_threads = {reader.threads[p.name] for p in big}
    assert len(small_threads) == 1 and small_threads.pop().startswith("autosimnet-decode-small")
    assert big_threads and all(name.startswith("autosimnet-decode_") for name in big_threads)


def test_a_batch_holding_bigger_photos_closes_at_batch_size_and_chunks_respect_the_memory_cap(
        tmp_path: Path) -> None:
    from autosimnet_desktop.core.catalogue.factory import build_catalogue
    from autosimnet_desktop.core.indexing.settings import IndexSettings, input_bytes

    folder = tmp_path / "shop"
    for i in range(40):  # photo and thumbnail names interleave: chunks alternate big, small, big...
        write_photo(folder / f"{i:02d}-photo.jpg", 100 + i, size=(600, 800))
        write_photo(folder / f"{i:02d}-thumb.jpg", i, size=(60, 80))
    encoder = SpyEncoder(PAPER_MODEL)  # every file is good, so each chunk is encoded in one call
    index = SpyIndex(encoder.dim)
    settings = IndexSettings(workers=2, chunk_size=8, small_chunk_size=8, batch_size=16, small_batch_size=32)
    catalogue = build_catalogue(folder, encoder, tmp_path / "data", settings, vector_index=index)
    try:
        assert catalogue.index().new == 80
        # Each batch is a big chunk and a small one: it holds bigger photos, so it closes at 16, not 32.
        assert [len(labels) for labels in index.added] == [16] * 5
        assert [rows for rows, _, _ in encoder.calls] == [8] * 10
        encoder.calls.clear()
        capped = IndexSettings(workers=2, max_chunk_bytes=3 * input_bytes(encoder.preprocess))
        catalogue.close()
        catalogue = build_catalogue(folder, encoder, tmp_path / "capped", capped)
        assert catalogue.index().new == 80
        chunks = [rows for rows, _, _ in encoder.calls]
        assert max(chunks) == 3 and sum(chunks) == 80  # 3 images' worth of memory per chunk
    finally:
        catalogue.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities are only lowered on Linux")
def test_encoding_and_recording_threads_yield_to_decoding(tmp_path: Path) -> None:
    from autosimnet_desktop.core.catalogue.factory import build_catalogue
    from autosimnet_desktop.core.indexing.pipeline import HELPER_NICENESS
    from autosimnet_desktop.core.indexing.settings import IndexSettings

    folder = tmp_path / "shop"
    for i in range(20):
        write_photo(folder / f"thumb{i:02d}.jpg", i)
        write_photo(folder / f"photo{i:02d}.jpg", 100 + i, size=(600, 800))
    own = thread_priority()
    if own[0] >= 19:
        pytest.skip("the tests already run at the lowest priority (nice 19): nothing can be lowered")
    encoder, reader = SpyEncoder(PAPER_MODEL), SpyReader()
    index = SpyIndex(encoder.dim)
    settings = IndexSettings(workers=2, chunk_size=8, small_chunk_size=8, batch_size=8, small_batch_size=8)
    catalogue = build_catalogue(folder, encoder, tmp_path / "data", settings, vector_index=index, read=reader)
    try:
        assert catalogue.index().new == 40
    finally:
        catalogue.close()
    lowered = (min(19, own[0] + HELPER_NICENESS), os.SCHED_BATCH)
    assert reader.priorities == {own}
    assert {priority for _, _, priority in encoder.calls} == {lowered}
    assert index.priorities == {lowered}
    assert thread_priority() == own  # the caller's thread is untouched


def test_encoding_threads_default_to_two_and_the_indexer_uses_them(tmp_path: Path) -> None:
    from autosimnet_desktop.core.catalogue.factory import build_catalogue
    from autosimnet_desktop.core.indexing.settings import IndexSettings

    rule = IndexSettings()
    assert [rule.encoding_threads(cores) for cores in (1, 2, 4, 8, 12, 16)] == [1, 2, 2, 2, 3, 4]
    assert IndexSettings(encoders=3).encoding_threads(2) == 3
    folder = tmp_path / "shop"
    for i in range(24):
        write_photo(folder / f"thumb{i:02d}.jpg", i)
    encoder = SpyEncoder(PAPER_MODEL, delay=0.05)  # chunks overlap, so an idle encoding thread takes the next one
    for encoders, expected in ((None, 2), (1, 1)):
        encoder.calls.clear()
        settings = IndexSettings(workers=2, encoders=encoders, small_chunk_size=4, small_batch_size=8)
        catalogue = build_catalogue(folder, encoder, tmp_path / f"data-{encoders}", settings)
        try:
            assert catalogue.index().new == 24
        finally:
            catalogue.close()
        threads = [thread for _, thread, _ in encoder.calls]
        assert len(threads) == 6 and len(set(threads)) == expected


@pytest.mark.parametrize("size_seen", [0, 5, 10, 11, 4000])
def test_read_to_end_returns_the_whole_file_whatever_size_was_seen_before(tmp_path: Path, size_seen: int) -> None:
    from autosimnet_desktop.core.files.reading import _read_to_end

    path = tmp_path / "photo.jpg"
    path.write_bytes(b"0123456789")  # the file now; the scan may have seen it smaller or bigger
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _read_to_end(fd, size_seen) == b"0123456789"
    finally:
        os.close(fd)


def test_a_top_k_short_of_results_looks_further_but_not_through_the_whole_index() -> None:
    from autosimnet_desktop.core.search.searcher import Searcher, search_size

    index = VectorIndex(8)
    vectors = np.random.default_rng(0).normal(size=(3000, 8)).astype(np.float32)
    index.add(range(1, 3001), vectors)
    asked: list[int] = []
    real_search = index.search

    def recording(queries: np.ndarray, k: int, threads: int = 1):
        asked.append(k)
        return real_search(queries, k, threads)

    index.search = recording  # type: ignore[method-assign]
    present = {label: f"p{label}.jpg" for label in range(1, 3001) if label % 10 == 0}  # 90% of files deleted
    searcher = Searcher(index, lambda labels: {x: present[x] for x in labels if x in present}, lambda: 1.0)
    hits = searcher.nearest(vectors[0], k=10)
    assert len(hits) == 10 and all(int(h.path[1:-4]) % 10 == 0 for h in hits)
    assert asked[0] == search_size(10, False) and asked[-1] > asked[0]  # it looked further
    asked.clear()
    nothing = Searcher(index, lambda labels: {}, lambda: 1.0)  # every file gone (a folder unplugged)
    assert nothing.nearest(vectors[0], k=10) == []
    assert max(asked) <= 16 * search_size(10, False) < 3000  # bounded, not the whole index
