"""The Qdrant side of the `autosimnet` command: push, and query, related and index with --qdrant.

cli.py owns the parser and the exit codes; this module adds the options and runs the commands. qdrant-client (the
optional `qdrant` extra) is imported only when one of these commands runs, so the rest works without it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from autosimnet_desktop import cli_products as products
from autosimnet_desktop.cli_products import UsageError
from autosimnet_desktop.core.exports import formats as exporting
from autosimnet_desktop.core.exports.platforms import RelatedFormat, related_text
from autosimnet_desktop.core.records import CoreError, ImageError

if TYPE_CHECKING:
    from autosimnet_desktop.core.catalogue.catalogue import Catalogue
    from autosimnet_desktop.core.remote.push import PushReport
    from autosimnet_desktop.core.remote.qdrant_store import RemoteCollection

Command = Callable[[argparse.Namespace, TextIO], int]
EXTRA = "pip install 'autosimnet-desktop[qdrant]'"


# -- options --------------------------------------------------------------------------------------------


def add_connection_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--qdrant, --collection and --api-key-env."""
    parser.add_argument("--qdrant", metavar="URL|PATH", required=required,
                        help="a Qdrant server (http[s]://host:6333) or a folder for Qdrant's local mode")
    parser.add_argument("--collection", metavar="NAME",
                        help="the Qdrant collection (default: made from the catalogue folder's name)")
    parser.add_argument("--api-key-env", metavar="VAR",
                        help="the environment variable holding the server's API key (never on the command line)")


def add_push_command(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """`autosimnet push --folder FOLDER --qdrant URL|PATH`."""
    p = sub.add_parser("push", parents=parents,
                       help="send an indexed catalogue's vectors to a Qdrant collection (incremental)")
    add_connection_options(p, required=True)
    p.add_argument("--recreate", action="store_true",
                   help="delete and make the collection again (needed when it holds another model's vectors)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    products.add_grouping_options(p)


def add_query_options(parser: argparse.ArgumentParser) -> None:
    """query's --qdrant variant: the connection and a category filter."""
    add_connection_options(parser)
    parser.add_argument("--category", metavar="C", help="with --qdrant: only products of category C")


def add_related_options(parser: argparse.ArgumentParser) -> None:
    """related's --qdrant variant: the connection, a category and a product filter."""
    add_query_options(parser)
    parser.add_argument("--product", metavar="ID", help="with --qdrant: only the related products of product ID")


def add_index_options(parser: argparse.ArgumentParser) -> None:
    """index's --shard K/N and --qdrant: encode one share of a folder and push it."""
    add_connection_options(parser)
    parser.add_argument("--shard", metavar="K/N",
                        help="index only shard K of N of the folder (by a hash of each relative path) and push it "
                             "to --qdrant; each shard keeps its own data folder")


# -- dispatch -------------------------------------------------------------------------------------------


def command_for(args: argparse.Namespace) -> Command | None:
    """The command to run when it is one of this module's (push, or --qdrant given), else None.

    Also refuses a local query or related without --folder, which only the --qdrant variants may leave out."""
    name = args.command
    remote = getattr(args, "qdrant", None) is not None
    if name == "push":
        return cmd_push
    if getattr(args, "shard", None) is not None and not remote:
        raise UsageError("--shard needs --qdrant (the shards meet in one collection)")
    if not remote:
        if name in ("query", "related") and getattr(args, "folder", "") is None:
            raise UsageError("the following arguments are required: --folder (or --qdrant with --collection)")
        for option in ("category", "product"):
            if getattr(args, option, None) is not None:
                raise UsageError(f"--{option} filters a Qdrant collection: it needs --qdrant")
        return None
    return {"query": cmd_query, "related": cmd_related, "index": cmd_index}.get(name)


def _need_qdrant() -> None:
    """CoreError (exit 1) with the install line when qdrant-client is missing."""
    if importlib.util.find_spec("qdrant_client") is None:
        raise CoreError(f"the Qdrant commands need qdrant-client: {EXTRA}")


def default_collection(folder: Path) -> str:
    """A collection name from the folder's name: letters, digits, '-' and '_'."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", folder.resolve().name).strip("-") or "catalogue"


@contextmanager
def _collection(args: argparse.Namespace, folder: Path | None) -> Iterator[RemoteCollection]:
    """The collection named by --qdrant, --collection (or the folder) and --api-key-env; closed afterwards."""
    _need_qdrant()
    from autosimnet_desktop.core.remote.qdrant_store import Address, RemoteCollection, connect

    try:
        address = Address.parse(args.qdrant)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.collection is None and folder is None:
        raise UsageError("--qdrant needs --collection NAME (or --folder FOLDER to name it after)")
    name = args.collection or default_collection(folder or Path("."))
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UsageError(f"--api-key-env: the environment variable {args.api_key_env} is not set")
    client = connect(address, api_key)
    try:
        yield RemoteCollection(client, address, name)
    finally:
        client.close()


def _refuse_local_options(args: argparse.Namespace) -> None:
    """Options of the local search that a collection cannot honour."""
    for option in ("colour_weight", "products", "products_csv"):
        if getattr(args, option, None) is not None:
            raise UsageError(f"--{option.replace('_', '-')} works on a local catalogue, not with --qdrant")


# -- commands -------------------------------------------------------------------------------------------


def _push(catalogue: Catalogue, args: argparse.Namespace, recreate: bool) -> PushReport:
    """Push an open catalogue to the collection of --qdrant/--collection."""
    from autosimnet_desktop.core.remote.push import push
    from autosimnet_desktop.core.remote.state import PushState

    with _collection(args, catalogue.folder) as collection:
        with PushState.open(catalogue.data_dir, collection.address.text, collection.name) as state:
            return push(catalogue, collection, state, recreate=recreate)


def _push_lines(report: PushReport) -> str:
    """A push report for people."""
    fresh = " (a new collection: everything sent)" if report.reset else ""
    return (f"Pushed to collection {report.collection} at {report.address} in {report.seconds:.1f} s{fresh}\n"
            f"  sent {report.sent} ({report.points_per_second:.0f} points/s), deleted {report.deleted}, "
            f"unchanged {report.unchanged}\n")


def _push_dict(report: PushReport) -> dict[str, Any]:
    return {**exporting.jsonable(report), "seconds": round(report.seconds, 3)}


def cmd_push(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet push --folder FOLDER --qdrant URL|PATH."""
    from autosimnet_desktop.core.catalogue.factory import open_catalogue

    _need_qdrant()
    with open_catalogue(args.folder, args.model, args.data_dir) as catalogue:
        products.apply_grouping(args, catalogue, remember=False)
        report = _push(catalogue, args, args.recreate)
    out.write(json.dumps(_push_dict(report), indent=2) + "\n" if args.json else _push_lines(report))
    return 0


def cmd_index(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet index FOLDER [--shard K/N] --qdrant URL|PATH: index (one shard of) the folder, then push it."""
    from autosimnet_desktop.core.catalogue.factory import open_catalogue
    from autosimnet_desktop.core.indexing.settings import IndexSettings
    from autosimnet_desktop.core.remote.sharding import parse_shard
    from autosimnet_desktop.core.storage.datadirs import catalogue_data_dir

    _need_qdrant()
    data_root, only, what = args.data_dir, None, f"{args.folder}"
    if args.shard is not None:
        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            raise UsageError(f"--shard: {exc}") from None
        # Each shard has a data folder of its own: its store, index and push state hold its share only.
        data_root = shard.data_root(catalogue_data_dir(args.folder, args.data_dir).parent.parent)
        only, what = shard.holds, f"shard {shard} of {args.folder}"
    settings = IndexSettings(workers=args.workers, only=only)
    with open_catalogue(args.folder, args.model, data_root, settings) as catalogue:
        products.apply_grouping(args, catalogue, remember=True)
        report = catalogue.index()
        if report.cancelled:
            raise CoreError("interrupted: run the same command again to finish; work done so far is kept")
        pushed = _push(catalogue, args, recreate=False)
    if args.json:
        data = {"index": exporting.report_dict(report, args.folder), "push": _push_dict(pushed)}
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    out.write(f"Indexed {what} in {report.seconds:.1f} s ({report.images_per_second:.0f} images/s)\n"
              f"  new {report.new}, changed {report.changed}, removed {report.removed}, "
              f"unchanged {report.unchanged}, unreadable {report.unreadable}\n" + _push_lines(pushed))
    return 0


def cmd_query(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet query IMAGE --qdrant URL|PATH --collection NAME [--category C]."""
    from autosimnet_desktop.core.catalogue.factory import load_encoder
    from autosimnet_desktop.core.images.decode import load_for_model
    from autosimnet_desktop.core.remote.qdrant_store import RemoteError
    from autosimnet_desktop.core.remote.search import nearest_products

    _refuse_local_options(args)
    if not args.image.exists():
        raise UsageError(f"image not found: {args.image}")
    with _collection(args, args.folder) as collection:
        marker = collection.require_marker()
        encoder = load_encoder(args.model)
        if encoder.info.sha256 != marker.model_sha256:
            raise RemoteError(f"collection {collection.name!r} holds vectors of {marker.model_label} "
                              f"({marker.model_sha256[:12]}): query it with that --model, not {encoder.info.label}")
        try:
            vector = encoder.encode(load_for_model(args.image, encoder.preprocess))
        except ImageError as exc:
            raise UsageError(f"cannot read image {args.image}: {exc}") from None
        hits = nearest_products(collection, marker, vector, args.k, category=args.category)
    products.write_hits(args.json, hits, out)
    return 0


def cmd_related(args: argparse.Namespace, out: TextIO) -> int:
    """autosimnet related --qdrant URL|PATH --collection NAME [--category C] [--product ID]."""
    from autosimnet_desktop.core.remote.search import related_products

    _refuse_local_options(args)
    with _collection(args, args.folder) as collection:
        related = related_products(collection, collection.require_marker(), args.k, category=args.category,
                                   product=args.product, same_category=args.same_category)
    text = related_text(related, RelatedFormat(args.format))
    if args.output is not None and args.output != "-":
        exporting.write_text_atomic(Path(args.output), text)
    else:
        out.write(text)
    return 0
