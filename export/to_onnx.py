"""Export a trained DAE's encoder to one self-contained ONNX file: python -m export.to_onnx --help."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import torch

from autosimnet_desktop.core.imaging import Preprocess

from .model import MODELS, Encoder, parameter_counts

OPSET = 17


def build_metadata(summary: dict, spec: Preprocess, embedding_size: int, name: str, version: str,
                   metric: str) -> dict[str, str]:
    """The metadata_props contract: everything the app needs to preprocess and compare."""
    params = summary["parameters"]
    meta = spec.to_metadata()
    meta.update({
        "embedding_size": str(embedding_size),
        "distance": metric,
        "model_name": name,
        "model_version": version,
        "architecture": summary["config"]["model"],
        "training_data": "; ".join(summary["sources"]),
        "epochs": str(summary["best_epoch"]),
        "epochs_run": str(summary["epochs_run"]),
        "final_val_loss": f"{summary['best_val_loss']:.6f}",
        "noise": str(summary["config"]["noise"]),
        "parameter_count": str(params["total"]),
        "trainable_parameters": str(params["trainable"]),
        "export_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "producer": "autosimnet export.to_onnx",
    })
    return meta


def export_encoder(run_dir: Path, output: Path, name: str, version: str, metric: str = "l2") -> dict[str, str]:
    """Write the encoder of run_dir/best.pt to `output` with its metadata; returns the metadata."""
    import onnx

    summary = json.loads((run_dir / "train.json").read_text())
    spec = Preprocess(**{k: tuple(v) if isinstance(v, list) else v for k, v in summary["preprocess"].items()})
    dae = MODELS[summary["config"]["model"]](channels=spec.channels)
    dae.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    encoder = Encoder(dae).eval()
    example = torch.rand(2, spec.channels, spec.size, spec.size)
    embedding_size = int(encoder(example).shape[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    # The legacy exporter writes one self-contained file and needs no onnxscript.
    torch.onnx.export(encoder, (example,), str(output), input_names=["image"], output_names=["embedding"],
                      dynamic_axes={"image": {0: "N"}, "embedding": {0: "N"}}, opset_version=OPSET,
                      dynamo=False, do_constant_folding=True)
    model = onnx.load(str(output))
    meta = build_metadata(summary, spec, embedding_size, name, version, metric)
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.doc_string = f"{name} {version}: image encoder of the AutoSimNet denoising autoencoder"
    onnx.checker.check_model(model)
    onnx.save(model, str(output))
    return meta


def parity(run_dir: Path, onnx_path: Path, batch: int = 16, seed: int = 0) -> float:
    """Max absolute difference between torch and onnxruntime embeddings on a random batch."""
    import onnxruntime as ort

    summary = json.loads((run_dir / "train.json").read_text())
    dae = MODELS[summary["config"]["model"]]()
    dae.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    encoder = Encoder(dae).eval()
    x = torch.rand(batch, 1, 64, 64, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        expected = encoder(x).numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["embedding"], {"image": x.numpy()})[0]
    return float(np.max(np.abs(expected - got)))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.to_onnx", description=__doc__)
    p.add_argument("--run", type=Path, default=Path("runs/paper"), help="training output folder (best.pt, train.json)")
    p.add_argument("--output", type=Path, default=Path("resources/models/autosimnet-paper.onnx"))
    p.add_argument("--name", default="autosimnet-paper-dae")
    p.add_argument("--version", default="1.0")
    a = p.parse_args(argv)
    if not (a.run / "best.pt").exists() or not (a.run / "train.json").exists():
        p.error(f"no trained model in {a.run} (expected best.pt and train.json from export.train)")
    meta = export_encoder(a.run, a.output, a.name, a.version)
    diff = parity(a.run, a.output)
    print(f"wrote {a.output} ({a.output.stat().st_size:,} bytes), embedding {meta['embedding_size']}, "
          f"{meta['parameter_count']} parameters; torch vs onnxruntime max abs diff {diff:.2e}")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
