#!/usr/bin/env bash
# Measure the packaged app: time from launch to its window on screen, and its memory with the sample
# catalogue open and a query answered; optionally save a screenshot. Needs an X display and xdotool:
#
#   xvfb-run -a -s "-screen 0 1400x900x24" scripts/measure_app.sh [APP] [--runs N] [--screenshot FILE]
#
# APP defaults to dist/AutoSimNet/AutoSimNet. Each run starts the app on the sample catalogue with a
# fresh HOME (no remembered folder or geometry) and a data folder indexed by a first, unmeasured run,
# so the measured runs have warm file caches and an up-to-date index, like a user's second launch.
# "Window shown" = the first moment `xdotool search --onlyvisible --pid` finds a mapped window of the
# process (polled every 10 ms; Qt maps the window when MainWindow.show() reaches the X server).
set -euo pipefail
cd "$(dirname "$0")/.."
APP=dist/AutoSimNet/AutoSimNet
RUNS=5
SHOT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --screenshot) SHOT=$2; shift 2 ;;
    *) APP=$1; shift ;;
  esac
done
[ -n "${DISPLAY:-}" ] || { echo "measure_app.sh: no DISPLAY; run it under xvfb-run" >&2; exit 2; }
command -v xdotool >/dev/null || { echo "measure_app.sh: needs xdotool (apt-get install xdotool)" >&2; exit 2; }

SAMPLE=$PWD/resources/sample-catalogue
PROBE=$SAMPLE/bag/fmnist-test-00486.png
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export AUTOSIMNET_DATA_DIR=$WORK/data

now_ms() { date +%s%3N; }

# launch FOLDER-ARGS...: start the app with a fresh HOME; sets PID and SHOWN_MS (launch -> window mapped).
launch() {
  local home t0
  home=$(mktemp -d -p "$WORK")
  t0=$(now_ms)
  HOME=$home XDG_CONFIG_HOME=$home/.config "$APP" "$@" >"$home/app.log" 2>&1 &
  PID=$!
  until xdotool search --onlyvisible --pid "$PID" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "measure_app.sh: the app exited:" >&2; cat "$home/app.log" >&2; exit 1; }
    [ $(( $(now_ms) - t0 )) -lt 30000 ] || { echo "measure_app.sh: no window after 30 s" >&2; exit 1; }
    sleep 0.01
  done
  SHOWN_MS=$(( $(now_ms) - t0 ))
  # CPU time (user + system, all threads) the process had used by then: on a busy machine the wall
  # time includes waiting for a core, the CPU time does not.
  SHOWN_CPU_MS=$(awk -v tck="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / tck)}' "/proc/$PID/stat")
}

stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }

launch "$SAMPLE"  # first run: builds the index (and warms the file cache); not timed
sleep 8
echo "first open (indexes the 300 sample photos): RSS $(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$PID/status") MB," \
     "peak $(awk '/^VmHWM/ {print int($2/1024)}' "/proc/$PID/status") MB"
stop

times=()
cpu=()
for _ in $(seq "$RUNS"); do
  launch "$SAMPLE"
  times+=("$SHOWN_MS")
  cpu+=("$SHOWN_CPU_MS")
  sleep 1
  stop
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
cpu_median=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
echo "launch -> window shown (ms, $RUNS warm runs): ${times[*]}; median $median"
echo "CPU time used by then (ms): ${cpu[*]}; median $cpu_median"
echo "load average during the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# Memory: the sample catalogue open, one query answered and its thumbnails on screen.
launch "$SAMPLE" --query "$PROBE"
WIN=$(xdotool search --onlyvisible --pid "$PID" | head -n 1)
xdotool windowsize "$WIN" 1366 768 windowmove "$WIN" 0 0  # a common laptop screen
sleep 6
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
threads=$(awk '/^Threads/ {print $2}' "/proc/$PID/status")
echo "re-open, sample catalogue indexed, one query with its thumbnails shown: RSS $((rss / 1024)) MB (peak $((hwm / 1024)) MB), $threads threads"
if [ -n "$SHOT" ]; then
  import -window root -crop 1366x768+0+0 +repage "$SHOT"
  echo "screenshot: $SHOT"
fi
stop
