"""P@10 of a fused model as the colour weight w moves (what the app's slider does): python -m export.colour_weight --help.

Report only: the shipped default weight is chosen on the validation split of the training part
(export.train_product), never on the held-out part this script measures by default.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.search.fusion import reweight
from autosimnet_desktop.core.images.decode import Preprocess

from .evaluate import embed, load_eval_set
from .metrics import label_scores, nearest_neighbours


def sweep(model: Path, data: str, part: str = "holdout", weights: list[float] | None = None,
          limit: int | None = None) -> dict:
    """P@10 per label of raw pixels and of the model re-weighted at each w (the app's fusion formula)."""
    encoder = Encoder(model)
    seg = encoder.info.card.segments
    if seg is None:
        raise SystemExit(f"error: {model} has no 'segments' metadata: not a fused model")
    raw = load_eval_set(data, Preprocess(), part, limit)
    ds = load_eval_set(data, encoder.preprocess, part, limit)
    stored = embed(encoder, ds.images)
    raw_vec = raw.images.reshape(len(raw.images), -1)
    raw_nn = nearest_neighbours(raw_vec, 10)
    rows = [{"w": "raw", **{k: label_scores(raw_nn, v).p_at_10 for k, v in raw.labels.items()}}]
    for w in weights or [i / 10 for i in range(11)]:
        nn = nearest_neighbours(reweight(stored, seg, w), 10)
        rows.append({"w": w, **{k: label_scores(nn, v).p_at_10 for k, v in raw.labels.items()}})
    return {"model": str(model), "set": raw.name, "images": len(raw.images),
            "default_colour_weight": seg.default_weight, "rows": rows}


def markdown(result: dict) -> str:
    """The sweep as a markdown table, P@10 with the ratio to raw pixels."""
    labels = [k for k in result["rows"][0] if k != "w"]
    raw = result["rows"][0]
    lines = [f"{result['model']} on {result['set']} ({result['images']} images); default w0 = "
             f"{result['default_colour_weight']:g}", "",
             "| colour weight w | " + " | ".join(f"{k} P@10" for k in labels) + " |",
             "|---|" + "---:|" * len(labels)]
    for row in result["rows"]:
        name = "raw pixels" if row["w"] == "raw" else f"{row['w']:.2f}"
        cells = [f"{row[k]:.3f}" + ("" if row["w"] == "raw" else f" ({row[k] / raw[k]:.2f}x)") for k in labels]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.colour_weight", description=__doc__)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--data", required=True, help="'fashion-mnist' or a folder of photos with labels.csv")
    p.add_argument("--part", choices=["holdout", "train", "all"], default="holdout")
    p.add_argument("--weights", default=None, help="comma-separated w values (default 0, 0.1, ..., 1)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    weights = [float(w) for w in a.weights.split(",")] if a.weights else None
    result = sweep(a.model, a.data, a.part, weights, a.limit)
    print(markdown(result))
    if a.json:
        a.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
