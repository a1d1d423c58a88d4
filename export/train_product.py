"""Train the product encoder (shape CNN + foreground colour histogram): python -m export.train_product --help.

The defaults reproduce the shipped resources/models/autosimnet-product.onnx:

    python -m export.train_product --folder ../shared/data/products-dev --out runs/product
    python -m export.to_onnx --run runs/product --output resources/models/autosimnet-product.onnx \\
        --name autosimnet-product --version 1.0

Multi-task training with label heads: Fashion-MNIST class, and articleType, subCategory and baseColour
of the TRAINING part of a photo folder (export.data.holdout never sees training). Model selection uses a
validation split of that training part, never the held-out part. Decoded images are cached as .npz (--cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from autosimnet_desktop.core.model.card import Key, card_metadata
from autosimnet_desktop.core.images.decode import Preprocess

from .data import DEFAULT_FASHION_MNIST, fashion_mnist, photo_folder
from .metrics import label_scores, nearest_neighbours
from .product_model import ProductConfig, ProductModel

RGB = Preprocess(colour_mode="RGB")
GRAY = Preprocess()
VAL_FRACTION = 0.15
PRODUCT_LABELS = ("articleType", "subCategory", "baseColour")
FMNIST_VAL = 5000  # Fashion-MNIST train images kept back for validation


def validation(relpath: str) -> bool:
    """Deterministic validation split of a folder's training part (a salted hash, independent of holdout)."""
    digest = hashlib.sha1(("validation:" + Path(relpath).stem).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < VAL_FRACTION


# ---------------------------------------------------------------- data cache

def _cached(path: Path, build) -> dict:
    """Load `path` (.npz of arrays plus a .json sidecar) or build, save and return it."""
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        arrays = dict(np.load(path))
        return {**arrays, **json.loads(meta_path.read_text())}
    arrays, meta = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    meta_path.write_text(json.dumps(meta))
    return {**arrays, **meta}


def fmnist_cache(cache: Path, root: Path, limit: int | None = None) -> dict:
    """Fashion-MNIST train as the app sees it (64x64 grayscale, uint8) with class names."""
    def build():
        ds = fashion_mnist(root, "train", GRAY, limit)
        return {"images": np.round(ds.images[:, 0] * 255).astype(np.uint8)}, {"labels": ds.labels["class"]}
    return _cached(cache / f"fmnist-train-{limit or 'all'}.npz", build)


def folder_cache(cache: Path, folder: Path, limit: int | None = None) -> dict:
    """The TRAINING part of a photo folder as RGB and as grayscale (raw-pixel reference), uint8, with labels."""
    def build():
        rgb = photo_folder(folder, RGB, "train", limit)
        gray = photo_folder(folder, GRAY, "train", limit)
        assert rgb.files == gray.files
        arrays = {"rgb": np.round(rgb.images * 255).astype(np.uint8),
                  "gray": np.round(gray.images[:, 0] * 255).astype(np.uint8)}
        return arrays, {"files": rgb.files, "labels": rgb.labels}
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:8]
    return _cached(cache / f"{folder.name}-{key}-train-{limit or 'all'}.npz", build)


def products(cache: Path, folders: list[str], limit: int | None = None) -> dict:
    """The training parts of one or more photo folders, merged; `source` says which folder each image is from."""
    parts = [folder_cache(cache, Path(f), limit) for f in folders]
    if len(parts) == 1:
        return {**parts[0], "source": np.zeros(len(parts[0]["files"]), np.int64)}
    labels = {k: [v for p in parts for v in p["labels"][k]] for k in parts[0]["labels"]}
    return {"rgb": np.concatenate([p["rgb"] for p in parts]), "gray": np.concatenate([p["gray"] for p in parts]),
            "files": [f for p in parts for f in p["files"]], "labels": labels,
            "source": np.concatenate([np.full(len(p["files"]), i) for i, p in enumerate(parts)])}


@torch.no_grad()
def teacher_segments(run_dir: Path, folders: list[str], files: list[str], cache: Path, log=print
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Unit shape and colour segments of the export.train_best model of `run_dir` for each product image."""
    from .best_model import BestConfig, BestEncoder
    from .train_best import chosen_size, folder_part, normalise

    summary = json.loads((run_dir / "train.json").read_text())
    size = chosen_size(summary)
    teacher = BestEncoder(BestConfig.from_dict(summary["config"]["model"])).eval()
    teacher.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    shapes, colours, seen = [], [], []
    for folder in folders:
        part = folder_part(cache, Path(folder), size)
        for i in range(0, len(part["rgb"]), 128):
            s, c = teacher.segments(normalise(torch.from_numpy(part["rgb"][i:i + 128].astype(np.float32) / 255.0)))
            shapes.append(s)
            colours.append(c)
        seen += part["files"]
    if seen != list(files):
        raise SystemExit("error: the teacher's images are not the student's (different folders or --limit)")
    log(f"teacher {run_dir}: segments of {len(seen)} images at {size} px")
    return torch.cat(shapes), torch.cat(colours)


def relational_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of the two batches' cosine-similarity matrices (any embedding sizes)."""
    return F.mse_loss(student @ student.t(), teacher @ teacher.t())


# ---------------------------------------------------------------- training

@dataclass
class ProductTrainConfig:
    """Everything a run depends on (saved in train.json)."""

    model: ProductConfig = field(default_factory=ProductConfig)
    fashion_mnist: str | None = str(DEFAULT_FASHION_MNIST)
    folder: str | None = None
    extra_folders: tuple[str, ...] = ()  # more photo folders (their training parts); validation stays on `folder`
    teacher: str | None = None    # an export.train_best run to distil from (relational, per segment)
    distill_weight: float = 20.0
    gamma: bool = True            # the augmentation's mild gamma (a colour change); --no-gamma leaves colour alone
    epochs: int = 30
    batch_size: int = 64          # product images per step (plus as many Fashion-MNIST images)
    lr: float = 2e-3
    weight_decay: float = 5e-4
    augment: bool = True
    heads: tuple[str, ...] = ("articleType", "subCategory", "baseColour", "fmnist")
    colour_weight: str = "auto"   # "auto": chosen on the validation split after training; or a number
    weight_rule: str = "shape-first"  # how "auto" chooses it (select_colour_weight)
    joint_weight: tuple[float, float] = (0.5, 0.5)  # the joint head sees the fusion at a w drawn from this range
    seed: int = 0
    limit: int | None = None
    threads: int | None = 1
    cache: str = "/work/runs/cache"


def augment(x: torch.Tensor, gen: torch.Generator, gamma: bool = True) -> torch.Tensor:
    """Random flip, scale 0.8-1.1, shift up to 10%, mild gamma: a product photo framed a little differently."""
    n = len(x)
    scale = 0.8 + 0.3 * torch.rand(n, generator=gen)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    shift = 0.2 * (torch.rand(n, 2, generator=gen) - 0.5)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = flip / scale
    theta[:, 1, 1] = 1.0 / scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # grid_sample pads with 0; sample the inverted image so the new border is white, like the studio background
    out = 1.0 - F.grid_sample(1.0 - x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    g = torch.exp(0.15 * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1))
    return out.clamp(1e-6, 1.0) ** g if gamma else out.clamp(0.0, 1.0)


def kmeans_prototypes(rgb: np.ndarray, k: int, pool: int, seed: int = 0, samples: int = 60000,
                      iterations: int = 25) -> torch.Tensor:
    """Initial colour prototypes: k-means of the training photos' non-white pixels at the histogram's resolution."""
    x = torch.from_numpy(rgb[: min(len(rgb), 3000)].astype(np.float32) / 255.0)
    x = F.avg_pool2d(x, pool).permute(0, 2, 3, 1).reshape(-1, 3)
    x = x[(1.0 - x.amin(1)) > 0.08]
    rng = np.random.default_rng(seed)
    x = x[torch.from_numpy(rng.choice(len(x), min(samples, len(x)), replace=False))]
    centres = x[torch.from_numpy(rng.choice(len(x), k, replace=False))].clone()
    for _ in range(iterations):
        assign = torch.cdist(x, centres).argmin(1)
        for j in range(k):
            members = x[assign == j]
            centres[j] = members.mean(0) if len(members) else x[rng.integers(len(x))]
    centres[0] = torch.tensor([1.0, 1.0, 1.0])  # always a white bin: white products on a white background
    return centres


def _to_float(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return x if x.ndim == 4 else x.unsqueeze(1).expand(-1, 3, -1, -1)  # grayscale shown as an RGB photo


@torch.no_grad()
def validation_loss(model: ProductModel, images: np.ndarray, targets: dict[str, torch.Tensor],
                    batch: int = 256) -> float:
    """Sum over heads of the mean cross-entropy on un-augmented validation images."""
    model.eval()
    totals = {name: 0.0 for name in targets}
    for i in range(0, len(images), batch):
        out = model(_to_float(images[i:i + batch]))
        for name, t in targets.items():
            totals[name] += F.cross_entropy(out[name], t[i:i + batch], ignore_index=-100, reduction="sum").item()
    counts = {name: max(int((t != -100).sum()), 1) for name, t in targets.items()}
    return sum(totals[n] / counts[n] for n in totals)


@torch.no_grad()
def embed_segments(model: ProductModel, images: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
    """Unit shape and colour segments of uint8 images (RGB N x 3 x H x W or grayscale N x H x W)."""
    model.eval()
    shapes, colours = [], []
    for i in range(0, len(images), batch):
        s, c = model.encoder.segments(_to_float(images[i:i + batch]))
        shapes.append(s.numpy())
        if c is not None:
            colours.append(c.numpy())
    return np.concatenate(shapes), (np.concatenate(colours) if colours else None)


def p_at_10(vectors: np.ndarray, labels: list[str], metric: str = "l2") -> float:
    """Precision@10 of every item queried against all the others."""
    return label_scores(nearest_neighbours(vectors, 10, metric), labels).p_at_10


def fused(shape: np.ndarray, colour: np.ndarray | None, w: float) -> np.ndarray:
    """The stored embedding at colour weight w (the same layout ProductEncoder.forward writes)."""
    if colour is None:
        return shape
    return np.concatenate([math.sqrt(1 - w) * shape, math.sqrt(w) * colour], 1)


WEIGHT_RULES = ("shape-first", "balanced")
TARGETS = {"articleType": 1.2, "baseColour": 1.8}  # issue 6: P@10 at least this many times raw pixels


def sweep_colour_weight(shape: np.ndarray, colour: np.ndarray, labels: dict[str, list[str]],
                        raw: dict[str, float], grid: int = 20) -> list[dict]:
    """P@10 of articleType and baseColour on the validation split at w = 0, 1/grid, ..., 1."""
    sweep = []
    for i in range(grid + 1):
        w = i / grid
        v = fused(shape, colour, w)
        art, col = p_at_10(v, labels["articleType"]), p_at_10(v, labels["baseColour"])
        sweep.append({"w": w, "articleType": art, "baseColour": col,
                      "objective": min(art / raw["articleType"] / TARGETS["articleType"],
                                       col / raw["baseColour"] / TARGETS["baseColour"])})
    return sweep


def select_colour_weight(sweep: list[dict], raw: dict[str, float], rule: str = "shape-first") -> float:
    """The default colour weight w0 from a validation sweep.

    'balanced': the w maximising min(articleType ratio / 1.2, baseColour ratio / 1.8) (ratios to raw pixels).
    'shape-first': among the w that meet both targets on validation, the one with the best articleType
    P@10 (shape is what the paper's similarity is about; colour only as much as its target needs);
    'balanced' when no w meets both. w0 is kept strictly between 0 and 1 so the app can re-weight.
    """
    if rule not in WEIGHT_RULES:
        raise ValueError(f"unknown colour-weight rule {rule!r}")
    sweep = [s for s in sweep if 0.0 < s["w"] < 1.0]  # both segments must survive in the stored embedding
    if rule == "shape-first":
        feasible = [s for s in sweep if all(s[k] / raw[k] >= t for k, t in TARGETS.items())]
        if feasible:
            return max(feasible, key=lambda s: (s["articleType"], -s["w"]))["w"]
    return max(sweep, key=lambda s: s["objective"])["w"]


def finish(model: ProductModel, cfg: ProductTrainConfig, sweep: list[dict], raw_val: dict[str, float], log,
           prod: dict | None, p_val: np.ndarray | None, fm: dict | None, f_val: np.ndarray | None
           ) -> tuple[float, dict[str, float]]:
    """Choose the default colour weight and measure the validation figures at it."""
    w = cfg.model.colour_weight
    if sweep:
        w = select_colour_weight(sweep, raw_val, cfg.weight_rule) if cfg.colour_weight == "auto" \
            else float(cfg.colour_weight)
        log(f"colour weight {w:.2f} (" + (f"rule {cfg.weight_rule} on the validation split"
                                          if cfg.colour_weight == "auto" else "given") + ")")
    final: dict[str, float] = {}
    if prod is not None:
        v = fused(*embed_segments(model, prod["rgb"][p_val]), w)
        final = {k: p_at_10(v, list(np.asarray(prod["labels"][k])[p_val])) for k in ("articleType", "baseColour")}
    if fm is not None:
        v = fused(*embed_segments(model, fm["images"][f_val]), w)
        final["fmnist"] = p_at_10(v, [fm["labels"][i] for i in f_val])
    log("validation at the chosen weight: " + ", ".join(
        f"{k} P@10 {v:.3f} ({v / raw_val[k]:.2f}x raw)" for k, v in final.items()))
    return w, final


def reselect(run_dir: Path, rule: str, log=print) -> dict:
    """Choose a trained run's default colour weight again with another rule (no retraining); rewrites train.json."""
    summary = json.loads((run_dir / "train.json").read_text())
    c = summary["config"]
    cfg = ProductTrainConfig(**{**c, "model": ProductConfig.from_dict(c["model"]), "weight_rule": rule,
                                "heads": tuple(c["heads"]), "joint_weight": tuple(c.get("joint_weight", (0.5, 0.5))),
                                "extra_folders": tuple(c.get("extra_folders", ()))})
    model = ProductModel(cfg.model, {})
    model.encoder.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    prod = products(Path(cfg.cache), [cfg.folder, *cfg.extra_folders], cfg.limit) if cfg.folder else None
    p_val = np.flatnonzero([validation(f) and s == 0 for f, s in zip(prod["files"], prod["source"])]) \
        if prod is not None else None
    fm = f_val = None
    if cfg.fashion_mnist:
        fm = fmnist_cache(Path(cfg.cache), Path(cfg.fashion_mnist), cfg.limit)
        order = np.random.default_rng(cfg.seed).permutation(len(fm["images"]))
        f_val = order[:min(FMNIST_VAL, len(order) // 10)][:2000]
    w, final = finish(model, cfg, summary["colour_weight_sweep"], summary["validation_raw"], log, prod, p_val, fm, f_val)
    summary["config"] = {**asdict(cfg), "model": {**c["model"], "colour_weight": w}}
    summary["validation_final"] = final
    (run_dir / "train.json").write_text(json.dumps(summary, indent=2))
    return summary


def train(cfg: ProductTrainConfig, out_dir: Path, log=print) -> dict:
    """Train, keep the best epoch by validation score, choose the colour weight; writes best.pt and train.json."""
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    cache = Path(cfg.cache)
    mc = cfg.model
    sources: list[str] = []
    heads: dict[str, int] = {}
    classes: dict[str, list[str]] = {}

    prod = teacher = None
    if cfg.folder:
        prod = products(cache, [cfg.folder, *cfg.extra_folders], cfg.limit)
        is_val = np.array([validation(f) for f in prod["files"]])
        # validation is scored on the first folder only; the other folders' validation images are left out
        p_trn, p_val = np.flatnonzero(~is_val), np.flatnonzero(is_val & (prod["source"] == 0))
        for i, f in enumerate([cfg.folder, *cfg.extra_folders]):
            mine = prod["source"] == i
            sources.append(f"{Path(f).name} training part ({int((mine & ~is_val).sum())} train + "
                           f"{int((mine & is_val).sum())} validation, "
                           f"labels {', '.join(h for h in PRODUCT_LABELS if h in cfg.heads)})")
        if cfg.teacher:
            teacher = teacher_segments(Path(cfg.teacher), [cfg.folder, *cfg.extra_folders], prod["files"], cache, log)
            sources.append(f"distilled from {Path(cfg.teacher).name} (relational, weight {cfg.distill_weight:g})")
        targets = {}
        if "joint" in cfg.heads:
            pairs = [f"{a}|{b}" for a, b in zip(prod["labels"]["articleType"], prod["labels"]["baseColour"])]
            seen = Counter(np.asarray(pairs)[p_trn])
            classes["joint"] = sorted(k for k, n in seen.items() if n >= 3)  # a class needs a few examples
            index = {c: i for i, c in enumerate(classes["joint"])}
            targets["joint"] = torch.tensor([index.get(v, -100) for v in pairs])
            heads["joint"] = len(classes["joint"])
        for name in PRODUCT_LABELS:
            if name in cfg.heads and name in prod["labels"]:
                classes[name] = sorted(set(np.asarray(prod["labels"][name])[p_trn]))
                index = {c: i for i, c in enumerate(classes[name])}
                targets[name] = torch.tensor([index.get(v, -100) for v in prod["labels"][name]])
                heads[name] = len(classes[name])
    fm = None
    if cfg.fashion_mnist:
        fm = fmnist_cache(cache, Path(cfg.fashion_mnist), cfg.limit)
        order = np.random.default_rng(cfg.seed).permutation(len(fm["images"]))
        n_val = min(FMNIST_VAL, len(order) // 10)
        f_val, f_trn = order[:n_val], order[n_val:]
        classes["fmnist"] = sorted(set(fm["labels"]))
        f_index = {c: i for i, c in enumerate(classes["fmnist"])}
        f_targets = torch.tensor([f_index[v] for v in fm["labels"]])
        if "fmnist" in cfg.heads:
            heads["fmnist"] = len(classes["fmnist"])
        sources.append(f"Fashion-MNIST train ({len(f_trn)} train + {len(f_val)} validation, class labels)")
    if prod is None and fm is None:
        raise SystemExit("error: give --folder and/or --fashion-mnist")
    log(f"data: {'; '.join(sources)}")

    prototypes = None
    if mc.colour != "none":
        colour_source = prod["rgb"][p_trn] if prod is not None else np.repeat(fm["images"][f_trn, None], 3, 1)
        prototypes = kmeans_prototypes(colour_source, mc.colour_bins, mc.colour_pool, cfg.seed)
    model = ProductModel(mc, heads, prototypes)
    encoder_params = sum(p.numel() for p in model.encoder.parameters())
    log(f"encoder: {encoder_params:,} parameters, embedding {mc.embedding_dim} ({mc.segments()}); heads {heads}")

    n_train = len(p_trn) if prod is not None else len(f_trn)
    steps_per_epoch = max(1, math.ceil(n_train / cfg.batch_size))
    total_steps = steps_per_epoch * cfg.epochs
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                                  weight_decay=cfg.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=cfg.lr, total_steps=total_steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)

    # validation references: raw grayscale pixels on the same validation images
    raw_val: dict[str, float] = {}
    if prod is not None:
        val_labels = {k: list(np.asarray(v)[p_val]) for k, v in prod["labels"].items()}
        raw_vec = prod["gray"][p_val].reshape(len(p_val), -1).astype(np.float32) / 255.0
        raw_val = {k: p_at_10(raw_vec, val_labels[k]) for k in ("articleType", "baseColour")}
    if fm is not None:
        f_val_small = f_val[:2000]
        f_val_labels = [fm["labels"][i] for i in f_val_small]
        raw_val["fmnist"] = p_at_10(fm["images"][f_val_small].reshape(len(f_val_small), -1).astype(np.float32),
                                    f_val_labels)
    log("raw pixels on validation: " + ", ".join(f"{k} P@10 {v:.3f}" for k, v in raw_val.items()))

    out_dir.mkdir(parents=True, exist_ok=True)
    history: list[dict] = []
    best_score, best_epoch = -math.inf, 0
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        running: dict[str, float] = {}
        p_order = rng.permutation(p_trn) if prod is not None else None
        for step in range(steps_per_epoch):
            losses: dict[str, torch.Tensor] = {}
            if prod is not None:
                idx = p_order[step * cfg.batch_size:(step + 1) * cfg.batch_size]
                x = _to_float(prod["rgb"][idx])
                lo, hi = cfg.joint_weight
                joint_w = lo if lo == hi else float(rng.uniform(lo, hi))
                s, c = model.encoder.segments(augment(x, gen, cfg.gamma) if cfg.augment else x)
                out = model.heads_of(s, c, joint_weight=joint_w)
                for name in (*PRODUCT_LABELS, "joint"):
                    if name in out:
                        losses[name] = F.cross_entropy(out[name], targets[name][idx], ignore_index=-100)
                if teacher is not None:
                    losses["distill"] = cfg.distill_weight * (relational_loss(s, teacher[0][idx])
                                                              + relational_loss(c, teacher[1][idx]))
            if fm is not None and "fmnist" in heads:
                idx = rng.choice(f_trn, cfg.batch_size, replace=False)
                x = _to_float(fm["images"][idx])
                out = model(augment(x, gen, cfg.gamma) if cfg.augment else x)
                losses["fmnist"] = F.cross_entropy(out["fmnist"], f_targets[idx])
            loss = sum(losses.values())
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            for k, v in losses.items():
                running[k] = running.get(k, 0.0) + v.item() / steps_per_epoch

        # validation: P@10 of the fused embedding at a fixed w (the final w is chosen after training)
        record: dict = {"epoch": epoch, "loss": {k: round(v, 4) for k, v in running.items()}}
        score = 0.0
        w_probe = mc.colour_weight
        val_loss = 0.0
        if prod is not None:
            val_loss += validation_loss(model, prod["rgb"][p_val],
                                        {k: t[p_val] for k, t in targets.items() if k in model.heads})
            s, c = embed_segments(model, prod["rgb"][p_val])
            v = fused(s, c, w_probe)
            for k in ("articleType", "baseColour"):
                record[f"val_{k}"] = p_at_10(v, val_labels[k])
                score += record[f"val_{k}"] / raw_val[k]
        if fm is not None:
            if "fmnist" in model.heads:
                val_loss += validation_loss(model, fm["images"][f_val_small], {"fmnist": f_targets[f_val_small]})
            s, c = embed_segments(model, fm["images"][f_val_small])
            record["val_fmnist"] = p_at_10(fused(s, c, w_probe), f_val_labels)
            score += record["val_fmnist"] / raw_val["fmnist"]
        record["score"] = score
        record["val_loss"] = val_loss
        record["seconds"] = round(time.perf_counter() - t0, 1)
        history.append(record)
        marker = ""
        if score > best_score:
            best_score, best_epoch, marker = score, epoch, " (best, saved)"
            torch.save(model.encoder.state_dict(), out_dir / "best.pt")
        eta = (time.perf_counter() - start) / epoch * (cfg.epochs - epoch)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in record.items() if k.startswith("val_") and k != "val_loss")
        log(f"epoch {epoch}/{cfg.epochs}: loss {sum(running.values()):.3f}  val loss {val_loss:.3f}  {shown}  score {score:.3f}  "
            f"{record['seconds']:.0f}s  ETA {eta / 60:.1f} min{marker}")

    model.encoder.load_state_dict(torch.load(out_dir / "best.pt", weights_only=True))
    sweep: list[dict] = []
    if mc.colour != "none" and prod is not None:
        sweep = sweep_colour_weight(*embed_segments(model, prod["rgb"][p_val]), val_labels, raw_val)
    w, final = finish(model, cfg, sweep, raw_val, log, prod=prod, p_val=p_val if prod is not None else None,
                      fm=fm, f_val=f_val_small if fm is not None else None)
    final_cfg = ProductConfig.from_dict({**mc.to_dict(), "colour_weight": w})
    summary = {
        "kind": "product",
        "config": {**asdict(cfg), "model": final_cfg.to_dict()},
        "preprocess": asdict(RGB),
        "sources": sources,
        "classes": classes,
        "parameters": {"total": encoder_params + sum(b.numel() for n, b in model.encoder.named_buffers()
                                                     if n.endswith(("running_mean", "running_var"))),
                       "trainable": sum(p.numel() for p in model.encoder.parameters() if p.requires_grad)},
        "history": history, "best_epoch": best_epoch, "best_val_loss": history[best_epoch - 1]["val_loss"],
        "epochs_run": cfg.epochs, "best_score": best_score,
        "validation_raw": raw_val, "validation_final": final, "colour_weight_sweep": sweep,
        "train_seconds": round(time.perf_counter() - start, 1),
    }
    (out_dir / "train.json").write_text(json.dumps(summary, indent=2))
    return summary


# ---------------------------------------------------------------- export helpers (used by export.to_onnx)

def training_images(summary: dict, per_source: int = 2000) -> np.ndarray:
    """Up to `per_source` training images of each source of a run, uint8 N x 3 x 64 x 64 (for distance_scale)."""
    cfg = summary["config"]
    parts = []
    if cfg.get("folder"):
        for folder in [cfg["folder"], *cfg.get("extra_folders", ())]:
            parts.append(folder_cache(Path(cfg["cache"]), Path(folder), cfg.get("limit"))["rgb"][:per_source])
    if cfg.get("fashion_mnist"):
        gray = fmnist_cache(Path(cfg["cache"]), Path(cfg["fashion_mnist"]), cfg.get("limit"))["images"][:per_source]
        parts.append(np.repeat(gray[:, None], 3, axis=1))
    return np.concatenate(parts)


def product_metadata(summary: dict, spec: Preprocess, embedding_size: int, name: str, version: str,
                     metric: str, scale: float) -> dict[str, str]:
    """metadata_props of a product encoder: the paper model's keys plus segments and default_colour_weight."""
    import datetime as dt

    mc = ProductConfig.from_dict(summary["config"]["model"])
    val = summary.get("validation_final", {})
    fused = mc.colour != "none"
    return card_metadata(spec, embedding_size, metric, scale, name, version, {
        Key.ARCHITECTURE: (f"product: {mc.shape_input} strided CNN {'-'.join(map(str, mc.widths))} + {mc.pooling} "
                           f"pooling -> {mc.shape_dim}; foreground colour histogram ({mc.colour}, {mc.colour_bins} "
                           f"bins){', weighted by a learned product map' if mc.colour_attention else ''} -> "
                           f"{mc.colour_segment}"),
        Key.TRAINING_DATA: "; ".join(summary["sources"]),
        Key.EPOCHS: str(summary["best_epoch"]),
        Key.EPOCHS_RUN: str(summary["epochs_run"]),
        Key.FINAL_VAL_LOSS: f"{summary['best_val_loss']:.6f}",
        Key.VALIDATION: ", ".join(f"{k} P@10 {v:.3f}" for k, v in val.items()),
        Key.PARAMETER_COUNT: str(summary["parameters"]["total"]),
        Key.TRAINABLE_PARAMETERS: str(summary["parameters"]["trainable"]),
        Key.EXPORT_DATE: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        Key.PRODUCER: "autosimnet export.train_product + export.to_onnx",
    }, segments=mc.segments() if fused else "", colour_weight=mc.colour_weight if fused else None)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.train_product", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fashion-mnist", default=str(DEFAULT_FASHION_MNIST), metavar="DIR",
                   help="Fashion-MNIST idx folder ('none' to leave it out; default %(default)s)")
    p.add_argument("--folder", default=None, help="photo folder with labels.csv (only its training part is used)")
    p.add_argument("--extra-folder", action="append", default=[],
                   help="another photo folder to train on (its training part); repeatable")
    p.add_argument("--teacher", default=None, metavar="RUN", help="export.train_best run to distil from")
    p.add_argument("--distill-weight", type=float, default=20.0)
    p.add_argument("--gamma", action=argparse.BooleanOptionalAction, default=True,
                   help="mild gamma in the augmentation (default on; --no-gamma: no colour change)")
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--heads", default="articleType,subCategory,baseColour,fmnist,joint",
                   help="comma-separated label heads, of articleType, subCategory, baseColour, fmnist and joint "
                        "(articleType|baseColour pairs on the fused embedding) (default %(default)s)")
    p.add_argument("--joint-weight", default="0.3:0.7", help="w (or a range LO:HI drawn per step) at which the joint "
                   "head sees the fused embedding (default %(default)s)")
    p.add_argument("--weight-rule", choices=WEIGHT_RULES, default="shape-first",
                   help="how --colour-weight auto chooses w0 on the validation split (default %(default)s)")
    p.add_argument("--reselect", type=Path, default=None, metavar="RUN",
                   help="only choose the default colour weight of a trained run again with --weight-rule")
    p.add_argument("--colour-weight", default="auto", help="w0 of the colour segment, or 'auto' (validation split)")
    p.add_argument("--shape-input", choices=["gray", "rgb"], default=ProductConfig.shape_input)
    p.add_argument("--pooling", choices=["avg", "max", "avgmax", "flatten"], default=ProductConfig.pooling)
    p.add_argument("--colour", choices=["none", "fixed", "learned"], default=ProductConfig.colour)
    p.add_argument("--colour-bins", type=int, default=ProductConfig.colour_bins)
    p.add_argument("--colour-pool", type=int, default=4, help="histogram at 64/N pixels a side (default %(default)s)")
    p.add_argument("--colour-attention", action=argparse.BooleanOptionalAction, default=True,
                   help="weight colour pixels by a product map learned from the grayscale CNN (default on)")
    p.add_argument("--widths", default=",".join(map(str, ProductConfig.widths)),
                   help="channels of each stride-2 stage of the shape CNN (default %(default)s)")
    p.add_argument("--extra-convs", default=",".join(map(str, ProductConfig.extra_convs)))
    p.add_argument("--shape-dim", type=int, default=ProductConfig.shape_dim)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="at most N images of each source (quick runs)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: leave a core free)")
    p.add_argument("--cache", default="/work/runs/cache", help="folder for decoded .npz caches")
    p.add_argument("--out", type=Path, default=Path("runs/product"))
    a = p.parse_args(argv)
    if a.reselect:
        reselect(a.reselect, a.weight_rule, log=lambda s: print(s, flush=True))
        return 0
    colour = a.colour
    model = ProductConfig(shape_input=a.shape_input, pooling=a.pooling, colour=colour, colour_bins=a.colour_bins,
                          colour_pool=a.colour_pool, colour_attention=a.colour_attention, shape_dim=a.shape_dim,
                          colour_dim=a.colour_bins if colour == "fixed" else ProductConfig.colour_dim,
                          widths=tuple(int(v) for v in a.widths.split(",")),
                          extra_convs=tuple(int(v) for v in a.extra_convs.split(",")))
    if len(model.widths) != len(model.extra_convs):
        p.error(f"--widths has {len(model.widths)} stages and --extra-convs {len(model.extra_convs)}: give one each")
    if model.embedding_dim > 256:
        p.error(f"embedding would have {model.embedding_dim} values; at most 256")
    cfg = ProductTrainConfig(model=model, fashion_mnist=None if a.fashion_mnist == "none" else a.fashion_mnist,
                             folder=a.folder, extra_folders=tuple(a.extra_folder), teacher=a.teacher,
                             distill_weight=a.distill_weight, gamma=a.gamma, epochs=a.epochs, batch_size=a.batch_size, lr=a.lr,
                             augment=not a.no_augment, heads=tuple(h for h in a.heads.split(",") if h),
                             colour_weight=a.colour_weight, weight_rule=a.weight_rule, seed=a.seed,
                             joint_weight=tuple(float(v) for v in (a.joint_weight.split(":") * 2)[:2]),
                             limit=a.limit, threads=a.threads,
                             cache=a.cache)
    summary = train(cfg, a.out, log=lambda s: print(s, flush=True))
    print(f"best epoch {summary['best_epoch']}; checkpoint {a.out / 'best.pt'}; "
          f"export with: python -m export.to_onnx --run {a.out} --output resources/models/autosimnet-product.onnx "
          f"--name autosimnet-product")
    return 0


if __name__ == "__main__":
    sys.exit(main())
