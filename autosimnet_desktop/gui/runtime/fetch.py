"""Download an image dragged out of a web browser: http(s) only, with a timeout and a size cap."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from urllib.parse import urlparse

from autosimnet_desktop import __version__

TIMEOUT_SECONDS = 15.0
MAX_BYTES = 30 * 1024 * 1024  # a product photo is a few MB; anything far larger is not one
_CHUNK = 64 * 1024


class FetchError(Exception):
    """An image URL that could not be downloaded, with a reason a person can read."""


def is_web_url(text: str) -> bool:
    """True for an http:// or https:// URL with a host."""
    parsed = urlparse(text.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def fetch_image(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at `url`; raises FetchError on a bad scheme, HTTP error, timeout or oversize body."""
    if not is_web_url(url):
        raise FetchError("only web addresses (http or https) can be downloaded")
    host = urlparse(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": f"AutoSimNet-Desktop/{__version__}",
                                                   "Accept": "image/*,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # only http(s): checked above
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"the image at {host} is too large ({int(declared) // 2**20} MB)")
            chunks: list[bytes] = []
            received = 0
            # Read in chunks so a server that lies about (or omits) its length cannot fill memory.
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"the image at {host} is larger than {max_bytes // 2**20} MB")
                chunks.append(chunk)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{host} answered {exc.code} {exc.reason}") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{host} did not answer within {timeout:g} seconds") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"{host} did not answer within {timeout:g} seconds") from None
        raise FetchError(f"could not reach {host} ({reason})") from None
    except (OSError, ValueError) as exc:
        raise FetchError(f"could not download from {host} ({exc})") from None
    if not chunks:
        raise FetchError(f"{host} sent an empty answer")
    return b"".join(chunks)
