"""plan_run: each rule of comparing a scan with the store, without files, threads or a model."""

from __future__ import annotations

from collections.abc import Mapping

from autosimnet_desktop.core.files.reading import FileState
from autosimnet_desktop.core.indexing.plan import RACY_NS, plan_run
from autosimnet_desktop.core.storage.store import FAILED, INDEXED, PENDING, Item

CHECKED = 1_700_000_000.0  # when the rows were last read (seconds)
OLD_NS = int(CHECKED * 1e9) - 10 * RACY_NS  # an mtime well before that


def row(id_: int, path: str, size: int = 100, mtime_ns: int = OLD_NS, digest: str | None = "d1",
        status: str = INDEXED) -> Item:
    return Item(id_, path, size, mtime_ns, digest, status, None, CHECKED)


class Digests:
    """A digest lookup over a fixed table that remembers what it was asked."""

    def __init__(self, table: Mapping[str, str | None]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, paths: list[str]) -> dict[str, tuple[str | None, FileState | None]]:
        self.asked += paths
        return {p: (self.table[p], FileState(100, OLD_NS + 1) if self.table[p] else None) for p in paths}


def test_unchanged_files_are_left_alone_without_reading_them() -> None:
    digests = Digests({})
    plan = plan_run({"a.jpg": FileState(100, OLD_NS)}, {}, {"a.jpg": row(1, "a.jpg")}, digests)
    assert plan.todo == [] and plan.unchanged == 1 and not plan.removed and digests.asked == []


def test_new_resized_failed_and_pending_files_are_encoded() -> None:
    rows = {"resized.jpg": row(1, "resized.jpg", size=90), "failed.jpg": row(2, "failed.jpg", status=FAILED),
            "pending.jpg": row(3, "pending.jpg", status=PENDING)}
    files = {name: FileState(100, OLD_NS) for name in ("new.jpg", "resized.jpg", "failed.jpg", "pending.jpg")}
    plan = plan_run(files, {}, rows, Digests({}))
    assert [(path, r.id if r else None) for path, r in plan.todo] == [
        ("failed.jpg", 2), ("new.jpg", None), ("pending.jpg", 3), ("resized.jpg", 1)]
    assert plan.unchanged == 0


def test_a_new_mtime_with_the_same_content_only_refreshes_the_row() -> None:
    digests = Digests({"a.jpg": "d1", "b.jpg": "other"})
    rows = {"a.jpg": row(1, "a.jpg"), "b.jpg": row(2, "b.jpg")}
    files = {"a.jpg": FileState(100, OLD_NS + 5), "b.jpg": FileState(100, OLD_NS + 5)}
    plan = plan_run(files, {}, rows, digests)
    assert [(r.id, state) for r, state in plan.touched] == [(1, FileState(100, OLD_NS + 1))]
    assert [path for path, _ in plan.todo] == ["b.jpg"] and plan.unchanged == 1
    assert sorted(digests.asked) == ["a.jpg", "b.jpg"]


def test_a_racy_mtime_is_compared_by_content_even_when_size_and_mtime_match() -> None:
    racy = int(CHECKED * 1e9) - RACY_NS // 2  # modified within the racy window before the last read
    digests = Digests({"a.jpg": "changed"})
    plan = plan_run({"a.jpg": FileState(100, racy)}, {}, {"a.jpg": row(1, "a.jpg", mtime_ns=racy)}, digests)
    assert digests.asked == ["a.jpg"] and [path for path, _ in plan.todo] == ["a.jpg"]


def test_a_file_that_cannot_be_read_for_comparison_is_encoded_again() -> None:
    plan = plan_run({"a.jpg": FileState(100, OLD_NS + 5)}, {}, {"a.jpg": row(1, "a.jpg")}, Digests({"a.jpg": None}))
    assert [path for path, _ in plan.todo] == ["a.jpg"] and not plan.touched


def test_a_deleted_file_is_removed_but_a_file_the_scan_could_not_read_is_kept() -> None:
    rows = {"gone.jpg": row(1, "gone.jpg"), "locked/x.jpg": row(2, "locked/x.jpg")}
    plan = plan_run({}, {"locked/x.jpg": "permission denied"}, rows, Digests({}))
    assert [r.id for r in plan.removed] == [1] and plan.todo == []


def test_a_renamed_file_keeps_its_row_and_is_not_encoded() -> None:
    digests = Digests({"new/name.jpg": "d1", "other.jpg": "d9"})
    rows = {"old/name.jpg": row(7, "old/name.jpg")}
    files = {"new/name.jpg": FileState(100, OLD_NS + 3), "other.jpg": FileState(100, OLD_NS + 3)}
    plan = plan_run(files, {}, rows, digests)
    assert [(r.id, path) for r, path, _ in plan.renamed] == [(7, "new/name.jpg")]
    assert plan.removed == [] and [path for path, _ in plan.todo] == ["other.jpg"]
    assert plan.unchanged == 1  # the renamed file counts as unchanged


def test_two_copies_of_a_removed_file_take_its_row_once() -> None:
    digests = Digests({"a.jpg": "d1", "b.jpg": "d1"})
    plan = plan_run({"a.jpg": FileState(100, OLD_NS), "b.jpg": FileState(100, OLD_NS)}, {},
                    {"old.jpg": row(3, "old.jpg")}, digests)
    assert [path for _, path, _ in plan.renamed] == ["a.jpg"] and [path for path, _ in plan.todo] == ["b.jpg"]


def test_only_new_files_the_size_of_a_removed_one_are_compared() -> None:
    digests = Digests({})
    plan = plan_run({"new.jpg": FileState(555, OLD_NS)}, {}, {"old.jpg": row(3, "old.jpg", size=100)}, digests)
    assert digests.asked == [] and [r.id for r in plan.removed] == [3] and [p for p, _ in plan.todo] == ["new.jpg"]
