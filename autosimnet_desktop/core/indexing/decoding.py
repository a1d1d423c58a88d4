"""Turning catalogue files into encoder input: one file, a chunk of files, and how files are chunked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.files.reading import FileReader, FileState, digest_bytes
from autosimnet_desktop.core.images.decode import Preprocess, load_for_model
from autosimnet_desktop.core.records import ImageError

# Decoding a thumbnail is mostly Python under the GIL, so two threads go no faster than one: files up to
# this size are decoded on one thread of their own (the small-file lane); bigger ones, mostly C that
# releases the GIL, by a pool of one thread per core.
SMALL_FILE_BYTES = 4096


@dataclass
class Decoded:
    """What decoding made of one file: an encoder input or an error, and the file state it actually read.

    The encoding thread then embeds the chunk and replaces `array` by the embedding in `vector`."""

    relpath: str
    array: np.ndarray | None
    state: FileState | None
    digest: str | None
    error: str | None
    vector: np.ndarray | None = None


@dataclass
class Chunk:
    """Decoded files and the encoder batch they were decoded into (a bad file's row is left unused).

    The encoding thread drops `batch` once it is embedded, so chunks waiting for the main thread keep
    only their vectors."""

    files: list[Decoded]
    batch: np.ndarray | None


def decode_file(read: FileReader, folder: Path, relpath: str, spec: Preprocess, max_bytes: int,
                out: np.ndarray | None = None) -> Decoded:
    """Read, digest and preprocess one catalogue file (into `out`, if given); never raises for a bad file."""
    try:
        data, state = read(folder / relpath, max_bytes)
        digest = digest_bytes(data)
    except ImageError as exc:
        return Decoded(relpath, None, None, None, str(exc))
    except OSError as exc:
        return Decoded(relpath, None, None, None, os_error_reason(exc))
    try:
        array = load_for_model(data, spec, out)
    except ImageError as exc:
        return Decoded(relpath, None, state, digest, str(exc))
    except MemoryError:
        return Decoded(relpath, None, state, digest, "image too large for the available memory")
    except Exception as exc:  # a Pillow plugin's bug on one odd file must not stop the run
        return Decoded(relpath, None, state, digest, f"cannot decode image ({type(exc).__name__}: {exc})")
    return Decoded(relpath, array, state, digest, None)


def decode_chunk(read: FileReader, folder: Path, relpaths: list[str], spec: Preprocess, max_bytes: int) -> Chunk:
    """Decode files straight into one batch for the encoder, so the encoding thread copies nothing."""
    batch = np.empty((len(relpaths), spec.channels, spec.size, spec.size), np.float32)
    return Chunk([decode_file(read, folder, relpath, spec, max_bytes, batch[row])
                  for row, relpath in enumerate(relpaths)], batch)


def plan_chunks(sizes: list[int], chunk_size: int, small_chunk_size: int | None = None) -> list[tuple[bool, list[int]]]:
    """Group file positions into chunks: (small, positions), small and big files apart.

    `sizes` are the files' sizes from the scan; big files go `chunk_size` to a chunk, small ones
    `small_chunk_size` (by default the same). Chunks come in the order of their first file, so a folder
    that mixes thumbnails and photos keeps the small-file lane and the pool busy at the same time."""
    small_size = small_chunk_size or chunk_size
    small = [i for i, size in enumerate(sizes) if size <= SMALL_FILE_BYTES]
    big = [i for i, size in enumerate(sizes) if size > SMALL_FILE_BYTES]
    chunks = [(True, small[i:i + small_size]) for i in range(0, len(small), small_size)]
    chunks += [(False, big[i:i + chunk_size]) for i in range(0, len(big), chunk_size)]
    chunks.sort(key=lambda chunk: chunk[1][0])
    return chunks
