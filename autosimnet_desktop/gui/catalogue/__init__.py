"""The open catalogue: its session on the pool, the page showing it, its status-bar pieces."""
