//! `offshoot::fs`: every wrapper does what its std counterpart does, from coroutines (through the
//! blocking pool) and from plain threads (inline); failures come back as `io::Error`s of the right
//! kind; many coroutines can read files at once.
//!
//! Each test works in its own directory under the system's temp dir, removed when it ends.

mod common;

use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use offshoot::fs;

use common::{run_watched, watchdog, WATCHDOG_SECS};

/// A fresh directory, unique to this process and test, removed (with its contents) on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "offshoot-test-fs-{}-{test}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("cannot create the test's temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Names in `dir`, sorted, read with `offshoot::fs::read_dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Exercises every wrapper in `dir` (which must exist and be empty), checking each result, and
/// leaves `dir` empty. Used from coroutines and from plain threads alike.
fn round_trip(dir: &Path) {
    // Directories.
    let a = dir.join("a");
    fs::create_dir(&a).unwrap();
    fs::create_dir_all(a.join("b/c/d")).unwrap();
    fs::create_dir_all(a.join("b/c")).unwrap(); // already there: fine
    assert!(fs::metadata(a.join("b/c/d")).unwrap().is_dir());

    // Whole files.
    let f = a.join("f.txt");
    fs::write(&f, "hello, offshoot").unwrap();
    assert_eq!(fs::read(&f).unwrap(), b"hello, offshoot");
    assert_eq!(fs::read_to_string(&f).unwrap(), "hello, offshoot");
    let meta = fs::metadata(&f).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.len(), 15);
    fs::write(&f, b"short").unwrap(); // truncates
    assert_eq!(fs::read(&f).unwrap(), b"short");

    // Copy, rename, canonicalize.
    let g = a.join("g.txt");
    assert_eq!(fs::copy(&f, &g).unwrap(), 5);
    assert_eq!(fs::read_to_string(&g).unwrap(), "short");
    let h = a.join("h.txt");
    fs::rename(&g, &h).unwrap();
    assert_eq!(fs::metadata(&g).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(fs::read_to_string(&h).unwrap(), "short");
    assert_eq!(
        fs::canonicalize(a.join("b/c/../../f.txt")).unwrap(),
        std::fs::canonicalize(&f).unwrap()
    );

    // Directory listing, with entry types.
    assert_eq!(names(&a), ["b", "f.txt", "h.txt"]);
    for entry in fs::read_dir(&a).unwrap() {
        let entry = entry.unwrap();
        let is_dir = entry.file_type().unwrap().is_dir();
        assert_eq!(is_dir, entry.file_name() == "b", "{:?}", entry.path());
    }

    // An open file: create and write, then read, seek, read back.
    let bin = a.join("data.bin");
    let data: Vec<u8> = (0..10_240_u32).map(|i| (i % 251) as u8).collect();
    {
        let mut file = fs::File::create(&bin).unwrap();
        file.write_all(&data[..4096]).unwrap();
        let mut written = 4096;
        while written < data.len() {
            written += file.write(&data[written..]).unwrap();
        }
        file.flush().unwrap();
        file.sync_all().unwrap();
        assert_eq!(file.metadata().unwrap().len(), data.len() as u64);
    }
    {
        let mut file = fs::File::open(&bin).unwrap();
        let mut all = Vec::new();
        assert_eq!(file.read_to_end(&mut all).unwrap(), data.len());
        assert_eq!(all, data);
        assert_eq!(file.seek(SeekFrom::Start(100)).unwrap(), 100);
        let mut buf = [0_u8; 10];
        file.read_exact(&mut buf).unwrap();
        assert_eq!(buf, data[100..110]);
        assert_eq!(file.seek(SeekFrom::Current(-5)).unwrap(), 105);
        assert_eq!(file.seek(SeekFrom::End(-1)).unwrap(), data.len() as u64 - 1);
        // Through `&File` as well.
        let mut last = [0_u8; 4];
        assert_eq!((&file).read(&mut last).unwrap(), 1);
        assert_eq!(last[0], data[data.len() - 1]);
        assert_eq!((&file).read(&mut last).unwrap(), 0, "read past the end");
    }

    // open_with: read-write, set_len, try_clone sharing the offset, append.
    {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true);
        let mut file = fs::File::open_with(&bin, &options).unwrap();
        file.set_len(50).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 50);
        file.write_all(b"XY").unwrap();
        let mut clone = file.try_clone().unwrap();
        assert_eq!(
            clone.stream_position().unwrap(),
            2,
            "a clone shares the offset"
        );
        let mut rest = Vec::new();
        clone.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[2..50]);
        file.set_len(60).unwrap(); // extends with zeros
        file.sync_data().unwrap();
        let back = fs::read(&bin).unwrap();
        assert_eq!(&back[..2], b"XY");
        assert_eq!(back[2..50], data[2..50]);
        assert_eq!(back[50..], [0; 10]);
    }
    {
        let mut options = std::fs::OpenOptions::new();
        options.append(true);
        let mut file = fs::File::open_with(&f, &options).unwrap();
        file.write_all(b" and more").unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "short and more");
    }

    // Removal.
    fs::remove_file(&h).unwrap();
    assert_eq!(names(&a), ["b", "data.bin", "f.txt"]);
    fs::remove_dir(a.join("b/c/d")).unwrap();
    assert!(!a.join("b/c/d").exists());
    fs::remove_dir_all(&a).unwrap();
    assert_eq!(fs::metadata(&a).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(names(dir).is_empty());
}

#[test]
fn every_wrapper_round_trips_in_a_coroutine() {
    let dir = TempDir::new("coroutine");
    let path = dir.path().to_path_buf();
    run_watched("every_wrapper_round_trips_in_a_coroutine", move || {
        round_trip(&path)
    });
}

#[test]
fn every_wrapper_round_trips_on_a_plain_thread() {
    let dir = TempDir::new("thread");
    let path = dir.path().to_path_buf();
    watchdog(
        "every_wrapper_round_trips_on_a_plain_thread",
        WATCHDOG_SECS,
        move || {
            round_trip(&path);
        },
    );
}

/// Round trips in 16 coroutines at once, each in its own directory.
#[test]
fn round_trips_in_many_coroutines_at_once() {
    let dir = TempDir::new("many");
    let root = dir.path().to_path_buf();
    run_watched("round_trips_in_many_coroutines_at_once", move || {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let mine = root.join(format!("c{i}"));
                offshoot::go(move || {
                    fs::create_dir(&mine).unwrap();
                    round_trip(&mine);
                    fs::remove_dir(&mine).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(names(&root).is_empty());
    });
}

/// `err`'s kind is `kind`, and it matches std's error for the same operation, OS code included.
#[track_caller]
fn check_error<T: std::fmt::Debug, U: std::fmt::Debug>(
    ours: io::Result<T>,
    std: io::Result<U>,
    kind: ErrorKind,
) {
    let ours = ours.expect_err("the operation should have failed");
    let std = std.expect_err("std's operation should have failed");
    assert_eq!(ours.kind(), kind, "{ours}");
    assert_eq!(ours.kind(), std.kind());
    assert_eq!(ours.raw_os_error(), std.raw_os_error(), "{ours} vs {std}");
}

/// Failures of every kind a program is likely to test for, compared with std's.
fn check_errors(dir: &Path) {
    let missing = dir.join("missing");
    let file = dir.join("file.txt");
    std::fs::write(&file, "x").unwrap();
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("inside"), "y").unwrap();
    let latin1 = dir.join("latin1.txt");
    std::fs::write(&latin1, [0x63, 0x61, 0x66, 0xE9]).unwrap();

    use ErrorKind::*;
    check_error(fs::read(&missing), std::fs::read(&missing), NotFound);
    check_error(
        fs::read_to_string(&missing),
        std::fs::read_to_string(&missing),
        NotFound,
    );
    check_error(
        fs::metadata(&missing),
        std::fs::metadata(&missing),
        NotFound,
    );
    check_error(
        fs::File::open(&missing),
        std::fs::File::open(&missing),
        NotFound,
    );
    check_error(
        fs::read_dir(&missing),
        std::fs::read_dir(&missing),
        NotFound,
    );
    check_error(
        fs::remove_file(&missing),
        std::fs::remove_file(&missing),
        NotFound,
    );
    check_error(
        fs::remove_dir(&missing),
        std::fs::remove_dir(&missing),
        NotFound,
    );
    check_error(
        fs::remove_dir_all(&missing),
        std::fs::remove_dir_all(&missing),
        NotFound,
    );
    check_error(
        fs::rename(&missing, dir.join("to")),
        std::fs::rename(&missing, dir.join("to")),
        NotFound,
    );
    check_error(
        fs::copy(&missing, dir.join("to")),
        std::fs::copy(&missing, dir.join("to")),
        NotFound,
    );
    check_error(
        fs::canonicalize(&missing),
        std::fs::canonicalize(&missing),
        NotFound,
    );
    check_error(
        fs::write(missing.join("f"), "x"),
        std::fs::write(missing.join("f"), "x"),
        NotFound,
    );
    check_error(
        fs::create_dir(missing.join("child")),
        std::fs::create_dir(missing.join("child")),
        NotFound,
    );
    check_error(
        fs::create_dir(&sub),
        std::fs::create_dir(&sub),
        AlreadyExists,
    );
    let mut create_new = std::fs::OpenOptions::new();
    create_new.write(true).create_new(true);
    check_error(
        fs::File::open_with(&file, &create_new),
        create_new.open(&file),
        AlreadyExists,
    );
    check_error(
        fs::remove_dir(&sub),
        std::fs::remove_dir(&sub),
        DirectoryNotEmpty,
    );
    check_error(fs::read_dir(&file), std::fs::read_dir(&file), NotADirectory);
    check_error(fs::read(&sub), std::fs::read(&sub), IsADirectory);
    check_error(
        fs::read_to_string(&latin1),
        std::fs::read_to_string(&latin1),
        InvalidData,
    );

    // A file opened for reading refuses writes, with std's error.
    let mut ours = fs::File::open(&file).unwrap();
    let mut theirs = std::fs::File::open(&file).unwrap();
    let ours_err = ours.write_all(b"no").unwrap_err();
    let std_err = theirs.write_all(b"no").unwrap_err();
    assert_eq!(ours_err.kind(), std_err.kind());
    assert_eq!(ours_err.raw_os_error(), std_err.raw_os_error());
    // Nothing failed half-way: the files are as they were.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    assert!(!dir.join("to").exists());
}

#[test]
fn failures_are_io_errors_of_the_right_kind_in_a_coroutine() {
    let dir = TempDir::new("errors-coroutine");
    let path = dir.path().to_path_buf();
    run_watched(
        "failures_are_io_errors_of_the_right_kind_in_a_coroutine",
        move || {
            check_errors(&path);
        },
    );
}

#[test]
fn failures_are_io_errors_of_the_right_kind_on_a_plain_thread() {
    let dir = TempDir::new("errors-thread");
    let path = dir.path().to_path_buf();
    watchdog(
        "failures_are_io_errors_of_the_right_kind_on_a_plain_thread",
        WATCHDOG_SECS,
        move || check_errors(&path),
    );
}

/// 50 files written by 50 coroutines at once, then 2,000 reads by 2,000 coroutines at once,
/// through every way of reading a file; each read returns its own file's contents.
#[test]
fn two_thousand_concurrent_reads_of_fifty_files() {
    const FILES: usize = 50;
    const READS: usize = 2_000;
    fn contents(i: usize) -> String {
        format!("file {i}: {}\n", "ab".repeat(i)).repeat(i * 7 + 1)
    }
    let dir = TempDir::new("concurrent");
    let root = dir.path().to_path_buf();
    run_watched("two_thousand_concurrent_reads_of_fifty_files", move || {
        let path = move |i: usize| root.join(format!("{i:02}.txt"));
        let writers: Vec<_> = (0..FILES)
            .map(|i| {
                let p = path(i);
                offshoot::go(move || fs::write(p, contents(i)).unwrap())
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let readers: Vec<_> = (0..READS)
            .map(|r| {
                let i = r % FILES;
                let p = path(i);
                offshoot::go(move || {
                    let got = match r % 4 {
                        0 => String::from_utf8(fs::read(&p).unwrap()).unwrap(),
                        1 => fs::read_to_string(&p).unwrap(),
                        2 => {
                            let mut s = String::new();
                            fs::File::open(&p).unwrap().read_to_string(&mut s).unwrap();
                            s
                        }
                        _ => {
                            let len = fs::metadata(&p).unwrap().len() as usize;
                            let mut file = fs::File::open(&p).unwrap();
                            let mut buf = vec![0; len];
                            file.read_exact(&mut buf).unwrap();
                            String::from_utf8(buf).unwrap()
                        }
                    };
                    assert!(
                        got == contents(i),
                        "read {r} of file {i} got the wrong contents"
                    );
                    i
                })
            })
            .collect();
        let mut per_file = [0_usize; FILES];
        for (r, h) in readers.into_iter().enumerate() {
            let i = h.join().unwrap();
            assert_eq!(i, r % FILES);
            per_file[i] += 1;
        }
        assert!(per_file.iter().all(|&n| n == READS / FILES));
    });
}
