//! Blocking calls from coroutines: `offshoot::fs` and `offshoot::blocking`.
//!
//! Not a Go program. Go's runtime hands a goroutine's blocking system call to another thread by
//! itself; here that is explicit. [`offshoot::fs`] runs each file operation on the blocking pool,
//! and [`offshoot::blocking`] does the same for any closure (here a plain `std::fs::read`): the
//! calling coroutine parks, a pool thread makes the call, and the worker runs other coroutines
//! meanwhile.
//!
//! The program writes 200 small files to a fresh directory under the system's temporary
//! directory, then reads them all back at once from 200 coroutines (every tenth through an
//! explicit `offshoot::blocking(|| std::fs::read(..))`), each checking what it read. A further
//! coroutine ticks on a 1 ms [`Ticker`] the whole time: it keeps ticking while the writer and
//! the readers wait on the disk, even with a single worker (`OFFSHOOT_WORKERS=1`). Finally the
//! directory is removed. The run takes a few tens of milliseconds. Prints
//!
//! ```text
//! wrote 200 files
//! read 200 files, 20100 bytes, 20 of them through offshoot::blocking
//! ticks meanwhile: 23
//! ```
//!
//! where the last count varies from run to run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use offshoot::time::Ticker;
use offshoot::{chan, fs, go, select};

const FILES: usize = 200;

/// File `i` holds `i + 1` bytes, each `i % 256`: 20100 bytes in all.
fn contents(i: usize) -> Vec<u8> {
    vec![i as u8; i + 1]
}

/// Whether reader `i` calls `offshoot::blocking` itself rather than `offshoot::fs::read`.
fn explicit_blocking(i: usize) -> bool {
    i.is_multiple_of(10)
}

fn path(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("{i:03}.bin"))
}

/// Reads file `i`, checks it, and sends its length on `results`.
fn reader(dir: PathBuf, i: usize, results: offshoot::Sender<usize>) {
    let path = path(&dir, i);
    let bytes = if explicit_blocking(i) {
        offshoot::blocking(move || std::fs::read(path))
    } else {
        fs::read(path)
    }
    .unwrap();
    assert_eq!(bytes, contents(i), "file {i}");
    results.send(bytes.len()).unwrap();
}

/// Counts ticks until told to stop, then returns the count.
fn ticker(done: offshoot::Receiver<()>) -> usize {
    let ticker = Ticker::new(Duration::from_millis(1));
    let mut ticks = 0;
    loop {
        select! {
            recv(done) -> _ => {
                ticker.stop();
                return ticks;
            }
            recv(ticker.c) -> _ => ticks += 1,
        }
    }
}

fn main() {
    offshoot::run(|| {
        let dir = std::env::temp_dir().join(format!("offshoot-blocking-io-{}", std::process::id()));
        let (done_tx, done) = chan(0);
        let ticks = go!(ticker(done));

        fs::create_dir_all(&dir).unwrap();
        for i in 0..FILES {
            fs::write(path(&dir, i), contents(i)).unwrap();
        }
        println!("wrote {FILES} files");

        let (results_tx, results) = chan(FILES);
        for i in 0..FILES {
            go!(reader(dir.clone(), i, results_tx.clone()));
        }
        let total: usize = (0..FILES).map(|_| results.recv().unwrap()).sum();
        println!(
            "read {FILES} files, {total} bytes, {} of them through offshoot::blocking",
            (0..FILES).filter(|&i| explicit_blocking(i)).count()
        );

        done_tx.send(()).unwrap();
        println!("ticks meanwhile: {}", ticks.join().unwrap());

        fs::remove_dir_all(&dir).unwrap();
        assert!(fs::metadata(&dir).is_err(), "{dir:?} is gone");
    });
}
