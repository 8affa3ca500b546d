#!/usr/bin/env bash
# Build the Go baseline benchmark with a given go binary and run one workload
# several times, one result line per run.
# Usage: run.sh GO_BINARY WORKLOAD [RUNS]   (RUNS defaults to 5)
set -eu

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
    echo "usage: $0 GO_BINARY WORKLOAD [RUNS]" >&2
    exit 2
fi
go_bin=$1
workload=$2
runs=${3:-5}
case $runs in
    '' | *[!0-9]*) runs=0 ;;
esac
if [ "$runs" -lt 1 ]; then
    echo "RUNS must be a positive integer" >&2
    exit 2
fi

# A go binary given by a relative path must still resolve after the cd below.
case $go_bin in
    */*) go_bin=$(cd "$(dirname "$go_bin")" && pwd)/$(basename "$go_bin") ;;
esac

src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# GOTOOLCHAIN=local keeps newer go binaries from fetching another toolchain;
# go1.19 ignores it. The module has no dependencies, so nothing is downloaded.
(cd "$src" && GOTOOLCHAIN=local "$go_bin" build -o "$tmp/offshoot-bench" .)

i=0
while [ "$i" -lt "$runs" ]; do
    "$tmp/offshoot-bench" "$workload"
    i=$((i + 1))
done
