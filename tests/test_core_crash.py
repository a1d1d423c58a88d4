"""A process killed mid-index (SIGKILL, no clean-up at all) leaves an index that opens and finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autosimnet_desktop.core.catalogue.factory import build_catalogue
from autosimnet_desktop.core.model.encoder import Encoder

from .conftest import PAPER_MODEL
from .core_helpers import make_catalogue

# The child indexes with frequent checkpoints and prints its progress, so the parent can kill it mid-run.
CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from autosimnet_desktop.core.catalogue.factory import build_catalogue
    from autosimnet_desktop.core.model.encoder import Encoder
    from autosimnet_desktop.core.indexing.settings import IndexSettings

    settings = IndexSettings(batch_size=8, small_batch_size=8, chunk_size=2, small_chunk_size=2, workers=2,
                             checkpoint_items=24, checkpoint_seconds=3600)
    catalogue = build_catalogue(Path(sys.argv[1]), Encoder(sys.argv[2]), settings=settings)
    catalogue.index(progress=lambda p: print(p.stage, p.done, flush=True))
    print("finished", flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
@pytest.mark.parametrize("kill_after", [40, 95])
def test_sigkill_mid_index_leaves_a_usable_index(tmp_path: Path, kill_after: int) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 160)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), str(PAPER_MODEL)],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert child.stdout is not None
    for line in child.stdout:
        stage, _, done = line.partition(" ")
        if stage == "finished":
            pytest.fail("the child finished before it could be killed")
        if stage == "indexing" and int(done) >= kill_after:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    encoder = Encoder(PAPER_MODEL)
    reopened = build_catalogue(folder, encoder)
    survived = reopened.count()
    assert 0 < survived < len(paths)  # the checkpoints before the kill were kept
    for hit in reopened.query(folder / paths[0], k=survived):
        assert hit.path in paths
    report = reopened.index()
    assert not report.cancelled and report.unreadable == 0
    assert reopened.count() == len(paths)
    assert report.new + report.changed + report.unchanged == len(paths)
    related = reopened.related(k=3)
    assert sorted(related) == paths
    reopened.close()
    assert build_catalogue(folder, encoder).index().unchanged == len(paths)
