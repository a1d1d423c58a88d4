"""Which product score ranks products best: python -m export.product_score [--data DIR] [--model NAME|PATH].

Products are made from products-dev (60x80) and products-dev-hires (225x300): an id found in both is one
product of two photos (the same item at two sizes), every other id a product of one photo. The photos are
encoded with the app's encoder, split by product id into two disjoint halves, and each half is searched on its
own, so a choice that only suits one half shows. For every way of scoring (core.products.scoring.ProductScore):

- product queries: every product, searched with all its photos, against the other products of its half;
  P@10 = share of the ten best products with the query's articleType (and baseColour);
- twin queries: each photo of a two-photo product, taken out of the catalogue, searched as a new photo;
  the rank of its product (which now holds only the twin): mean rank, share at rank 1, mean reciprocal rank;
- re-shot twin queries: the same, but the query photo is cropped, turned and recompressed first (a new shot of
  an item the shop already sells), so the twin is no longer a near-copy.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from autosimnet_desktop.core.catalogue.factory import load_encoder
from autosimnet_desktop.core.images.decode import load_for_model
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.products.scoring import ProductScore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class Catalogue:
    """Photos (vectors) grouped into products, with each product's labels."""

    vectors: np.ndarray  # P x D, photos sorted by product
    reshot: np.ndarray  # P x D, the same photos cropped, turned and recompressed
    product_of: np.ndarray  # P: product index of each photo
    starts: np.ndarray  # first photo of each product
    article: list[str]
    colour: list[str]


@dataclass
class Result:
    """The figures of one score on one half."""

    half: str
    score: str
    products: int
    two_photo: int
    p10_article: float
    p10_colour: float
    twin_mean_rank: float
    twin_top1: float
    twin_mrr: float
    reshot_mean_rank: float
    reshot_top1: float
    reshot_mrr: float


def read_labels(folder: Path) -> dict[str, dict[str, str]]:
    """id -> the labels.csv row of a products folder."""
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def reshoot(path: Path) -> bytes:
    """A new shot of the same item: 8% cropped off each side, turned 5 degrees, saved as a JPEG of quality 50."""
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    cropped = rgb.crop((int(0.08 * w), int(0.08 * h), int(0.92 * w), int(0.92 * h)))
    turned = cropped.rotate(5, fillcolor=(255, 255, 255), resample=Image.Resampling.BILINEAR).resize((w, h))
    buffer = io.BytesIO()
    turned.save(buffer, "JPEG", quality=50)
    return buffer.getvalue()


def encode(encoder: Encoder, files: list[Path], reshot: bool = False) -> np.ndarray:
    """The app's embedding of each file (or of its re-shot version), in batches."""
    spec = encoder.preprocess
    out = []
    for start in range(0, len(files), 256):
        part = files[start:start + 256]
        batch = np.stack([load_for_model(reshoot(f) if reshot else f, spec) for f in part])
        out.append(encoder.encode(batch))
    return np.concatenate(out).astype(np.float32)


Photos = dict[str, list[tuple[np.ndarray, np.ndarray]]]  # id -> (vector, re-shot vector) of each photo


def build(data: Path, encoder: Encoder) -> tuple[list[str], Photos, dict[str, dict[str, str]]]:
    """(product ids, id -> photo vectors, id -> labels) for products-dev plus products-dev-hires."""
    small, big = read_labels(data / "products-dev"), read_labels(data / "products-dev-hires")
    shared = set(small) & set(big)
    photos: Photos = {}
    for folder, labels in ((data / "products-dev", small), (data / "products-dev-hires", big)):
        ids = sorted(labels)
        files = [folder / labels[i]["file"] for i in ids]
        vectors = encode(encoder, files)
        twins = [i for i, pid in enumerate(ids) if pid in shared]
        reshot = dict(zip(twins, encode(encoder, [files[i] for i in twins], reshot=True)))
        for i, (pid, vector) in enumerate(zip(ids, vectors)):
            photos.setdefault(pid, []).append((vector, reshot.get(i, vector)))
    merged = {**big, **small}
    return sorted(photos), photos, merged


def catalogue(ids: list[str], photos: Photos, labels: dict[str, dict[str, str]]) -> Catalogue:
    """The products `ids` as one catalogue."""
    vectors, reshot, owner, starts = [], [], [], []
    for index, pid in enumerate(ids):
        starts.append(len(vectors))
        vectors.extend(v for v, _ in photos[pid])
        reshot.extend(r for _, r in photos[pid])
        owner.extend([index] * len(photos[pid]))
    return Catalogue(np.stack(vectors), np.stack(reshot), np.asarray(owner), np.asarray(starts),
                     [labels[i]["articleType"] for i in ids], [labels[i]["baseColour"] for i in ids])


def photo_table(cat: Catalogue) -> np.ndarray:
    """Products x (most photos of one product): each product's photo rows, padded with -1."""
    ends = np.append(cat.starts[1:], len(cat.vectors))
    table = np.full((len(cat.starts), int(np.max(ends - cat.starts))), -1)
    for i, (a, b) in enumerate(zip(cat.starts, ends)):
        table[i, : b - a] = np.arange(a, b)
    return table


def scores_of(table: np.ndarray, nearest: np.ndarray, centroid_d: np.ndarray, score: ProductScore) -> np.ndarray:
    """Product distances from each photo's distance to the query (`nearest`, inf for left-out photos)."""
    if score is ProductScore.CENTROID:
        return centroid_d
    padded = np.where(table >= 0, nearest[np.maximum(table, 0)], np.inf)
    ordered = np.sort(padded, axis=1)
    n = {ProductScore.BEST: 1, ProductScore.MEAN_BEST_2: 2, ProductScore.MEAN_BEST_3: 3}[score]
    best = ordered[:, :n]
    finite = np.isfinite(best)
    counts = finite.sum(axis=1)
    sums = np.where(finite, best, 0.0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.inf)


def twin_ranks(cat: Catalogue, table: np.ndarray, centres: np.ndarray, twins: list[int], score: ProductScore,
               reshot: bool) -> np.ndarray:
    """The rank of the product holding the twin, for each photo of a two-photo product searched as a new photo."""
    ranks = []
    for q in twins:
        for photo in (cat.starts[q], cat.starts[q] + 1):
            query = cat.reshot[photo] if reshot else cat.vectors[photo]
            nearest = np.linalg.norm(cat.vectors - query, axis=1)
            nearest[photo] = np.inf  # the query photo is not in the catalogue
            twin = cat.starts[q] + 1 if photo == cat.starts[q] else cat.starts[q]
            centre = centres.copy()
            centre[q] = cat.vectors[twin]
            product_d = scores_of(table, nearest, np.linalg.norm(centre - query, axis=1), score)
            ranks.append(1 + int(np.sum(product_d < product_d[q])))
    return np.asarray(ranks, float)


def evaluate(name: str, cat: Catalogue) -> list[Result]:
    """Every score's figures on one catalogue."""
    d = np.sqrt(np.maximum(0, (cat.vectors ** 2).sum(1)[:, None] + (cat.vectors ** 2).sum(1)[None] -
                           2 * cat.vectors @ cat.vectors.T))
    ends = np.append(cat.starts[1:], len(cat.vectors))
    centres = np.stack([cat.vectors[a:b].mean(0) for a, b in zip(cat.starts, ends)])
    twins = [i for i, (a, b) in enumerate(zip(cat.starts, ends)) if b - a == 2]
    article, colour = np.asarray(cat.article), np.asarray(cat.colour)
    table = photo_table(cat)
    results = []
    for score in ProductScore:
        hits_a, hits_c = [], []
        for q, (a, b) in enumerate(zip(cat.starts, ends)):
            centre_d = np.linalg.norm(centres - centres[q], axis=1)
            product_d = scores_of(table, d[a:b].min(0), centre_d, score)
            product_d[q] = np.inf
            top = np.argsort(product_d, kind="stable")[:10]
            hits_a.append(np.mean(article[top] == article[q]))
            hits_c.append(np.mean(colour[top] == colour[q]))
        plain = twin_ranks(cat, table, centres, twins, score, reshot=False)
        reshot = twin_ranks(cat, table, centres, twins, score, reshot=True)
        results.append(Result(name, score.value, len(cat.starts), len(twins), float(np.mean(hits_a)),
                              float(np.mean(hits_c)), float(plain.mean()), float(np.mean(plain == 1)),
                              float(np.mean(1 / plain)), float(reshot.mean()), float(np.mean(reshot == 1)),
                              float(np.mean(1 / reshot))))
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding products-dev and products-dev-hires")
    parser.add_argument("--model", help="shipped model name or ONNX path (default: the app's default)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split into halves")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    encoder = load_encoder(args.model)
    ids, photos, labels = build(args.data, encoder)
    order = np.random.default_rng(args.seed).permutation(len(ids))
    halves = {"A": sorted(ids[i] for i in order[: len(ids) // 2]), "B": sorted(ids[i] for i in order[len(ids) // 2:])}
    results = [r for name, part in halves.items() for r in evaluate(name, catalogue(part, photos, labels))]
    if args.json:
        print(json.dumps({"model": encoder.info.label, "results": [asdict(r) for r in results]}, indent=2))
        return 0
    print(f"model {encoder.info.label}, seed {args.seed}, {time.perf_counter() - started:.0f} s")
    print("| half | score | products (2 photos) | P@10 articleType | P@10 baseColour | twin rank / top-1 / MRR "
          "| re-shot twin rank / top-1 / MRR |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r.half} | {r.score} | {r.products} ({r.two_photo}) | {r.p10_article:.4f} | {r.p10_colour:.4f} | "
              f"{r.twin_mean_rank:.2f} / {r.twin_top1:.3f} / {r.twin_mrr:.4f} | "
              f"{r.reshot_mean_rank:.2f} / {r.reshot_top1:.3f} / {r.reshot_mrr:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
