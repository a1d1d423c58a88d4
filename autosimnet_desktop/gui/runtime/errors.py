"""Turn any exception into one sentence for the window; the traceback goes to the log only."""

from __future__ import annotations

import logging

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.images.decode import ImageError

log = logging.getLogger(__name__)


def _is_app_error(exc: BaseException) -> bool:
    """Errors raised by our own code carry a message written for people (FolderError, ModelError...)."""
    return type(exc).__module__.startswith("autosimnet_desktop") and bool(str(exc))


def _image_reason(reason: str) -> str:
    """An ImageError's reason as one sentence: 'this file is not an image this app can read (...)'."""
    if reason.startswith("not "):
        return f"this file is {reason}"
    if reason.startswith("is "):
        return f"this file {reason}"
    return f"this image can't be read: {reason}" if reason else "this image can't be read"


def describe(exc: BaseException, doing: str = "") -> str:
    """A readable one-line message for `exc`, prefixed by what the app was doing ('Opening the folder')."""
    prefix = f"{doing} failed: " if doing else ""
    if isinstance(exc, ImageError):
        text = _image_reason(str(exc))
    elif _is_app_error(exc):
        text = str(exc)
    elif isinstance(exc, OSError):
        reason = os_error_reason(exc)
        target = f" ({exc.filename})" if exc.filename else ""
        text = f"{reason}{target}"
    elif isinstance(exc, MemoryError):
        text = "the computer ran out of memory"
    else:
        # A bug, not a user problem: keep the window calm, keep the details for the log.
        log.error("unexpected error", exc_info=exc)
        text = f"an unexpected error occurred ({type(exc).__name__}: {exc})" if str(exc) else \
            f"an unexpected error occurred ({type(exc).__name__})"
    text = text[:1].upper() + text[1:] if not prefix else text
    return prefix + text.rstrip(".") + "."
