"""Searches in a pushed collection give the local index's results; payload filters; shards cover a folder once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("qdrant_client")

from autosimnet_desktop.core.catalogue.catalogue import Catalogue
from autosimnet_desktop.core.catalogue.factory import build_catalogue
from autosimnet_desktop.core.images.decode import load_for_model
from autosimnet_desktop.core.indexing.settings import IndexSettings
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.products.records import ProductHit
from autosimnet_desktop.core.products.scoring import DEFAULT_SCORE, ProductScore
from autosimnet_desktop.core.remote.push import push
from autosimnet_desktop.core.remote.qdrant_store import RemoteCollection
from autosimnet_desktop.core.remote.search import nearest_products, related_products
from autosimnet_desktop.core.remote.sharding import Shard, parse_shard
from autosimnet_desktop.core.remote.state import PushState

from .conftest import PAPER_MODEL, PRODUCT_MODEL
from .core_helpers import write_photo
from .remote_support import CATEGORIES, address, collection_name, make_shop, open_collection


@pytest.fixture(scope="module", params=[PAPER_MODEL, PRODUCT_MODEL], ids=["l2", "cosine"])
def pushed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Catalogue, RemoteCollection]]:
    """A shop of 18 products x 3 photos, indexed locally and pushed; both metrics."""
    tmp = tmp_path_factory.mktemp("remote")
    products_csv = make_shop(tmp / "shop")
    catalogue = build_catalogue(tmp / "shop", Encoder(request.param), tmp / "data")
    catalogue.set_grouping("folder", products_csv)
    catalogue.index()
    collection = open_collection(address(tmp), collection_name())
    with PushState.open(catalogue.data_dir, collection.address.text, collection.name) as state:
        push(catalogue, collection, state)
    yield catalogue, collection
    collection.client.close()
    catalogue.close()


def overlap(a: list[ProductHit], b: list[ProductHit]) -> float:
    return len({h.product for h in a} & {h.product for h in b}) / max(1, len(a))


def test_the_local_default_product_score_is_the_one_the_remote_merge_is_exact_for() -> None:
    assert DEFAULT_SCORE is ProductScore.BEST


def test_a_query_finds_what_the_local_index_finds(pushed: tuple[Catalogue, RemoteCollection], tmp_path: Path) -> None:
    catalogue, collection = pushed
    marker = collection.require_marker()
    for seed in (3, 40, 77):
        image = write_photo(tmp_path / f"q{seed}.jpg", seed)
        local = catalogue.query_products(image, k=10)
        vector = catalogue.encoder.encode(load_for_model(image, catalogue.encoder.preprocess))
        remote = nearest_products(collection, marker, vector, 10)
        assert len(remote) == 10 and overlap(local, remote) >= 0.95
        assert [h.product for h in remote] == [h.product for h in local]
        for mine, theirs in zip(remote, local):
            assert (mine.photo, mine.photos, mine.name, mine.category) == (theirs.photo, theirs.photos, theirs.name,
                                                                          theirs.category)
            assert mine.distance == pytest.approx(theirs.distance, rel=1e-3, abs=1e-4)
            assert mine.similarity == pytest.approx(theirs.similarity, abs=1e-3)


def test_related_products_are_those_of_the_local_index(pushed: tuple[Catalogue, RemoteCollection]) -> None:
    catalogue, collection = pushed
    local = catalogue.related_products(k=10)
    remote = related_products(collection, collection.require_marker(), 10)
    assert sorted(remote) == sorted(local)
    scores = [overlap(local[pid], remote[pid]) for pid in local]
    assert min(scores) >= 0.95
    assert all(pid not in {h.product for h in hits} for pid, hits in remote.items())
    local_same = catalogue.related_products(k=10, same_category=True)
    same = related_products(collection, collection.require_marker(), 10, same_category=True)
    assert sorted(same) == sorted(local_same)
    assert all(overlap(local_same[pid], same[pid]) >= 0.95 and len(same[pid]) == 5 for pid in same)


def test_filters_keep_one_category_and_one_product(pushed: tuple[Catalogue, RemoteCollection], tmp_path: Path) -> None:
    catalogue, collection = pushed
    marker = collection.require_marker()
    image = write_photo(tmp_path / "q.jpg", 5)
    vector = catalogue.encoder.encode(load_for_model(image, catalogue.encoder.preprocess))
    bags = nearest_products(collection, marker, vector, 10, category="bags")
    assert len(bags) == 6 and {h.category for h in bags} == {"bags"}
    assert [h.product for h in bags] == [h.product for h in catalogue.query_products(image, k=18)
                                         if h.category == "bags"]
    one = related_products(collection, marker, 5, product="P04")
    assert list(one) == ["P04"] and len(one["P04"]) == 5 and "P04" not in {h.product for h in one["P04"]}
    assert [h.photos for h in one["P04"]] == [3] * 5
    hats = related_products(collection, marker, 3, category="hats")
    assert sorted(hats) == [f"P{n:02d}" for n in range(18) if CATEGORIES[n % 3] == "hats"]
    assert all(h.category == "hats" for hits in hats.values() for h in hits)


def test_shards_cover_a_folder_exactly_once_in_one_collection(tmp_path: Path) -> None:
    make_shop(tmp_path / "shop", products=10)
    encoder = Encoder(PAPER_MODEL)
    where, name = address(tmp_path), collection_name()
    per_shard = []
    for shard in (parse_shard(f"{k}/3") for k in (1, 2, 3)):
        settings = IndexSettings(only=shard.holds)
        with build_catalogue(tmp_path / "shop", encoder, shard.data_root(tmp_path / "data"), settings) as catalogue:
            catalogue.index()
            per_shard.append(set(catalogue.store.items()))
            collection = open_collection(where, name)
            with PushState.open(catalogue.data_dir, where.text, name) as state:
                assert push(catalogue, collection, state).sent == len(per_shard[-1])
            collection.client.close()
    everything = {str(p.relative_to(tmp_path / "shop")) for p in (tmp_path / "shop").rglob("*.jpg")}
    assert sum(len(s) for s in per_shard) == len(everything) == 30
    assert set().union(*per_shard) == everything and all(per_shard)
    collection = open_collection(where, name)
    assert sorted(str(p.payload["path"]) for p in collection.points()) == sorted(everything)
    collection.client.close()


def test_a_shard_is_chosen_by_the_path_alone_and_spreads_evenly() -> None:
    paths = [f"folder-{i // 50}/photo-{i}.jpg" for i in range(6000)]
    shards = [Shard(k, 4) for k in range(1, 5)]
    owners = [[s.holds(p) for s in shards].count(True) for p in paths]
    assert owners == [1] * len(paths)
    sizes = [sum(s.holds(p) for p in paths) for s in shards]
    assert max(sizes) - min(sizes) < 0.1 * len(paths) / 4
    assert Shard(2, 4).holds("folder-0/photo-1.jpg") == Shard(2, 4).holds("folder-0/photo-1.jpg")
    for bad in ("0/3", "4/3", "2", "a/b", "1/0"):
        with pytest.raises(ValueError):
            parse_shard(bad)
