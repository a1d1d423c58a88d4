"""AutoSimNet Desktop: find visually similar products in your own catalogue, offline."""

__version__ = "0.1.0"
