"""Set metadata keys of an exported encoder without touching its graph or weights: python -m export.stamp --help.

    python -m export.stamp resources/models/autosimnet-paper.onnx --set "display_name=Paper (AutoSimNet DAE)"

The graph (every node and initializer) is checked to be byte-identical before the file is replaced.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autosimnet_desktop.core.model.card import Key


def stamp(path: Path, values: dict[str, str], output: Path | None = None) -> dict[str, str]:
    """Add or replace metadata_props entries; returns the new metadata. The graph is left exactly as it was."""
    import onnx

    model = onnx.load(str(path))
    graph_before = model.graph.SerializeToString()
    meta = {p.key: p.value for p in model.metadata_props}
    meta.update(values)
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    if model.graph.SerializeToString() != graph_before:
        raise RuntimeError("the graph changed while stamping metadata")
    onnx.save(model, str(output or path))
    return meta


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.stamp", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path)
    p.add_argument("--set", action="append", required=True, metavar="KEY=VALUE")
    p.add_argument("--output", type=Path, default=None, help="write here instead of replacing the model")
    a = p.parse_args(argv)
    if not a.model.is_file():
        p.error(f"model not found: {a.model}")
    values = {}
    for item in a.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            p.error(f"--set expects KEY=VALUE, not {item!r}")
        if key.strip() not in {k.value for k in Key}:
            p.error(f"{key.strip()!r} is not a key of the model card (autosimnet_desktop/core/model/card.py)")
        values[key.strip()] = value
    stamp(a.model, values, a.output)
    print(f"stamped {a.output or a.model}: " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
