"""The one place a catalogue is assembled: folder checked, model loaded, store and vector index made."""

from __future__ import annotations

import os

from autosimnet_desktop.core.catalogue.catalogue import STORE_FILE, Catalogue
from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.files.folder import check_folder
from autosimnet_desktop.core.files.reading import FileReader, read_file
from autosimnet_desktop.core.indexing.settings import IndexSettings
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.records import ModelError, StoreError
from autosimnet_desktop.core.products.book import adopt_settings
from autosimnet_desktop.core.storage.datadirs import catalogue_data_dir, model_data_dir
from autosimnet_desktop.core.storage.store import Store
from autosimnet_desktop.core.storage.vector_index import VectorIndex
from autosimnet_desktop.locations import resolve_model


def load_encoder(model: str | os.PathLike[str] | None = None) -> Encoder:
    """The encoder for a shipped model name or an ONNX path (None: the default), or ModelError."""
    path = resolve_model(str(model) if model is not None else None)
    if not path.is_file():
        raise ModelError(f"model not found: {model or path}")
    try:
        return Encoder(path)
    except Exception as exc:  # onnxruntime raises its own exception types for bad files
        raise ModelError(f"cannot load model {path.name}: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}")\
            from exc


def build_catalogue(folder: str | os.PathLike[str], encoder: Encoder, data_dir: str | os.PathLike[str] | None = None,
                    settings: IndexSettings | None = None, *, vector_index: VectorIndex | None = None,
                    read: FileReader = read_file) -> Catalogue:
    """A catalogue of `folder` with an encoder already loaded.

    `data_dir` overrides the root of the per-catalogue data folders (like AUTOSIMNET_DATA_DIR); `vector_index`
    and `read` replace the default collaborators (tests hand in their own).
    Raises FolderError for a missing or unreadable folder, StoreError if its data folder cannot be made."""
    path = check_folder(folder)
    data = model_data_dir(path, encoder.info.path, data_dir)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {data}: {os_error_reason(exc)}") from None
    store = Store(data / STORE_FILE)
    earlier = None
    if store.get_meta("model_sha256") is None:
        # Never indexed with this model: another model's index of the folder may hold the owner's grouping.
        root = catalogue_data_dir(path, data_dir)
        earlier = adopt_settings(store, [p for p in (root / "models").glob(f"*/{STORE_FILE}") if p.parent != data]
                                 + [root / STORE_FILE])
    index = vector_index if vector_index is not None else VectorIndex(encoder.dim)
    return Catalogue(path, encoder, store, index, data, settings or IndexSettings(), read, earlier)


def open_catalogue(folder: str | os.PathLike[str], model: str | os.PathLike[str] | None = None,
                   data_dir: str | os.PathLike[str] | None = None, settings: IndexSettings | None = None) -> Catalogue:
    """Open a catalogue folder with a model (shipped name or path; None: the default model).

    Raises FolderError for a missing or unreadable folder, ModelError if the model cannot be loaded."""
    check_folder(folder)
    return build_catalogue(folder, load_encoder(model), data_dir, settings)
