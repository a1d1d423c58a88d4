"""Build the bundled sample catalogue from Fashion-MNIST test images: python -m export.make_sample."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from .data import DEFAULT_FASHION_MNIST, FASHION_MNIST_CLASSES, as_product_photo, fashion_mnist_raw

SIZE = 112  # big enough for a crisp thumbnail, small enough to keep the catalogue ~1 MB


def folder_name(label: str) -> str:
    """'T-shirt/top' -> 't-shirt-top': a class as a folder name."""
    return label.lower().replace("/", "-").replace(" ", "-")


def make_sample(root: Path, out: Path, per_class: int, seed: int = 0) -> int:
    """Write `per_class` test images of each class as PNG product photos; returns the count."""
    images, labels = fashion_mnist_raw(root, "t10k")
    rng = np.random.default_rng(seed)
    if out.exists():
        shutil.rmtree(out)
    count = 0
    for cls, label in enumerate(FASHION_MNIST_CLASSES):
        chosen = np.sort(rng.choice(np.flatnonzero(labels == cls), per_class, replace=False))
        target = out / folder_name(label)
        target.mkdir(parents=True)
        for index in chosen:
            photo = as_product_photo(images[index]).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
            photo.save(target / f"fmnist-test-{index:05d}.png", optimize=True)
            count += 1
    (out / "LICENSE-fashion-mnist.txt").write_text(
        "These images are Fashion-MNIST test images (Zalando Research, Xiao, Rasul, Vollgraf 2017),\n"
        "inverted to dark-on-white and upscaled to 112x112. Fashion-MNIST is released under the MIT licence.\n")
    return count


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.make_sample", description=__doc__)
    p.add_argument("--fashion-mnist", type=Path, default=DEFAULT_FASHION_MNIST)
    p.add_argument("--out", type=Path, default=Path("resources/sample-catalogue"))
    p.add_argument("--per-class", type=int, default=30)
    a = p.parse_args(argv)
    n = make_sample(a.fashion_mnist, a.out, a.per_class)
    print(f"wrote {n} images to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
