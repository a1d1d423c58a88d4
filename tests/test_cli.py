"""The `autosimnet` command-line contract: outputs, formats and exit codes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest


from .core_helpers import add_hostile_files, make_catalogue
from .core_helpers import run_cli as run


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    """A small catalogue with two unreadable files."""
    folder = tmp_path / "shop, with spaces"
    make_catalogue(folder, 8)
    (folder / "bad").mkdir()
    (folder / "bad" / "empty.jpg").write_bytes(b"")
    (folder / "bad" / "text.jpg").write_text("hello")
    return folder


def test_index_prints_counts_and_reasons_then_is_incremental(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "index", str(shop))
    assert code == 0 and err == ""
    assert "new 8, changed 0, removed 0, unchanged 0, unreadable 2" in out
    assert "bad/empty.jpg: empty file" in out and "bad/text.jpg: not an image" in out
    code, out, _ = run(capsys, "index", str(shop), "--json")
    report = json.loads(out)
    assert code == 0 and (report["new"], report["unchanged"], report["unreadable"]) == (0, 8, 2)
    assert {"changed", "removed", "seconds", "images_per_second", "failures"} <= set(report)
    assert {"path": "bad/empty.jpg", "reason": "empty file (0 bytes)"} in report["failures"]


def test_query_related_duplicates_and_info(shop: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "index", str(shop), "--quiet")
    image = shop / "shoes" / "item-0000.jpg"
    code, out, _ = run(capsys, "query", str(image), "--folder", str(shop), "-k", "3", "--json")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3 and hits[0]["path"] == "shoes/item-0000.jpg"
    assert set(hits[0]) == {"product", "name", "category", "path", "photos", "similarity", "distance"}
    assert hits[0]["similarity"] == pytest.approx(1, abs=1e-3)
    assert hits[0]["product"] == "shoes/item-0000.jpg"  # distinct product names in category folders: one per photo
    code, out, _ = run(capsys, "query", str(image), "--folder", str(shop))
    assert code == 0 and out.splitlines()[0].split()[-1] == "shoes/item-0000.jpg"

    code, out, _ = run(capsys, "related", "--folder", str(shop), "-k", "2", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["product", "rank", "similar", "similarity"]
    assert len(rows) == 1 + 8 * 2 and {r[1] for r in rows[1:]} == {"1", "2"}
    assert all(r[0] != r[2] and "\\" not in r[0] for r in rows[1:])
    output = tmp_path / "related.json"
    code, out, _ = run(capsys, "related", "--folder", str(shop), "-k", "2", "--format", "json", "--output", str(output))
    related = json.loads(output.read_text(encoding="utf-8"))
    assert code == 0 and out == "" and len(related) == 8
    assert all(len(v) == 2 and set(v[0]) == {"product", "similarity", "distance", "photo"} for v in related.values())
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "related", "--folder", str(shop), "-k", "2", "--format", "json", "--output", "-")
    assert code == 0 and json.loads(out) == related and not (tmp_path / "-").exists()  # '-' is standard output
    code, out, _ = run(capsys, "related", "--folder", str(shop), "-k", "2", "--format", "json", "--output", "./-")
    assert code == 0 and out == "" and json.loads((tmp_path / "-").read_text(encoding="utf-8")) == related

    code, out, _ = run(capsys, "duplicates", "--folder", str(shop), "--min-similarity", "0.9999", "--format", "json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "duplicates", "--folder", str(shop))
    assert code == 0 and out.splitlines()[0] == "group,path,similarity,distance,product"

    code, out, _ = run(capsys, "info", "--folder", str(shop), "--json")
    info = json.loads(out)
    assert code == 0 and info["count"] == 8 and info["failures"] == 2 and info["last_indexed"]
    assert [f["path"] for f in info["failure_list"]] == ["bad/empty.jpg", "bad/text.jpg"]
    code, out, _ = run(capsys, "info", "--folder", str(shop))
    assert code == 0 and "searchable:    8 images" in out
    assert "8 photos in 8 products, one product per photo (picked automatically)" in out


@pytest.mark.parametrize("argv", [
    ["index", "{missing}"],
    ["info", "--folder", "{missing}"],
    ["query", "{image}", "--folder", "{missing}"],
    ["query", "{missing}", "--folder", "{shop}"],
    ["query", "{text}", "--folder", "{shop}"],
    ["query", "{image}", "--folder", "{shop}", "-k", "0"],
    ["query", "{image}"],
    ["query", "{folder_as_image}", "--folder", "{shop}"],
    ["related"],
    ["related", "--folder", "{missing}"],
    ["related", "--folder", "{shop}", "--format", "xml"],
    ["duplicates"],
    ["duplicates", "--folder", "{missing}"],
    ["duplicates", "--folder", "{shop}", "--min-similarity", "2"],
    ["related", "--folder", "{shop}", "--products", "sku"],
    ["related", "--folder", "{shop}", "--products-csv", "{missing}"],
    ["related", "--folder", "{shop}", "--products-csv", "{text}"],
    ["related", "--folder", "{shop}", "--same-category"],
    ["index", "{shop}", "--products-csv", "{text}"],
    ["match", "--folder", "{shop}"],
    ["match", "{image}", "--folder", "{missing}"],
    ["bench", "--data-dir", "{shop}"],  # bench makes its own data: the option would be ignored
    ["frobnicate"],
    [],
])
def test_bad_usage_exits_2_with_one_line(argv: list[str], shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "index", str(shop), "--quiet")
    names = {"missing": str(shop / "nope"), "image": str(shop / "shoes" / "item-0000.jpg"), "shop": str(shop),
             "text": str(shop / "bad" / "text.jpg"), "folder_as_image": str(shop / "bad")}
    code, _, err = run(capsys, *[a.format(**names) for a in argv])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_other_failures_exit_1_with_one_line_and_traceback_only_when_verbose(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", str(shop / "shoes" / "item-0000.jpg"), "--folder", str(shop))
    assert code == 1 and "not been indexed" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "index", str(shop), "--model", "no-such-model")
    assert code == 1 and err.strip() == "autosimnet: error: model not found: no-such-model"
    bad_model = shop.parent / "broken.onnx"
    bad_model.write_bytes(b"garbage")
    code, _, err = run(capsys, "index", str(shop), "--model", str(bad_model))
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "index", str(shop), "--model", str(bad_model), "--verbose")
    assert code == 1 and "Traceback" in err and err.strip().splitlines()[-1].startswith("autosimnet: error:")
    code, _, err = run(capsys, "--verbose", "index", str(shop), "--model", str(bad_model))
    assert code == 1 and "Traceback" in err


def test_hostile_files_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 4)
    expected = add_hostile_files(folder)
    code, out, _ = run(capsys, "index", str(folder), "--json")
    report = json.loads(out)
    assert code == 0 and report["new"] == 5 and {f["path"] for f in report["failures"]} == set(expected)


def test_ctrl_c_during_index_keeps_the_work_done_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from autosimnet_desktop.core.catalogue.catalogue import Catalogue

    folder = tmp_path / "shop"
    make_catalogue(folder, 150)
    real_index = Catalogue.index

    def index_with_a_ctrl_c(self: Catalogue, progress=None, cancel=None):
        # several batches of 150 photos
        self.settings = dataclasses.replace(self.settings, batch_size=32, small_batch_size=32)

        def on_progress(p) -> None:  # the user presses Ctrl+C once the first batch is indexed
            if p.stage == "indexing" and p.done and not cancel.cancelled:
                signal.raise_signal(signal.SIGINT)
        return real_index(self, progress=on_progress, cancel=cancel)

    monkeypatch.setattr(Catalogue, "index", index_with_a_ctrl_c)
    code, out, err = run(capsys, "index", str(folder), "--json")
    report = json.loads(out)
    assert code == 1 and report["cancelled"] and 0 < report["new"] < 150
    assert err.count("\n") == 1 and "interrupted" in err and "again" in err
    monkeypatch.setattr(Catalogue, "index", real_index)
    code, out, err = run(capsys, "index", str(folder), "--json")
    assert code == 0 and err == "" and json.loads(out)["new"] == 150 - report["new"]


def test_installed_entry_point_and_data_dir_option(shop: Path, tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    script = shutil.which("autosimnet", path=str(Path(sys.executable).parent))  # what `pip install` put there
    assert script is not None, "the autosimnet command is not installed beside this Python"
    command = [script, "index", str(shop), "--data-dir", str(data), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 8 and done.stderr == ""  # no progress bar when not a TTY
    assert list((data / "catalogues").iterdir())
    done = subprocess.run([sys.executable, "-m", "autosimnet_desktop.cli", "info", "--folder", str(shop)],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert "searchable:    0 images" in done.stdout  # the default data folder knows nothing of it


def test_colour_weight_on_query_and_related(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "index", str(shop), "--quiet")
    image = shop / "shoes" / "item-0000.jpg"
    for weight in ("0", "0.3", "1"):
        code, out, err = run(capsys, "query", str(image), "--folder", str(shop), "-k", "3", "--json",
                             "--colour-weight", weight)
        hits = json.loads(out)
        assert code == 0 and err == "" and hits[0]["path"] == "shoes/item-0000.jpg" and len(hits) == 3
    code, out, _ = run(capsys, "related", "--folder", str(shop), "-k", "2", "--format", "json",
                       "--colour-weight", "1")
    assert code == 0 and len(json.loads(out)) == 8
    for bad in ("1.5", "-0.1", "red"):
        code, out, err = run(capsys, "query", str(image), "--folder", str(shop), "--colour-weight", bad)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--colour-weight" in err
        code, _, err = run(capsys, "related", "--folder", str(shop), "--colour-weight", bad)
        assert code == 2 and len(err.strip().splitlines()) == 1


def test_the_retired_product_model_name_still_works(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "index", str(shop), "--quiet", "--model", "autosimnet-product")
    assert code == 0
    code, out, _ = run(capsys, "info", "--folder", str(shop), "--model", "autosimnet-product", "--json")
    assert code == 0 and json.loads(out)["model_label"].startswith("autosimnet-fast")


def test_the_paper_model_stays_selectable_and_refuses_a_colour_weight(shop: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "index", str(shop), "--quiet")
    code, out, _ = run(capsys, "info", "--folder", str(shop), "--json")
    assert code == 0 and json.loads(out)["model_label"].startswith("autosimnet-best")
    code, out, _ = run(capsys, "index", str(shop), "--model", "autosimnet-paper")  # its own index: 8 new
    assert code == 0 and "new 8," in out and "note: first index with autosimnet-paper" in out
    code, out, _ = run(capsys, "index", str(shop))  # back to the default: its index was kept, nothing re-encoded
    assert code == 0 and "new 0, changed 0" in out and "unchanged 8" in out
    image = shop / "shoes" / "item-0000.jpg"
    code, out, _ = run(capsys, "query", str(image), "--folder", str(shop), "--model", "autosimnet-paper", "--json")
    assert code == 0 and json.loads(out)[0]["path"] == "shoes/item-0000.jpg"
    for argv in (["query", str(image)], ["related"]):
        code, out, err = run(capsys, *argv, "--folder", str(shop), "--model", "autosimnet-paper",
                             "--colour-weight", "0.5")
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert "--colour-weight needs a model with separate shape and colour parts" in err


def test_products_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .core_helpers import write_photo

    folder = tmp_path / "shop"
    for seed, sku in enumerate(("RED-1", "BLUE-2", "GREEN-3")):
        for view in ("front", "back"):
            write_photo(folder / sku / f"{view}.jpg", seed * 10 + (view == "back"))
    code, out, _ = run(capsys, "index", str(folder))
    assert code == 0 and "6 photos in 3 products, grouped by folder (picked automatically)" in out
    shop_file = tmp_path / "products.csv"
    shop_file.write_text("sku,image,name,category\n\"RED,1\",https://x/RED-1/front.jpg|https://x/RED-1/back.jpg,"
                         "Red,Shirts\nGONE,gone.jpg,Gone,Shirts\n", encoding="utf-8")
    code, out, _ = run(capsys, "index", str(folder), "--products-csv", str(shop_file), "--json")
    report = json.loads(out)
    assert code == 0 and (report["photos"], report["products"]) == (6, 3)
    assert report["grouping"] == "from products.csv, others grouped by folder"
    code, out, _ = run(capsys, "info", "--folder", str(folder), "--json")
    products = json.loads(out)["products"]
    assert products["product_file_format"] == "plain" and products["products_from_file"] == 1
    assert products["missing_images"] == [{"product": "GONE", "line": 3, "images": ["gone.jpg"]}]
    assert len(products["unmatched_photos"]) == 4
    output = tmp_path / "cross-sells.csv"
    code, out, _ = run(capsys, "related", "--folder", str(folder), "-k", "2", "--format", "woocommerce",
                       "--output", str(output))
    table = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert code == 0 and out == "" and table[0] == ["SKU", "Cross-sells"]
    assert sorted(r[0] for r in table[1:]) == ["BLUE-2", "GREEN-3", "RED,1"]
    assert all(r[0] not in r[1].replace("\\,", "\0").split(",") for r in table[1:])
    code, out, _ = run(capsys, "related", "--folder", str(folder), "--products", "none", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 6  # an override for this command only
    code, out, _ = run(capsys, "info", "--folder", str(folder))
    assert "6 photos in 3 products, from products.csv" in out
    code, out, _ = run(capsys, "match", str(folder / "RED-1" / "front.jpg"), str(tmp_path / "nope.jpg"),
                       "--folder", str(folder), "-k", "1", "--format", "json")
    results = json.loads(out)
    assert code == 0 and results[0]["products"][0]["product"] == "RED,1"
    assert results[1] == {"path": str(tmp_path / "nope.jpg"), "products": [], "error": "no such file or folder"}
    code, out, _ = run(capsys, "related", "--folder", str(folder), "--same-category", "--format", "json")
    assert code == 0 and json.loads(out)["RED,1"] == []  # the only product of its category
