//! The advisory directory lock writers take before they read the file they
//! will replace, and the ordered locking of several directories at once.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::{io_err, parent_dir};
use crate::error::Result;

/// Directories this process holds locks on; a nested lock of the same
/// directory (e.g. `set` creating a keys file beside the env file) is a no-op
/// rather than a self-deadlock.
static HELD: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// An exclusive advisory lock on a directory, held until dropped. Writers
/// take it before reading the file they will replace, so two concurrent
/// `set`s never lose each other's value.
pub struct DirLock {
    held: Option<(File, PathBuf)>,
}

impl DirLock {
    /// Locks the directory that holds `path` (blocking).
    pub fn for_file(path: &Path) -> Result<Self> {
        Self::for_dir(&parent_dir(path))
    }

    /// Locks the directory `dir` (blocking).
    pub fn for_dir(dir: &Path) -> Result<Self> {
        let key = fs::canonicalize(dir).map_err(io_err(dir))?;
        let mut held = HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.contains(&key) {
            return Ok(Self { held: None });
        }
        let file = File::open(dir).map_err(io_err(dir))?;
        file.lock().map_err(io_err(dir))?;
        held.push(key.clone());
        Ok(Self {
            held: Some((file, key)),
        })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some((_file, key)) = self.held.take() {
            let mut held = HELD
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            held.retain(|k| k != &key);
        }
    }
}

/// Locks every directory in `dirs` (canonical paths), each once, in one
/// order (sorted): two processes locking overlapping sets never wait on
/// each other in a cycle. Directories this process already holds are
/// no-ops, as with [`DirLock::for_dir`].
pub fn lock_dirs(dirs: impl IntoIterator<Item = PathBuf>) -> Result<Vec<DirLock>> {
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    dirs.sort();
    dirs.dedup();
    dirs.iter().map(|d| DirLock::for_dir(d)).collect()
}
