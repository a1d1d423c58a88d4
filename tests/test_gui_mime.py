"""What a drop or paste means: folder, file, raw image data, decoded image or a web URL."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QUrl
from PySide6.QtGui import QColor, QImage

from autosimnet_desktop.gui.runtime.mime import OpenFolder, acceptable, interpret
from autosimnet_desktop.gui.search.sources import QuerySource, prepare

from .gui_support import make_image


def mime_with_urls(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def test_a_dropped_folder_opens_it(tmp_path: Path) -> None:
    meaning = interpret(mime_with_urls(QUrl.fromLocalFile(str(tmp_path))))
    assert meaning == OpenFolder(tmp_path)


def test_a_dropped_file_is_a_query_by_file(tmp_path: Path) -> None:
    photo = make_image(tmp_path / "red dress.png", 60)
    meaning = interpret(mime_with_urls(QUrl.fromLocalFile(str(photo))))
    assert isinstance(meaning, QuerySource) and meaning.kind == "file"
    assert meaning.path == photo and meaning.name == "red dress.png"


def test_encoded_image_bytes_win_over_decoding_in_qt(tmp_path: Path, qtbot) -> None:
    data = make_image(tmp_path / "p.png", 60).read_bytes()
    mime = QMimeData()
    mime.setData("image/png", QByteArray(data))
    meaning = interpret(mime, "Pasted")
    assert isinstance(meaning, QuerySource) and meaning.kind == "data" and meaning.data == data
    assert meaning.name == "Pasted image"
    prepared = prepare(meaning, tmp_path)
    assert prepared.query_input == data and (prepared.width, prepared.height) == (96, 96)


def test_an_image_qt_already_decoded_is_encoded_off_the_gui_thread(tmp_path: Path, qtbot) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("navy"))
    mime = QMimeData()
    mime.setImageData(image)
    meaning = interpret(mime)
    assert isinstance(meaning, QuerySource) and meaning.kind == "image"
    prepared = prepare(meaning, tmp_path)
    assert isinstance(prepared.query_input, bytes) and prepared.query_input[:4] == b"\x89PNG"
    assert (prepared.width, prepared.height) == (40, 30)


def test_browser_drags_give_the_image_url() -> None:
    url = "https://shop.example/img/boot%20black.jpg?size=large"
    for mime in (mime_with_urls(QUrl(url)), _html(f'<a href="/p"><img alt="" src="{url}"></a>'), _text(url)):
        meaning = interpret(mime)
        assert isinstance(meaning, QuerySource) and meaning.kind == "url" and meaning.url == url
        assert meaning.name == "boot black.jpg"
        assert acceptable(mime)


def test_nothing_usable_is_refused() -> None:
    assert interpret(_text("just some words")) is None
    assert not acceptable(_text("just some words"))
    assert interpret(QMimeData()) is None


def _html(html: str) -> QMimeData:
    mime = QMimeData()
    mime.setHtml(html)
    return mime


def _text(text: str) -> QMimeData:
    mime = QMimeData()
    mime.setText(text)
    return mime
