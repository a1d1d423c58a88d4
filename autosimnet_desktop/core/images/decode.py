"""Safe image decoding and the model's preprocessing: one definition for the app and training."""

from __future__ import annotations

import functools
import io
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.files.reading import READ_FLAGS, check_file_stat
from autosimnet_desktop.core.images.formats import MAX_PIXELS, configure_pillow
from autosimnet_desktop.core.records import ImageError



@dataclass(frozen=True)
class Preprocess:
    """How an image becomes the encoder's input; stored in the ONNX metadata (core.model.card)."""

    size: int = 64
    colour_mode: str = "L"  # Pillow mode: "L" (grayscale) or "RGB"
    resize: str = "letterbox"  # fit inside a square, pad with `pad_value`
    resample: str = "bilinear"
    pad_value: int = 255  # catalogue photos are shot on white
    mean: tuple[float, ...] = field(default=(0.0,))
    std: tuple[float, ...] = field(default=(1.0,))

    @property
    def channels(self) -> int:
        """Number of input channels the encoder expects."""
        return 1 if self.colour_mode == "L" else 3


RESAMPLE_METHODS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
}


def _flatten(img: Image.Image, mode: str) -> Image.Image:
    """Convert any Pillow mode to `mode` ('L' or 'RGB'), compositing transparency on white."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("LA", "La", "PA"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "RGBa"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    elif img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: Pillow's direct convert clips at 255, so scale to 8 bits first.
        arr = np.asarray(img, dtype=np.uint32)
        peak = 65535 if arr.max(initial=0) > 255 else 255
        img = Image.fromarray((arr * 255 // peak).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float32)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if img.mode != mode:
        img = img.convert(mode)  # CMYK, YCbCr, 1, RGB <-> L
    return img


def open_image(source: str | os.PathLike[str] | bytes | BinaryIO | Image.Image,
               mode: str = "RGB", draft_size: int | None = None) -> Image.Image:
    """Decode a file, bytes or PIL image into a loaded `mode` image with EXIF orientation applied.

    `draft_size` lets JPEG decoding skip detail below that many pixels per side.
    Raises ImageError with a readable reason on any failure.
    """
    configure_pillow()
    try:
        if isinstance(source, Image.Image):
            img = source
            img.load()
        else:
            if isinstance(source, (str, os.PathLike)):
                _check_regular_file(Path(source))
                fp: str | os.PathLike[str] | BinaryIO = source
            elif isinstance(source, (bytes, bytearray, memoryview)):
                if not source:
                    raise ImageError("empty image data")
                fp = io.BytesIO(bytes(source))
            else:
                fp = source
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = _open_any(fp)
                if getattr(img, "n_frames", 1) > 1:
                    img.seek(0)  # animated GIF/WebP/TIFF: the first frame is the product
                if draft_size and img.format == "JPEG":
                    img.draft("RGB" if mode == "RGB" else "L", (draft_size, draft_size))
                img.load()
        img = ImageOps.exif_transpose(img) or img
        return _flatten(img, mode)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"image too large (over {MAX_PIXELS:,} pixels)") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not an image this app can read (unknown or damaged format)") from None
    except OSError as exc:
        if exc.errno is not None:
            raise ImageError(os_error_reason(exc)) from None
        text = str(exc)
        if "truncated" in text.lower():
            raise ImageError("file is truncated or corrupt") from None
        raise ImageError(f"cannot decode image: {text or type(exc).__name__}") from None
    except (ValueError, SyntaxError, EOFError, MemoryError) as exc:
        raise ImageError(f"corrupt image: {exc or type(exc).__name__}") from None


# Tried first: once every Pillow plugin is registered, Image.open tries some 25 rare formats (several without
# a cheap signature check) before JPEG, a noticeable share of a thumbnail's decoding.
COMMON_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


def _open_any(fp: str | os.PathLike[str] | BinaryIO) -> Image.Image:
    """Image.open, trying the common formats before all the others."""
    try:
        return Image.open(fp, formats=COMMON_FORMATS)
    except Image.UnidentifiedImageError:
        return Image.open(fp)  # Image.open rewinds a file object itself


def has_image_signature(path: str | os.PathLike[str]) -> bool:
    """Whether a regular file starts like a JPEG, PNG, GIF, WebP, BMP or TIFF image, whatever its name.

    For files without an extension (photos saved from some web shops and CDNs have none): they are indexed
    when their first bytes say they are images, and ignored otherwise, like any other non-image file."""
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return False
    try:  # non-blocking, and only a regular file is read: a FIFO swapped in since the scan's stat cannot hang it
        head = os.read(fd, 18) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return False
    finally:
        os.close(fd)
    return (head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n" or head[:6] in (b"GIF87a", b"GIF89a")
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:4] in (b"II*\x00", b"MM\x00*")
            or (head[:2] == b"BM" and len(head) == 18
                and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)))


def _check_regular_file(path: Path) -> None:
    """Refuse FIFOs, devices and folders before Pillow opens them (a FIFO would block forever)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ImageError(os_error_reason(exc)) from None
    check_file_stat(st)


def fit_square(img: Image.Image, spec: Preprocess) -> Image.Image:
    """Resize to spec.size x spec.size: letterboxed on the pad colour, or stretched."""
    size = spec.size
    resample = RESAMPLE_METHODS[spec.resample]
    if spec.resize == "stretch":
        return img.resize((size, size), resample, reducing_gap=3.0)
    w, h = img.size
    scale = size / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = img.resize((nw, nh), resample, reducing_gap=3.0)
    if (nw, nh) == (size, size):
        return resized
    fill = spec.pad_value if img.mode == "L" else (spec.pad_value,) * 3
    canvas = Image.new(img.mode, (size, size), fill)
    canvas.paste(resized, ((size - nw) // 2, (size - nh) // 2))
    return canvas


@functools.lru_cache(maxsize=8)
def _normalisation(spec: Preprocess) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean, std) as C x 1 x 1 arrays, or None when they change nothing (worked out once per spec)."""
    if all(m == 0 for m in spec.mean) and all(s == 1 for s in spec.std):
        return None
    return (np.asarray(spec.mean, dtype=np.float32).reshape(-1, 1, 1),
            np.asarray(spec.std, dtype=np.float32).reshape(-1, 1, 1))


def to_array(img: Image.Image, spec: Preprocess, out: np.ndarray | None = None) -> np.ndarray:
    """A square `spec.size` image as the normalised float32 C x H x W array the encoder takes.

    `out` (C x H x W float32) receives it in place: the indexer decodes a chunk straight into its batch."""
    pixels = np.asarray(img)  # H x W or H x W x C, uint8
    pixels = pixels[None, :, :] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
    if out is None:
        out = np.empty(pixels.shape, np.float32)
    np.divide(pixels, np.float32(255.0), out=out, dtype=np.float32)
    normalisation = _normalisation(spec)
    if normalisation is not None:
        out -= normalisation[0]
        out /= normalisation[1]
    return out


def load_for_model(source: str | os.PathLike[str] | bytes | BinaryIO | Image.Image,
                   spec: Preprocess, out: np.ndarray | None = None) -> np.ndarray:
    """Decode `source` safely and preprocess it exactly as the encoder expects (into `out`, if given)."""
    img = open_image(source, spec.colour_mode, draft_size=spec.size * 2)
    return to_array(fit_square(img, spec), spec, out)
