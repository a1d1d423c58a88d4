"""`autosimnet push` and the --qdrant variants of query, related and index: outputs and exit codes (local mode)."""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path

import pytest

pytest.importorskip("qdrant_client")


from .core_helpers import run_cli as run
from .remote_support import make_shop, view


@pytest.fixture()
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A shop of 12 products x 3 photos, indexed with the paper model and its product file."""
    folder = tmp_path / "My Shop"
    products_csv = make_shop(folder, products=12)
    code, _, err = run(capsys, "index", str(folder), "--quiet", "--model", "autosimnet-paper",
                       "--products", "folder", "--products-csv", str(products_csv))
    assert code == 0, err
    return folder


def test_push_then_query_and_related_there_match_the_local_commands(shop: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    qdrant = str(tmp_path / "qdrant")
    code, out, err = run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--model", "autosimnet-paper",
                         "--json")
    report = json.loads(out)
    assert code == 0 and err == ""
    assert (report["collection"], report["sent"], report["deleted"], report["reset"]) == ("My-Shop", 36, 0, True)
    view(shop / "P00" / "view-9.jpg", 900, 0.0)
    (shop / "P01" / "view-0.jpg").unlink()
    run(capsys, "index", str(shop), "--quiet", "--model", "autosimnet-paper")
    code, out, _ = run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--model", "autosimnet-paper")
    assert code == 0 and "sent 1 " in out and "deleted 1, unchanged 35" in out

    image = shop / "P05" / "view-1.jpg"
    local = run(capsys, "query", str(image), "--folder", str(shop), "--model", "autosimnet-paper", "--json")
    there = run(capsys, "query", str(image), "--qdrant", qdrant, "--collection", "My-Shop",
                "--model", "autosimnet-paper", "--json")
    assert local[0] == there[0] == 0
    mine, theirs = json.loads(there[1]), json.loads(local[1])
    assert [h["product"] for h in mine] == [h["product"] for h in theirs]
    assert [h["similarity"] for h in mine] == pytest.approx([h["similarity"] for h in theirs], abs=2e-3)
    assert set(mine[0]) == set(theirs[0])
    text = run(capsys, "query", str(image), "--qdrant", qdrant, "--collection", "My-Shop", "--model",
               "autosimnet-paper", "-k", "2")[1]
    assert text.splitlines()[0].split()[3] == mine[0]["product"] and len(text.splitlines()) == 2

    local_csv = run(capsys, "related", "--folder", str(shop), "--model", "autosimnet-paper", "-k", "4")[1]
    there_csv = run(capsys, "related", "--qdrant", qdrant, "--collection", "My-Shop", "-k", "4")[1]
    rows = list(csv.reader(io.StringIO(there_csv)))
    assert rows[0] == list(csv.reader(io.StringIO(local_csv)))[0]
    pairs = {(r[0], r[2]) for r in rows[1:]}
    local_pairs = {(r[0], r[2]) for r in list(csv.reader(io.StringIO(local_csv)))[1:]}
    assert len(pairs & local_pairs) >= 0.95 * len(local_pairs)

    code, out, _ = run(capsys, "related", "--qdrant", qdrant, "--collection", "My-Shop", "--product", "P03",
                       "--category", "shoes", "--format", "woocommerce")
    assert code == 0 and out.splitlines()[0] == "SKU,Cross-sells"


def test_sharded_index_runs_fill_one_collection_exactly_once(shop: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    qdrant = str(tmp_path / "qdrant")
    sent = 0
    for shard in ("1/2", "2/2"):
        code, out, err = run(capsys, "index", str(shop), "--shard", shard, "--qdrant", qdrant, "--collection", "big",
                             "--model", "autosimnet-paper", "--products", "folder", "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["index"]["new"] == data["push"]["sent"] > 0
        sent += data["push"]["sent"]
    assert sent == 36
    code, out, _ = run(capsys, "index", str(shop), "--shard", "2/2", "--qdrant", qdrant, "--collection", "big",
                       "--model", "autosimnet-paper")
    assert code == 0 and "sent 0 " in out and "new 0," in out
    related = json.loads(run(capsys, "related", "--qdrant", qdrant, "--collection", "big", "--format", "json")[1])
    assert sorted(related) == [f"P{n:02d}" for n in range(12)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_errors_are_one_line_with_the_contracts_exit_codes(shop: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    qdrant = str(tmp_path / "qdrant")
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "push", "--folder", str(shop), "--qdrant", url, "--model", "autosimnet-paper")
    assert code == 1 and err.count("\n") == 1 and f"cannot reach Qdrant at {url}" in err
    code, _, err = run(capsys, "push", "--folder", str(tmp_path / "nowhere"), "--qdrant", qdrant)
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--api-key-env", "NO_SUCH_KEY_VAR")
    assert code == 2 and "NO_SUCH_KEY_VAR is not set" in err
    assert run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--model", "autosimnet-paper")[0] == 0
    other = str(tmp_path / "other-data")
    assert run(capsys, "index", str(shop), "--quiet", "--data-dir", other)[0] == 0  # the default model
    code, _, err = run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--data-dir", other)
    assert code == 1 and err.count("\n") == 1 and "holds vectors of autosimnet-paper" in err and "--recreate" in err
    image = str(shop / "P00" / "view-0.jpg")
    code, _, err = run(capsys, "query", image, "--qdrant", qdrant, "--collection", "My-Shop")
    assert code == 1 and "query it with that --model" in err
    code, _, err = run(capsys, "query", image, "--qdrant", qdrant, "--collection", "nothing-here", "--model",
                       "autosimnet-paper")
    assert code == 1 and "no collection 'nothing-here'" in err
    code, _, err = run(capsys, "query", image, "--folder", str(shop), "--category", "shoes")
    assert code == 2 and "needs --qdrant" in err
    code, _, err = run(capsys, "index", str(shop), "--shard", "3/2", "--qdrant", qdrant)
    assert code == 2 and "--shard" in err
    code, _, err = run(capsys, "push", "--folder", str(shop), "--qdrant", qdrant, "--data-dir", other, "--recreate")
    assert code == 0, err
    new = tmp_path / "fresh"
    make_shop(new, products=1)
    code, _, err = run(capsys, "push", "--folder", str(new), "--qdrant", qdrant)
    assert code == 1 and "run autosimnet index" in err and err.count("\n") == 1
