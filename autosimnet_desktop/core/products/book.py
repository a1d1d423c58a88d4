"""A catalogue's products kept with its store: the rule and product file remembered, the grouping refreshed.

The grouping is computed from the indexed photos (cheap string work) when first asked for and after every change;
each indexed row's product column is written at refresh, so the store always says which product a photo is in.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from autosimnet_desktop.core.products.assign import Grouping, Photo, assign_products
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import ProductSummary
from autosimnet_desktop.core.products.shopfile import ShopFile, ShopFormat, ShopProduct, read_product_file
from autosimnet_desktop.core.records import ModelChange
from autosimnet_desktop.core.storage.store import Store

RULE_KEY, FILE_KEY, FORMAT_KEY, USED_KEY = "products_rule", "products_file", "products_file_format", "products_rule_used"


def parse_rule(text: str | GroupingRule) -> GroupingRule:
    """A GroupingRule from its name; ValueError listing the rules otherwise."""
    try:
        return GroupingRule(text)
    except ValueError:
        names = ", ".join(rule.value for rule in GroupingRule)
        raise ValueError(f"unknown grouping rule {text!r} (use one of {names})") from None


class ProductBook:
    """The products of one catalogue store; thread-safe (one lock around the cached grouping)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()
        self._cached: Grouping | None = None
        self._cached_at = -1  # the store's change count the cached grouping was computed from
        self._override: tuple[GroupingRule, ShopFile | None] | None = None

    def settings(self) -> tuple[GroupingRule, ShopFile | None]:
        """The rule and product file in force: this session's override, else the remembered ones."""
        with self._lock:
            if self._override is not None:
                return self._override
        rule = GroupingRule(self.store.get_meta(RULE_KEY, GroupingRule.AUTO.value) or GroupingRule.AUTO.value)
        path = self.store.get_meta(FILE_KEY)
        if not path:
            return rule, None
        products = tuple(ShopProduct(i, n, c, u, imgs, line) for i, n, c, u, imgs, line in self.store.shop_rows())
        fmt = ShopFormat(self.store.get_meta(FORMAT_KEY, ShopFormat.PLAIN.value) or ShopFormat.PLAIN.value)
        return rule, ShopFile(Path(path), fmt, products)

    def grouping(self) -> Grouping:
        """The current grouping (computed once, then kept until the rules or the store's photos change:
        photos indexed a moment ago, during a run, must already be found as products)."""
        with self._lock:
            if self._cached is None or self._cached_at != self.store.changes:
                self._cached_at = self.store.changes
                rule, shop = self.settings()
                photos = [Photo(label, path, mtime) for label, path, mtime, _ in self.store.photos()]
                self._cached = assign_products(photos, rule, shop)
            return self._cached

    def summary(self) -> ProductSummary:
        """How the photos are grouped now."""
        return self.grouping().summary

    def refresh(self) -> ProductSummary:
        """Group the indexed photos again and record each row's product (after an index run or a change)."""
        with self._lock:
            self._cached = None
            grouping = self.grouping()
            if self._override is None:
                labels = {label: pid for pid, labs in grouping.labels.items() for label in labs}
                self.store.begin()
                self.store.set_products(labels)
                self.store.set_meta(**{USED_KEY: grouping.summary.rule_used.value})
                self.store.commit()
            return grouping.summary

    def set_grouping(self, rule: GroupingRule | str, product_file: str | os.PathLike[str] | None = None,
                     remember: bool = True) -> ProductSummary:
        """Group by `rule` and, if given, the shop's product file (read and checked first: a bad file raises
        ProductFileError and changes nothing). `remember=False` applies to this session only."""
        chosen = parse_rule(rule)
        shop = read_product_file(product_file) if product_file is not None else None
        with self._lock:
            if not remember:
                self._override = (chosen, shop)
                self._cached = None
                return self.grouping().summary
            self._override = None
            self.store.begin()
            try:
                self.store.set_meta(**{RULE_KEY: chosen.value, FILE_KEY: str(shop.path.resolve()) if shop else None,
                                       FORMAT_KEY: shop.format.value if shop else None})
                self.store.replace_shop_rows([(p.id, p.name, p.category, p.url, p.images, p.line)
                                              for p in shop.products] if shop else [])
            except BaseException:
                self.store.rollback()
                raise
            self.store.commit()
            return self.refresh()

def adopt_settings(store: Store, others: list[Path]) -> ModelChange | None:
    """Give a new store (another model's index of the same folder) the grouping rule and product file the
    owner chose, taken from the most recently used of the folder's other stores that has them; returns that
    store's model and photo count, if it indexed any."""
    earlier = None
    for path in sorted((p for p in others if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True):
        source = Store(path)
        try:
            label, photos = source.get_meta("model_label"), source.count()
            if earlier is None and label and photos:
                earlier = ModelChange(label, photos)
            rule = source.get_meta(RULE_KEY)
            if rule is None or store.get_meta(RULE_KEY) is not None:
                continue
            store.begin()
            store.set_meta(**{RULE_KEY: rule, FILE_KEY: source.get_meta(FILE_KEY),
                              FORMAT_KEY: source.get_meta(FORMAT_KEY)})
            store.replace_shop_rows(source.shop_rows())
            store.commit()
        finally:
            source.close()
    return earlier
