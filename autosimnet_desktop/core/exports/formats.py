"""Export formats of the command-line contract: related products and duplicates as CSV/JSON, reports as dicts."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import stat
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from autosimnet_desktop.core.products.records import MatchResult, ProductHit
from autosimnet_desktop.core.records import IndexReport, SearchHit

RELATED_CSV_HEADER = ("product", "rank", "similar", "similarity")
DUPLICATES_CSV_HEADER = ("group", "path", "similarity", "distance", "product")


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    """One hit as the contract's JSON object: path, similarity, distance (rounded for readable output), and the
    photo's product where it is known."""
    data: dict[str, Any] = {"path": hit.path, "similarity": round(hit.similarity, 4),
                            "distance": round(hit.distance, 4)}
    if hit.product is not None:
        data["product"] = hit.product
    return data


def product_hit_dict(hit: ProductHit) -> dict[str, Any]:
    """A product found by a query: the product, its name and category, its best photo (also as "path")."""
    return {"product": hit.product, "name": hit.name, "category": hit.category, "path": hit.photo,
            "photos": hit.photos, "similarity": round(hit.similarity, 4), "distance": round(hit.distance, 4)}


def product_hits_json(hits: Sequence[ProductHit]) -> str:
    """Product query results as a JSON list, best first."""
    return json.dumps([product_hit_dict(h) for h in hits], ensure_ascii=False, indent=2)


def matches_json(results: Sequence[MatchResult]) -> str:
    """`match` results: one object per photo given, with its products or the reason it could not be read."""
    return json.dumps([{"path": r.path, "products": [product_hit_dict(h) for h in r.hits],
                        **({"error": r.error} if r.error else {})} for r in results], ensure_ascii=False, indent=2)


MATCH_CSV_HEADER = ("path", "rank", "product", "photo", "similarity", "error")


def write_matches_csv(results: Sequence[MatchResult], out: TextIO) -> None:
    """`match` results as CSV: path,rank,product,photo,similarity,error (a photo with no match gets one empty row)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MATCH_CSV_HEADER)
    for result in results:
        if not result.hits:
            writer.writerow((result.path, "", "", "", "", result.error))
        for rank, hit in enumerate(result.hits, start=1):
            writer.writerow((result.path, rank, hit.product, hit.photo, f"{hit.similarity:.4f}", ""))


def hits_json(hits: Sequence[SearchHit]) -> str:
    """Query results as a JSON list, best first."""
    return json.dumps([hit_dict(h) for h in hits], ensure_ascii=False, indent=2)


def related_json(related: Mapping[str, Sequence[SearchHit]]) -> str:
    """{"a/1.jpg": [{"path": "b/7.jpg", "similarity": 0.93, "distance": 0.41}, ...], ...}"""
    return json.dumps({product: [hit_dict(h) for h in hits] for product, hits in related.items()},
                      ensure_ascii=False, indent=2)


def write_related_csv(related: Mapping[str, Sequence[SearchHit]], out: TextIO) -> None:
    """The 'related products' CSV: product,rank,similar,similarity (rank starts at 1)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RELATED_CSV_HEADER)
    for product, hits in related.items():
        for rank, hit in enumerate(hits, start=1):
            writer.writerow((product, rank, hit.path, f"{hit.similarity:.4f}"))


def duplicates_json(groups: Sequence[Sequence[SearchHit]]) -> str:
    """Duplicate groups as a JSON list of lists; each group's first item is the one the others are measured from."""
    return json.dumps([[hit_dict(h) for h in group] for group in groups], ensure_ascii=False, indent=2)


def write_duplicates_csv(groups: Sequence[Sequence[SearchHit]], out: TextIO) -> None:
    """Duplicate groups as CSV: group,path,similarity,distance (group numbers start at 1)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DUPLICATES_CSV_HEADER)
    for number, group in enumerate(groups, start=1):
        for hit in group:
            writer.writerow((number, hit.path, f"{hit.similarity:.4f}", f"{hit.distance:.4f}", hit.product or ""))


def as_text(write: Any, data: Any) -> str:
    """Run a `write_*_csv(data, out)` function into a string."""
    buffer = io.StringIO()
    write(data, buffer)
    return buffer.getvalue()


def report_dict(report: IndexReport, folder: Path | None = None) -> dict[str, Any]:
    """An IndexReport as JSON-ready data."""
    data = asdict(report)
    data["failures"] = [{"path": f.path, "reason": f.reason} for f in report.failures]
    data["seconds"] = round(report.seconds, 3)
    data["images_per_second"] = round(report.images_per_second, 1)
    if folder is not None:
        data = {"folder": str(folder), **data}
    return data


def jsonable(value: Any) -> Any:
    """Paths, datetimes and dataclasses made JSON-friendly (for info and bench output)."""
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def write_text_atomic(path: Path, text: str) -> None:
    """Write a whole output file or nothing: a failed export never leaves half a CSV behind.

    The file gets the permissions a plainly created file would (the umask's), or, on POSIX, those of the
    file it replaces, set before anything is written (a private file stays private); a symbolic link is
    followed, so the file it points to is replaced. An error names `path`, not the temporary file."""
    path = Path(os.path.realpath(path.expanduser()))
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.name == "posix" else None
    except FileNotFoundError:
        mode = None
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666 if mode is None else mode)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # exactly the replaced file's mode (the umask may have narrowed it)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename == str(tmp):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
