#!/usr/bin/env bash
# Build the double-click app (Linux): dist/AutoSimNet/AutoSimNet and dist/AutoSimNet-<version>-linux-x86_64.tar.gz.
#
#   scripts/build_app.sh                 # from a clean checkout: own virtual environment in build/venv
#   scripts/build_app.sh --reuse-venv    # use the active virtual environment instead (CI, after the tests)
#   scripts/build_app.sh --check-portable FILE.so   # only run the native-flags check below on one file
#
# Steps: environment -> PyInstaller (build.spec) -> hnswlib portability check -> drop debug info ->
# pack -> unpack the archive elsewhere and run `AutoSimNet --self-test` there, in a bare environment ->
# print the sizes. Any failure stops the script with a non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

REUSE_VENV=${AUTOSIMNET_BUILD_REUSE_VENV:-0}
CHECK_ONLY=""
while [ $# -gt 0 ]; do
  arg=$1; shift
  case "$arg" in
    --reuse-venv) REUSE_VENV=1 ;;
    --check-portable) CHECK_ONLY=${1:?--check-portable needs a file}; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_app.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

export HNSWLIB_NO_NATIVE=1            # hnswlib's setup.py otherwise compiles with -march=native
export PIP_DISABLE_PIP_VERSION_CHECK=1
MAX_UNPACKED_MB=300                   # the size budget of issue 5; a larger bundle means an exclude stopped working
START=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - START )) s)"; }

# -- portable machine code: was the bundled hnswlib compiled with -march=native? -------------------
# Two independent checks on the hnswlib extension inside the bundle:
#  a) Compiler flags: GCC records its command line in the DWARF DW_AT_producer attribute of each
#     compile unit when there is debug info (Python's default CFLAGS include -g). With -march=native
#     GCC expands the flag to the build CPU, e.g. "-march=znver3 -mavx2 -mavx512f ...", while a portable
#     build says "-march=x86-64" (or nothing). Any -march other than x86-64, or any -mavx*/-mfma, fails.
#  b) Instructions: a portable x86-64 build may only use SSE2, which is never VEX/EVEX-encoded. AVX,
#     AVX2 and AVX-512 instructions are (their mnemonics start with "v": vmovups, vfmadd231ps,
#     vzeroupper...) and use %ymm/%zmm registers, so any such instruction in the disassembly fails.
#     This also catches a build without debug info. (Measured here: the native build of hnswlib 0.8.0
#     has 510 %ymm/%zmm references and 1,709 vzeroupper; the portable one has none.)
# A -march=native build on a CPU without AVX can't be told apart this way, but it would also run on
# almost every x86-64 machine sold since 2011.
check_portable() {  # check_portable FILE.so: exit 1 if it was compiled for the build CPU only
  local so=$1 native_flags avx
  if command -v readelf >/dev/null; then
    native_flags=$(readelf --debug-dump=info "$so" 2>/dev/null | grep -oE 'DW_AT_producer.*' |
                   grep -oE -- '-march=[^ ]+|-m(avx|fma)[^ ]*' | grep -v -- '-march=x86-64$' | sort -u | tr '\n' ' ' || true)
    if [ -n "$native_flags" ]; then
      echo "build_app.sh: $so was compiled for this CPU only (${native_flags:0:120}...). Rebuild hnswlib with" \
           "HNSWLIB_NO_NATIVE=1 and no pip cache (pip install --no-cache-dir --no-binary hnswlib hnswlib)." >&2
      return 1
    fi
  else
    echo "   (readelf not found: compiler flags not checked)"
  fi
  if command -v objdump >/dev/null; then
    avx=$(objdump -d --no-show-raw-insn "$so" | awk '($2 ~ /^v/ && $2 !~ /^(verr|verw|vm[a-z]*)$/) || /%[yz]mm/' | wc -l)
    if [ "$avx" != 0 ]; then
      echo "build_app.sh: $so contains $avx AVX/AVX-512 instructions: it was built with native flags and" \
           "would crash with 'illegal instruction' on CPUs without them. Rebuild it with HNSWLIB_NO_NATIVE=1." >&2
      return 1
    fi
    echo "   $(basename "$so"): no AVX/AVX-512 instructions, compiled for generic x86-64"
  else
    echo "   (objdump not found: instructions not checked)"
  fi
}

if [ -n "$CHECK_ONLY" ]; then check_portable "$CHECK_ONLY"; exit $?; fi

# -- 1. the build environment ------------------------------------------------------------------
if [ "$REUSE_VENV" = 1 ]; then
  [ -n "${VIRTUAL_ENV:-}" ] || { echo "build_app.sh: --reuse-venv needs an active virtual environment" >&2; exit 2; }
  step "reusing the active environment $VIRTUAL_ENV"
  python -c "import PyInstaller" 2>/dev/null || python -m pip install -q "pyinstaller>=6.6"
else
  VENV=build/venv
  # The stamp records what the venv was made from, so an unchanged checkout reuses it (a re-build
  # takes a minute instead of three) and a changed pyproject.toml gets a fresh one.
  PY=$(command -v python3.11 || command -v python3)
  STAMP="$(sha256sum pyproject.toml | cut -c1-16) $("$PY" --version 2>&1)"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$STAMP" ]; then
    step "creating $VENV"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # hnswlib has no wheels: pip compiles it, and would reuse a wheel it cached from an earlier build
    # made without HNSWLIB_NO_NATIVE. --no-cache-dir makes this compile happen here, portable.
    "$VENV/bin/python" -m pip install -q --no-cache-dir --no-binary hnswlib "hnswlib>=0.8,<0.9"
    # The app's dependencies from pyproject.toml (installing the package itself is harmless: the spec
    # analyses this checkout first) plus PyInstaller from the `build` extra.
    "$VENV/bin/python" -m pip install -q ".[build]"
    echo "$STAMP" > "$VENV/.stamp"
  else
    step "reusing $VENV (pyproject.toml unchanged)"
  fi
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
fi
VERSION=$(python -c "import re,pathlib; print(re.search(r'__version__\s*=\s*\"([^\"]+)\"', pathlib.Path('autosimnet_desktop/__init__.py').read_text()).group(1))")
ARCHIVE="dist/AutoSimNet-$VERSION-linux-x86_64.tar.gz"
APP=dist/AutoSimNet

# -- 2. PyInstaller ------------------------------------------------------------------------------
step "PyInstaller $(python -m PyInstaller --version) with $(python --version)"
rm -rf "$APP" "$ARCHIVE"
python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller build.spec

# -- 3. portable machine code --------------------------------------------------------------------
step "checking that the bundled hnswlib is portable"
HNSW_SO=$(find "$APP" -name 'hnswlib*.so' | head -n 1)
[ -n "$HNSW_SO" ] || { echo "build_app.sh: hnswlib is not in the bundle" >&2; exit 1; }
check_portable "$HNSW_SO"

# -- 4. drop debug info where it is safe -----------------------------------------------------------
# PyInstaller's strip=True strips every library, which breaks numpy's auditwheel-patched ones. Only
# the debug sections of files that carry them (this Python's libpython and extension modules, built
# with -g) are removed here, and never in the *.libs folders that wheels vendor: ~30 MB less.
step "removing debug sections"
# Libraries outside the wheels' *.libs folders that still carry debug info. (Not `grep -q`: it stops reading at
# the first match, so readelf can die of SIGPIPE, and with pipefail the test then fails. One CI build,
# 2026-12-04, kept libpython's 16 MB of debug info, cause not pinned down; a build that keeps any now stops.)
with_debug_info() {
  find "$APP" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 |
    while IFS= read -r -d '' lib; do
      if readelf -S "$lib" 2>/dev/null | grep '\.debug_info' >/dev/null; then echo "$lib"; fi
    done
}
with_debug_info | while IFS= read -r lib; do strip --strip-debug "$lib"; done
left=$(with_debug_info)
[ -z "$left" ] || { echo "debug info still in: $left" >&2; exit 1; }

# -- 5. pack, then test what users download -----------------------------------------------------------
step "packing $ARCHIVE"
tar -C dist -czf "$ARCHIVE" AutoSimNet
UNPACK=build/unpacked-test
rm -rf "$UNPACK" && mkdir -p "$UNPACK"
tar -C "$UNPACK" -xzf "$ARCHIVE"
step "self-test of the unpacked archive"
# A bare environment: no virtual environment, no PYTHONPATH, no display, and a fresh HOME, so the app
# can only use what it carries (and writes nothing to the builder's home).
SELFTEST_HOME=$(mktemp -d)
env -i PATH=/usr/bin:/bin HOME="$SELFTEST_HOME" LANG=C.UTF-8 "$UNPACK/AutoSimNet/AutoSimNet" --self-test
"$UNPACK/AutoSimNet/AutoSimNet" --version
rm -rf "$SELFTEST_HOME" "$UNPACK"

# -- 6. sizes ----------------------------------------------------------------------------------------
unpacked_mb=$(du -sm "$APP" | cut -f1)
archive_mb=$(du -m "$ARCHIVE" | cut -f1)
echo "unpacked: $(du -sh "$APP" | cut -f1) in $(find "$APP" -type f | wc -l) files ($APP)"
echo "archive:  $(du -h "$ARCHIVE" | cut -f1) ($ARCHIVE)"
if [ "$unpacked_mb" -gt "$MAX_UNPACKED_MB" ]; then
  echo "build_app.sh: the app is ${unpacked_mb} MB unpacked, over the ${MAX_UNPACKED_MB} MB budget;" \
       "check build.spec's EXCLUDES (is torch back?): du -sh $APP/_internal/* | sort -h | tail" >&2
  exit 1
fi
step "done: $ARCHIVE (${archive_mb} MB)"
