"""Grouping rules: which product each catalogue photo belongs to, from its relative path alone (pure functions).

The rules are the contract of design.md's Products section; docs/products.md gives the examples and the `auto`
heuristic's thresholds in words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum


class GroupingRule(str, Enum):
    """How photos are grouped into products (`--products RULE`)."""

    FOLDER = "folder"
    STEM = "stem"
    NONE = "none"
    AUTO = "auto"

    @property
    def label(self) -> str:
        """The rule in words for people, e.g. 'grouped by file name'."""
        return _LABELS[self]


_LABELS = {
    GroupingRule.FOLDER: "grouped by folder",
    GroupingRule.STEM: "grouped by file name",
    GroupingRule.NONE: "one product per photo",
    GroupingRule.AUTO: "grouped automatically",
}

VIEW_WORDS = ("front", "back", "side", "detail", "top", "bottom", "left", "right", "main", "alt")

# Trailing view markers that always end a product id; `-N` is conditional and handled apart.
_MARKERS = (
    re.compile(r"^(?P<id>.+?)_\d+$"),  # ABC-123_2
    re.compile(r"^(?P<id>.+?) \(\d+\)$"),  # ABC-123 (2)
    re.compile(r"^(?P<id>.+?)\.(?:PT\d{1,2}|MAIN)$", re.IGNORECASE),  # Amazon: B00X.PT01, B00X.MAIN
    re.compile(rf"^(?P<id>.+?)[_\- ](?:{'|'.join(VIEW_WORDS)})$", re.IGNORECASE),  # ABC-123-back
)
_DASH_NUMBER = re.compile(r"^(?P<id>.+?)-\d+$")  # ABC-123-2, only when ABC-123 is another photo's id

# `auto`: a catalogue is grouped by file name when at least this share of its photos share a product by markers.
AUTO_STEM_SHARE = 0.2
# `auto`: a folder "looks like a product" when it directly holds this many photos (views, not a category)...
AUTO_FOLDER_VIEWS = (2, 40)
# ...and most of their names are view names: a number, a view word, or the folder's own name with a marker.
_VIEW_NAME = re.compile(rf"^(?:(?:img|image|photo|pic|view)?[_\- ]?\d+|{'|'.join(VIEW_WORDS)})$", re.IGNORECASE)
# `auto`: grouped by folder when at least this share of photo folders look like products...
AUTO_FOLDER_SHARE = 0.6
# ...and those folders hold at least this share of the photos.
AUTO_FOLDER_PHOTOS = 0.5


def split_path(relpath: str) -> tuple[str, str, str]:
    """(folder, file name, stem) of a relative '/'-separated path; folder is '' at the top level."""
    folder, _, name = relpath.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return folder, name, stem


def stem_id(stem: str) -> str:
    """A file stem without its trailing view marker (`_N`, ` (N)`, `.PTnn`/`.MAIN`, a view word); not `-N`."""
    for marker in _MARKERS:
        match = marker.match(stem)
        if match:
            return match.group("id")
    return stem


def _stem_keys(paths: list[str]) -> dict[str, tuple[str, str]]:
    """(folder, product id) of each path under the stem rule; ids are scoped to their folder."""
    marked = {path: (split_path(path)[0], stem_id(split_path(path)[2])) for path in paths}
    own_ids = Counter(marked.values())
    keys: dict[str, tuple[str, str]] = {}
    for path, (folder, pid) in marked.items():
        stem = split_path(path)[2]
        dash = _DASH_NUMBER.match(stem) if pid == stem else None
        if dash is not None and own_ids[(folder, dash.group("id"))] > 0:
            pid = dash.group("id")
        keys[path] = (folder, pid)
    return keys


def _folder_keys(paths: list[str]) -> dict[str, tuple[str, str]]:
    """(folder, product id) under the folder rule: a folder's name; a top-level photo is a product of its own."""
    keys = {}
    for path in paths:
        folder, name, _ = split_path(path)
        keys[path] = (folder, folder.rpartition("/")[2]) if folder else ("", name)
    return keys


def _unique_ids(keys: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Product ids from (folder, id) keys: the id alone, or 'folder/id' where two folders share an id."""
    folders_of: dict[str, set[str]] = {}
    for folder, pid in keys.values():
        folders_of.setdefault(pid, set()).add(folder)
    out = {}
    for path, (folder, pid) in keys.items():
        if len(folders_of[pid]) > 1 and folder:
            # The folder rule's folder already ends with the id; the stem rule's does not.
            out[path] = folder if folder == pid or folder.endswith(f"/{pid}") else f"{folder}/{pid}"
        else:
            out[path] = pid
    return out


def _view_names(folder: str, stems: list[str]) -> bool:
    """Whether most file names in a folder name views of one product rather than distinct products."""
    name = folder.rpartition("/")[2].casefold()
    views = sum(1 for stem in stems if _VIEW_NAME.match(stem) or stem_id(stem).casefold() == name)
    return views * 2 > len(stems)


def choose_rule(paths: Iterable[str]) -> GroupingRule:
    """The rule `auto` picks: stem when many photos share a product by file-name markers, folder when most photo
    folders hold a few photos named like views (1.jpg, front.jpg, SKU_2.jpg in folder SKU), else none."""
    listed = list(paths)
    if not listed:
        return GroupingRule.NONE
    stem_sizes = Counter(_stem_keys(listed).values())
    shared = sum(size for size in stem_sizes.values() if size > 1)
    if shared >= AUTO_STEM_SHARE * len(listed):
        return GroupingRule.STEM
    stems: dict[str, list[str]] = {}
    for path in listed:
        folder, _, stem = split_path(path)
        if folder:
            stems.setdefault(folder, []).append(stem)
    per_folder = {folder: len(names) for folder, names in stems.items()}
    low, high = AUTO_FOLDER_VIEWS
    product_like = [len(names) for folder, names in stems.items()
                    if low <= len(names) <= high and _view_names(folder, names)]
    if (per_folder and len(product_like) >= AUTO_FOLDER_SHARE * len(per_folder)
            and sum(product_like) >= AUTO_FOLDER_PHOTOS * len(listed)):
        return GroupingRule.FOLDER
    return GroupingRule.NONE


@dataclass(frozen=True)
class RuleGrouping:
    """Product ids of photos under one rule, and the rule actually used (auto resolved)."""

    rule: GroupingRule  # as asked
    used: GroupingRule  # never AUTO
    product_of: dict[str, str]  # relative path -> product id


def group_paths(paths: Iterable[str], rule: GroupingRule) -> RuleGrouping:
    """Every path's product id under `rule` (auto: the rule choose_rule picks)."""
    listed = sorted(set(paths))
    used = choose_rule(listed) if rule is GroupingRule.AUTO else rule
    if used is GroupingRule.NONE:
        return RuleGrouping(rule, used, {path: path for path in listed})
    keys = _stem_keys(listed) if used is GroupingRule.STEM else _folder_keys(listed)
    return RuleGrouping(rule, used, _unique_ids(keys))
