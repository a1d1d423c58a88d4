"""The ONNX encoder: loads a model file, reads its metadata contract and embeds image batches."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.images.decode import Preprocess
from autosimnet_desktop.core.model.card import ModelCard
from autosimnet_desktop.core.model.runtime import onnxruntime

INPUT_NAME = "image"
OUTPUT_NAME = "embedding"


@dataclass(frozen=True)
class ModelInfo:
    """A loaded model file: where it is, its digest, its card and the raw metadata behind the card."""

    path: Path
    sha256: str
    card: ModelCard
    metadata: dict[str, str]

    @property
    def preprocess(self) -> Preprocess:
        return self.card.preprocess

    @property
    def embedding_size(self) -> int:
        return self.card.embedding_size

    @property
    def metric(self) -> str:
        return self.card.metric

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def label(self) -> str:
        """Short technical name, e.g. 'autosimnet-paper-dae 1.1'."""
        return self.card.label


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Encoder:
    """Runs an ONNX image encoder with onnxruntime on the CPU; several threads may encode at once."""

    def __init__(self, model_path: str | os.PathLike[str], threads: int | None = None) -> None:
        ort = onnxruntime()

        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        options = ort.SessionOptions()
        # One thread by default: callers parallelise across images (the indexer's encoding thread works beside
        # its decoding threads), and a single query image gains nothing from intra-op threads.
        options.intra_op_num_threads = threads or 1
        options.inter_op_num_threads = 1
        # Without this, onnxruntime's worker threads spin after each batch and an idle app burns CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = dict(self._session.get_modelmeta().custom_metadata_map)
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != INPUT_NAME:
            raise ValueError(f"model must have one input named {INPUT_NAME!r}")
        size = self._session.get_outputs()[0].shape[-1]  # a name, not a number, when the size is dynamic
        card = ModelCard.read(meta, path.stem, size if isinstance(size, int) else None)
        self.info = ModelInfo(path=path, sha256=file_sha256(path), card=card, metadata=meta)

    @property
    def preprocess(self) -> Preprocess:
        """The preprocessing this model was trained with."""
        return self.info.preprocess

    @property
    def dim(self) -> int:
        """Length of one embedding."""
        return self.info.embedding_size

    def encode(self, batch: np.ndarray) -> np.ndarray:
        """Embed an N x C x H x W float32 batch; returns N x D float32 (L2-normalised for cosine models)."""
        if batch.ndim == 3:
            batch = batch[None]
        out = self._session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(batch, np.float32)})[0]
        out = out.reshape(out.shape[0], -1).astype(np.float32, copy=False)
        if self.info.metric == "cosine":  # (einsum: one call instead of np.linalg.norm's several)
            out = out / np.maximum(np.sqrt(np.einsum("ij,ij->i", out, out)), 1e-12)[:, None]
        return out
