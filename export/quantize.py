"""Quantise an exported encoder's convolutions to int8: python -m export.quantize --help.

Static quantisation in QDQ form (onnxruntime.quantization): weights int8 per output channel, activations
uint8 with ranges calibrated on training images (never the held-out part), each convolution's ReLU folded
into its output's range (QUANTIZED_OPS), everything else (the colour histogram, the pooling, the projection
heads) left in float. On a laptop CPU the encoder then costs about half the CPU per image. `reduce_range`
(7-bit weights) keeps the results the same on CPUs without VNNI, whose u8 x s8 instruction can otherwise
saturate.

The float model's metadata contract is copied unchanged, plus `quantization` (what was done, with the
float model's SHA-256) and a new `model_version`. The command prints how closely the int8 embeddings follow
the float ones on held-out images; `export.evaluate` with both models measures the retrieval figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.encoder import Encoder, file_sha256

from .data import DEFAULT_FASHION_MNIST, fashion_mnist, photo_folder


# Convolutions, and the ReLUs after them. With the ReLU listed, the QDQ quantiser folds it into the convolution's
# output quantisation (uint8 from zero is a ReLU), so a convolution's output is quantised once, straight onto
# the range the next convolution reads. Without it (version 1.1), each convolution's output was quantised to
# its own range, dequantised, and quantised again to the ReLU's: two roundings and two extra passes over the
# activations. Measured on the default model: 1.09x the encoder's images/s, and embeddings closer to the float
# model's (cosine 0.9998 against 0.9967 on held-out photos; resources/models/README.md).
QUANTIZED_OPS = ["Conv", "Relu"]
# The default model (EfficientNet-Lite0) clips at 6 (ReLU6, exported as Clip) and adds residuals: with Clip listed
# it is folded like a ReLU, and with Add the residual sums stay in int8 between int8 convolutions (--ops).
BACKBONE_OPS = ["Conv", "Relu", "Clip", "Add"]


def calibration_images(encoder: Encoder, folders: list[Path], fmnist: Path | None, per_source: int,
                       seed: int = 0) -> np.ndarray:
    """Up to `per_source` random training images of each source, preprocessed as the app does."""
    rng = np.random.default_rng(seed)
    spec = encoder.preprocess
    parts = [photo_folder(folder, spec, part="train").images for folder in folders]
    if fmnist is not None:
        parts.append(fashion_mnist(fmnist, "train", spec).images)
    picked = [p[rng.permutation(len(p))[:per_source]] for p in parts if len(p)]
    if not picked:
        raise ValueError("no calibration images found")
    return np.concatenate(picked)


def quantize(source: Path, out: Path, calibration: np.ndarray, version: str | None = None, batch: int = 32,
             ops: list[str] | None = None) -> None:
    """Write the int8 QDQ version of `source` to `out`, metadata contract included."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        """Feeds the calibration images in batches."""

        def __init__(self) -> None:
            self._batches = iter(range(0, len(calibration), batch))

        def get_next(self) -> dict[str, np.ndarray] | None:
            start = next(self._batches, None)
            return None if start is None else {"image": calibration[start:start + batch]}

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared))
        quantize_static(str(prepared), str(out), Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=ops or QUANTIZED_OPS, per_channel=True, reduce_range=True)
    float_model, model = onnx.load(str(source)), onnx.load(str(out))
    meta = {p.key: p.value for p in float_model.metadata_props}
    meta["model_version"] = version or f"{meta.get('model_version', '1.0')}-int8"
    meta["quantization"] = (f"int8 QDQ {', '.join(ops or QUANTIZED_OPS)} (activations folded in; per-channel "
                            f"7-bit weights, uint8 activations), calibrated on {len(calibration)} training images; "
                            f"float model sha256 {file_sha256(source)}")
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(out))


def agreement(float_path: Path, int8_path: Path, images: np.ndarray, k: int = 10) -> dict[str, float]:
    """How closely the int8 model follows the float one: embedding cosine and top-k neighbour overlap."""
    a, b = Encoder(float_path), Encoder(int8_path)
    ea = np.concatenate([a.encode(images[i:i + 256]) for i in range(0, len(images), 256)])
    eb = np.concatenate([b.encode(images[i:i + 256]) for i in range(0, len(images), 256)])
    cos = np.sum(ea * eb, axis=1) / (np.linalg.norm(ea, axis=1) * np.linalg.norm(eb, axis=1))

    def neighbours(e: np.ndarray) -> np.ndarray:
        d = np.sum(e * e, axis=1)[:, None] + np.sum(e * e, axis=1)[None, :] - 2 * e @ e.T
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1)[:, :k]

    na, nb = neighbours(ea), neighbours(eb)
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb)])
    return {"images": len(images), "cosine_mean": float(cos.mean()), "cosine_min": float(cos.min()),
            f"top{k}_overlap": float(overlap)}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.quantize", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, required=True, help="the float ONNX encoder (export.to_onnx output)")
    p.add_argument("--folder", type=Path, action="append", default=[],
                   help="photo folder to calibrate on (its training part); repeatable")
    p.add_argument("--fashion-mnist", nargs="?", const=str(DEFAULT_FASHION_MNIST), default=None, metavar="DIR",
                   help="also calibrate on Fashion-MNIST train (idx files in DIR; default %(const)s)")
    p.add_argument("--per-source", type=int, default=1000, help="calibration images per source")
    p.add_argument("--version", default=None, help="model_version of the result (default: the float one's + '-int8')")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--ops", default=",".join(QUANTIZED_OPS),
                   help=f"operators to quantise (default %(default)s; the default model: {','.join(BACKBONE_OPS)})")
    p.add_argument("--json", type=Path, default=None, help="write the agreement figures here")
    a = p.parse_args(argv)
    if not a.model.is_file():
        p.error(f"model not found: {a.model}")
    for folder in a.folder:
        if not folder.is_dir():
            p.error(f"folder not found: {folder}")
    if not a.folder and not a.fashion_mnist:
        p.error("give at least one calibration source: --folder and/or --fashion-mnist")
    encoder = Encoder(a.model)
    calibration = calibration_images(encoder, a.folder, Path(a.fashion_mnist) if a.fashion_mnist else None,
                                     a.per_source)
    print(f"calibrating on {len(calibration)} training images...", file=sys.stderr)
    quantize(a.model, a.out, calibration, a.version, ops=[o for o in a.ops.split(",") if o])
    held_out = [photo_folder(folder, encoder.preprocess, part="holdout").images for folder in a.folder]
    check = np.concatenate(held_out) if held_out else calibration
    figures = agreement(a.model, a.out, check)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1024:.0f} KB); against the float model on "
          f"{figures['images']} {'held-out' if held_out else 'calibration'} images: embedding cosine mean "
          f"{figures['cosine_mean']:.4f} (min {figures['cosine_min']:.4f}), top-10 neighbours shared "
          f"{figures['top10_overlap']:.1%}")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
