"""Training and evaluation data: Fashion-MNIST idx files and folders of photos, preprocessed as the app does."""

from __future__ import annotations

import csv
import gzip
import hashlib
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from autosimnet_desktop.core.images.decode import ImageError, Preprocess, fit_square, load_for_model, to_array
from autosimnet_desktop.core.files.scanner import scan

DEFAULT_FASHION_MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fashion-mnist"
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
LABEL_COLUMNS = ("articleType", "subCategory", "baseColour")
HOLDOUT_FRACTION = 0.2  # the part of a photo folder that training never sees


@dataclass
class Dataset:
    """Preprocessed images (N x C x H x W float32) with optional label columns."""

    name: str
    images: np.ndarray
    labels: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) idx1/idx3 file into a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist_raw(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images N x 28 x 28 uint8, labels N) of the 'train' or 't10k' split."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz")
    return images, labels


def as_product_photo(pixels: np.ndarray) -> Image.Image:
    """A Fashion-MNIST image as a catalogue photo: dark product on white, like the shop's own photos."""
    return Image.fromarray(255 - pixels, "L")


def fashion_mnist(root: Path, split: str, spec: Preprocess, limit: int | None = None) -> Dataset:
    """Fashion-MNIST preprocessed exactly as the app preprocesses a photo of the same pixels."""
    images, labels = fashion_mnist_raw(root, split)
    if limit:
        images, labels = images[:limit], labels[:limit]
    out = np.empty((len(images), spec.channels, spec.size, spec.size), np.float32)
    for i, pixels in enumerate(images):
        img = as_product_photo(pixels)
        if spec.colour_mode == "RGB":
            img = img.convert("RGB")
        out[i] = to_array(fit_square(img, spec), spec)
    names = [FASHION_MNIST_CLASSES[int(i)] for i in labels]
    return Dataset(f"fashion-mnist-{split}", out, {"class": names})


def holdout(relpath: str) -> bool:
    """Deterministic split of a photo folder: True for the held-out part (about 20%)."""
    digest = hashlib.sha1(Path(relpath).stem.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < HOLDOUT_FRACTION


def list_images(folder: Path) -> list[str]:
    """Image files under `folder` as the app's scanner finds them, as sorted relative paths."""
    return sorted(scan(folder).files)


def read_labels(folder: Path) -> dict[str, dict[str, str]]:
    """labels.csv of a folder, keyed by its `file` column (relative path), if it exists."""
    csv_path = folder / "labels.csv"
    if not csv_path.exists():
        return {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def photo_folder(folder: Path, spec: Preprocess, part: str = "all", limit: int | None = None,
                 workers: int = 4) -> Dataset:
    """Photos of a folder ('all', 'train' or 'holdout' part), decoded as the app decodes them."""
    files = list_images(folder)
    if part != "all":
        files = [f for f in files if holdout(f) == (part == "holdout")]
    if limit:
        files = files[:limit]

    def load(rel: str) -> np.ndarray | None:
        try:
            return load_for_model(folder / rel, spec)
        except ImageError:
            return None

    with ThreadPoolExecutor(workers) as pool:
        arrays = list(pool.map(load, files))
    kept = [(f, a) for f, a in zip(files, arrays) if a is not None]
    images = np.stack([a for _, a in kept]) if kept else np.empty((0, spec.channels, spec.size, spec.size), np.float32)
    names = [f for f, _ in kept]
    rows = read_labels(folder)
    labels: dict[str, list[str]] = {}
    if rows:
        for column in LABEL_COLUMNS:
            if all(column in rows.get(f, {}) for f in names):
                labels[column] = [rows[f][column] for f in names]
    return Dataset(f"{folder.name}-{part}", images, labels, names)
