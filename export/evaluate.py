"""Retrieval quality of ONNX encoders against raw pixels: python -m export.evaluate --help."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.images.decode import Preprocess

from .data import DEFAULT_FASHION_MNIST, Dataset, fashion_mnist, photo_folder
from .metrics import label_scores, nearest_neighbours

RAW = "raw 64x64 grayscale pixels"


def load_eval_set(data: str, spec: Preprocess, part: str, limit: int | None) -> Dataset:
    """'fashion-mnist' (its test split) or a photo folder (by default its held-out part)."""
    if data == "fashion-mnist":
        return fashion_mnist(DEFAULT_FASHION_MNIST, "t10k", spec, limit)
    if Path(data).is_dir() and (Path(data) / "train-images-idx3-ubyte.gz").exists():
        return fashion_mnist(Path(data), "t10k", spec, limit)
    if part == "validation":  # the validation split of the training part: for choices, instead of the held-out part
        from .train_product import validation

        ds = photo_folder(Path(data), spec, "train")
        keep = [i for i, f in enumerate(ds.files) if validation(f)][:limit]
        labels = {k: [v[i] for i in keep] for k, v in ds.labels.items()}
        return Dataset(f"{Path(data).name}-validation", ds.images[keep], labels, [ds.files[i] for i in keep])
    return photo_folder(Path(data), spec, part, limit)


def embed(encoder: Encoder, images: np.ndarray, batch: int = 256) -> np.ndarray:
    """Encode preprocessed images in batches with the app's own encoder."""
    return np.concatenate([encoder.encode(images[i:i + batch]) for i in range(0, len(images), batch)])


def evaluate(data: str, models: list[Path], part: str = "holdout", limit: int | None = None,
             log=print) -> dict:
    """Scores of raw pixels and of every model on the same evaluation set, in one run."""
    datasets: dict[Preprocess, Dataset] = {}

    def dataset_for(spec: Preprocess) -> Dataset:
        if spec not in datasets:
            datasets[spec] = load_eval_set(data, spec, part, limit)
        return datasets[spec]

    raw = dataset_for(Preprocess())
    if not raw.labels:
        raise SystemExit(f"error: {data} has no labels (a labels.csv with articleType, subCategory, baseColour)")
    log(f"evaluation set: {raw.name}, {len(raw.images)} images, labels {', '.join(raw.labels)}")
    methods: list[tuple[str, np.ndarray, str, dict]] = [(RAW, raw.images.reshape(len(raw.images), -1), "l2", {})]
    for path in models:
        encoder = Encoder(path)
        ds = dataset_for(encoder.preprocess)
        if ds.files != raw.files or len(ds.images) != len(raw.images):
            raise SystemExit(f"error: {path} sees a different set of images than raw pixels")
        t0 = time.perf_counter()
        vectors = embed(encoder, ds.images)
        seconds = time.perf_counter() - t0
        info = {"file": str(path), "embedding_size": encoder.dim, "metric": encoder.info.metric,
                "encode_images_per_second": round(len(vectors) / seconds, 1)}
        name = encoder.info.label
        if any(m[0] == name for m in methods):  # two files of one name and version: tell them apart
            name = f"{name} ({path.name})"
        methods.append((name, vectors, encoder.info.metric, info))
    results = {"data": data, "set": raw.name, "images": len(raw.images), "labels": list(raw.labels), "methods": []}
    for name, vectors, metric, info in methods:
        neighbours = nearest_neighbours(vectors, 10, metric)
        scores = {label: asdict(label_scores(neighbours, values)) for label, values in raw.labels.items()}
        results["methods"].append({"name": name, "dim": int(vectors.shape[1]), **info, "scores": scores})
    return results


def markdown(results: dict) -> str:
    """The results as a markdown table: one row per method and label column."""
    lines = [f"Evaluation set: {results['set']} ({results['images']} images, each queried against all the others)",
             "",
             "| method | dim | label | P@1 | P@10 | mAP@10 | 5-NN acc. | P@10 vs raw |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    raw = results["methods"][0]["scores"]
    for method in results["methods"]:
        for label, s in method["scores"].items():
            ratio = s["p_at_10"] / raw[label]["p_at_10"] if raw[label]["p_at_10"] else float("nan")
            lines.append(f"| {method['name']} | {method['dim']} | {label} | {s['p_at_1']:.3f} | {s['p_at_10']:.3f} | "
                         f"{s['map_at_10']:.3f} | {s['knn5_accuracy']:.3f} | {ratio:.2f}x |")
    return "\n".join(lines)


def summary(runs: list[dict]) -> str:
    """One P@10 table over several evaluation sets: a row per method, a column per set and label."""
    columns = [(r["set"], label) for r in runs for label in r["labels"]]
    names: list[str] = []
    for r in runs:
        names += [m["name"] for m in r["methods"] if m["name"] not in names]
    lines = ["P@10, each image queried against all the others of its set:", "",
             "| method | " + " | ".join(f"{s} {label}" for s, label in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name in names:
        cells = []
        for r in runs:
            method = next((m for m in r["methods"] if m["name"] == name), None)
            for label in r["labels"]:
                cells.append(f"{method['scores'][label]['p_at_10']:.3f}" if method else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_models() -> list[Path]:
    """Every shipped model (resources/models) and every kept comparison model (export/models)."""
    root = Path(__file__).resolve().parent.parent
    return sorted((root / "resources" / "models").glob("*.onnx")) + sorted((root / "export" / "models").glob("*.onnx"))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.evaluate", description=__doc__)
    p.add_argument("--model", type=Path, action="append", default=[], help="ONNX encoder; repeat to compare several")
    p.add_argument("--all-models", action="store_true",
                   help="add every model of resources/models and export/models (shipped and comparison models)")
    p.add_argument("--data", action="append", required=True,
                   help="'fashion-mnist' (test split) or a folder of photos with labels.csv; repeat for several sets")
    p.add_argument("--part", choices=["holdout", "train", "validation", "all"], default="holdout",
                   help="which part of a photo folder (default: the part training never sees; 'validation': the "
                        "validation split of the training part, for choosing between variants)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    a = p.parse_args(argv)
    models = a.model + (comparison_models() if a.all_models else [])
    for model in models:
        if not model.is_file():
            p.error(f"model not found: {model}")
    for data in a.data:
        if data != "fashion-mnist" and not Path(data).is_dir():
            p.error(f"data folder not found: {data}")
    runs = []
    for data in a.data:
        results = evaluate(data, models, a.part, a.limit, log=lambda s: print(s, file=sys.stderr))
        print(markdown(results) + "\n")
        runs.append(results)
    if len(runs) > 1:
        print(summary(runs))
    if a.json:
        a.json.write_text(json.dumps(runs[0] if len(runs) == 1 else runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
