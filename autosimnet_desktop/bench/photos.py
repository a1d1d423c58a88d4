"""The bench's own test data: product-like photos written to disk, and embeddings shaped like real ones."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def product_photo(size: tuple[int, int], seed: int, noise: np.ndarray | None = None) -> Image.Image:
    """A plausible product shot: one shaded, textured object with a soft shadow, centred on white."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    colour = tuple(int(c) for c in rng.integers(20, 230, 3))
    x0, y0 = int(w * rng.uniform(0.1, 0.3)), int(h * rng.uniform(0.08, 0.25))
    x1, y1 = int(w * rng.uniform(0.7, 0.9)), int(h * rng.uniform(0.75, 0.92))
    shadow = (x0 + w // 40, y1 - h // 30, x1 + w // 40, y1 + h // 40)
    draw.ellipse(shadow, fill=(228, 228, 228))
    kind = seed % 3
    if kind == 0:  # garment-like trapezoid with sleeves
        mid = (x0 + x1) // 2
        draw.polygon([(x0, y0 + (y1 - y0) // 5), (mid - (x1 - x0) // 6, y0), (mid + (x1 - x0) // 6, y0),
                      (x1, y0 + (y1 - y0) // 5), (x1 - (x1 - x0) // 8, y1), (x0 + (x1 - x0) // 8, y1)], fill=colour)
    elif kind == 1:  # bag or bottle
        draw.rounded_rectangle((x0, y0, x1, y1), radius=max(2, (x1 - x0) // 6), fill=colour)
    else:  # shoe-like ellipse
        draw.ellipse((x0, y0 + (y1 - y0) // 3, x1, y1), fill=colour)
    step = max(2, int(h * rng.uniform(0.02, 0.08)))
    stripe = tuple(max(0, c - 40) for c in colour)
    for y in range(y0, y1, step * 2):  # texture: stripes clipped to the object's colour
        draw.line((x0, y, x1, y), fill=stripe, width=max(1, step // 3))
    arr = np.asarray(img, dtype=np.int16)
    mask = np.any(arr < 250, axis=2, keepdims=True)
    shade = np.linspace(1.1, 0.8, h, dtype=np.float32)[:, None, None]  # light from above
    arr = np.where(mask, arr * shade, arr)
    if noise is not None:
        arr = arr + noise[:h, :w]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def make_photos(folder: Path, count: int, size: tuple[int, int], prefix: str, workers: int) -> list[Path]:
    """Write `count` product-photo JPEGs of `size` into `folder` (in sub-folders of 1,000)."""
    noise = np.random.default_rng(1).normal(0, 3, (size[1], size[0], 3)).astype(np.float32)
    paths = [folder / f"{prefix}{i // 1000:03d}" / f"{prefix}-{i:06d}.jpg" for i in range(count)]
    for parent in {p.parent for p in paths}:
        parent.mkdir(parents=True, exist_ok=True)

    def write(i: int) -> None:
        """Write photo number i."""
        product_photo(size, i, noise).save(paths[i], "JPEG", quality=88)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, range(count)))
    return paths


def clustered_embeddings(count: int, dim: int, seed: int = 0, latent: int = 24) -> np.ndarray:
    """Random embeddings shaped like real ones: Gaussian clusters in a low-dimensional space, mapped to `dim`.

    Real image embeddings have a low intrinsic dimension (the shipped model needs ~16 principal components
    for 90% of the variance); isotropic noise in `dim` dimensions would be a different, unrealistic problem.
    """
    rng = np.random.default_rng(seed)
    projection = rng.standard_normal((latent, dim)).astype(np.float32) / np.sqrt(latent)
    centres = rng.standard_normal((max(1, count // 20), latent)).astype(np.float32) * 2.0
    points = centres[rng.integers(0, len(centres), count)] + rng.standard_normal((count, latent)).astype(np.float32) * 0.5
    out = points @ projection
    out += rng.standard_normal(out.shape).astype(np.float32) * 0.05
    return out.astype(np.float32)


def settle_disk() -> None:
    """Write the test photos out to disk now, so that the kernel does not flush them during the measurements.

    Left dirty, the ~180 MB of photos just written are flushed 30 MB at a time every few seconds (Linux writes
    back pages 30 s old), in the middle of the timed runs: the flushing thread takes CPU time, and the
    pipeline's own fsyncs may queue behind it. A shop's catalogue has long been on disk."""
    if hasattr(os, "sync"):
        os.sync()
