"""Which image formats the app reads, and Pillow's settings for reading them safely.

Nothing happens on import: Pillow is set up, and optional plugins registered, the first time an image is
opened or the supported extensions are asked for."""

from __future__ import annotations

import functools

from PIL import Image, ImageFile

MAX_PIXELS = 100_000_000

# Photo formats, and the other raster formats Pillow decodes by itself (no external program: not EPS or WMF).
_BUILT_IN = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".bmp", ".dib", ".gif", ".tif",
                       ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".pcx", ".psd", ".qoi"})
_JPEG2000 = frozenset({".jp2", ".j2k", ".jpf", ".jpx"})
# Read only when a plugin is installed; still recognised by the scan, so a missing plugin is reported.
OPTIONAL_EXTENSIONS: frozenset[str] = frozenset({".heic", ".heif", ".avif"})


def _register_optional_plugins() -> frozenset[str]:
    """Register HEIC/HEIF/AVIF openers when their plugin packages are installed; the extensions they add."""
    found: set[str] = set()
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        found |= {".heic", ".heif"}
        if hasattr(pillow_heif, "register_avif_opener"):
            pillow_heif.register_avif_opener()
            found.add(".avif")
    except Exception:  # an absent or broken optional plugin just means fewer formats
        pass
    if ".avif" not in found:
        try:
            import pillow_avif  # registers itself on import

            del pillow_avif
            found.add(".avif")
        except Exception:  # an absent or broken optional plugin just means fewer formats
            pass
    if ".avif" not in found and "AVIF" in Image.registered_extensions().values():
        found.add(".avif")  # Pillow >= 11.2 may carry AVIF itself
    return frozenset(found)


@functools.cache
def configure_pillow() -> frozenset[str]:
    """Set Pillow up for untrusted catalogue files (once per process); returns the plugins' extensions."""
    # Refuse decompression bombs outright instead of Pillow's default warning-then-error split.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    # A truncated JPEG must fail loudly: a half-grey product photo would be indexed as a real one.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return _register_optional_plugins()


@functools.cache
def supported_extensions() -> frozenset[str]:
    """Lower-case extensions (with the dot) of the files the app reads."""
    plugins = configure_pillow()
    jpeg2000 = _JPEG2000 if "JPEG2000" in Image.registered_extensions().values() else frozenset()
    return _BUILT_IN | jpeg2000 | plugins
