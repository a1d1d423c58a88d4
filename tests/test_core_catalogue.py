"""The Catalogue facade end to end: real files, the shipped ONNX model, real SQLite and hnswlib."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autosimnet_desktop.core.catalogue.factory import build_catalogue, load_encoder, open_catalogue
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.files.reading import FileState, read_file
from autosimnet_desktop.core.records import ImageError
from autosimnet_desktop.core.indexing.settings import IndexSettings
from autosimnet_desktop.core.records import BusyError, CancelToken, Cancelled, FolderError, ModelError, NotIndexedError, Progress
from autosimnet_desktop.locations import DEFAULT_MODEL

from .conftest import PAPER_MODEL, shared_data
from .core_helpers import SpyIndex, add_hostile_files, add_unusual_good_files, make_catalogue, read_file_while_it_grows, write_photo

SMALL_BATCHES = IndexSettings(batch_size=8, small_batch_size=8, chunk_size=2, small_chunk_size=2, workers=2)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """The shipped model, loaded once per module (an Encoder is stateless and thread-safe)."""
    return Encoder(PAPER_MODEL)


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry below `folder` with size and mtime, to prove nothing was written there."""
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            st = path.lstat()
            state[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return state


def test_hostile_catalogue_indexes_every_good_file_and_lists_every_bad_one(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    good = make_catalogue(folder, 12) + add_unusual_good_files(folder) + ["folder.jpg/inside.jpg"]
    expected = add_hostile_files(folder)
    before = tree_state(folder)

    catalogue = build_catalogue(folder, encoder)
    report = catalogue.index()

    reasons = {f.path: f.reason for f in report.failures}
    assert set(reasons) == set(expected)
    for path, word in expected.items():
        assert word.lower() in reasons[path].lower(), (path, reasons[path])
    assert report.new == len(good) and report.unreadable == len(expected)
    assert catalogue.count() == len(good)
    assert {f.path for f in catalogue.failures()} == set(expected)
    assert catalogue.info().failures == len(expected)
    related = catalogue.related(k=3)
    assert sorted(related) == sorted(good)  # hidden files and bad files never appear
    assert tree_state(folder) == before  # nothing was written into the catalogue folder
    catalogue.close()


def test_second_run_changes_nothing_and_does_not_rewrite_the_index(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 20)
    index = SpyIndex(encoder.dim)
    catalogue = build_catalogue(folder, encoder, vector_index=index)
    assert catalogue.index().new == 20 and index.saves == 1
    index_file = catalogue.index_path
    inode = index_file.stat().st_ino  # a save writes a new file and renames it over the old one
    report = catalogue.index()
    assert (report.new, report.changed, report.removed, report.unchanged) == (0, 0, 0, len(paths))
    assert index.saves == 1 and index_file.stat().st_ino == inode


def test_add_change_delete_rename_are_picked_up(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 10)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()

    write_photo(folder / "new" / "added.jpg", 100)
    write_photo(folder / "shoes" / "item-0000.jpg", 101)  # changed content
    (folder / "shirts" / "item-0001.jpg").unlink()
    (folder / "shoes" / "item-0002.jpg").rename(folder / "moved.jpg")
    report = catalogue.index()

    assert (report.new, report.changed, report.removed) == (1, 1, 1)
    assert report.unchanged == 8  # 7 untouched + the renamed file, whose embedding was kept
    assert catalogue.count() == 10
    everything = {hit.path for hit in catalogue.query(folder / "moved.jpg", k=100)}
    assert "shirts/item-0001.jpg" not in everything and "shoes/item-0002.jpg" not in everything
    assert {"moved.jpg", "new/added.jpg"} <= everything
    top = catalogue.query(folder / "shoes" / "item-0000.jpg", k=1)[0]
    assert top.path == "shoes/item-0000.jpg" and top.similarity == pytest.approx(1.0, abs=1e-4)


def test_files_deleted_since_the_last_index_never_appear_in_results(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 16)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    deleted = set(paths[1:12])  # more than the few spare neighbours a top-k search asks for
    for relpath in deleted:
        (folder / relpath).unlink()
    kept = set(paths) - deleted
    hits = catalogue.query(folder / paths[0], k=4)
    assert [h.path for h in hits][0] == paths[0] and {h.path for h in hits} <= kept and len(hits) == 4
    assert {h.path for h in catalogue.similar_to(paths[0], k=10)} == kept - {paths[0]}
    related = catalogue.related(k=3)
    assert set(related) == kept
    assert all(len(hits) == 3 and {h.path for h in hits} <= kept for hits in related.values())
    assert catalogue.duplicates(min_similarity=0.0)[0][0].path in kept
    assert all(h.path in kept for group in catalogue.duplicates(min_similarity=0.0) for h in group)


def test_new_mtime_with_same_content_is_not_re_encoded(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 6)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    target = folder / "shoes" / "item-0000.jpg"
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    report = catalogue.index()
    assert (report.new, report.changed, report.unchanged) == (0, 0, 6)


def test_content_change_with_same_size_and_mtime_is_detected(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    target = write_photo(folder / "a.bmp", 1, "BMP")  # BMPs of one size have one byte length
    write_photo(folder / "b.bmp", 2, "BMP")
    stamp = target.stat().st_mtime_ns
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    write_photo(target, 3, "BMP")
    os.utime(target, ns=(stamp, stamp))  # same size, same mtime: only the content tells
    report = catalogue.index()
    assert report.changed == 1
    top = catalogue.query(folder / "a.bmp", k=1)[0]
    assert top.path == "a.bmp" and top.distance == pytest.approx(0.0, abs=1e-3)


def test_query_accepts_path_bytes_and_pil_and_handles_any_k(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 8)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    source = folder / paths[3]
    for query in (source, str(source), source.read_bytes(), Image.open(source)):
        hits = catalogue.query(query, k=3)
        # an unloaded PIL image is decoded without JPEG draft mode, hence "about" 1
        assert hits[0].path == paths[3] and hits[0].similarity == pytest.approx(1.0, abs=1e-3)
        assert [h.distance for h in hits] == sorted(h.distance for h in hits)
        assert all(0.0 <= h.similarity <= 1.0 for h in hits)
    assert len(catalogue.query(source, k=500)) == 8
    assert catalogue.query(source, k=0) == []
    with pytest.raises(ImageError):
        catalogue.query(b"not an image")
    with pytest.raises(ImageError):
        catalogue.query(tmp_path / "missing.jpg")


def test_similar_to_excludes_the_item_and_unknown_paths_raise(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 6)
    shutil.copy(folder / paths[0], folder / "copy.jpg")
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    hits = catalogue.similar_to(paths[0], k=10)
    assert len(hits) == 6 and paths[0] not in {h.path for h in hits}
    assert hits[0].path == "copy.jpg" and hits[0].similarity == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(NotIndexedError):
        catalogue.similar_to("nope.jpg")


def test_related_and_duplicates(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 10)
    shutil.copy(folder / paths[0], folder / "dup-a.jpg")
    shutil.copy(folder / paths[0], folder / "dup-b.jpg")
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    seen: list[Progress] = []
    related = catalogue.related(k=4, progress=seen.append)
    assert len(related) == 12 and seen[-1].done == seen[-1].total == 12
    for product, hits in related.items():
        assert len(hits) == 4 and product not in {h.path for h in hits}
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    groups = catalogue.duplicates(min_similarity=0.999)
    assert [sorted(h.path for h in g) for g in groups] == [sorted([paths[0], "dup-a.jpg", "dup-b.jpg"])]
    assert groups[0][0].similarity == 1.0
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        catalogue.related(k=2, cancel=cancel)


def test_duplicates_groups_every_copy_even_beyond_the_neighbours_first_looked_at(tmp_path: Path,
                                                                                 encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 10)
    placeholder = folder / "placeholders"
    placeholder.mkdir()
    for i in range(30):  # a shop's "no photo yet" image, 30 times: more than the 20 neighbours first asked for
        shutil.copy(folder / paths[0], placeholder / f"todo-{i:02d}.jpg")
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    groups = catalogue.duplicates(min_similarity=0.999)
    assert len(groups) == 1 and len(groups[0]) == 31
    assert {h.path for h in groups[0]} == {paths[0]} | {f"placeholders/todo-{i:02d}.jpg" for i in range(30)}


def test_cancel_keeps_finished_work_and_the_next_run_resumes(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 60)
    cancel = CancelToken()

    def stop_after_two_batches(p: Progress) -> None:
        if p.stage == "indexing" and p.done >= 16:
            cancel.cancel()

    catalogue = build_catalogue(folder, encoder, settings=SMALL_BATCHES)
    first = catalogue.index(progress=stop_after_two_batches, cancel=cancel)
    assert first.cancelled and 16 <= first.new < 60
    catalogue.close()

    reopened = build_catalogue(folder, encoder, settings=SMALL_BATCHES)
    assert reopened.count() == first.new  # what was finished was saved
    second = reopened.index()
    assert not second.cancelled and second.new == 60 - first.new and second.unchanged == first.new
    assert reopened.count() == 60


def test_progress_reports_rate_eta_and_current_file(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 20)
    seen: list[Progress] = []
    build_catalogue(folder, encoder, settings=SMALL_BATCHES).index(progress=seen.append)
    indexing = [p for p in seen if p.stage == "indexing"]
    assert seen[0].stage == "scanning" and indexing[-1].done == indexing[-1].total == 20
    assert all(p.rate > 0 and p.current.endswith(".jpg") for p in indexing)
    assert indexing[0].eta is not None


def test_files_vanishing_or_changing_during_the_run(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 30)
    write_photo(folder / "zz" / "vanishes.jpg", 200)
    write_photo(folder / "zz" / "changes.jpg", 201)
    done = threading.Event()

    def meddle(p: Progress) -> None:
        if p.stage == "indexing" and not done.is_set():
            done.set()
            (folder / "zz" / "vanishes.jpg").unlink()
            write_photo(folder / "zz" / "changes.jpg", 202)

    settings = IndexSettings(batch_size=4, small_batch_size=4, chunk_size=1, small_chunk_size=1, workers=1)
    catalogue = build_catalogue(folder, encoder, settings=settings)
    report = catalogue.index(progress=meddle)
    assert [f.path for f in report.failures] == ["zz/vanishes.jpg"]
    assert "not found" in report.failures[0].reason
    top = catalogue.query(folder / "zz" / "changes.jpg", k=1)[0]
    assert top.path == "zz/changes.jpg" and top.distance == pytest.approx(0.0, abs=1e-3)
    again = catalogue.index()  # the vanished file is dropped, the changed one is current
    assert again.unreadable == 0 and again.changed == 0 and again.new == 0


def test_an_unreadable_file_and_a_file_still_being_written_are_listed_with_their_reasons(
        tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 6)
    locked = write_photo(folder / "locked.jpg", 300)
    growing = write_photo(folder / "copying.jpg", 301)
    refused = {locked, growing}  # emptied once the owner has fixed the rights and the copy has finished

    def read_as_a_normal_user_while_a_copy_goes_on(path: Path, max_bytes: int) -> tuple[bytes, FileState]:
        if path == locked and locked in refused:  # root could read a chmod 000 file anyway
            raise PermissionError(13, "Permission denied", str(path))
        if path == growing and growing in refused:
            return read_file_while_it_grows(path, max_bytes)
        return read_file(path, max_bytes)

    catalogue = build_catalogue(folder, encoder, read=read_as_a_normal_user_while_a_copy_goes_on)
    report = catalogue.index()
    reasons = {f.path: f.reason for f in report.failures}
    assert report.new == 6 and set(reasons) == {"locked.jpg", "copying.jpg"}
    assert "permission denied" in reasons["locked.jpg"].lower()
    assert "kept changing" in reasons["copying.jpg"]
    assert {f.path for f in catalogue.failures()} == set(reasons)  # what `info` lists
    refused.clear()
    again = catalogue.index()  # readable and finished now: both are indexed
    assert again.new == 2 and again.unreadable == 0 and catalogue.count() == 8


def test_a_run_that_fails_leaves_the_index_in_memory_as_saved(tmp_path: Path, encoder: Encoder,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from autosimnet_desktop.core.storage.store import Store

    folder = tmp_path / "shop"
    make_catalogue(folder, 150)
    real_add = Store.add_indexed
    calls = []

    def fail_on_the_second_batch(self, rows, checked_at):
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_add(self, rows, checked_at)

    monkeypatch.setattr(Store, "add_indexed", fail_on_the_second_batch)
    catalogue = build_catalogue(folder, encoder, settings=SMALL_BATCHES)
    with pytest.raises(OSError):
        catalogue.index()
    assert catalogue.count() == 0 and catalogue.query(folder / "shoes" / "item-0000.jpg", k=5) == []
    monkeypatch.undo()
    report = catalogue.index()  # nothing was saved before the failure: everything is indexed now
    assert report.new == 150 and catalogue.count() == 150


def test_a_batch_that_fails_to_record_rolls_back_even_when_the_run_was_cancelled(
        tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    from autosimnet_desktop.core.storage.store import Store

    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 20)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    changed = paths[3]
    write_photo(folder / changed, 9999, size=(70, 90))  # new content and size: its row is rewritten
    token = CancelToken()

    def disk_full(self, rows, checked_at):
        raise OSError(28, "No space left on device")

    def cancel_once_a_batch_is_recording(progress: Progress) -> None:
        if progress.stage == "indexing":
            token.cancel()

    with monkeypatch.context() as patch:  # (undo() would also drop the test's data folder setting)
        patch.setattr(Store, "add_indexed", disk_full)
        with pytest.raises(OSError):
            catalogue.index(progress=cancel_once_a_batch_is_recording, cancel=token)
    assert not catalogue.store._conn.in_transaction  # rolled back: the rewritten row is not kept
    catalogue.close()  # (closing commits whatever is pending: nothing must be)
    reopened = build_catalogue(folder, encoder)
    report = reopened.index()
    assert report.changed == 1 and report.unchanged == 19
    hit = reopened.query(folder / changed, k=1)[0]
    assert hit.path == changed and hit.distance < 1e-3
    reopened.close()


def test_a_model_file_replaced_under_the_same_name_rebuilds_and_says_so(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="the onnx package (test extra) edits model metadata")
    model_path = tmp_path / "models" / "shop-model.onnx"  # an updated model installed over the old file
    model_path.parent.mkdir()
    model_path.write_bytes(PAPER_MODEL.read_bytes())
    folder = tmp_path / "shop"
    make_catalogue(folder, 8)
    build_catalogue(folder, load_encoder(model_path)).index()
    proto = onnx.load(str(PAPER_MODEL))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "model_version", "test-copy"
    onnx.save(proto, str(model_path))

    switched = build_catalogue(folder, load_encoder(model_path))
    assert switched.count() == 0 and "built with" in switched.info().note
    assert switched.query(folder / "shoes" / "item-0000.jpg") == []
    report = switched.index()
    assert report.rebuilt and report.changed == 8 and "re-encodes" in report.message
    assert switched.count() == 8
    switched.close()


def test_open_reports_missing_folder_and_bad_model(tmp_path: Path) -> None:
    with pytest.raises(FolderError):
        open_catalogue(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(FolderError):
        open_catalogue(tmp_path / "file.txt")
    with pytest.raises(ModelError):
        open_catalogue(tmp_path, model=tmp_path / "nope.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError):
        open_catalogue(tmp_path, model=bad)


def test_queries_during_indexing_see_the_items_indexed_so_far(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 120)
    catalogue = build_catalogue(folder, encoder, settings=SMALL_BATCHES)
    probe = (folder / paths[0]).read_bytes()
    errors: list[BaseException] = []
    counts: list[int] = []
    finished = threading.Event()

    def reader() -> None:
        try:
            while not finished.is_set():
                counts.append(catalogue.count())
                hits = catalogue.query(probe, k=5)
                assert all((folder / h.path).exists() for h in hits)
                catalogue.failures()
                catalogue.info()
                if hits:
                    catalogue.similar_to(hits[0].path, k=3)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        report = catalogue.index()
    finally:
        finished.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert report.new == 120 and counts == sorted(counts) and counts[-1] <= 120
    assert any(0 < c < 120 for c in counts)  # readers saw a partly built index


def test_damaged_store_and_missing_index_are_recovered(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 6)
    catalogue = build_catalogue(folder, encoder)
    catalogue.index()
    catalogue.close()
    catalogue.index_path.unlink()
    reopened = build_catalogue(folder, encoder)
    assert reopened.count() == 0 and "missing" in reopened.info().note
    report = reopened.index()
    assert report.changed == 6 and reopened.count() == 6
    reopened.close()

    store_file = reopened.store.path
    for extra in ("-wal", "-shm"):
        Path(f"{store_file}{extra}").unlink(missing_ok=True)
    store_file.write_bytes(b"garbage" * 100)
    damaged = build_catalogue(folder, encoder)
    report = damaged.index()
    assert "damaged" in report.message and damaged.count() == 6


def test_scale_is_estimated_when_the_model_has_none(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="the onnx package (test extra) edits model metadata")
    proto = onnx.load(str(PAPER_MODEL))
    kept = [p for p in proto.metadata_props if p.key != "distance_scale"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    plain = tmp_path / "plain.onnx"
    onnx.save(proto, str(plain))
    folder = tmp_path / "shop"
    make_catalogue(folder, 30)
    catalogue = build_catalogue(folder, load_encoder(plain))
    catalogue.index()
    info = catalogue.info()
    assert info.scale_source == "catalogue" and info.distance_scale > 0
    related = catalogue.related(k=29)
    sims = np.array([h.similarity for hits in related.values() for h in hits])
    assert 0.2 < float(np.mean(sims)) < 0.6  # a typical pair is about exp(-1)
    catalogue.close()
    assert build_catalogue(folder, load_encoder(plain)).store.get_meta("scale_estimate") is not None


def test_real_product_photos_find_themselves(tmp_path: Path, encoder: Encoder) -> None:
    source = shared_data("products-dev") / "images"
    folder = tmp_path / "real"
    folder.mkdir()
    files = sorted(source.glob("*.jpg"))[:150]
    for f in files:
        shutil.copy(f, folder / f.name)
    catalogue = build_catalogue(folder, encoder)
    report = catalogue.index()
    assert report.new == len(files) and report.unreadable == 0
    for f in files[:20]:
        assert catalogue.query(folder / f.name, k=1)[0].path == f.name


def test_one_indexer_at_a_time_and_a_second_catalogue_picks_up_its_work(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 24)
    first, second = build_catalogue(folder, encoder, settings=SMALL_BATCHES), build_catalogue(folder, encoder)
    started, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def slow(p: Progress) -> None:
        if p.stage == "indexing":
            started.set()
            release.wait(10)

    worker = threading.Thread(target=lambda: outcome.append(first.index(progress=slow)))
    worker.start()
    assert started.wait(10)
    try:
        with pytest.raises(BusyError):
            first.index()  # same object, another thread
        with pytest.raises(BusyError, match="another program"):
            second.index()  # another catalogue object (or process) on the same folder
    finally:
        release.set()
        worker.join()
    assert outcome[0].new == 24  # type: ignore[attr-defined]
    report = second.index()  # it reloads the index the first one saved instead of overwriting it
    assert report.unchanged == 24 and second.count() == 24


def test_a_moved_catalogue_folder_never_shows_stale_results(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 6)
    build_catalogue(folder, encoder).index()
    moved = tmp_path / "elsewhere" / "shop"
    moved.parent.mkdir()
    folder.rename(moved)
    with pytest.raises(FolderError):
        build_catalogue(folder, encoder)
    catalogue = build_catalogue(moved, encoder)
    assert catalogue.count() == 0  # a new place is a new catalogue: nothing points into the old one
    assert catalogue.index().new == 6
    assert sorted(catalogue.related(k=1)) == paths


# -- the default (fused) model: switching models and the colour <-> shape balance -----------------------------


def coloured_products(folder: Path) -> None:
    """Boxes and rings (two shapes) in red and in blue (two colours), a few shades each, on white."""
    from PIL import ImageDraw

    for shape in ("box", "ring"):
        for colour, rgb in (("red", (200, 30, 30)), ("blue", (30, 40, 200))):
            for i in range(4):
                img = Image.new("RGB", (80, 80), "white")
                draw = ImageDraw.Draw(img)
                fill = tuple(min(255, c + 12 * i) for c in rgb)
                box = (12 + i, 10, 68 - i, 70)
                if shape == "box":
                    draw.rectangle(box, fill=fill)
                else:
                    draw.ellipse(box, outline=fill, width=9)
                (folder / shape).mkdir(parents=True, exist_ok=True)
                img.save(folder / shape / f"{colour}-{i}.png")


def test_the_default_model_is_a_fused_model(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 4)
    with open_catalogue(folder) as catalogue:
        assert catalogue.model.path.name == DEFAULT_MODEL == "autosimnet-best.onnx"
        assert catalogue.segments is not None and 0 < catalogue.segments.default_weight < 1
        assert catalogue.encoder.dim == catalogue.model.embedding_size <= 256


def test_colour_weight_moves_the_ranking_from_shape_to_colour(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    coloured_products(folder)
    with open_catalogue(folder) as catalogue:
        catalogue.index()
        probe = "box/red-0.png"
        default = catalogue.similar_to(probe, 5)
        assert catalogue.similar_to(probe, 5, colour_weight=catalogue.segments.default_weight) == default
        shape_only = catalogue.similar_to(probe, 3, colour_weight=0.0)
        colour_only = catalogue.similar_to(probe, 3, colour_weight=1.0)
        assert all(hit.path.startswith("box/") for hit in shape_only), shape_only
        assert all("/red-" in hit.path for hit in colour_only), colour_only
        for hits in (shape_only, colour_only):
            assert [h.distance for h in hits] == sorted(h.distance for h in hits)
            assert all(0 < h.similarity <= 1 for h in hits) and probe not in [h.path for h in hits]
        queried = catalogue.query(folder / probe, 4, colour_weight=1.0)
        assert queried[0].path == probe and all("/red-" in h.path for h in queried)
        related = catalogue.related(3, colour_weight=1.0)
        assert related[probe] == colour_only
        with pytest.raises(ValueError):
            catalogue.similar_to(probe, 3, colour_weight=1.5)


def test_each_shipped_model_keeps_its_own_index_so_switching_back_encodes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 6)
    with open_catalogue(folder) as default:
        default.index()
        default.set_grouping("folder")  # the owner's choice follows the catalogue, whatever the model
        assert default.model_change() is None
    with open_catalogue(folder, model="autosimnet-paper") as paper:
        assert paper.count() == 0  # its own index, not built yet: the window says it indexes anew
        assert paper.model_change() == (default.model.label, 6)
        assert paper.product_summary().rule.value == "folder"
        report = paper.index()
        assert report.new == 6 and paper.count() == 6 and report.rebuilt and "kept for switching back" in report.message
        assert paper.model_change() is None
        assert paper.encoder.dim == 2048 and paper.segments is None
        with pytest.raises(ModelError, match="colour"):
            paper.query(folder / "shoes" / "item-0000.jpg", 3, colour_weight=0.5)
        assert paper.query(folder / "shoes" / "item-0000.jpg", 3)[0].path == "shoes/item-0000.jpg"
    with open_catalogue(folder) as default:  # back to the default model: its index is still there
        assert default.count() == 6
        again = default.index()
        assert (again.new, again.changed, again.unchanged) == (0, 0, 6)


def test_an_image_the_model_cannot_embed_is_listed_not_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 12)
    encoder = Encoder(PAPER_MODEL)
    real = encoder.encode
    spec = encoder.preprocess
    blank = np.ones((1, spec.channels, spec.size, spec.size), np.float32)  # an all-white image

    def encode(batch: np.ndarray) -> np.ndarray:
        """The real model, but NaN for an all-white image (as a broken model might give)."""
        out = real(batch)
        out[np.all(batch.reshape(len(out), -1) == 1.0, axis=1)] = np.nan
        return out

    monkeypatch.setattr(encoder, "encode", encode)
    Image.new("RGB", (60, 80), "white").save(folder / "shoes" / "blank.jpg", quality=95)
    assert np.isnan(encoder.encode(blank)).all()
    catalogue = build_catalogue(folder, encoder, tmp_path / "data", settings=SMALL_BATCHES)
    report = catalogue.index()
    assert report.new == 12 and report.unreadable == 1
    assert {f.path: f.reason for f in report.failures} == {"shoes/blank.jpg": "the model produced no usable embedding"}
    assert all(hit.path != "shoes/blank.jpg" for hit in catalogue.query(folder / "shoes" / "blank.jpg", k=20))
    catalogue.close()


def test_a_closed_catalogue_is_freed_without_the_garbage_collector(tmp_path: Path, encoder: Encoder) -> None:
    import gc
    import weakref

    folder = tmp_path / "shop"
    make_catalogue(folder, 6)
    catalogue = build_catalogue(folder, encoder, tmp_path / "data")
    catalogue.index()
    assert catalogue.query(folder / "shoes" / "item-0000.jpg", k=2)[0].path == "shoes/item-0000.jpg"
    refs = [weakref.ref(catalogue), weakref.ref(catalogue.vector_index), weakref.ref(catalogue.searcher)]
    catalogue.close()
    gc.disable()  # the app freezes long-lived objects: a cycle here would keep the model and index for good
    try:
        del catalogue
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()
