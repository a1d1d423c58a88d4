"""The `autosimnet` command: index a catalogue folder, query it, export related products and duplicates.

Exit codes (a contract): 0 success; 2 bad usage or a missing/unreadable FOLDER or IMAGE; 1 any other
failure. Errors are one line on stderr; --verbose adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TextIO

from . import __version__
from .core import exporting
from .core.records import CancelToken, CoreError, FolderError, Progress

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage: exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a wrong argument in one line (exit 2) instead of usage plus message."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit with status 2."""
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def _positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _fraction(text: str) -> float:
    """argparse type: a number in 0..1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `autosimnet`."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a sub-command's default must not undo `autosimnet --verbose COMMAND` (argparse quirk).
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an error")
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument("--model", metavar="NAME|PATH",
                       help="shipped model name or ONNX file (default: the shipped model)")
    catalogue = argparse.ArgumentParser(add_help=False, parents=[model])
    catalogue.add_argument("--data-dir", metavar="DIR", type=Path,
                           help="where catalogue data lives (default: the user data folder, or $AUTOSIMNET_DATA_DIR)")
    folder_opt = argparse.ArgumentParser(add_help=False)
    folder_opt.add_argument("--folder", required=True, type=Path, metavar="FOLDER", help="the catalogue folder")
    balance = argparse.ArgumentParser(add_help=False)
    balance.add_argument("--colour-weight", type=_fraction, metavar="W",
                         help="0 matches shape only, 1 colour only (default: the model's own balance; "
                              "needs a model with a colour part, such as the default autosimnet-best)")

    parser = _Parser(prog="autosimnet", parents=[common],
                     description="Find visually similar products in your own catalogue folder, offline.")
    parser.add_argument("--version", action="version", version=f"autosimnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("index", parents=[common, catalogue], help="index a folder of product photos (incremental)")
    p.add_argument("folder", type=Path, metavar="FOLDER")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="threads decoding big photos (default: one per core)")

    p = sub.add_parser("query", parents=[common, catalogue, folder_opt, balance], help="the most similar catalogue items")
    p.add_argument("image", type=Path, metavar="IMAGE")
    p.add_argument("-k", type=_positive_int, default=10, help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("related", parents=[common, catalogue, folder_opt, balance],
                       help="for every item its k most similar others (a 'related products' import)")
    p.add_argument("-k", type=_positive_int, default=10, help="related items per product (default 10)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (-)")

    p = sub.add_parser("duplicates", parents=[common, catalogue, folder_opt], help="groups of near-identical items")
    p.add_argument("--min-similarity", type=_fraction, default=0.95, metavar="S",
                   help="similarity in 0..1 above which items count as duplicates (default 0.95)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (-)")

    p = sub.add_parser("info", parents=[common, catalogue, folder_opt], help="what is indexed, with which model")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("bench", parents=[common, model], help="measure speed and memory on generated data")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke test, not the reference figures)")
    return parser


# -- progress bar ---------------------------------------------------------------------------------------


class ProgressBar:
    """A one-line terminal progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and p.done < p.total:
            return
        self._last = now
        width = shutil.get_terminal_size((80, 20)).columns
        if p.stage in ("scanning", "checking") or p.total == 0:
            line = f"{p.stage or 'working'}..."
        else:
            filled = int(20 * p.fraction)
            eta = f" ETA {_clock(p.eta)}" if p.eta is not None and p.done < p.total else ""
            doing = "saving..." if p.stage == "saving" else f"{p.rate:.0f} img/s{eta} {p.current}"
            line = f"[{'#' * filled}{'.' * (20 - filled)}] {p.done}/{p.total} {doing}"
        self.stream.write("\r" + line[: max(10, width - 1)].ljust(max(10, width - 1)))
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """Clear the bar's line."""
        if self._drawn:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * max(10, width - 1) + "\r")
            self.stream.flush()


def _clock(seconds: float) -> str:
    """Seconds as m:ss or h:mm:ss."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# -- commands -------------------------------------------------------------------------------------------


def _open(args: argparse.Namespace, folder: Path) -> Any:
    """Open the catalogue of `folder` with the command's --model and --data-dir."""
    from .core.catalogue import Catalogue

    return Catalogue.open(folder, model=args.model, data_dir=args.data_dir)


def _require_index(catalogue: Any, folder: Path) -> None:
    """Fail with a clear message when there is nothing to search in."""
    if catalogue.count():
        return
    info = catalogue.info()
    if info.note:
        raise CoreError(f"{info.note} (run: autosimnet index {folder})")
    if info.last_indexed is None:
        raise CoreError(f"{folder} has not been indexed yet (run: autosimnet index {folder})")


def _colour_weight(args: argparse.Namespace, catalogue: Any) -> float | None:
    """--colour-weight, refused (exit 2) for a model whose embedding has no separate colour part."""
    weight = getattr(args, "colour_weight", None)
    if weight is not None and getattr(catalogue, "segments", None) is None:
        raise UsageError(f"--colour-weight needs a model with separate shape and colour parts; "
                         f"{catalogue.model.label} has one embedding (leave the option out, or use "
                         f"--model autosimnet-best)")
    return weight


def cmd_index(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet index FOLDER."""
    from .core.catalogue import Catalogue, check_folder, load_encoder

    folder = check_folder(args.folder)
    catalogue = Catalogue(folder, load_encoder(args.model), args.data_dir, workers=args.workers)
    cancel = CancelToken()
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.quiet else None

    def interrupt(_sig: int, _frame: FrameType | None) -> None:
        """SIGINT handler: cancel gracefully."""
        # The first Ctrl+C finishes the current batch and saves; a second one stops at once.
        cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        report = catalogue.index(progress=bar, cancel=cancel)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.finish()
        catalogue.close()
    if args.json:
        out.write(json.dumps(exporting.report_dict(report, folder), ensure_ascii=False, indent=2) + "\n")
    else:
        verb = "Cancelled indexing" if report.cancelled else "Indexed"
        out.write(f"{verb} {folder} in {report.seconds:.1f} s ({report.images_per_second:.0f} images/s)\n")
        if report.message:
            out.write(f"  note: {report.message}\n")
        out.write(f"  new {report.new}, changed {report.changed}, removed {report.removed}, "
                  f"unchanged {report.unchanged}, unreadable {report.unreadable}\n")
        if report.failures:
            out.write("Unreadable files:\n")
            for failure in report.failures:
                out.write(f"  {failure.path}: {failure.reason}\n")
    if report.cancelled:  # an unfinished index is a failure for a script (the contract has no other code)
        return _fail("interrupted: run the same command again to finish; work done so far is kept", False,
                     EXIT_FAILURE)
    return EXIT_OK


def cmd_query(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet query IMAGE --folder FOLDER."""
    from .core.imaging import ImageError

    image: Path = args.image
    if not image.exists():
        raise UsageError(f"image not found: {image}")
    with _open(args, args.folder) as catalogue:
        weight = _colour_weight(args, catalogue)
        _require_index(catalogue, args.folder)
        try:
            hits = catalogue.query(image, k=args.k, colour_weight=weight)
        except ImageError as exc:
            raise UsageError(f"cannot read image {image}: {exc}") from None
    if args.json:
        out.write(exporting.hits_json(hits) + "\n")
    else:
        for rank, hit in enumerate(hits, start=1):
            out.write(f"{rank:3d}  {hit.similarity:.4f}  {hit.distance:9.4f}  {hit.path}\n")
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO, compute: Callable[[Any], Any],
            to_json: Callable[[Any], str], write_csv: Callable[[Any, TextIO], None]) -> int:
    """Open the catalogue, compute an export and write it as --format to --output or stdout."""
    with _open(args, args.folder) as catalogue:
        _require_index(catalogue, args.folder)
        data = compute(catalogue)
    text = to_json(data) + "\n" if args.format == "json" else exporting.as_text(write_csv, data)
    if args.output is not None and args.output != "-":  # the text as typed: ./- is a file named -
        exporting.write_text_atomic(Path(args.output), text)  # a failed export never leaves half a file
    else:
        out.write(text)
    return EXIT_OK


def cmd_related(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet related --folder FOLDER."""
    return _export(args, out, lambda c: c.related(k=args.k, colour_weight=_colour_weight(args, c)),
                   exporting.related_json, exporting.write_related_csv)


def cmd_duplicates(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet duplicates --folder FOLDER."""
    return _export(args, out, lambda c: c.duplicates(min_similarity=args.min_similarity),
                   exporting.duplicates_json, exporting.write_duplicates_csv)


def cmd_info(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet info --folder FOLDER."""
    with _open(args, args.folder) as catalogue:
        info = catalogue.info()
        failures = catalogue.failures()
    if args.json:
        data = exporting.jsonable(info)
        data["failure_list"] = [{"path": f.path, "reason": f.reason} for f in failures]
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    when = info.last_indexed.astimezone().strftime("%Y-%m-%d %H:%M:%S") if info.last_indexed else "never"
    out.write(f"folder:        {info.folder}\n"
              f"data folder:   {info.data_dir}\n"
              f"model:         {info.model_label} (sha256 {info.model_sha256[:12]})\n"
              f"searchable:    {info.count} images\n"
              f"unreadable:    {info.failures} files\n"
              f"last indexed:  {when}\n"
              f"on disk:       {info.index_bytes / 2**20:.1f} MB\n"
              f"similarity:    exp(-(d / {info.distance_scale:.4g})^2), scale from the {info.scale_source}\n")
    if info.note:
        out.write(f"note:          {info.note}\n")
    for failure in failures:
        out.write(f"  {failure.path}: {failure.reason}\n")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet bench."""
    from .core import bench

    progress = (lambda line: sys.stderr.write(line + "\n")) if not args.json else (lambda _line: None)
    results = bench.run(model=args.model, quick=args.quick, log=progress)
    out.write(json.dumps(exporting.jsonable(results), indent=2) + "\n" if args.json else bench.format_results(results))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "index": cmd_index, "query": cmd_query, "related": cmd_related, "duplicates": cmd_duplicates,
    "info": cmd_info, "bench": cmd_bench,
}


def _fail(message: str, verbose: bool, code: int) -> int:
    """Print one line (and the traceback with --verbose); return the exit code."""
    if verbose:
        traceback.print_exc()
    sys.stderr.write(f"autosimnet: error: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `autosimnet`; returns the exit status."""
    args = build_parser().parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    try:
        return COMMANDS[args.command](args, sys.stdout)
    except (UsageError, FolderError) as exc:
        return _fail(str(exc), verbose, EXIT_USAGE)
    except CoreError as exc:
        return _fail(str(exc), verbose, EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("interrupted", verbose, EXIT_FAILURE)
    except BrokenPipeError:
        # `autosimnet related ... | head`: the reader went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        target = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{target}", verbose, EXIT_FAILURE)
    except Exception as exc:  # noqa: BLE001 - the contract: one line, exit 1, traceback only when asked
        return _fail(f"unexpected {type(exc).__name__}: {exc}", verbose, EXIT_FAILURE)


if __name__ == "__main__":
    sys.exit(main())
