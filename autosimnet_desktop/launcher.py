"""The double-click app's entry point: a few packaging options, otherwise the window.

`AutoSimNet --self-test`, `--version`, `--install-desktop-entry` and `--uninstall-desktop-entry`
are handled here without importing Qt; every other argument goes to the window
(`autosimnet_desktop.gui.app.main`: `[FOLDER] [--query IMAGE]`).

PyInstaller runs this file as a script (`__main__`), so it only uses absolute imports.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path

GUI_USAGE = """window arguments (passed on to the app):
  FOLDER          open this catalogue folder
  --query IMAGE   find the products most similar to IMAGE
  IMAGE           a single image file instead of a folder means --query IMAGE
                  (what "Open with AutoSimNet" and dropping a photo on the program do)
  --model NAME|PATH, --data-dir DIR   see the window's own options"""


def build_parser() -> argparse.ArgumentParser:
    """The launcher's own options; anything it does not know is left for the window."""
    parser = argparse.ArgumentParser(
        prog="AutoSimNet",
        description="Find visually similar products in your own photo folder, offline.",
        epilog=GUI_USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # "--self" must not silently mean --self-test, nor "--q" anything of ours
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="index the bundled sample catalogue, run a query, print one line; exit 0 or 1")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add AutoSimNet to this user's application menu and image 'Open with' (Linux)")
    parser.add_argument("--uninstall-desktop-entry", action="store_true",
                        help="remove what --install-desktop-entry added")
    return parser


def gui_arguments(rest: Sequence[str]) -> list[str]:
    """The window's argv: a lone image file (not a folder) becomes `--query IMAGE`."""
    args = list(rest)
    if len(args) == 1 and not args[0].startswith("-"):
        candidate = Path(args[0]).expanduser()
        if candidate.is_file():
            return ["--query", str(candidate)]
    return args


def _ensure_stdio() -> None:
    """A windowed Windows build has no stdout/stderr: borrow the calling console, or discard output."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    stream = None
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # -1: the console of the parent (cmd, PowerShell)
            stream = open("CONOUT$", "w", encoding="utf-8", errors="replace")
    if stream is None:
        stream = open(os.devnull, "w", encoding="utf-8")
    sys.stdout = sys.stdout or stream
    sys.stderr = sys.stderr or stream


def main(argv: Sequence[str] | None = None) -> int:
    """Run the launcher: handle the packaging options or open the window."""
    multiprocessing.freeze_support()  # a frozen app's worker processes re-enter here; let them run
    args, rest = build_parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    own = [args.version, args.self_test, args.install_desktop_entry, args.uninstall_desktop_entry]
    if any(own):
        _ensure_stdio()
        if sum(own) > 1 or rest:
            extra = f": {' '.join(rest)}" if rest else ""
            print(f"AutoSimNet: use one of --version, --self-test, --install-desktop-entry, "
                  f"--uninstall-desktop-entry on its own{extra}", file=sys.stderr)
            return 2
    if args.version:
        from autosimnet_desktop import __version__

        print(f"AutoSimNet {__version__}")
        return 0
    if args.self_test:
        from autosimnet_desktop.selftest import run_self_test

        return run_self_test()
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        if not sys.platform.startswith("linux"):
            print("AutoSimNet: desktop entries are for Linux; on Windows and macOS use the "
                  "installer's shortcut or drag the app to Applications", file=sys.stderr)
            return 2
        from autosimnet_desktop import desktop_entry

        if args.install_desktop_entry:
            print(desktop_entry.install().summary("installed"))
        else:
            print(desktop_entry.uninstall().summary("removed"))
        return 0
    from autosimnet_desktop.gui.app import main as gui_main

    return int(gui_main(gui_arguments(rest)) or 0)


if __name__ == "__main__":
    sys.exit(main())
