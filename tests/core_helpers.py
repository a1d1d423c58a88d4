"""Small real catalogues for the core and CLI tests: generated product photos plus hostile files."""

from __future__ import annotations

import io
import os
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autosimnet_desktop.bench.photos import product_photo
from autosimnet_desktop.core.files.reading import FileState, read_file
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.storage.vector_index import VectorIndex


def photo(seed: int, size: tuple[int, int] = (60, 80)) -> Image.Image:
    """A distinct product photo for `seed`."""
    return product_photo(size, seed)


def write_photo(path: Path, seed: int, fmt: str = "JPEG", size: tuple[int, int] = (60, 80)) -> Path:
    """Save photo(seed) at `path` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    photo(seed, size).save(path, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return path


def make_catalogue(folder: Path, count: int, start: int = 0) -> list[str]:
    """`count` photos in two sub-folders; returns their relative paths."""
    paths = []
    for i in range(start, start + count):
        rel = f"{'shirts' if i % 2 else 'shoes'}/item-{i:04d}.jpg"
        write_photo(folder / rel, i)
        paths.append(rel)
    return sorted(paths)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but holds almost no data (a decompression-bomb probe)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def jpeg_bytes(seed: int, size: tuple[int, int] = (60, 80), **save: object) -> bytes:
    """JPEG bytes of photo(seed)."""
    buffer = io.BytesIO()
    photo(seed, size).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def add_unusual_good_files(folder: Path) -> list[str]:
    """Files that are odd but valid: each must be indexed. Returns their relative paths."""
    good = folder / "odd-but-good"
    good.mkdir(parents=True, exist_ok=True)
    base = photo(500)
    base.convert("P", palette=Image.Palette.ADAPTIVE).save(good / "palette.png")
    rgba = base.convert("RGBA")
    rgba.putalpha(Image.new("L", base.size, 128))
    rgba.save(good / "alpha.png")
    base.convert("CMYK").save(good / "cmyk.jpg", quality=90)
    Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257).save(good / "sixteen-bit.png")
    base.convert("L").save(good / "grey.jpg")
    frames = [photo(501), photo(502)]
    frames[0].save(good / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    base.save(good / "photo.tiff")
    base.save(good / "photo.webp")
    base.save(good / "photo.bmp")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    (good / "rotated.jpg").write_bytes(jpeg_bytes(503, exif=exif.tobytes()))
    Image.new("RGB", (1, 1), (200, 10, 10)).save(good / "one-pixel.png")
    (good / "really-a-png.jpg").write_bytes(_png_bytes(photo(504)))
    write_photo(good / "UPPER.JPG", 505)
    write_photo(good / "café crème 日本 (1).jpg", 506)
    (good / "no-extension").write_bytes(jpeg_bytes(507))  # as some web shops and CDNs save photos
    base.save(good / "photo.ppm")
    base.save(good / "photo.tga")
    base.convert("RGB").resize((64, 64)).save(good / "icon.ico")
    return sorted(str(p.relative_to(folder)).replace(os.sep, "/") for p in good.iterdir())


def _png_bytes(img: Image.Image) -> bytes:
    """PNG bytes of an image."""
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def add_hostile_files(folder: Path) -> dict[str, str]:
    """Bad files next to good ones; returns {relative path: a word its failure reason must contain}.

    Also adds entries that must be silently skipped (hidden files and folders, non-image files, FIFOs
    are reported, directory symlink loops are not followed).
    """
    bad = folder / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}

    (bad / "empty.jpg").write_bytes(b"")
    expected["bad/empty.jpg"] = "empty"
    whole = jpeg_bytes(600, (300, 400))
    (bad / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    expected["bad/truncated.jpg"] = "truncated"
    (bad / "text.jpg").write_text("this is not a photo\n")
    expected["bad/text.jpg"] = "not an image"
    corrupt = bytearray(whole)
    # Deterministic garbage without 0xFF bytes: a random end-of-image marker would make it decodable.
    corrupt[len(corrupt) // 3: len(corrupt) // 3 + 400] = bytes((i * 37) % 255 for i in range(400))
    (bad / "garbage-inside.jpg").write_bytes(bytes(corrupt[:len(corrupt) * 2 // 3]))
    expected["bad/garbage-inside.jpg"] = ""
    (bad / "huge.png").write_bytes(png_header_only(30000, 30000))
    expected["bad/huge.png"] = "too large"
    (bad / "zero-size.png").write_bytes(png_header_only(0, 0))
    expected["bad/zero-size.png"] = ""
    os.symlink("loop-b.jpg", bad / "loop-a.jpg")
    os.symlink("loop-a.jpg", bad / "loop-b.jpg")
    expected["bad/loop-a.jpg"] = "loop"
    expected["bad/loop-b.jpg"] = "loop"
    os.symlink("does-not-exist.jpg", bad / "dangling.jpg")
    expected["bad/dangling.jpg"] = "broken symbolic link"
    if hasattr(os, "mkfifo"):
        os.mkfifo(bad / "pipe.jpg")
        expected["bad/pipe.jpg"] = "not a regular file"
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", bad / "device.jpg")  # reading it would never end
        expected["bad/device.jpg"] = "not a regular file"
    if os.name == "posix":
        try:
            (bad / b"latin1-\xe9.jpg".decode("utf-8", "surrogateescape")).write_bytes(jpeg_bytes(601))
            expected["bad/latin1-\ufffd.jpg"] = "UTF-8"
        except (OSError, UnicodeEncodeError):
            pass  # a file system that insists on UTF-8 names
    (bad / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    expected["bad/photo.heic"] = ""  # with pillow-heif: not decodable; without: needs the plugin

    # Entries that are not failures: a folder named like an image holds a good photo; loops are not followed.
    write_photo(folder / "folder.jpg" / "inside.jpg", 602)
    os.symlink("..", folder / "folder.jpg" / "back-up")
    write_photo(folder / ".hidden-folder" / "skipped.jpg", 603)
    write_photo(folder / ".hidden.jpg", 604)
    (folder / "notes.txt").write_text("not an image, not a candidate\n")
    (folder / "README").write_text("BM: no extension and not an image: ignored, not listed\n")
    return expected


class SpyEncoder(Encoder):
    """The real ONNX encoder, noting each call's batch size and thread (and optionally slowed down)."""

    def __init__(self, model_path: Path, delay: float = 0.0) -> None:
        super().__init__(model_path)
        self.delay = delay
        self.calls: list[tuple[int, int, tuple[int, int]]] = []  # (rows, native thread id, (nice, policy))

    def encode(self, batch: np.ndarray) -> np.ndarray:
        self.calls.append((len(batch), threading.get_native_id(), thread_priority()))
        if self.delay:
            time.sleep(self.delay)
        return super().encode(batch)


class SpyIndex(VectorIndex):
    """A real vector index that notes the labels of each `add` (one call per recorded batch) and its thread."""

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.added: list[list[int]] = []
        self.priorities: set[tuple[int, int]] = set()
        self.saves = 0

    def add(self, labels: Iterable[int], vectors: np.ndarray, threads: int = 1) -> None:
        labels = list(labels)
        self.added.append(labels)
        self.priorities.add(thread_priority())
        super().add(labels, vectors, threads)

    def save(self, path: Path) -> None:
        self.saves += 1
        super().save(path)


class SpyReader:
    """read_file, noting which thread read each file (the thread that decodes it)."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}
        self.priorities: set[tuple[int, int]] = set()

    def __call__(self, path: Path, max_bytes: int) -> tuple[bytes, FileState]:
        self.threads[path.name] = threading.current_thread().name
        self.priorities.add(thread_priority())
        return read_file(path, max_bytes)


def thread_priority() -> tuple[int, int]:
    """(nice value, scheduling policy) of the calling thread; (0, 0) where they are not per thread."""
    if not sys.platform.startswith("linux"):
        return 0, 0
    thread = threading.get_native_id()
    return os.getpriority(os.PRIO_PROCESS, thread), os.sched_getscheduler(thread)


def read_file_while_it_grows(path: Path, max_bytes: int) -> tuple[bytes, FileState]:
    """read_file on a file that a copy keeps appending to: each of its reads is followed by more bytes."""
    real_read = os.read
    inode = path.stat().st_ino

    def read_then_grow(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        if os.fstat(fd).st_ino == inode:  # other threads read other files meanwhile
            with open(path, "ab") as more:
                more.write(b"\0" * 100)
        return data

    os.read = read_then_grow  # the file system is the boundary here: what a concurrent copy does to it
    try:
        return read_file(path, max_bytes)
    finally:
        os.read = real_read


def run_cli(capsys: "pytest.CaptureFixture[str]", *argv: str) -> tuple[int, str, str]:
    """Run the `autosimnet` command in-process; returns (exit code, stdout, stderr)."""
    from autosimnet_desktop.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits for usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
