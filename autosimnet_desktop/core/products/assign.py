"""A catalogue's products: the grouping rule's products, overlaid with the shop's product file (pure)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from autosimnet_desktop.core.products.grouping import GroupingRule, group_paths, split_path
from autosimnet_desktop.core.products.records import MissingImages, Product, ProductSummary
from autosimnet_desktop.core.products.shopfile import ShopFile, image_key


@dataclass(frozen=True)
class Photo:
    """An indexed photo: its store id (the vector's label), path and mtime."""

    label: int
    path: str
    mtime_ns: int


@dataclass
class Grouping:
    """Every product of a catalogue with its photos, and the summary of how they were grouped."""

    products: dict[str, Product]
    product_of: dict[str, str]  # photo path -> product id
    labels: dict[str, tuple[int, ...]]  # product id -> its photos' labels
    summary: ProductSummary
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _by_label: dict[int, str] | None = field(default=None, repr=False)

    def product_of_label(self, label: int) -> str | None:
        """The product of a vector label (built once, on first use)."""
        with self._lock:
            if self._by_label is None:
                self._by_label = {lab: pid for pid, labs in self.labels.items() for lab in labs}
            return self._by_label.get(label)


def assign_products(photos: Iterable[Photo], rule: GroupingRule, shop: ShopFile | None = None) -> Grouping:
    """Group `photos` by `rule`; a product file, if given, claims the photos it names first."""
    listed = sorted(photos, key=lambda p: p.path)
    claimed: dict[str, str] = {}
    if shop is not None:
        by_image, by_folder = shop.by_image(), shop.by_folder_and_image()
        names = Counter(image_key(photo.path) for photo in listed)
        for photo in listed:
            # A file name the catalogue holds more than once (front.jpg in every folder) matches by folder too.
            key = image_key(photo.path)
            pid = by_image.get(key) if names[key] == 1 else by_folder.get(image_key(photo.path, parts=2))
            if pid is not None:
                claimed[photo.path] = pid
    rest = [photo.path for photo in listed if photo.path not in claimed]
    by_rule = group_paths(rest, rule)
    product_of = {**by_rule.product_of, **claimed}
    members: dict[str, list[Photo]] = {}
    for photo in listed:
        members.setdefault(product_of[photo.path], []).append(photo)
    known = {p.id: p for p in shop.products} if shop is not None else {}
    products = {}
    for pid, group in members.items():
        info = known.get(pid)
        products[pid] = Product(pid, info.name if info else "", info.category if info else "", info.url if info else "",
                                split_path(group[0].path)[0], tuple(p.path for p in group),
                                max(p.mtime_ns for p in group))
    summary = _summary(len(listed), products, rule, by_rule.used, shop, rest)
    labels = {pid: tuple(p.label for p in group) for pid, group in members.items()}
    return Grouping(products, product_of, labels, summary)


def _summary(photos: int, products: dict[str, Product], rule: GroupingRule, used: GroupingRule,
             shop: ShopFile | None, unmatched: list[str]) -> ProductSummary:
    """The summary of one grouping."""
    if shop is None:
        label = used.label if rule is not GroupingRule.AUTO else f"{used.label} (picked automatically)"
        return ProductSummary(photos, len(products), rule, used, label)
    missing = tuple(MissingImages(p.id, p.images, p.line) for p in shop.products if p.id not in products)
    from_file = sum(1 for p in shop.products if p.id in products)
    label = f"from {shop.path.name}" + (f", others {used.label}" if unmatched else "")
    return ProductSummary(photos, len(products), rule, used, label, shop.path, shop.format.value, from_file,
                          tuple(unmatched), missing)
