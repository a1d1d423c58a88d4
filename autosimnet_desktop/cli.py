"""The `autosimnet` command: index a catalogue folder, query it, export related products and duplicates.

Exit codes (a contract): 0 success; 2 bad usage or a missing/unreadable FOLDER, IMAGE or CSV; 1 any other
failure. Errors are one line on stderr; --verbose adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, TextIO

from autosimnet_desktop import __version__
from autosimnet_desktop import cli_products as products
from autosimnet_desktop import cli_remote as remote
from autosimnet_desktop.cli_progress import ProgressBar
from autosimnet_desktop.cli_products import UsageError
from autosimnet_desktop.core.exports import formats as exporting
from autosimnet_desktop.core.exports.platforms import RelatedFormat
from autosimnet_desktop.core.records import CancelToken, CoreError, FolderError, ProductFileError

if TYPE_CHECKING:  # the commands import the engine only when they run, so --help stays instant
    from autosimnet_desktop.core.catalogue.catalogue import Catalogue

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


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


def _add_export_commands(sub: "argparse._SubParsersAction[_Parser]",
                         parents: list[_Parser], balance: _Parser) -> None:
    """The sub-commands that write a file: related, duplicates, match."""
    common, catalogue, folder_opt, folder_or_qdrant = parents
    p = sub.add_parser("related", parents=[common, catalogue, folder_or_qdrant, balance],
                       help="for every product its k most similar others (a 'related products' import)")
    p.add_argument("-k", type=_positive_int, default=10, help="related products per product (default 10)")
    p.add_argument("--format", choices=[f.value for f in RelatedFormat], default="csv",
                   help="csv, json, or the import file of woocommerce, shopify, magento or prestashop")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (-)")
    p.add_argument("--same-category", action="store_true",
                   help="relate products of the same category only (needs --products-csv with categories)")
    products.add_grouping_options(p)
    remote.add_related_options(p)

    p = sub.add_parser("duplicates", parents=[common, catalogue, folder_opt], help="groups of near-identical items")
    p.add_argument("--min-similarity", type=_fraction, default=0.95, metavar="S",
                   help="similarity in 0..1 above which items count as duplicates (default 0.95)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (-)")

    p = sub.add_parser("match", parents=[common, catalogue, folder_opt],
                       help="for photos from elsewhere, the catalogue's best products ('do I already sell this?')")
    p.add_argument("paths", nargs="+", metavar="PATH", help="photos, or folders of photos")
    p.add_argument("-k", type=_positive_int, default=5, help="products per photo (default 5)")
    p.add_argument("--min-similarity", type=_fraction, default=0.0, metavar="S",
                   help="leave out products below this similarity in 0..1 (default 0)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (-)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `autosimnet`."""
    common = _Parser(add_help=False)
    # SUPPRESS: a sub-command's default must not undo `autosimnet --verbose COMMAND` (argparse quirk).
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an error")
    model = _Parser(add_help=False)
    model.add_argument("--model", metavar="NAME|PATH",
                       help="shipped model name or ONNX file (default: the shipped model)")
    catalogue = _Parser(add_help=False, parents=[model])
    catalogue.add_argument("--data-dir", metavar="DIR", type=Path,
                           help="where catalogue data lives (default: the user data folder, or $AUTOSIMNET_DATA_DIR)")
    folder_opt = _Parser(add_help=False)
    folder_opt.add_argument("--folder", required=True, type=Path, metavar="FOLDER", help="the catalogue folder")
    folder_or_qdrant = _Parser(add_help=False)  # query and related may search a Qdrant collection instead
    folder_or_qdrant.add_argument("--folder", type=Path, metavar="FOLDER", help="the catalogue folder")
    balance = _Parser(add_help=False)
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
    products.add_grouping_options(p)
    remote.add_index_options(p)

    p = sub.add_parser("query", parents=[common, catalogue, folder_or_qdrant, balance],
                       help="the most similar catalogue items")
    p.add_argument("image", type=Path, metavar="IMAGE")
    p.add_argument("-k", type=_positive_int, default=10, help="number of products (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    products.add_grouping_options(p)
    remote.add_query_options(p)

    _add_export_commands(sub, [common, catalogue, folder_opt, folder_or_qdrant], balance)
    remote.add_push_command(sub, [common, catalogue, folder_opt])

    p = sub.add_parser("info", parents=[common, catalogue, folder_opt], help="what is indexed, with which model")
    p.add_argument("--json", action="store_true", help="print JSON")
    products.add_grouping_options(p)

    p = sub.add_parser("bench", parents=[common, model], help="measure speed and memory on generated data")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke test, not the reference figures)")
    return parser


# -- progress bar ---------------------------------------------------------------------------------------


# -- commands -------------------------------------------------------------------------------------------


def _open(args: argparse.Namespace, folder: Path) -> Catalogue:
    """Open the catalogue of `folder` with the command's --model, --data-dir and --workers."""
    from autosimnet_desktop.core.catalogue.factory import open_catalogue
    from autosimnet_desktop.core.indexing.settings import IndexSettings

    return open_catalogue(folder, args.model, args.data_dir, IndexSettings(workers=getattr(args, "workers", None)))


def _require_index(catalogue: Catalogue, folder: Path) -> None:
    """Fail with a clear message when there is nothing to search in."""
    if catalogue.count():
        return
    info = catalogue.info()
    if info.note:
        raise CoreError(f"{info.note} (run: autosimnet index {folder})")
    if info.last_indexed is None:
        raise CoreError(f"{folder} has not been indexed yet (run: autosimnet index {folder})")


def _colour_weight(args: argparse.Namespace, catalogue: Catalogue) -> float | None:
    """--colour-weight, refused (exit 2) for a model whose embedding has no separate colour part."""
    weight: float | None = getattr(args, "colour_weight", None)  # not every command has the option
    if weight is not None and catalogue.segments is None:
        raise UsageError(f"--colour-weight needs a model with separate shape and colour parts; "
                         f"{catalogue.model.label} has one embedding (leave the option out, or use "
                         f"--model autosimnet-best)")
    return weight


def cmd_index(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet index FOLDER."""
    folder = Path(args.folder)
    catalogue = _open(args, folder)
    try:
        products.apply_grouping(args, catalogue, remember=True)  # a bad product file stops before a long run
    except BaseException:
        catalogue.close()
        raise
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
        out.write(f"  {report.photos:,} photos in {report.products:,} products, {report.grouping}\n")
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
    from autosimnet_desktop.core.records import ImageError

    image: Path = args.image
    if not image.exists():
        raise UsageError(f"image not found: {image}")
    with _open(args, args.folder) as catalogue:
        weight = _colour_weight(args, catalogue)
        _require_index(catalogue, args.folder)
        products.apply_grouping(args, catalogue, remember=False)
        try:
            products.write_query(args.json, catalogue, image, args.k, weight, out)
        except ImageError as exc:
            raise UsageError(f"cannot read image {image}: {exc}") from None
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO, compute: Callable[[Catalogue], str]) -> int:
    """Open the catalogue, compute an export's text and write it to --output or stdout."""
    with _open(args, args.folder) as catalogue:
        _require_index(catalogue, args.folder)
        text = compute(catalogue)
    if args.output is not None and args.output != "-":  # the text as typed: ./- is a file named -
        exporting.write_text_atomic(Path(args.output), text)  # a failed export never leaves half a file
    else:
        out.write(text)
    return EXIT_OK


def cmd_related(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet related --folder FOLDER."""
    return _export(args, out, lambda c: products.related_output(args, c, _colour_weight(args, c)))


def _duplicates_text(args: argparse.Namespace, catalogue: Catalogue) -> str:
    """The text of `duplicates` in --format."""
    groups = catalogue.duplicates(min_similarity=args.min_similarity)
    if args.format == "json":
        return exporting.duplicates_json(groups) + "\n"
    return exporting.as_text(exporting.write_duplicates_csv, groups)


def cmd_duplicates(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet duplicates --folder FOLDER."""
    return _export(args, out, lambda c: _duplicates_text(args, c))


def cmd_match(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet match PATH... --folder FOLDER."""
    return _export(args, out, lambda c: products.match_output(args, c))


def cmd_info(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet info --folder FOLDER."""
    with _open(args, args.folder) as catalogue:
        products.apply_grouping(args, catalogue, remember=False)
        info = catalogue.info()
        failures = catalogue.failures()
        summary = catalogue.product_summary()
    if args.json:
        data = exporting.jsonable(info)
        data["failure_list"] = [{"path": f.path, "reason": f.reason} for f in failures]
        data["products"] = products.summary_dict(summary)
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
    out.write("products:\n")
    products.write_summary(summary, out)
    if info.note:
        out.write(f"note:          {info.note}\n")
    for failure in failures:
        out.write(f"  {failure.path}: {failure.reason}\n")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet bench."""
    from autosimnet_desktop.bench import runner as bench

    def progress(line: str) -> None:
        if not args.json:
            sys.stderr.write(line + "\n")

    results = bench.run(model=args.model, quick=args.quick, log=progress)
    out.write(json.dumps(exporting.jsonable(results), indent=2) + "\n" if args.json else bench.format_results(results))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "index": cmd_index, "query": cmd_query, "related": cmd_related, "duplicates": cmd_duplicates,
    "match": cmd_match, "info": cmd_info, "bench": cmd_bench,
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
        return (remote.command_for(args) or COMMANDS[args.command])(args, sys.stdout)
    except (UsageError, FolderError, ProductFileError) as exc:
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
    except Exception as exc:  # the contract: one line, exit 1, traceback only when asked
        return _fail(f"unexpected {type(exc).__name__}: {exc}", verbose, EXIT_FAILURE)


if __name__ == "__main__":
    sys.exit(main())
