//! Files, through the blocking pool: the file operations Go programs use most, with std's shapes.
//!
//! Disk I/O has no readiness to wait for (a regular file is always "ready", and then blocks in the
//! kernel), so each call here runs its std counterpart through [`blocking`]: the coroutine parks, a
//! pool thread does the I/O, and the coroutine resumes on its processor. From a plain thread they
//! are std's calls. Whole-file helpers ([`read`], [`write`](fn@write), ...) make one trip to the
//! pool for the whole job; a [`File`]'s `read` and `write` make one trip per call, copying the
//! caller's buffer (it cannot be lent to another thread), so read large chunks or use a
//! `BufReader`.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("offshoot-fs-doc-{}", std::process::id()));
//! offshoot::run(move || {
//!     offshoot::fs::create_dir_all(&dir).unwrap();
//!     let path = dir.join("hello.txt");
//!     offshoot::fs::write(&path, "hello, world").unwrap();
//!     assert_eq!(offshoot::fs::read_to_string(&path).unwrap(), "hello, world");
//!     offshoot::fs::remove_dir_all(&dir).unwrap();
//! });
//! ```

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::loom::sync::Arc;
use crate::runtime::blocking::blocking;

pub use std::fs::{DirEntry, FileType, Metadata, Permissions};

/// Runs `op` on the blocking pool with an owned copy of `path`.
fn with_path<R: Send + 'static>(
    path: &Path,
    op: impl FnOnce(&Path) -> io::Result<R> + Send + 'static,
) -> io::Result<R> {
    let path = path.to_path_buf();
    blocking(move || op(&path))
}

/// Reads a whole file: std's `fs::read`, Go's `os.ReadFile`.
pub fn read<P: AsRef<Path>>(path: P) -> io::Result<Vec<u8>> {
    with_path(path.as_ref(), |p| fs::read(p))
}

/// Reads a whole file as UTF-8: std's `fs::read_to_string`.
pub fn read_to_string<P: AsRef<Path>>(path: P) -> io::Result<String> {
    with_path(path.as_ref(), |p| fs::read_to_string(p))
}

/// Writes a whole file, creating or truncating it: std's `fs::write`, Go's `os.WriteFile`.
pub fn write<P: AsRef<Path>, C: AsRef<[u8]>>(path: P, contents: C) -> io::Result<()> {
    let contents = contents.as_ref().to_vec();
    with_path(path.as_ref(), move |p| fs::write(p, contents))
}

/// The entries of a directory, read in full on the pool: std's `fs::read_dir`, Go's
/// `os.ReadDir`. Iterating does no I/O.
pub fn read_dir<P: AsRef<Path>>(path: P) -> io::Result<ReadDir> {
    let entries = with_path(path.as_ref(), |p| Ok(fs::read_dir(p)?.collect::<Vec<_>>()))?;
    Ok(ReadDir {
        entries: entries.into_iter(),
    })
}

/// A directory's entries, as [`read_dir`] returns them.
#[derive(Debug)]
pub struct ReadDir {
    entries: std::vec::IntoIter<io::Result<DirEntry>>,
}

impl Iterator for ReadDir {
    type Item = io::Result<DirEntry>;

    fn next(&mut self) -> Option<io::Result<DirEntry>> {
        self.entries.next()
    }
}

/// A file's metadata, following symlinks: std's `fs::metadata`, Go's `os.Stat`.
pub fn metadata<P: AsRef<Path>>(path: P) -> io::Result<Metadata> {
    with_path(path.as_ref(), |p| fs::metadata(p))
}

/// Creates a directory: std's `fs::create_dir`, Go's `os.Mkdir`.
pub fn create_dir<P: AsRef<Path>>(path: P) -> io::Result<()> {
    with_path(path.as_ref(), |p| fs::create_dir(p))
}

/// Creates a directory and its missing parents: std's `fs::create_dir_all`, Go's `os.MkdirAll`.
pub fn create_dir_all<P: AsRef<Path>>(path: P) -> io::Result<()> {
    with_path(path.as_ref(), |p| fs::create_dir_all(p))
}

/// Removes a file: std's `fs::remove_file`, Go's `os.Remove`.
pub fn remove_file<P: AsRef<Path>>(path: P) -> io::Result<()> {
    with_path(path.as_ref(), |p| fs::remove_file(p))
}

/// Removes an empty directory: std's `fs::remove_dir`.
pub fn remove_dir<P: AsRef<Path>>(path: P) -> io::Result<()> {
    with_path(path.as_ref(), |p| fs::remove_dir(p))
}

/// Removes a directory and everything in it: std's `fs::remove_dir_all`, Go's `os.RemoveAll`.
pub fn remove_dir_all<P: AsRef<Path>>(path: P) -> io::Result<()> {
    with_path(path.as_ref(), |p| fs::remove_dir_all(p))
}

/// Renames a file or directory: std's `fs::rename`, Go's `os.Rename`.
pub fn rename<P: AsRef<Path>, Q: AsRef<Path>>(from: P, to: Q) -> io::Result<()> {
    let to = to.as_ref().to_path_buf();
    with_path(from.as_ref(), move |from| fs::rename(from, to))
}

/// Copies a file's contents and permissions: std's `fs::copy`. Returns the bytes copied.
pub fn copy<P: AsRef<Path>, Q: AsRef<Path>>(from: P, to: Q) -> io::Result<u64> {
    let to = to.as_ref().to_path_buf();
    with_path(from.as_ref(), move |from| fs::copy(from, to))
}

/// The absolute path with symlinks resolved: std's `fs::canonicalize`.
pub fn canonicalize<P: AsRef<Path>>(path: P) -> io::Result<PathBuf> {
    with_path(path.as_ref(), |p| fs::canonicalize(p))
}

/// An open file: std's `File`, each operation run on the blocking pool.
#[derive(Debug)]
pub struct File {
    /// Shared with the pool thread running the current call.
    inner: Arc<fs::File>,
}

impl File {
    /// Opens a file for reading: std's `File::open`, Go's `os.Open`.
    pub fn open<P: AsRef<Path>>(path: P) -> io::Result<File> {
        with_path(path.as_ref(), |p| fs::File::open(p)).map(File::from_std)
    }

    /// Creates or truncates a file for writing: std's `File::create`, Go's `os.Create`.
    pub fn create<P: AsRef<Path>>(path: P) -> io::Result<File> {
        with_path(path.as_ref(), |p| fs::File::create(p)).map(File::from_std)
    }

    /// Opens a file with `options` (std's `OpenOptions`, built as usual), Go's `os.OpenFile`.
    pub fn open_with<P: AsRef<Path>>(path: P, options: &fs::OpenOptions) -> io::Result<File> {
        let options = options.clone();
        with_path(path.as_ref(), move |p| options.open(p)).map(File::from_std)
    }

    /// A second handle to the same open file, as std's `try_clone`.
    pub fn try_clone(&self) -> io::Result<File> {
        self.call(|f| f.try_clone()).map(File::from_std)
    }

    /// Wraps a std file.
    pub fn from_std(file: fs::File) -> File {
        File {
            inner: Arc::new(file),
        }
    }

    /// The file's metadata: std's `File::metadata`, Go's `f.Stat`.
    pub fn metadata(&self) -> io::Result<Metadata> {
        self.call(|f| f.metadata())
    }

    /// Truncates or extends the file to `size` bytes.
    pub fn set_len(&self, size: u64) -> io::Result<()> {
        self.call(move |f| f.set_len(size))
    }

    /// Flushes data and metadata to the device: std's `sync_all`, Go's `f.Sync`.
    pub fn sync_all(&self) -> io::Result<()> {
        self.call(|f| f.sync_all())
    }

    /// Flushes data to the device.
    pub fn sync_data(&self) -> io::Result<()> {
        self.call(|f| f.sync_data())
    }

    /// Runs `op` on the pool with a shared handle to the file.
    fn call<R: Send + 'static>(
        &self,
        op: impl FnOnce(&fs::File) -> io::Result<R> + Send + 'static,
    ) -> io::Result<R> {
        let file = self.inner.clone();
        blocking(move || op(&file))
    }
}

impl Read for &File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len();
        let data = self.call(move |mut f| {
            let mut data = vec![0; len];
            let n = f.read(&mut data)?;
            data.truncate(n);
            Ok(data)
        })?;
        buf[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }

    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let data = self.call(|mut f| {
            let mut data = Vec::new();
            f.read_to_end(&mut data)?;
            Ok(data)
        })?;
        buf.extend_from_slice(&data);
        Ok(data.len())
    }
}

impl Write for &File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let data = buf.to_vec();
        self.call(move |mut f| f.write(&data))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let data = buf.to_vec();
        self.call(move |mut f| f.write_all(&data))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for &File {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.call(move |mut f| f.seek(pos))
    }
}

impl Read for File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        (&*self).read_to_end(buf)
    }
}

impl Write for File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        (&*self).write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for File {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        (&*self).seek(pos)
    }
}
