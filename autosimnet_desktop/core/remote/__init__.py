"""Beyond one laptop: a catalogue's vectors pushed into a Qdrant collection, searched there, indexed in shards.

Needs the optional `qdrant` extra (qdrant-client); nothing else in the app imports this package.
"""
