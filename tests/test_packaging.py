"""The packaged app's own code: the self-test, the launcher's arguments and the Linux desktop entry.

The PyInstaller build itself is not a test: scripts/build_app.sh builds it (from .ci/run) and runs
`AutoSimNet --self-test` on the result.
"""

from __future__ import annotations

import configparser
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autosimnet_desktop import __version__, desktop_entry, launcher, locations
from autosimnet_desktop.selftest import run_self_test

ROOT = Path(__file__).resolve().parent.parent


def _run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUTOSIMNET_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)


# -- self-test -------------------------------------------------------------------------------------------

def test_self_test_passes_on_the_sample_catalogue() -> None:
    out = io.StringIO()
    assert run_self_test(out=out) == 0, out.getvalue()
    line = out.getvalue()
    assert line.count("\n") == 1 and "self-test passed" in line and "300 images indexed" in line


def test_self_test_reports_a_failure_on_one_line(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_self_test(model=str(tmp_path / "missing.onnx"), out=out) == 1
    assert out.getvalue().count("\n") == 1 and "self-test FAILED" in out.getvalue() and "missing.onnx" in out.getvalue()


def test_self_test_fails_when_the_query_cannot_find_itself(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(next(locations.sample_catalogue().rglob("*.png")), folder / "only.png")
    out = io.StringIO()
    assert run_self_test(folder=folder, out=out) == 1  # one image: too few to check anything
    assert "at least 2" in out.getvalue()


def test_self_test_leaves_no_data_behind_and_never_imports_qt(tmp_path: Path) -> None:
    result = _run_python(
        "import sys\n"
        "from autosimnet_desktop.launcher import main\n"
        "code = main(['--self-test'])\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print('QT', qt)\n"
        "sys.exit(code)\n", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout and "QT []" in result.stdout
    assert not (tmp_path / "data").exists()  # it used its own temporary folder, not AUTOSIMNET_DATA_DIR


# -- launcher -------------------------------------------------------------------------------------------

def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"AutoSimNet {__version__}"


def test_launcher_runs_as_a_script_like_pyinstaller_does(tmp_path: Path) -> None:
    # PyInstaller executes launcher.py as __main__, so it must not rely on relative imports.
    result = subprocess.run([sys.executable, str(ROOT / "autosimnet_desktop" / "launcher.py"), "--version"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and result.stdout.strip() == f"AutoSimNet {__version__}", result.stderr


@pytest.mark.parametrize("argv", [["--version", "--self-test"], ["--self-test", "folder"],
                                  ["--install-desktop-entry", "--uninstall-desktop-entry"]])
def test_packaging_options_are_used_alone(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(argv) == 2
    assert "on its own" in capsys.readouterr().err


def test_no_abbreviations_of_the_packaging_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _capture_gui(monkeypatch)
    assert launcher.main(["--self"]) == 0  # not --self-test: the window's parser gets (and rejects) it
    assert seen == [["--self"]]


def _capture_gui(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace the window's main() (the GUI boundary) with a recorder of its argv."""
    import autosimnet_desktop.gui.app as app

    seen: list[list[str]] = []
    monkeypatch.setattr(app, "main", lambda argv=None: seen.append(list(argv or [])) or 0)
    return seen


def test_other_arguments_go_to_the_window(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = _capture_gui(monkeypatch)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not really a jpeg")
    assert launcher.main([]) == 0
    assert launcher.main([str(tmp_path)]) == 0
    assert launcher.main([str(tmp_path), "--query", str(photo), "--model", "x"]) == 0
    assert launcher.main([str(photo)]) == 0  # "Open with AutoSimNet", or a photo dropped on the program
    assert seen == [[], [str(tmp_path)], [str(tmp_path), "--query", str(photo), "--model", "x"],
                    ["--query", str(photo)]]


def test_a_missing_path_is_left_for_the_window_to_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = _capture_gui(monkeypatch)
    launcher.main([str(tmp_path / "gone.jpg")])
    assert seen == [[str(tmp_path / "gone.jpg")]]


def test_the_window_parser_accepts_what_the_launcher_hands_on(tmp_path: Path) -> None:
    from autosimnet_desktop.gui.app import build_parser

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"x")
    args = build_parser().parse_args(launcher.gui_arguments([str(photo)]))
    assert args.query == photo and args.folder is None


# -- resources in a frozen app --------------------------------------------------------------------------

def test_frozen_resource_root_is_under_meipass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # what PyInstaller's bootloader sets
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    locations.resource_root.cache_clear()
    try:
        assert locations.resource_path("models", "x.onnx") == tmp_path / "autosimnet_desktop" / "resources" / "models" / "x.onnx"
    finally:
        monkeypatch.delattr(sys, "_MEIPASS")
        monkeypatch.delattr(sys, "frozen")
        locations.resource_root.cache_clear()
    assert locations.resolve_model(None).is_file()


def test_build_spec_ships_every_resource_folder() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    compile(spec, "build.spec", "exec")
    for name in ("models", "sample-catalogue", "icons", "autosimnet.desktop", "autosimnet-servicemenu.desktop"):
        assert f'RESOURCES / "{name}"' in spec and (ROOT / "resources" / name).exists()
    for heavy in ("torch", "onnxscript", "sympy", "onnxruntime.transformers", "onnxruntime.quantization"):
        assert f'"{heavy}"' in spec


# -- desktop entry --------------------------------------------------------------------------------------

def _entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def test_install_and_uninstall_desktop_entry(data_home: Path, tmp_path: Path) -> None:
    app = tmp_path / "My Apps" / "AutoSimNet"  # a space: Exec= must quote it
    report = desktop_entry.install([str(app)])
    entry_file = data_home / "applications" / "autosimnet-desktop.desktop"
    menu_file = data_home / "kio" / "servicemenus" / "autosimnet-find-similar.desktop"
    assert entry_file in report.files and menu_file in report.files

    entry = _entry(entry_file)["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "AutoSimNet"
    assert entry["Exec"] == f'"{app}" %f'
    assert entry["TryExec"] == str(app)
    assert {"image/jpeg", "image/png", "image/webp"} <= set(entry["MimeType"].strip(";").split(";"))
    assert entry["Icon"] == "autosimnet"
    for size in (16, 48, 256, 512):
        assert (data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "autosimnet.png").is_file()

    action = _entry(menu_file)["Desktop Action findSimilar"]
    assert action["Exec"] == f'"{app}" --query %f'
    assert menu_file.stat().st_mode & stat.S_IXUSR  # Plasma 6 ignores non-executable service menus

    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(entry_file)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr

    foreign = data_home / "icons" / "hicolor" / "48x48" / "apps" / "other.png"
    foreign.write_bytes(b"x")
    removed = desktop_entry.uninstall()
    assert entry_file in removed.files and not entry_file.exists() and not menu_file.exists()
    assert not list((data_home / "icons").rglob("autosimnet.png")) and foreign.exists()
    assert desktop_entry.uninstall().files == []  # idempotent


def test_uninstall_leaves_a_hand_made_entry_alone(data_home: Path) -> None:
    mine = data_home / "applications" / "autosimnet-desktop.desktop"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Desktop Entry]\nType=Application\nName=My own\nExec=true\n", encoding="utf-8")
    assert desktop_entry.uninstall().files == [] and mine.exists()


def test_launcher_installs_the_frozen_executable(data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    exe = tmp_path / "dist" / "AutoSimNet" / "AutoSimNet"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert launcher.main(["--install-desktop-entry"]) == 0
    assert "installed" in capsys.readouterr().out
    assert _entry(data_home / "applications" / "autosimnet-desktop.desktop")["Desktop Entry"]["Exec"] == f"{exe} %f"
    assert launcher.main(["--uninstall-desktop-entry"]) == 0
    assert "removed" in capsys.readouterr().out


@pytest.mark.parametrize(("arg", "quoted"), [
    ("/opt/AutoSimNet/AutoSimNet", "/opt/AutoSimNet/AutoSimNet"),
    ("/home/a b/AutoSimNet", '"/home/a b/AutoSimNet"'),
    ('/x/"$`y', '"/x/\\\\"\\\\$\\\\`y"'),  # \" \$ \` by the quoting rule, each \ doubled by string escaping
    ("/x/back\\slash", '"/x/back\\\\\\\\slash"'),  # a literal backslash is four in the file
    ("/x/100%", "/x/100%%"),
])
def test_exec_quoting(arg: str, quoted: str) -> None:
    assert desktop_entry.quote_exec_arg(arg) == quoted


# -- the build script's portability check ------------------------------------------------------------

@pytest.mark.parametrize(("flags", "portable"), [(["-march=x86-64"], True), (["-march=haswell"], False),
                                                  (["-mavx2", "-mfma"], False)])
def test_build_script_rejects_native_machine_code(tmp_path: Path, flags: list[str], portable: bool) -> None:
    if not (shutil.which("gcc") and shutil.which("objdump") and shutil.which("readelf")):
        pytest.skip("needs gcc, objdump and readelf (binutils)")
    if not (ROOT / "scripts" / "build_app.sh").is_file():
        pytest.skip("scripts/build_app.sh is not in this source tree")
    source = tmp_path / "dot.c"  # a loop GCC vectorises with whatever the flags allow, like hnswlib's distances
    source.write_text("float dot(const float *a, const float *b, int n) {\n"
                      "  float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }\n")
    lib = tmp_path / "libdot.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O3", "-ffast-math", "-g", *flags, "-o", str(lib), str(source)],
                   check=True)
    result = subprocess.run(["bash", str(ROOT / "scripts" / "build_app.sh"), "--check-portable", str(lib)],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode == 0) == portable, result.stdout + result.stderr
    # Without debug info only the instruction check is left, and it must still catch AVX.
    subprocess.run(["strip", "--strip-debug", str(lib)], check=True)
    result = subprocess.run(["bash", str(ROOT / "scripts" / "build_app.sh"), "--check-portable", str(lib)],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode == 0) == portable, result.stdout + result.stderr


def test_a_development_install_keeps_its_virtual_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)  # like a venv: a link to the base interpreter
    monkeypatch.setattr(sys, "executable", str(venv_python))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no autosimnet-desktop script on PATH
    assert desktop_entry.launch_command() == [str(venv_python), "-m", "autosimnet_desktop.launcher"]
