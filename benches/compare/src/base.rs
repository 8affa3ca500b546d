//! The baseline: offshoot built from another git revision and run as a column of its own, so
//! that one comparison shows offshoot before and after a change, on the same machine in the same
//! minutes, interleaved with everything else.
//!
//! `OFFSHOOT_BASE=REV benches/compare.sh ...` resolves REV (a commit, branch or tag) to a commit
//! and checks it out, detached, in a git worktree at `target/compare/base-<shortrev>`. The
//! worktree is made once and kept: cargo builds the revision's bench targets in its own
//! `target/` there, so the next run with the same base rebuilds nothing. Of the bench targets
//! `runtime`, `chan` and `io`, those whose source the revision has are built; a workload of a
//! missing one is `n/a` for the base, with a note. The system is called `offshoot@<shortrev>`
//! and runs right after offshoot; its cells get ratios to Go like offshoot's, and every row gets
//! offshoot's ratio to it (`stats::Row::to_base`).
//!
//! Rejected: building the base in the main `target/` (cargo would rebuild offshoot's crate back
//! and forth on every run); checking the revision out in the main tree (it would touch the work
//! under test); a fresh clone (a worktree shares the objects and needs no network).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::systems::{self, Role, System, BENCHES};

/// The environment variable that names the base revision.
pub const VARIABLE: &str = "OFFSHOOT_BASE";

/// The base revision asked for in the environment, if any.
pub fn requested() -> Option<String> {
    parse(std::env::var(VARIABLE).ok().as_deref())
}

/// The revision in the variable's value: `None` when it is unset or blank.
fn parse(value: Option<&str>) -> Option<String> {
    let rev = value?.trim();
    (!rev.is_empty()).then(|| rev.to_string())
}

/// The column name of the base at commit `short`.
pub fn label(short: &str) -> String {
    format!("offshoot@{short}")
}

/// The worktree of the base at commit `short`, under target/compare (`out`).
fn worktree_dir(out: &Path, short: &str) -> PathBuf {
    out.join(format!("base-{short}"))
}

/// The bench targets of `BENCHES` that a checkout at `dir` has sources for.
fn present_benches(dir: &Path) -> Vec<&'static str> {
    BENCHES
        .into_iter()
        .filter(|b| dir.join(format!("benches/{b}.rs")).is_file())
        .collect()
}

/// Resolves `rev`, checks it out in its worktree and builds its bench targets.
pub fn build(root: &Path, out: &Path, rev: &str) -> Result<System, String> {
    let wrong = |e: String| format!("{VARIABLE}={rev}: {e}");
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| wrong("not a commit in this repository".into()))?;
    let short = git(root, &["rev-parse", "--short", &commit]).map_err(wrong)?;
    let dir = worktree_dir(out, &short);
    checkout(root, &dir, &commit).map_err(wrong)?;
    let benches = present_benches(&dir);
    if benches.is_empty() {
        return Err(wrong(format!(
            "the revision has none of the bench targets {}",
            BENCHES.join(", ")
        )));
    }
    for missing in BENCHES.iter().filter(|b| !benches.contains(b)) {
        eprintln!(
            "{}: no bench target `{missing}`, its workloads are n/a",
            label(&short)
        );
    }
    let binaries =
        systems::build_benches(&dir, &benches, Some(&dir.join("target"))).map_err(wrong)?;
    let subject = git(&dir, &["log", "-1", "--format=%s"]).unwrap_or_default();
    let version =
        format!("offshoot {short} (the base, {VARIABLE}={rev}): \u{201c}{subject}\u{201d}");
    Ok(System::offshoot(
        label(&short),
        Role::Base,
        version,
        binaries,
    ))
}

/// Makes `dir` a worktree of the repository at `root` with `commit` checked out, reusing it
/// when it already is one.
fn checkout(root: &Path, dir: &Path, commit: &str) -> Result<(), String> {
    if dir.join(".git").exists() {
        match git(dir, &["rev-parse", "HEAD"]) {
            Ok(head) if head == commit => return Ok(()),
            Ok(_) => {
                eprintln!("checking out {commit} in {}", dir.display());
                return git(dir, &["checkout", "--quiet", "--detach", commit]).map(drop);
            }
            // Not a worktree any more (its registration was pruned): made anew below.
            Err(_) => fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?,
        }
    }
    eprintln!("adding a git worktree for {commit} at {}", dir.display());
    // A worktree whose directory was deleted is still registered, and would block the add.
    git(root, &["worktree", "prune"])?;
    let path = dir.to_str().ok_or("the worktree's path is not UTF-8")?;
    git(
        root,
        &["worktree", "add", "--quiet", "--detach", path, commit],
    )
    .map(drop)
}

/// Runs git in `dir`; its first line of output, or what it said on failure.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git {}: {}", args.join(" "), said.trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable() {
        assert_eq!(parse(None), None);
        assert_eq!(parse(Some("")), None);
        assert_eq!(parse(Some("  ")), None);
        assert_eq!(parse(Some(" main ")), Some("main".into()));
        assert_eq!(parse(Some("HEAD~3")), Some("HEAD~3".into()));
    }

    #[test]
    fn names() {
        assert_eq!(label("b9c8e0e"), "offshoot@b9c8e0e");
        assert_eq!(
            worktree_dir(Path::new("target/compare"), "b9c8e0e"),
            Path::new("target/compare/base-b9c8e0e")
        );
    }

    #[test]
    fn only_the_bench_targets_a_revision_has() {
        let dir = std::env::temp_dir().join(format!("compare-base-test-{}", std::process::id()));
        fs::create_dir_all(dir.join("benches")).unwrap();
        fs::write(dir.join("benches/runtime.rs"), "").unwrap();
        fs::write(dir.join("benches/chan.rs"), "").unwrap();
        let present = present_benches(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(present, ["runtime", "chan"]);
    }
}
