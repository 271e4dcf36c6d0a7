//! Atomic replacement of files (DESIGN §9): a 0600 temporary file beside
//! the target, fsync, rename over the target, its final mode, an fsync of
//! the directory. [`atomic_write`] does it for one file; `edit::Transaction`
//! runs the same steps for several, with a journal between them.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{io_err, parent_dir, DirLock, PRIVATE_MODE, PUBLIC_MODE};
use crate::error::{Error, Result};

/// Temporary files of [`atomic_write`] (and of a transaction) start with
/// this. One left behind by a killed writer is removed by the next writer
/// in that directory, under the lock (DESIGN §9), unless a pending journal
/// still needs it.
pub const TEMP_PREFIX: &str = ".envsafe-tmp-";

/// The file a write to `path` replaces: `path` itself, or the target of a
/// symlink (written through, never replaced by a regular file).
pub(crate) fn write_target(path: &Path) -> Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(path) {
            Ok(target) => Ok(target),
            Err(_) => Err(Error::DanglingSymlink {
                path: path.to_path_buf(),
            }),
        },
        _ => Ok(path.to_path_buf()),
    }
}

/// Removes temporary files a killed writer left in `dir`. The caller holds
/// the directory's lock, so no live writer owns one; a write into a
/// directory whose temporary files an interrupted transaction still needs
/// is refused instead (`edit::recover` finishes it first).
pub(crate) fn remove_stale_temps(dir: &Path) -> Result<()> {
    crate::edit::refuse_pending(dir)?;
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .as_encoded_bytes()
            .starts_with(TEMP_PREFIX.as_bytes())
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// A new temporary file name: the prefix, the process id, the time and a
/// counter. Unique among this process's names; the file is created with
/// `create_new`, so a clash with another file is an error, never a share.
pub(crate) fn temp_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{TEMP_PREFIX}{:x}-{nanos:x}-{n:x}", std::process::id())
}

/// The mode a write gives `target`: `mode` when forced, else the existing
/// file's, else [`PUBLIC_MODE`].
pub(crate) fn final_mode(target: &Path, mode: Option<u32>) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    mode.unwrap_or_else(|| {
        fs::metadata(target).map_or(PUBLIC_MODE, |m| m.permissions().mode() & 0o7777)
    })
}

/// Creates the temporary file `temp` (mode 0600; it must not exist),
/// writes `contents` and fsyncs it. Errors name `shown` (the file being
/// written), or the directory when the file cannot be created; on an error
/// the temporary file is removed.
pub(crate) fn write_temp(temp: &Path, contents: &[u8], shown: &Path) -> Result<File> {
    write_temp_with(temp, contents, shown, Durable::Synced)
}

/// Whether a replacement waits for the disk (fsync of the file and the
/// directory), or only for the rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durable {
    /// fsync'ed: what every user file gets (DESIGN §9).
    Synced,
    /// Not waited for: for local state that is rebuilt when lost (the push
    /// ledger). The old file is removed, then the new one renamed in (a
    /// rename over an existing file makes ext4 write the new data out
    /// first, ~0.35 ms): a reader sees the old file, none, or the new one,
    /// never a mix; after a power cut, possibly none or an empty one.
    Renamed,
}

fn write_temp_with(temp: &Path, contents: &[u8], shown: &Path, durable: Durable) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_MODE)
        .open(temp)
        .map_err(io_err(&parent_dir(temp)))?;
    let written = file.write_all(contents).and_then(|()| match durable {
        Durable::Synced => file.sync_all(),
        Durable::Renamed => Ok(()),
    });
    if let Err(source) = written {
        let _ = fs::remove_file(temp);
        return Err(Error::Io {
            path: shown.to_path_buf(),
            source,
        });
    }
    Ok(file)
}

/// Renames the temporary file `temp` (open as `file`) over `target`, then
/// gives it `mode`: until the rename it stays 0600.
pub(crate) fn install(
    file: &File,
    temp: &Path,
    target: &Path,
    mode: u32,
    shown: &Path,
) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::rename(temp, target).map_err(io_err(shown))?;
    if mode != PRIVATE_MODE {
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_err(shown))?;
    }
    Ok(())
}

/// Makes renames in `dir` durable; a failure is not worth an error.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Replaces `path` with `contents` atomically: a crash leaves either the old
/// or the new file, never a half-written one. Keeps the mode of an existing
/// file unless `mode` forces one. The temporary file is 0600 until it has
/// replaced the target; a symlink is written through to its target.
pub fn atomic_write(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    StagedFile::new(path, contents, mode, Durable::Synced)?.commit()
}

/// A replacement of one file, written to its temporary file and waiting
/// for [`commit`](Self::commit) (the rename), with the directory locked
/// until then. Dropped uncommitted, the temporary file is removed and the
/// target is untouched.
pub struct StagedFile {
    _locks: (DirLock, Option<DirLock>),
    file: File,
    temp: PathBuf,
    target: PathBuf,
    shown: PathBuf,
    mode: u32,
    durable: Durable,
    done: bool,
}

impl StagedFile {
    /// Locks `path`'s directory and writes `contents` to a temporary file
    /// beside it (beside a symlink's target: written through).
    pub fn new(path: &Path, contents: &[u8], mode: Option<u32>, durable: Durable) -> Result<Self> {
        let lock = DirLock::for_file(path)?;
        let target = write_target(path)?;
        // A symlink written through: its target's directory is locked too.
        let target_lock = if target != path {
            Some(DirLock::for_file(&target)?)
        } else {
            None
        };
        let dir = parent_dir(&target);
        remove_stale_temps(&dir)?;
        if target != path {
            remove_stale_temps(&parent_dir(path))?;
        }
        let mode = final_mode(&target, mode);
        let temp = dir.join(temp_name());
        let file = write_temp_with(&temp, contents, path, durable)?;
        Ok(Self {
            _locks: (lock, target_lock),
            file,
            temp,
            target,
            shown: path.to_path_buf(),
            mode,
            durable,
            done: false,
        })
    }

    /// Renames the temporary file over the target.
    pub fn commit(mut self) -> Result<()> {
        if self.durable == Durable::Renamed {
            let _ = fs::remove_file(&self.target);
        }
        install(&self.file, &self.temp, &self.target, self.mode, &self.shown)?;
        self.done = true;
        if self.durable == Durable::Synced {
            sync_dir(&parent_dir(&self.target));
        }
        Ok(())
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
