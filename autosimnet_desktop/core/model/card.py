"""The model card: every ONNX metadata_props key the app reads and the training helper writes, in one place.

A model needs no code of its own in the app: its card says how to preprocess an image, how long the embedding
is, how to compare two of them and, for a fused model, where its shape and colour parts are."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from autosimnet_desktop.core.images.decode import RESAMPLE_METHODS, Preprocess
from autosimnet_desktop.core.search.fusion import Segments, parse_segments

METRICS = ("l2", "cosine")
SIMILARITY_TEXT = "exp(-(d / distance_scale)^2), d = Euclidean distance between embeddings"


class Key(StrEnum):
    """The metadata_props keys of the contract."""

    INPUT_SIZE = "input_size"
    INPUT_CHANNELS = "input_channels"
    COLOUR_MODE = "colour_mode"
    RESIZE = "resize"
    RESAMPLE = "resample"
    PAD_VALUE = "pad_value"
    NORMALISATION = "normalisation"
    MEAN = "mean"
    STD = "std"
    EMBEDDING_SIZE = "embedding_size"
    DISTANCE = "distance"
    DISTANCE_SCALE = "distance_scale"
    SIMILARITY = "similarity"
    MODEL_NAME = "model_name"
    MODEL_VERSION = "model_version"
    DISPLAY_NAME = "display_name"
    SEGMENTS = "segments"
    DEFAULT_COLOUR_WEIGHT = "default_colour_weight"
    FUSION = "fusion"
    # Facts about training, shown in About and the model card; the app does not act on them.
    ARCHITECTURE = "architecture"
    TRAINING_DATA = "training_data"
    EPOCHS = "epochs"
    EPOCHS_RUN = "epochs_run"
    FINAL_VAL_LOSS = "final_val_loss"
    NOISE = "noise"
    VALIDATION = "validation"
    PARAMETER_COUNT = "parameter_count"
    TRAINABLE_PARAMETERS = "trainable_parameters"
    EXPORT_DATE = "export_date"
    PRODUCER = "producer"
    QUANTIZATION = "quantization"
    WEIGHTS_SOURCE = "weights_source"
    WEIGHTS_LICENCE = "weights_licence"


def preprocess_metadata(spec: Preprocess) -> dict[str, str]:
    """The entries that describe a preprocessing."""
    return {
        Key.INPUT_SIZE: str(spec.size),
        Key.INPUT_CHANNELS: str(spec.channels),
        Key.COLOUR_MODE: spec.colour_mode,
        Key.RESIZE: spec.resize,
        Key.RESAMPLE: spec.resample,
        Key.PAD_VALUE: str(spec.pad_value),
        Key.NORMALISATION: "x/255, then (x - mean) / std per channel",
        Key.MEAN: ",".join(f"{m:g}" for m in spec.mean),
        Key.STD: ",".join(f"{s:g}" for s in spec.std),
    }


def read_preprocess(meta: Mapping[str, str]) -> Preprocess:
    """The preprocessing a model's metadata describes; missing keys take the paper's defaults (ValueError
    for a value the app cannot follow)."""
    def floats(key: Key, default: tuple[float, ...]) -> tuple[float, ...]:
        raw = meta.get(key)
        return tuple(float(v) for v in raw.split(",")) if raw else default

    mode = meta.get(Key.COLOUR_MODE, "L")
    if mode not in ("L", "RGB"):
        raise ValueError(f"unsupported colour mode in model metadata: {mode!r}")
    resample = meta.get(Key.RESAMPLE, "bilinear")
    if resample not in RESAMPLE_METHODS:
        raise ValueError(f"unsupported resample method in model metadata: {resample!r}")
    resize = meta.get(Key.RESIZE, "letterbox")
    if resize not in ("letterbox", "stretch"):
        raise ValueError(f"unsupported resize method in model metadata: {resize!r}")
    return Preprocess(size=int(meta.get(Key.INPUT_SIZE, "64")), colour_mode=mode, resize=resize, resample=resample,
                      pad_value=int(meta.get(Key.PAD_VALUE, "255")), mean=floats(Key.MEAN, (0.0,)),
                      std=floats(Key.STD, (1.0,)))


def read_segments(meta: Mapping[str, str]) -> Segments | None:
    """The fusion layout of a model, or None for a single (unfused) embedding (ValueError if malformed)."""
    raw = meta.get(Key.SEGMENTS)
    if not raw:
        return None
    parts = parse_segments(raw)
    if "shape" not in parts or "colour" not in parts:
        return None
    w0 = float(meta.get(Key.DEFAULT_COLOUR_WEIGHT, "0.5"))
    if not 0.0 < w0 < 1.0:
        raise ValueError(f"default_colour_weight must be strictly between 0 and 1, not {w0}")
    return Segments(parts["shape"], parts["colour"], w0)


def positive_float(text: str | None) -> float | None:
    """A positive, finite number parsed from stored text, else None."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and value > 0 and math.isfinite(value) else None


@dataclass(frozen=True)
class ModelCard:
    """What a model's metadata says, checked: everything the app acts on."""

    name: str
    version: str
    display_name: str  # what a shop owner sees, e.g. "Best match"
    preprocess: Preprocess
    embedding_size: int
    metric: str  # "l2" or "cosine"
    distance_scale: float | None  # s in similarity = exp(-(d / s)^2); None: estimate it from the catalogue
    segments: Segments | None

    @property
    def label(self) -> str:
        """Name and version, e.g. 'autosimnet-paper-dae 1.1'."""
        return f"{self.name} {self.version}".strip()

    @classmethod
    def read(cls, meta: Mapping[str, str], fallback_name: str, output_size: int | None) -> ModelCard:
        """The card of a model file's metadata; the name falls back to the file's stem, the embedding size to
        the output's shape. ValueError for anything the app cannot follow."""
        size = meta.get(Key.EMBEDDING_SIZE) or output_size
        if not size:
            raise ValueError("the model states no embedding size")
        metric = meta.get(Key.DISTANCE, "l2")
        if metric not in METRICS:
            raise ValueError(f"unsupported distance metric in model metadata: {metric!r}")
        name = meta.get(Key.MODEL_NAME) or fallback_name
        return cls(name=name, version=meta.get(Key.MODEL_VERSION, ""),
                   display_name=meta.get(Key.DISPLAY_NAME) or name, preprocess=read_preprocess(meta),
                   embedding_size=int(size), metric=metric, distance_scale=positive_float(meta.get(Key.DISTANCE_SCALE)),
                   segments=read_segments(meta))


def card_metadata(spec: Preprocess, embedding_size: int, metric: str, scale: float, name: str, version: str,
                  facts: Mapping[Key, str], display_name: str = "", segments: str = "",
                  colour_weight: float | None = None) -> dict[str, str]:
    """The metadata_props a model file is written with: the contract, then the training facts.

    `segments` ('shape:0:192,colour:192:256') and `colour_weight` make a fused model."""
    if metric not in METRICS:
        raise ValueError(f"unsupported metric {metric!r}")
    meta: dict[str, str] = preprocess_metadata(spec)
    meta.update({Key.EMBEDDING_SIZE: str(embedding_size), Key.DISTANCE: metric, Key.DISTANCE_SCALE: f"{scale:.6g}",
                 Key.SIMILARITY: SIMILARITY_TEXT, Key.MODEL_NAME: name, Key.MODEL_VERSION: version})
    if display_name:
        meta[Key.DISPLAY_NAME] = display_name
    if segments:
        meta[Key.SEGMENTS] = segments
        meta[Key.DEFAULT_COLOUR_WEIGHT] = f"{colour_weight:g}"
        meta[Key.FUSION] = ("e = [sqrt(1-w0)*shape, sqrt(w0)*colour], both unit; at colour weight w: "
                            "d_w = sqrt((1-w)*|ds|^2 + w*|dc|^2) (autosimnet_desktop.core.search.fusion)")
    meta.update({Key(k): v for k, v in facts.items()})
    return {str(k): v for k, v in meta.items()}
