"""The Qt-free engine: imaging, encoder, catalogue store, vector index, indexer, search, export."""
