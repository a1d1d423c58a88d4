"""`match`: for photos from outside the catalogue, the catalogue's best products ("do I already sell this?")."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.files.scanner import scan
from autosimnet_desktop.core.products.records import MatchResult, ProductHit
from autosimnet_desktop.core.records import CancelToken, Cancelled, CoreError, Progress, ProgressCallback


def expand_inputs(paths: Sequence[str | os.PathLike[str]]) -> Iterator[tuple[str, str]]:
    """(path as shown, reason it cannot be used or '') for every file given or found in a folder given."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = scan(path)
            for rel in sorted(found.files):
                yield str(path / rel), ""
            for rel, reason in sorted(found.errors.items()):
                yield str(path / rel), reason
        elif path.exists():
            yield str(path), ""
        else:
            yield str(path), "no such file or folder"


def match_photos(paths: Sequence[str | os.PathLike[str]], search: Callable[[str], list[ProductHit]],
                 min_similarity: float = 0.0, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> list[MatchResult]:
    """Each photo's best products at or above `min_similarity`; unreadable photos carry their reason instead."""
    inputs = list(expand_inputs(paths))
    results = []
    started = time.perf_counter()
    for done, (path, reason) in enumerate(inputs, start=1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        if reason:
            results.append(MatchResult(path, (), reason))
            continue
        try:
            hits = tuple(h for h in search(path) if h.similarity >= min_similarity)
            results.append(MatchResult(path, hits))
        except CoreError as exc:  # ImageError: a file that is not a usable image
            results.append(MatchResult(path, (), str(exc)))
        except OSError as exc:
            results.append(MatchResult(path, (), os_error_reason(exc)))
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Progress(done, len(inputs), done / elapsed if elapsed > 0 else 0.0, None, path, "matching"))
    return results
