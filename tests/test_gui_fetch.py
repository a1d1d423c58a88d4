"""Downloading an image URL dragged out of a browser: a real local web server, timeouts and size caps."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autosimnet_desktop.gui.runtime.fetch import FetchError, fetch_image, is_web_url

from .gui_support import make_image


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves /photo.png, a 404, a slow answer and bodies that lie about or omit their length."""

    photo = b""

    def do_GET(self) -> None:  # http.server's name for it
        if self.path == "/photo.png":
            self._send(200, self.photo, length=True)
        elif self.path == "/huge":
            self._send(200, b"x" * 5000, length=True)
        elif self.path == "/huge-unannounced":
            self._send(200, b"x" * 5000, length=False)
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, self.photo, length=True)
        elif self.path == "/empty":
            self._send(200, b"", length=True)
        else:
            self._send(404, b"no", length=True)

    def _send(self, code: int, body: bytes, length: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "image/png")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    Handler.photo = make_image(tmp_path_factory.mktemp("web") / "p.png", 40).read_bytes()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_an_image_url_is_downloaded(server: str) -> None:
    assert fetch_image(f"{server}/photo.png") == Handler.photo


@pytest.mark.parametrize(("path", "words"), [("/missing", "404"), ("/empty", "empty")])
def test_http_problems_are_explained(server: str, path: str, words: str) -> None:
    with pytest.raises(FetchError, match=words):
        fetch_image(server + path)


@pytest.mark.parametrize("path", ["/huge", "/huge-unannounced"])
def test_the_size_cap_holds_even_when_the_server_does_not_say(server: str, path: str) -> None:
    with pytest.raises(FetchError, match="large"):
        fetch_image(server + path, max_bytes=1000)


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not answer"):
        fetch_image(f"{server}/slow", timeout=0.3)
    assert time.monotonic() - started < 1.9


def test_only_web_addresses_are_fetched(tmp_path: Path) -> None:
    assert not is_web_url(f"file://{tmp_path}/x.png") and is_web_url("https://shop.example/a.jpg")
    with pytest.raises(FetchError, match="http"):
        fetch_image(f"file://{tmp_path}/x.png")
    with pytest.raises(FetchError, match="reach"):
        fetch_image("http://127.0.0.1:9/nothing-listens-here", timeout=2)
