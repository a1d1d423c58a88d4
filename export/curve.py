"""The whole learning curve of a model trained in several runs continued with --init: python -m export.curve --help.

Each run's train.json names the checkpoint it started from (`config.init`); the chain is followed back to
the first run. An earlier run contributes its epochs up to its best one (the weights the next run took),
numbered on from the runs before it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .train import plot_curve


def run_chain(run_dir: Path) -> list[tuple[Path, dict]]:
    """(run folder, train.json summary) of `run_dir` and every run it continued, oldest first."""
    chain: list[tuple[Path, dict]] = []
    current: Path | None = run_dir
    while current is not None and (current / "train.json").exists():
        summary = json.loads((current / "train.json").read_text())
        chain.append((current, summary))
        init = summary["config"].get("init")
        current = Path(init).parent if init else None
        if current is not None and any(current.resolve() == seen.resolve() for seen, _ in chain):
            break  # a run cannot continue itself; stop rather than loop
    return chain[::-1]


def chained_history(run_dir: Path) -> list[dict]:
    """Every epoch behind the run's best checkpoint, numbered across runs, each with its run folder's name."""
    chain = run_chain(run_dir)
    history: list[dict] = []
    for position, (folder, summary) in enumerate(chain):
        last = position == len(chain) - 1
        kept = summary["history"] if last else [h for h in summary["history"] if h["epoch"] <= summary["best_epoch"]]
        offset = len(history)
        history += [{**h, "epoch": offset + h["epoch"], "run": folder.name} for h in kept]
    return history


def markdown(history: list[dict]) -> str:
    """The history as a markdown table."""
    lines = ["| epoch | run | learning rate | training loss | validation loss | seconds |",
             "|---:|---|---:|---:|---:|---:|"]
    best = min(h["val_loss"] for h in history)
    for h in history:
        val = f"**{h['val_loss']:.5f}**" if h["val_loss"] == best else f"{h['val_loss']:.5f}"
        lr = f"{h['lr']:.2g}" if "lr" in h else "0.001"
        lines.append(f"| {h['epoch']} | {h['run']} | {lr} | {h['train_loss']:.5f} | {val} | {h['seconds']:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.curve", description=__doc__)
    p.add_argument("--run", type=Path, required=True, help="the last run's folder (train.json, best.pt)")
    p.add_argument("--out", type=Path, default=None, help="write the learning-curve PNG here")
    p.add_argument("--title", default="Paper DAE: Fashion-MNIST + products-dev (training part)")
    a = p.parse_args(argv)
    if not (a.run / "train.json").exists():
        p.error(f"no train.json in {a.run}")
    history = chained_history(a.run)
    print(markdown(history))
    if a.out:
        plot_curve(history, a.out, a.title, log_scale=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
