"""export.curve: the learning curve of a model continued over several runs (--init)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the training helper needs the 'train' extra (torch)")

from export.curve import chained_history, main, run_chain


def _run(folder: Path, losses: list[float], init: Path | None) -> Path:
    folder.mkdir(parents=True)
    history = [{"epoch": i + 1, "train_loss": v + 0.001, "val_loss": v, "seconds": 10.0} for i, v in enumerate(losses)]
    best = min(history, key=lambda h: h["val_loss"])["epoch"]
    summary = {"config": {"init": str(init / "best.pt") if init else None}, "history": history, "best_epoch": best}
    (folder / "train.json").write_text(json.dumps(summary))
    return folder


def test_epochs_are_numbered_across_runs_up_to_each_best_checkpoint(tmp_path: Path) -> None:
    first = _run(tmp_path / "a", [0.5, 0.3, 0.35], None)  # best at epoch 2: the next run starts from it
    second = _run(tmp_path / "b", [0.25, 0.2], first)
    third = _run(tmp_path / "c", [0.21, 0.19, 0.195], second)
    assert [folder.name for folder, _ in run_chain(third)] == ["a", "b", "c"]
    history = chained_history(third)
    assert [(h["epoch"], h["run"], h["val_loss"]) for h in history] == [
        (1, "a", 0.5), (2, "a", 0.3), (3, "b", 0.25), (4, "b", 0.2), (5, "c", 0.21), (6, "c", 0.19), (7, "c", 0.195)]


def test_the_command_writes_the_table_and_the_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _run(tmp_path / "a", [0.5, 0.3], None)
    second = _run(tmp_path / "b", [0.25], first)
    assert main(["--run", str(second), "--out", str(tmp_path / "curve.png")]) == 0
    out = capsys.readouterr().out
    assert "| 3 | b |" in out and "**0.25000**" in out
    assert (tmp_path / "curve.png").stat().st_size > 1000
    with pytest.raises(SystemExit) as exc:
        main(["--run", str(tmp_path / "missing")])
    assert exc.value.code == 2
