"""autosimnet push's engine: a catalogue into a Qdrant collection (qdrant-client's local mode), incrementally."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qdrant_client")

from qdrant_client import QdrantClient

from autosimnet_desktop.core.catalogue.catalogue import Catalogue
from autosimnet_desktop.core.catalogue.factory import build_catalogue
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.records import Progress
from autosimnet_desktop.core.remote.payload import MARKER_ID, point_id
from autosimnet_desktop.core.remote.push import push
from autosimnet_desktop.core.remote.qdrant_store import Address, RemoteCollection, RemoteError, connect
from autosimnet_desktop.core.remote.state import PushState

from .conftest import PAPER_MODEL, PRODUCT_MODEL
from .remote_support import address, collection_name, make_shop, open_collection, view


@pytest.fixture(scope="module")
def paper() -> Encoder:
    return Encoder(PAPER_MODEL)


@pytest.fixture()
def shop(tmp_path: Path, paper: Encoder) -> Iterator[Catalogue]:
    products_csv = make_shop(tmp_path / "shop", products=6)
    catalogue = build_catalogue(tmp_path / "shop", paper, tmp_path / "data")
    catalogue.set_grouping("folder", products_csv)
    catalogue.index()
    yield catalogue
    catalogue.close()


def remote_paths(collection: RemoteCollection) -> list[str]:
    """The paths of every photo point in the collection, sorted."""
    return sorted(str(p.payload["path"]) for p in collection.points())


def run_push(catalogue: Catalogue, collection: RemoteCollection, **options: Any) -> Any:
    with PushState.open(catalogue.data_dir, collection.address.text, collection.name) as state:
        return push(catalogue, collection, state, **options)


def test_push_sends_everything_once_then_only_what_changed(shop: Catalogue, tmp_path: Path) -> None:
    where, name = address(tmp_path), collection_name()
    collection = open_collection(where, name)
    first = run_push(shop, collection)
    assert (first.sent, first.deleted, first.reset) == (18, 0, True)
    assert remote_paths(collection) == sorted(shop.store.items())
    payload = collection.client.retrieve(name, [point_id("P01/view-0.jpg")])[0].payload
    assert payload is not None
    assert {k: payload[k] for k in ("path", "product", "name", "category", "model")} == {
        "path": "P01/view-0.jpg", "product": "P01", "name": "Product 1", "category": "bags",
        "model": shop.model.label}
    assert payload["model_sha256"] == shop.model.sha256 and payload["digest"] == shop.store.items()["P01/view-0.jpg"].digest
    again = run_push(shop, collection)
    assert (again.sent, again.deleted, again.unchanged) == (0, 0, 18)

    folder = shop.folder
    view(folder / "P06" / "view-0.jpg", 500, 0.0)  # added (a new product)
    view(folder / "P02" / "view-1.jpg", 600, 0.0)  # changed
    (folder / "P03" / "view-2.jpg").unlink()  # removed
    shop.index()
    third = run_push(shop, collection)
    assert (third.sent, third.deleted, third.unchanged) == (2, 1, 16)
    assert remote_paths(collection) == sorted(shop.store.items())
    vector = collection.client.retrieve(name, [point_id("P02/view-1.jpg")], with_vectors=True)[0].vector
    assert isinstance(vector, dict)
    label = shop.store.id_of("P02/view-1.jpg")
    assert label is not None
    assert vector["image"] == pytest.approx(shop.vector_index.vectors([label])[0].tolist(), abs=1e-5)


def test_a_renamed_product_is_sent_again_with_its_new_id(shop: Catalogue, tmp_path: Path) -> None:
    collection = open_collection(address(tmp_path), collection_name())
    run_push(shop, collection)
    shop.set_grouping("none")  # every photo its own product: every payload changes, no vector does
    report = run_push(shop, collection)
    assert report.sent == 18
    payload = collection.client.retrieve(collection.name, [point_id("P01/view-0.jpg")])[0].payload
    assert payload is not None and payload["product"] == "P01/view-0.jpg"


class FailingClient(QdrantClient):
    """A local-mode client whose server 'goes away' after `ok` writes of points (a collaborator, not a patch)."""

    def __init__(self, path: str, ok: int) -> None:
        super().__init__(path=path)
        self.ok = ok

    def upsert(self, collection_name: str, points: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(points, list) or str(points[0].id) != MARKER_ID:
            if self.ok == 0:
                raise ConnectionResetError("Connection reset by peer")
            self.ok -= 1
        return super().upsert(collection_name, points, *args, **kwargs)


def test_a_server_gone_mid_push_records_only_acknowledged_batches_and_the_next_push_resumes(
        shop: Catalogue, tmp_path: Path) -> None:
    where = Address.parse(str(tmp_path / "qdrant"))
    name = collection_name()
    flaky = RemoteCollection(FailingClient(where.text, ok=2), where, name)
    with pytest.raises(RemoteError, match="failed while writing 4 points: Connection reset by peer"):
        run_push(shop, flaky, batch=4)
    flaky.client.close()
    with PushState.open(shop.data_dir, where.text, name) as state:
        recorded = state.pushed()
    collection = open_collection(where, name)
    assert sorted(recorded) == remote_paths(collection)
    assert len(recorded) == 8  # two acknowledged batches, nothing of the third
    resumed = run_push(shop, collection, batch=4)
    assert (resumed.sent, resumed.unchanged) == (10, 8)
    assert remote_paths(collection) == sorted(shop.store.items())


def test_a_client_closed_mid_push_is_one_clear_error(shop: Catalogue, tmp_path: Path) -> None:
    collection = open_collection(Address.parse(str(tmp_path / "qdrant")), collection_name())

    def close_after_first_batch(p: Progress) -> None:
        collection.client.close()

    with pytest.raises(RemoteError) as caught:
        run_push(shop, collection, batch=5, progress=close_after_first_batch)
    assert "\n" not in str(caught.value) and "closed" in str(caught.value)
    with PushState.open(shop.data_dir, collection.address.text, collection.name) as state:
        assert len(state.pushed()) == 5


def test_a_collection_of_another_model_is_refused_unless_recreated(shop: Catalogue, tmp_path: Path) -> None:
    where, name = address(tmp_path), collection_name()
    collection = open_collection(where, name)
    run_push(shop, collection)
    other = build_catalogue(shop.folder, Encoder(PRODUCT_MODEL), tmp_path / "data-product")
    other.index()
    with pytest.raises(RemoteError, match="holds vectors of autosimnet-paper.* not of autosimnet-fast.*--recreate"):
        run_push(other, collection)
    assert remote_paths(collection) == sorted(shop.store.items())  # untouched
    report = run_push(other, collection, recreate=True)
    assert report.reset and report.sent == 18
    marker = collection.require_marker()
    assert (marker.model_sha256, marker.dim, marker.metric) == (other.model.sha256, 256, "cosine")
    # The first catalogue's state belongs to the old collection: its next push is refused, not half-applied.
    with pytest.raises(RemoteError, match="holds vectors of autosimnet-fast"):
        run_push(shop, collection)
    other.close()


def test_a_collection_made_again_elsewhere_gets_everything_again(shop: Catalogue, tmp_path: Path) -> None:
    where, name = address(tmp_path), collection_name()
    collection = open_collection(where, name)
    run_push(shop, collection)
    collection.client.delete_collection(name)
    report = run_push(shop, collection)
    assert report.reset and report.sent == 18


def test_a_collection_not_made_by_push_is_refused(shop: Catalogue, tmp_path: Path) -> None:
    from qdrant_client import models

    collection = open_collection(address(tmp_path), collection_name())
    collection.client.create_collection(collection.name, vectors_config=models.VectorParams(
        size=4, distance=models.Distance.DOT))
    with pytest.raises(RemoteError, match="was not made by autosimnet push"):
        run_push(shop, collection)
    assert run_push(shop, collection, recreate=True).sent == 18


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_one_clear_line_and_nothing_is_recorded(shop: Catalogue) -> None:
    where = Address.parse(f"http://127.0.0.1:{free_port()}")
    collection = RemoteCollection(connect(where, None, timeout=2), where, "shop")
    with pytest.raises(RemoteError, match=f"cannot reach Qdrant at {where.text} while looking for the collection"):
        run_push(shop, collection)
    with PushState.open(shop.data_dir, where.text, "shop") as state:
        assert state.pushed() == {} and state.generation() is None


class Forbidden(http.server.BaseHTTPRequestHandler):
    """Answers like a Qdrant server given a wrong API key (the network is the boundary faked here)."""

    def do_GET(self) -> None:
        body = b"Invalid api-key"
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_a_wrong_api_key_is_one_clear_line(shop: Catalogue) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        where = Address.parse(f"http://127.0.0.1:{server.server_address[1]}")
        collection = RemoteCollection(connect(where, "wrong-key", timeout=5), where, "shop")
        with pytest.raises(RemoteError, match=r"refused the API key \(HTTP 403\).*--api-key-env"):
            run_push(shop, collection)
    finally:
        server.shutdown()
        server.server_close()


def test_a_catalogue_never_indexed_is_refused(tmp_path: Path, paper: Encoder) -> None:
    from autosimnet_desktop.core.records import NotIndexedError

    make_shop(tmp_path / "new", products=1)
    with build_catalogue(tmp_path / "new", paper, tmp_path / "data") as catalogue:
        with pytest.raises(NotIndexedError, match="run autosimnet index"):
            run_push(catalogue, open_collection(address(tmp_path), collection_name()))
