"""The product side of the `autosimnet` command: grouping options, related products, match, product lines of info.

cli.py owns the parser and the exit codes; this module holds what the product commands do.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from autosimnet_desktop.core.exports import formats as exporting
from autosimnet_desktop.core.exports.platforms import RelatedFormat, related_text
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import ProductHit, ProductSummary

if TYPE_CHECKING:
    from autosimnet_desktop.core.catalogue.catalogue import Catalogue

LISTED = 20  # unmatched photos and missing products shown by `info` (all of them with --json)


class UsageError(Exception):
    """Bad usage: exit status 2."""


def add_grouping_options(parser: argparse.ArgumentParser) -> None:
    """--products RULE and --products-csv FILE."""
    parser.add_argument("--products", choices=[rule.value for rule in GroupingRule], metavar="RULE",
                        help="group photos into products: folder, stem (file name), none or auto (default: the rule "
                             "remembered for this folder, first auto)")
    parser.add_argument("--products-csv", type=Path, metavar="FILE",
                        help="the shop's product export (WooCommerce, Shopify, Magento, PrestaShop or sku,image CSV)")


def apply_grouping(args: argparse.Namespace, catalogue: Catalogue, remember: bool) -> None:
    """Apply --products / --products-csv (remembered by `index`, for this command only elsewhere)."""
    rule, csv_file = getattr(args, "products", None), getattr(args, "products_csv", None)
    if rule is None and csv_file is None:
        return
    current = catalogue.product_summary()
    if csv_file is not None and not csv_file.is_file():
        raise UsageError(f"product file not found: {csv_file}")
    keep_file = current.product_file if csv_file is None and remember else None
    catalogue.set_grouping(rule or current.rule, csv_file or keep_file, remember=remember)


def summary_dict(summary: ProductSummary) -> dict[str, object]:
    """The product summary as JSON-ready data (every unmatched photo and missing product listed)."""
    return {"photos": summary.photos, "products": summary.products, "rule": summary.rule.value,
            "rule_used": summary.rule_used.value, "grouping": summary.label,
            "product_file": str(summary.product_file) if summary.product_file else None,
            "product_file_format": summary.file_format or None, "products_from_file": summary.from_file,
            "unmatched_photos": list(summary.unmatched_photos),
            "missing_images": [{"product": m.product, "line": m.line, "images": list(m.images)}
                               for m in summary.missing]}


def write_summary(summary: ProductSummary, out: TextIO, indent: str = "  ") -> None:
    """The product lines of `index` and `info`."""
    out.write(f"{indent}{summary.sentence()}\n")
    if summary.product_file is not None:
        out.write(f"{indent}product file: {summary.product_file} ({summary.file_format}), "
                  f"{summary.from_file} of its products have photos here\n")
    for title, items in (("photos the product file does not mention", summary.unmatched_photos),
                         ("products of the file with no photo here", [m.product for m in summary.missing])):
        if items:
            more = f" (first {LISTED}; --json lists all)" if len(items) > LISTED else ""
            out.write(f"{indent}{len(items)} {title}{more}: {', '.join(items[:LISTED])}\n")


def related_output(args: argparse.Namespace, catalogue: Catalogue, weight: float | None) -> str:
    """The text of `related` in --format."""
    apply_grouping(args, catalogue, remember=False)
    if args.same_category and not any(p.category for p in catalogue.list_products(limit=10**9).products):
        raise UsageError("--same-category needs categories from the shop's product file (--products-csv FILE)")
    related = catalogue.related_products(k=args.k, colour_weight=weight, same_category=args.same_category)
    return related_text(related, RelatedFormat(args.format))


def match_output(args: argparse.Namespace, catalogue: Catalogue) -> str:
    """The text of `match` in --format."""
    results = catalogue.match([Path(p) for p in args.paths], k=args.k, min_similarity=args.min_similarity)
    if args.format == "json":
        return exporting.matches_json(results) + "\n"
    return exporting.as_text(exporting.write_matches_csv, results)


def write_query(hits_json: bool, catalogue: Catalogue, image: Path, k: int, weight: float | None,
                out: TextIO) -> None:
    """`query`: the most similar products, each once with its best photo."""
    write_hits(hits_json, catalogue.query_products(image, k=k, colour_weight=weight), out)


def write_hits(hits_json: bool, hits: Sequence[ProductHit], out: TextIO) -> None:
    """Products found by a query (locally or in a Qdrant collection), as JSON or one line each."""
    if hits_json:
        out.write(exporting.product_hits_json(hits) + "\n")
        return
    for rank, hit in enumerate(hits, start=1):
        name = f"  {hit.name}" if hit.name else ""
        out.write(f"{rank:3d}  {hit.similarity:.4f}  {hit.distance:9.4f}  {hit.product}{name}  {hit.photo}\n")
