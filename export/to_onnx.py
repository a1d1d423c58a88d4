"""Export a trained DAE's encoder to one self-contained ONNX file: python -m export.to_onnx --help."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from autosimnet_desktop.core.images.decode import Preprocess
from autosimnet_desktop.core.model.card import Key, card_metadata

from .model import MODELS, Encoder
from .train import TrainConfig, load_training_data

OPSET = 17


def load_run(run_dir: Path, size: int | None = None) -> tuple[torch.nn.Module, dict, Preprocess]:
    """The trained encoder of a run folder (best.pt + train.json), its summary and its preprocessing.

    `size`: the input size of an export.train_best run (trained at several); default the one validation chose.
    """
    summary = json.loads((run_dir / "train.json").read_text())
    if summary.get("kind") == "best":  # export.train_best: the default model, exportable at each trained size
        from .best_model import BestConfig, BestEncoder
        from .train_best import chosen_size, spec as best_spec

        size = size or chosen_size(summary)
        w0 = summary["validation_choice"][str(size)]["chosen"]["w"]
        encoder = BestEncoder(BestConfig.from_dict({**summary["config"]["model"], "colour_weight": w0}))
        encoder.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
        summary = {**summary, "export_size": size, "colour_weight": w0}
        return encoder.eval(), summary, best_spec(size)
    spec = Preprocess(**{k: tuple(v) if isinstance(v, list) else v for k, v in summary["preprocess"].items()})
    if summary.get("kind") == "product":  # export.train_product: the encoder itself was saved
        from .product_model import ProductConfig, ProductEncoder

        encoder = ProductEncoder(ProductConfig.from_dict(summary["config"]["model"]))
        encoder.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
        return encoder.eval(), summary, spec
    dae = MODELS[summary["config"]["model"]](channels=spec.channels)
    dae.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    return Encoder(dae).eval(), summary, spec


def distance_scale(encoder: torch.nn.Module, summary: dict, spec: Preprocess, metric: str, pairs: int = 20000,
                   per_source: int = 2000, seed: int = 0) -> float:
    """RMS Euclidean distance between random pairs of training images' embeddings.

    The app maps a distance d to similarity exp(-(d / scale)^2): a typical unrelated pair
    scores about 0.37 and an identical image 1.0, whatever the embedding's size and units.
    """
    if summary.get("kind") == "product":
        from .train_product import training_images

        images = training_images(summary, per_source)
    elif summary.get("kind") == "best":
        from .train_best import training_images as best_training_images

        images = best_training_images(summary, spec.size, per_source)
    else:
        config = dict(summary["config"])
        config["folders"] = tuple(config.get("folders") or ())
        config["limit"] = per_source
        images, _ = load_training_data(TrainConfig(**config), spec)
    with torch.no_grad():
        mean = torch.tensor(spec.mean * (spec.channels // len(spec.mean))).view(1, -1, 1, 1)
        std = torch.tensor(spec.std * (spec.channels // len(spec.std))).view(1, -1, 1, 1)
        vectors = torch.cat([encoder((torch.from_numpy(images[i:i + 512].astype(np.float32) / 255.0) - mean) / std)
                             for i in range(0, len(images), 512)]).numpy()
    if metric == "cosine":
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(vectors), (2, pairs))
    keep = a != b
    return float(np.sqrt(np.mean(np.sum((vectors[a[keep]] - vectors[b[keep]]) ** 2, axis=1))))


def prior_epochs(summary: dict) -> int:
    """Epochs behind the weights a run started from (--init), followed back through earlier runs."""
    init = summary["config"].get("init")
    if not init:
        return 0
    earlier = Path(init).parent / "train.json"
    if not earlier.exists():
        return 0
    before = json.loads(earlier.read_text())
    return before["best_epoch"] + prior_epochs(before)


def build_metadata(summary: dict, spec: Preprocess, embedding_size: int, name: str, version: str,
                   metric: str, scale: float) -> dict[str, str]:
    """The metadata_props contract: everything the app needs to preprocess and compare."""
    if summary.get("kind") == "product":
        from .train_product import product_metadata

        return product_metadata(summary, spec, embedding_size, name, version, metric, scale)
    if summary.get("kind") == "best":
        from .train_best import best_metadata

        return best_metadata(summary, spec, embedding_size, name, version, metric, scale)
    params = summary["parameters"]
    return card_metadata(spec, embedding_size, metric, scale, name, version, {
        Key.ARCHITECTURE: summary["config"]["model"],
        Key.TRAINING_DATA: "; ".join(summary["sources"]),
        Key.EPOCHS: str(summary["best_epoch"] + prior_epochs(summary)),
        Key.EPOCHS_RUN: str(summary["epochs_run"] + prior_epochs(summary)),
        Key.FINAL_VAL_LOSS: f"{summary['best_val_loss']:.6f}",
        Key.NOISE: str(summary["config"]["noise"]),
        Key.PARAMETER_COUNT: str(params["total"]),
        Key.TRAINABLE_PARAMETERS: str(params["trainable"]),
        Key.EXPORT_DATE: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        Key.PRODUCER: "autosimnet export.to_onnx",
    })


def export_encoder(run_dir: Path, output: Path, name: str, version: str, metric: str | None = None,
                   display_name: str | None = None, size: int | None = None) -> dict[str, str]:
    """Write the encoder of run_dir/best.pt to `output` with its metadata; returns the metadata.

    metric None: 'cosine' for a product run (its embedding is unit length), 'l2' for the paper's DAE.
    """
    import onnx

    from .graph_rewrite import space_to_depth_strided_convs

    encoder, summary, spec = load_run(run_dir, size)
    if metric is None:
        metric = "cosine" if summary.get("kind") in ("product", "best") else "l2"
    example = torch.rand(2, spec.channels, spec.size, spec.size)
    embedding_size = int(encoder(example).shape[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    # The legacy exporter writes one self-contained file and needs no onnxscript.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(encoder, (example,), str(output), input_names=["image"], output_names=["embedding"],
                          dynamic_axes={"image": {0: "N"}, "embedding": {0: "N"}}, opset_version=OPSET,
                          dynamo=False, do_constant_folding=True)
    model = onnx.load(str(output))
    space_to_depth_strided_convs(model)  # the same function, faster in onnxruntime (parity() below checks it)
    with torch.no_grad():
        scale = distance_scale(encoder, summary, spec, metric)
    meta = build_metadata(summary, spec, embedding_size, name, version, metric, scale)
    if display_name:
        meta[Key.DISPLAY_NAME] = display_name
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.doc_string = {
        "product": f"{name} {version}: AutoSimNet product encoder (shape CNN + foreground colour histogram)",
        "best": f"{name} {version}: fine-tuned EfficientNet-Lite0 with shape and colour segments",
    }.get(summary.get("kind", ""), f"{name} {version}: image encoder of the AutoSimNet denoising autoencoder")
    onnx.checker.check_model(model)
    onnx.save(model, str(output))
    return meta


def parity(run_dir: Path, onnx_path: Path, batch: int = 16, seed: int = 0, size: int | None = None) -> float:
    """Max absolute difference between torch and onnxruntime embeddings on a random batch."""
    import onnxruntime as ort

    encoder, _, spec = load_run(run_dir, size)
    x = torch.rand(batch, spec.channels, spec.size, spec.size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        expected = encoder(x).numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["embedding"], {"image": x.numpy()})[0]
    return float(np.max(np.abs(expected - got)))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.to_onnx", description=__doc__)
    p.add_argument("--run", type=Path, default=Path("runs/paper"),
                   help="training output folder (best.pt, train.json) of export.train or export.train_product")
    p.add_argument("--output", type=Path, default=Path("resources/models/autosimnet-paper.onnx"))
    p.add_argument("--name", default="autosimnet-paper-dae")
    p.add_argument("--version", default="1.0")
    p.add_argument("--display-name", default=None, help="menu name for a shop owner, e.g. 'Best match' (metadata "
                   f"{Key.DISPLAY_NAME.value!r})")
    p.add_argument("--size", type=int, default=None,
                   help="input size of an export.train_best run (default: the one its validation chose)")
    a = p.parse_args(argv)
    if not (a.run / "best.pt").exists() or not (a.run / "train.json").exists():
        p.error(f"no trained model in {a.run} (expected best.pt and train.json from export.train)")
    meta = export_encoder(a.run, a.output, a.name, a.version, display_name=a.display_name, size=a.size)
    diff = parity(a.run, a.output, size=a.size)
    print(f"wrote {a.output} ({a.output.stat().st_size:,} bytes), embedding {meta['embedding_size']}, "
          f"{meta['parameter_count']} parameters; torch vs onnxruntime max abs diff {diff:.2e}")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
