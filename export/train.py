"""Train the paper's DAE as a denoising autoencoder: python -m export.train --help."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autosimnet_desktop.core.images.decode import Preprocess

from .data import DEFAULT_FASHION_MNIST, Dataset, fashion_mnist, photo_folder
from .model import MODELS, parameter_counts


@dataclass
class TrainConfig:
    """Everything a training run depends on (saved next to the checkpoint)."""

    fashion_mnist: str | None = None
    folders: tuple[str, ...] = ()
    model: str = "paper"
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    noise: float = 0.1
    val_fraction: float = 0.1
    seed: int = 0
    limit: int | None = None
    threads: int | None = None
    patience: int = 3
    min_delta: float = 0.0  # relative: a validation loss must beat the best by this fraction to count
    schedule: str = "constant"  # or "cosine": anneal the learning rate to lr/100 over the epochs
    init: str | None = None  # start from these weights (best.pt of an earlier run) to train on


def load_training_data(cfg: TrainConfig, spec: Preprocess) -> tuple[np.ndarray, list[str]]:
    """All training images (uint8, to keep 64k images in ~260 MB) and a description of the sources."""
    parts: list[np.ndarray] = []
    sources: list[str] = []
    if cfg.fashion_mnist:
        ds = fashion_mnist(Path(cfg.fashion_mnist), "train", spec, cfg.limit)
        parts.append(ds.images)
        sources.append(f"Fashion-MNIST train ({len(ds.images)})")
    for folder in cfg.folders:
        # Only the training part of a folder: its held-out part is for evaluation.
        ds = photo_folder(Path(folder), spec, "train", cfg.limit)
        parts.append(ds.images)
        sources.append(f"{Path(folder).name} training part ({len(ds.images)})")
    if not parts:
        raise SystemExit("error: give --fashion-mnist and/or --folder")
    images = np.concatenate(parts)
    return np.round(images * 255).astype(np.uint8), sources


def _batches(data: np.ndarray, size: int, rng: np.random.Generator | None):
    order = rng.permutation(len(data)) if rng is not None else np.arange(len(data))
    for start in range(0, len(data), size):
        yield torch.from_numpy(data[order[start:start + size]].astype(np.float32) / 255.0)


def _noisy(x: torch.Tensor, level: float, gen: torch.Generator) -> torch.Tensor:
    """Additive Gaussian noise clipped back to [0, 1]: the denoising task."""
    return (x + level * torch.randn(x.shape, generator=gen)).clamp_(0.0, 1.0)


def evaluate_loss(model: nn.Module, data: np.ndarray, cfg: TrainConfig, loss_fn: nn.Module) -> float:
    """Mean reconstruction loss of noisy -> clean on `data` (fixed noise seed, so epochs are comparable)."""
    model.eval()
    gen = torch.Generator().manual_seed(12345)
    total, count = 0.0, 0
    with torch.no_grad():
        for x in _batches(data, 512, None):
            total += loss_fn(model(_noisy(x, cfg.noise, gen)), x).item() * len(x)
            count += len(x)
    return total / max(count, 1)


def plot_curve(history: list[dict], path: Path, title: str, log_scale: bool = False) -> None:
    """The learning curve (training and validation loss per epoch), like the paper's Fig. 6-7."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(epochs, [h["train_loss"] for h in history], marker="o", label="training loss")
    ax.plot(epochs, [h["val_loss"] for h in history], marker="o", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE reconstruction loss" + (" (log scale)" if log_scale else ""))
    if log_scale:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train(cfg: TrainConfig, out_dir: Path, log=print) -> dict:
    """Run training; writes best.pt, train.json and learning-curve.png into out_dir and returns the summary."""
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    spec = Preprocess()
    data, sources = load_training_data(cfg, spec)
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(len(data))
    n_val = max(1, int(len(data) * cfg.val_fraction))
    val, trn = data[order[:n_val]], data[order[n_val:]]
    log(f"data: {', '.join(sources)}; {len(trn)} training, {len(val)} validation images")

    model = MODELS[cfg.model](channels=spec.channels)
    if cfg.init:
        model.load_state_dict(torch.load(cfg.init, weights_only=True))
        log(f"starting from the weights in {cfg.init}")
    total, trainable, frozen = parameter_counts(model)
    log(f"model {cfg.model}: {total:,} parameters ({trainable:,} trainable, {frozen:,} non-trainable)")
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=cfg.epochs, eta_min=cfg.lr / 100)
                 if cfg.schedule == "cosine" else None)
    loss_fn = nn.MSELoss()
    gen = torch.Generator().manual_seed(cfg.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    history: list[dict] = []
    best = math.inf
    stale = 0
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        lr = optimiser.param_groups[0]["lr"]
        running, seen = 0.0, 0
        for x in _batches(trn, cfg.batch_size, rng):
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(_noisy(x, cfg.noise, gen)), x)
            loss.backward()
            optimiser.step()
            running += loss.item() * len(x)
            seen += len(x)
        if scheduler is not None:
            scheduler.step()
        train_loss = running / max(seen, 1)
        val_loss = evaluate_loss(model, val, cfg, loss_fn)
        seconds = time.perf_counter() - t0
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "seconds": seconds, "lr": lr})
        eta = (time.perf_counter() - start) / epoch * (cfg.epochs - epoch)
        marker = ""
        if val_loss < best:
            stale = 0 if val_loss < best * (1 - cfg.min_delta) else stale + 1
            best, marker = val_loss, " (best, saved)"
            torch.save(model.state_dict(), out_dir / "best.pt")
        else:
            stale += 1
        log(f"epoch {epoch}/{cfg.epochs}: train {train_loss:.5f}  val {val_loss:.5f}  "
            f"lr {lr:.2g}  {seconds:.0f}s  ETA {eta / 60:.1f} min{marker}")
        summary = {
            "config": asdict(cfg), "preprocess": asdict(spec), "sources": sources,
            "parameters": {"total": total, "trainable": trainable, "non_trainable": frozen},
            "history": history, "best_val_loss": best,
            "epochs_run": epoch, "best_epoch": min(history, key=lambda h: h["val_loss"])["epoch"],
            "train_images": len(trn), "val_images": len(val),
        }
        (out_dir / "train.json").write_text(json.dumps(summary, indent=2))
        plot_curve(history, out_dir / "learning-curve.png", f"AutoSimNet DAE ({cfg.model}): {' + '.join(sources)}")
        if cfg.patience and stale >= cfg.patience:
            log(f"validation loss has not improved by {cfg.min_delta:.1%} for {stale} epochs: stopping")
            break
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.train", description=__doc__)
    p.add_argument("--fashion-mnist", nargs="?", const=str(DEFAULT_FASHION_MNIST), default=None, metavar="DIR",
                   help="train on Fashion-MNIST train (idx files in DIR; default %(const)s)")
    p.add_argument("--folder", action="append", default=[], help="train on a folder of photos (its training part); repeatable")
    p.add_argument("--model", choices=sorted(MODELS), default="paper")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--noise", type=float, default=0.1, help="std of the additive Gaussian noise on [0,1] pixels")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use at most N images of each source (quick runs)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--patience", type=int, default=3, help="stop after N epochs without a better validation loss (0: never)")
    p.add_argument("--min-delta", type=float, default=0.0,
                   help="an epoch counts as an improvement only if it beats the best validation loss by this "
                        "fraction (e.g. 0.005); --patience counts the others")
    p.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                   help="learning rate: constant, or cosine-annealed to lr/100 over --epochs")
    p.add_argument("--init", default=None, metavar="CHECKPOINT",
                   help="start from the weights of an earlier run's best.pt (continue training; Adam restarts)")
    p.add_argument("--out", type=Path, default=Path("runs/paper"), help="output folder (default %(default)s)")
    a = p.parse_args(argv)
    for folder in a.folder:
        if not Path(folder).is_dir():
            p.error(f"folder not found: {folder}")
    if a.init and not Path(a.init).is_file():
        p.error(f"checkpoint not found: {a.init}")
    if a.fashion_mnist and not Path(a.fashion_mnist).is_dir():
        p.error(f"Fashion-MNIST folder not found: {a.fashion_mnist}")
    cfg = TrainConfig(fashion_mnist=a.fashion_mnist, folders=tuple(a.folder), model=a.model, epochs=a.epochs,
                      batch_size=a.batch_size, lr=a.lr, noise=a.noise, val_fraction=a.val_fraction, seed=a.seed,
                      limit=a.limit, threads=a.threads, patience=a.patience,
                      min_delta=a.min_delta, schedule=a.schedule,
                      init=str(a.init) if a.init else None)
    summary = train(cfg, a.out, log=lambda s: print(s, flush=True))
    print(f"best validation loss {summary['best_val_loss']:.5f} at epoch {summary['best_epoch']}; "
          f"checkpoint {a.out / 'best.pt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
