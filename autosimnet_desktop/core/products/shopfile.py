"""The shop's own product file: a WooCommerce, Shopify, Magento or PrestaShop export, or a plain CSV.

The format is recognised from the header; docs/products.md lists the accepted columns with their sources. The
file is read completely and checked before anything uses it, so a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import os
import urllib.parse
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.records import ProductFileError

MAX_BYTES = 50 * 2**20  # a product export of 100,000 products without descriptions stays well under this
DELIMITERS = (",", ";", "\t")


class ShopFormat(str, Enum):
    """The platform a product file comes from."""

    WOOCOMMERCE = "woocommerce"
    SHOPIFY = "shopify"
    MAGENTO = "magento"
    PRESTASHOP = "prestashop"
    PLAIN = "plain"


class Repeats(Enum):
    """What a second row with the same product id means in a format."""

    ERROR = "error"  # one row per product: a repeat is a mistake
    MORE_IMAGES = "more images"  # the format's own layout: later rows add images (Shopify, Magento store views)


@dataclass(frozen=True)
class Columns:
    """Where a format keeps a product's id, images, name, category and link (first listed header found wins)."""

    format: ShopFormat
    ids: tuple[str, ...]
    images: tuple[str, ...]  # every listed column that is present is read
    names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # headers that must all be present to recognise the format
    repeats: Repeats = Repeats.ERROR
    image_separators: str = ","


FORMATS = (
    Columns(ShopFormat.SHOPIFY, ids=("Handle", "URL handle"),
            images=("Image Src", "Variant Image", "Product image URL", "Variant image URL"),
            names=("Title",), categories=("Product Category", "Product category", "Type"), urls=(),
            required=("Title",), repeats=Repeats.MORE_IMAGES),
    Columns(ShopFormat.WOOCOMMERCE, ids=("SKU",), images=("Images",), names=("Name",), categories=("Categories",),
            urls=("External URL",), required=("SKU", "Images")),
    Columns(ShopFormat.MAGENTO, ids=("sku",),
            images=("base_image", "small_image", "thumbnail_image", "swatch_image", "additional_images"),
            names=("name",), categories=("categories",), urls=("url_key",), required=("sku",),
            repeats=Repeats.MORE_IMAGES),
    Columns(ShopFormat.PRESTASHOP, ids=("Reference #", "Reference", "Product ID", "ID"),
            images=("Image URLs (x,y,z...)", "Image URLs"), names=("Name",),
            categories=("Categories (x,y,z...)", "Categories"), urls=(), required=()),
    Columns(ShopFormat.PLAIN, ids=("sku",), images=("image", "images"), names=("name",), categories=("category",),
            urls=("url",), required=("sku",), image_separators=",|"),
)


@dataclass(frozen=True)
class ShopProduct:
    """One product of the shop's file."""

    id: str
    name: str = ""
    category: str = ""
    url: str = ""
    images: tuple[str, ...] = ()  # image references as written (URLs or paths)
    line: int = 0  # where it starts in the file


@dataclass(frozen=True)
class ShopFile:
    """A product file read and checked."""

    path: Path
    format: ShopFormat
    products: tuple[ShopProduct, ...]
    skipped: tuple[int, ...] = field(default=())  # lines with no product id

    def by_image(self) -> dict[str, str]:
        """image key -> product id (the first product naming an image keeps it)."""
        out: dict[str, str] = {}
        for product in self.products:
            for ref in product.images:
                out.setdefault(image_key(ref), product.id)
        out.pop("", None)
        return out

    def by_folder_and_image(self) -> dict[str, str]:
        """'folder/image' key -> product id, for file names the catalogue holds more than once (front.jpg)."""
        out: dict[str, str] = {}
        for product in self.products:
            for ref in product.images:
                out.setdefault(image_key(ref, parts=2), product.id)
        return out


def image_key(ref: str, parts: int = 1) -> str:
    """How an image reference meets a catalogue file: base name (with `parts=2`, its folder too), URL-decoded,
    case-folded, query string dropped."""
    text = ref.strip().split("?", 1)[0].split("#", 1)[0]
    tail = text.replace("\\", "/").rstrip("/").split("/")[-parts:]
    return "/".join(urllib.parse.unquote(part).strip().casefold() for part in tail)


def _decode(path: Path) -> str:
    """The file's text (UTF-8, with or without BOM), or ProductFileError."""
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise ProductFileError(f"{path.name} is {size / 2**20:.0f} MB; product files over "
                                   f"{MAX_BYTES // 2**20} MB are refused (export only the columns SKU/handle, "
                                   "images, name and category)")
        data = path.read_bytes()
    except OSError as exc:
        raise ProductFileError(f"cannot read the product file {path}: {os_error_reason(exc)}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ProductFileError(f"{path.name} is not UTF-8 text (line {line}); save it again as 'CSV UTF-8' "
                               "from your spreadsheet or shop export") from None


def _header(text: str) -> tuple[str, Columns]:
    """(delimiter, format) recognised from the first line, or ProductFileError saying what was seen."""
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise ProductFileError("the product file is empty or its first line is blank (it must be the header)")
    for delimiter in DELIMITERS:
        names = {h.strip() for h in next(csv.reader([first], delimiter=delimiter))}
        for columns in FORMATS:
            if (all(r in names for r in columns.required) and any(i in names for i in columns.ids)
                    and any(i in names for i in columns.images)):
                return delimiter, columns
    seen = "it has an image column but no product id column" if any(
        image in first for columns in FORMATS for image in columns.images) else "no image column found"
    raise ProductFileError(f"the product file's header is not recognised ({seen}; columns must be separated by "
                           f"',', ';' or a tab; first line: {first[:120]!r}); docs/products.md lists the columns "
                           "of WooCommerce, Shopify, Magento, PrestaShop and plain sku,image files")


def _cell(row: dict[str, str], names: tuple[str, ...]) -> str:
    """The first non-empty value among columns `names`."""
    for name in names:
        value = (row.get(name) or "").strip()
        if value:
            return value
    return ""


def _split_images(value: str, separators: str) -> list[str]:
    """Image references of one cell (WooCommerce escapes a comma inside a value as '\\,')."""
    text = value.replace("\\,", "\x00")
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.replace("\x00", ",").strip() for part in text.split(separators[0]) if part.strip()]


def read_product_file(path: str | os.PathLike[str]) -> ShopFile:
    """Read and check a product file; ProductFileError (one clear sentence) if it cannot be used."""
    file = Path(path)
    text = _decode(file)
    delimiter, columns = _header(text)
    csv.field_size_limit(MAX_BYTES)  # long HTML descriptions are legal cells
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    found: dict[str, ShopProduct] = {}
    skipped: list[int] = []
    try:
        for row in reader:
            line = reader.line_num
            pid = _cell(row, columns.ids)
            images = [ref for name in columns.images for ref in _split_images(row.get(name) or "",
                                                                              columns.image_separators)]
            if not pid:
                if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    skipped.append(line)
                continue
            before = found.get(pid)
            if before is not None:
                found[pid] = _merge(before, row, images, columns, line, file)
                continue
            found[pid] = ShopProduct(pid, _cell(row, columns.names), _cell(row, columns.categories),
                                     _cell(row, columns.urls), tuple(dict.fromkeys(images)), line)
    except csv.Error as exc:
        raise ProductFileError(f"{file.name} is not a readable CSV file (line {reader.line_num}: {exc})") from None
    if not found:
        raise ProductFileError(f"{file.name} lists no products (a header but no rows with a product id)")
    return ShopFile(file, columns.format, tuple(found.values()), tuple(skipped))


def _merge(before: ShopProduct, row: dict[str, str], images: list[str], columns: Columns, line: int,
           file: Path) -> ShopProduct:
    """A repeated product id: more images where the format allows it (or the plain file's rows agree), else an error."""
    name, category = _cell(row, columns.names), _cell(row, columns.categories)
    agrees = name in ("", before.name) and category in ("", before.category)
    if columns.repeats is Repeats.ERROR and not (columns.format is ShopFormat.PLAIN and agrees):
        raise ProductFileError(f"{file.name}: the product id {before.id!r} appears twice (lines {before.line} and "
                               f"{line}); each product must have one row")
    merged = tuple(dict.fromkeys(before.images + tuple(images)))
    return ShopProduct(before.id, before.name or name, before.category or category, before.url, merged, before.line)
