"""Grouping rules of design.md's Products section: pure functions on relative paths."""

from __future__ import annotations

import pytest

from autosimnet_desktop.core.products.grouping import GroupingRule, choose_rule, group_paths, stem_id


@pytest.mark.parametrize("stem, expected", [
    ("ABC-123_2", "ABC-123"),
    ("ABC-123_12", "ABC-123"),
    ("ABC-123 (2)", "ABC-123"),
    ("B00X1234.PT01", "B00X1234"),
    ("B00X1234.pt12", "B00X1234"),
    ("B00X1234.MAIN", "B00X1234"),
    ("ABC-123_front", "ABC-123"),
    ("ABC-123-BACK", "ABC-123"),
    ("ABC-123 side", "ABC-123"),
    ("ABC-123_detail", "ABC-123"),
    ("ABC-123-top", "ABC-123"),
    ("ABC-123_bottom", "ABC-123"),
    ("ABC-123-Left", "ABC-123"),
    ("ABC-123 right", "ABC-123"),
    ("ABC-123_main", "ABC-123"),
    ("ABC-123-alt", "ABC-123"),
    ("ABC-123", "ABC-123"),  # -N is conditional: not a marker on its own
    ("ABC-123frontal", "ABC-123frontal"),  # a view word needs a separator and must end the name
    ("front", "front"),  # nothing left without the marker: the name is the id
    ("ABC_2024x", "ABC_2024x"),
])
def test_every_view_marker(stem: str, expected: str) -> None:
    assert stem_id(stem) == expected


def test_the_contract_examples() -> None:
    grouped = group_paths(["ABC-123_2.jpg", "ABC-123-back.jpg", "ABC-123.jpg", "ABC-124.jpg"], GroupingRule.STEM)
    assert grouped.product_of == {"ABC-123_2.jpg": "ABC-123", "ABC-123-back.jpg": "ABC-123",
                                  "ABC-123.jpg": "ABC-123", "ABC-124.jpg": "ABC-124"}


def test_dash_number_only_when_another_photo_has_the_rest_as_its_id() -> None:
    grouped = group_paths(["ABC-123.jpg", "ABC-123-2.jpg", "XYZ-9-2.jpg", "LOT-5_1.jpg", "LOT-5-3.jpg"],
                          GroupingRule.STEM).product_of
    assert grouped["ABC-123-2.jpg"] == "ABC-123"
    assert grouped["XYZ-9-2.jpg"] == "XYZ-9-2"  # no photo is XYZ-9
    assert grouped["LOT-5-3.jpg"] == "LOT-5"  # LOT-5_1 has the id LOT-5


def test_stem_ids_are_scoped_to_their_folder_and_shown_bare_when_unique() -> None:
    grouped = group_paths(["shoes/1.jpg", "shoes/1_2.jpg", "shirts/1.jpg", "shirts/ABC.jpg", "1.jpg"],
                          GroupingRule.STEM).product_of
    assert grouped == {"shoes/1.jpg": "shoes/1", "shoes/1_2.jpg": "shoes/1", "shirts/1.jpg": "shirts/1",
                       "shirts/ABC.jpg": "ABC", "1.jpg": "1"}


def test_folder_rule_names_products_after_their_folder() -> None:
    grouped = group_paths(["SKU-1/front.jpg", "SKU-1/back.jpg", "a/SKU-2/1.jpg", "b/SKU-2/1.jpg", "loose.jpg"],
                          GroupingRule.FOLDER).product_of
    assert grouped == {"SKU-1/front.jpg": "SKU-1", "SKU-1/back.jpg": "SKU-1", "a/SKU-2/1.jpg": "a/SKU-2",
                       "b/SKU-2/1.jpg": "b/SKU-2", "loose.jpg": "loose.jpg"}


def test_none_rule_keeps_one_product_per_photo() -> None:
    paths = ["a/ABC_1.jpg", "a/ABC_2.jpg"]
    assert group_paths(paths, GroupingRule.NONE).product_of == {p: p for p in paths}


def test_auto_picks_stem_for_marked_views() -> None:
    paths = [f"all/SKU-{i}_{v}.jpg" for i in range(10) for v in (1, 2)] + ["all/single.jpg"]
    assert choose_rule(paths) is GroupingRule.STEM
    assert group_paths(paths, GroupingRule.AUTO).used is GroupingRule.STEM


def test_auto_picks_folder_for_folders_of_views() -> None:
    paths = [f"SKU-{i}/{view}.jpg" for i in range(10) for view in ("front", "back", "3")]
    assert choose_rule(paths) is GroupingRule.FOLDER


def test_auto_picks_none_for_category_folders_of_distinct_products() -> None:
    paths = [f"{cat}/item-{i:04d}.jpg" for cat in ("shoes", "shirts") for i in range(4)]
    assert choose_rule(paths) is GroupingRule.NONE
    assert choose_rule([]) is GroupingRule.NONE


def test_auto_on_a_mixed_folder_follows_the_majority() -> None:
    marked = [f"mixed/P{i}_{v}.jpg" for i in range(3) for v in (1, 2)]  # 6 of 16 photos share products by markers
    distinct = [f"mixed/photo of thing {i}.jpg" for i in range(10)]
    assert choose_rule(marked + distinct) is GroupingRule.STEM
    assert choose_rule(marked[:2] + distinct) is GroupingRule.NONE  # 2 of 12: too few to be the folder's rule
