"""Per-user Linux desktop integration: a .desktop launcher, its icon and an image "Find similar" action.

Everything goes under the XDG data folder ($XDG_DATA_HOME, default ~/.local/share), so no root is
needed and uninstalling removes exactly the files installed here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autosimnet_desktop.locations import frozen_bundle, resource_path

APP_ID = "autosimnet-desktop"  # = QGuiApplication.desktopFileName(): Wayland/GNOME match windows by it
DESKTOP_FILE = f"{APP_ID}.desktop"
SERVICE_MENU_FILE = "autosimnet-find-similar.desktop"
ICON_NAME = "autosimnet"  # the Icon= key of both entries
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # hicolor's usual sizes; resources/icons has each
MARKER = "X-AutoSimNet-Installed=true"  # only files carrying this line are ever removed


@dataclass
class InstallReport:
    """Files written or removed by install() / uninstall()."""

    files: list[Path] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        """Human lines: what was done to which file, e.g. summary("installed")."""
        if not self.files:
            return f"no AutoSimNet desktop files {verb}"
        return "\n".join(f"{verb} {path}" for path in self.files)


def data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when unset or not absolute (as the XDG spec says)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this app: the frozen executable, the installed script or `python -m`."""
    if frozen_bundle() is not None:
        return [str(Path(sys.executable).resolve())]
    # Not resolved: a virtual environment's python is a symlink to a base interpreter without our packages.
    script = shutil.which("autosimnet-desktop")
    if script:
        return [os.path.abspath(script)]
    return [os.path.abspath(sys.executable), "-m", "autosimnet_desktop.launcher"]


def quote_exec_arg(arg: str) -> str:
    """Quote one argument for an Exec= key (Desktop Entry spec: quoting, then string escaping)."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not (set(arg) & reserved):
        quoted = arg
    else:
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        quoted = f'"{inner}"'
    # Exec values are also "string" values, whose own escaping turns \\ into \ before the quoting rules.
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def _render(template: str, command: list[str]) -> str:
    exec_line = " ".join(quote_exec_arg(part) for part in command)
    text = template.replace("@EXEC@", exec_line).replace("@TRYEXEC@", command[0].replace("\\", "\\\\"))
    # The marker goes into the [Desktop Entry] group, so uninstall can tell our files from others.
    return text.replace("[Desktop Entry]\n", f"[Desktop Entry]\n{MARKER}\n", 1)


def _icon_sources() -> list[tuple[Path, str]]:
    """(shipped icon file, hicolor size folder) pairs: resources/icons/autosimnet-<size>.png."""
    found = [(resource_path("icons", f"{ICON_NAME}-{size}.png"), f"{size}x{size}") for size in ICON_SIZES]
    return [(path, folder) for path, folder in found if path.is_file()]


def _targets(base: Path) -> dict[str, Path]:
    return {
        "desktop": base / "applications" / DESKTOP_FILE,
        # KDE Plasma's file manager shows service menus in the context menu of matching files.
        "service_menu": base / "kio" / "servicemenus" / SERVICE_MENU_FILE,
    }


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    os.replace(tmp, path)


def _refresh_caches(base: Path) -> None:
    """Best effort: tell the desktop about the new entry now rather than at next login."""
    for tool, arg in (("update-desktop-database", base / "applications"),
                      ("gtk-update-icon-cache", base / "icons" / "hicolor")):
        exe = shutil.which(tool)
        if exe and arg.is_dir():
            extra = ["-q", "-t"] if tool == "gtk-update-icon-cache" else ["-q"]
            subprocess.run([exe, *extra, str(arg)], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install(command: list[str] | None = None, base: Path | None = None) -> InstallReport:
    """Install the launcher, the icon and the "Find similar products" file action for this user."""
    base = base or data_home()
    command = command or launch_command()
    report = InstallReport()
    targets = _targets(base)
    _write(targets["desktop"], _render(resource_path("autosimnet.desktop").read_text(encoding="utf-8"), command))
    report.files.append(targets["desktop"])
    # Plasma 6 only runs service menus that are executable (its guard against planted files).
    _write(targets["service_menu"],
           _render(resource_path("autosimnet-servicemenu.desktop").read_text(encoding="utf-8"), command), 0o755)
    report.files.append(targets["service_menu"])
    for source, size in _icon_sources():
        target = base / "icons" / "hicolor" / size / "apps" / f"{ICON_NAME}{source.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        report.files.append(target)
    _refresh_caches(base)
    return report


def uninstall(base: Path | None = None) -> InstallReport:
    """Remove what install() wrote (entries only when they carry our marker)."""
    base = base or data_home()
    report = InstallReport()
    for path in _targets(base).values():
        if path.is_file() and MARKER in path.read_text(encoding="utf-8", errors="replace"):
            path.unlink()
            report.files.append(path)
    hicolor = base / "icons" / "hicolor"
    for icon in sorted(hicolor.glob(f"*/apps/{ICON_NAME}.png")) if hicolor.is_dir() else []:
        icon.unlink()
        report.files.append(icon)
    _refresh_caches(base)
    return report
