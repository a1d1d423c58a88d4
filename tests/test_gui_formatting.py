"""Human wording of counts, durations, sizes, percentages and progress."""

from __future__ import annotations

from autosimnet_desktop.core.records import Progress
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.formatting import duration, file_size, percent, plural, progress_text


def test_plain_words() -> None:
    assert plural(1, "photo") == "1 photo" and plural(1234, "photo") == "1,234 photos"
    assert duration(0.2) == "under a second" and duration(42) == "42 s"
    assert duration(600) == "10 min" and duration(4800) == "1 h 20 min"
    assert file_size(900) == "900 bytes" and file_size(34_000) == "33 KB" and file_size(2_200_000) == "2.1 MB"
    assert percent(0.999) == "99%" and percent(1.0) == "100%" and percent(-0.1) == "0%"


def test_progress_lines() -> None:
    assert progress_text(Progress(0, 0, stage="scanning")) == "Looking for photos…"
    line = progress_text(Progress(1234, 5000, rate=250.4, eta=30.5, stage="indexing"))
    assert line == "Indexing 1,234 of 5,000 photos · 250 photos/s · about 30 s left"
    assert progress_text(Progress(10, 10, stage="saving")) == "Saving…"


def test_errors_become_one_calm_sentence() -> None:
    from autosimnet_desktop.core.images.decode import ImageError
    from autosimnet_desktop.core.records import FolderError

    assert describe(ImageError("file is truncated or corrupt")) == \
        "This image can't be read: file is truncated or corrupt."
    text = describe(ImageError("not an image this app can read (unknown or damaged format)"))
    assert text == "This file is not an image this app can read (unknown or damaged format)."
    assert text.count("(") == 1  # one sentence, not a reason wrapped in another
    assert describe(FolderError("folder not found: /x"), "Opening") == "Opening failed: folder not found: /x."
    assert describe(PermissionError(13, "Permission denied", "/x/a.png")) == \
        "Permission denied (/x/a.png)."
    assert "unexpected error" in describe(KeyError("boom"))
    assert "Traceback" not in describe(RuntimeError("x"))


def test_what_an_indexing_run_says() -> None:
    from autosimnet_desktop.core.records import IndexReport
    from autosimnet_desktop.gui.runtime.formatting import index_report_message

    assert index_report_message(IndexReport(unchanged=40)) is None  # nothing happened: stay quiet
    text, level, _ = index_report_message(IndexReport(new=300, seconds=4.2))
    assert text.startswith("Ready: 300 photos indexed in 4 s") and level == "info"
    assert index_report_message(IndexReport(new=2, removed=1, unchanged=9))[0] == \
        "Catalogue updated: 2 new, 0 changed, 1 removed."
    assert index_report_message(IndexReport(new=1, cancelled=True))[1] == "warning"
    assert index_report_message(IndexReport(message="the index was rebuilt"))[0] == "The index was rebuilt."
