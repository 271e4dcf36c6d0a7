//! File system helpers: bounded, non-blocking reads of regular files, the
//! permission check on files that hold private keys, and (in `lock` and
//! `replace`) the directory lock and atomic replace every writer uses.

mod lock;
mod replace;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use lock::{lock_dirs, DirLock};
pub use replace::{atomic_write, Durable, StagedFile, TEMP_PREFIX};
pub(crate) use replace::{
    final_mode, install, remove_stale_temps, sync_dir, temp_name, write_target, write_temp,
};

/// Mode for files that hold private keys.
pub const PRIVATE_MODE: u32 = 0o600;
/// Mode for new committed files (env files, envsafe.toml).
pub const PUBLIC_MODE: u32 = 0o644;

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The largest file envsafe reads (env files, keys files, envsafe.toml):
/// a bigger one is refused, so a symlink to something huge cannot eat the
/// memory of every teammate's `run`.
pub const MAX_FILE: u64 = 64 << 20;

/// A regular file, open, and its metadata (read once, on the open file).
pub(crate) struct Regular {
    pub file: File,
    pub meta: fs::Metadata,
}

/// `Ok(None)` for a file that is not there; other I/O errors carry `path`.
pub(crate) fn found<T>(result: std::io::Result<T>, path: &Path) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Opens `path` for reading without blocking (a FIFO would otherwise hang
/// the command) and checks, on the open file, that it is a regular file of
/// sane size. `None` when it does not exist.
pub(crate) fn open_regular(path: &Path) -> Result<Option<Regular>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let nonblock = rustix::fs::OFlags::NONBLOCK.bits() as i32;
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(nonblock)
        .open(path);
    let Some(file) = found(opened, path)? else {
        return Ok(None);
    };
    let meta = file.metadata().map_err(io_err(path))?;
    let ft = meta.file_type();
    let what = if ft.is_file() {
        None
    } else if ft.is_dir() {
        Some("a directory")
    } else if ft.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if ft.is_socket() {
        Some("a socket")
    } else {
        Some("a device")
    };
    if let Some(what) = what {
        return Err(Error::NotRegularFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.len() > MAX_FILE {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE,
        });
    }
    // Back to blocking reads: it is a regular file.
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty()).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    Ok(Some(Regular { file, meta }))
}

/// Reads an open file of at most `limit` bytes into one allocation of its
/// size; what was read is wiped on an error.
pub(crate) fn read_limited(path: &Path, regular: Regular, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let Regular { mut file, meta } = regular;
    let size = meta.len().min(limit) as usize;
    let mut bytes = Vec::with_capacity(size + 1);
    let read = (&mut file).take(limit + 1).read_to_end(&mut bytes);
    let error = match read {
        Err(source) => Some(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
        Ok(_) if bytes.len() as u64 > limit => Some(Error::FileTooLarge {
            path: path.to_path_buf(),
            limit,
        }),
        Ok(_) => None,
    };
    match error {
        Some(e) => {
            zeroize::Zeroize::zeroize(&mut bytes);
            Err(e)
        }
        None => Ok(bytes),
    }
}

/// Reads an open regular file as UTF-8; invalid UTF-8 is an error naming
/// the line and column (and nothing of the content).
fn read_utf8(path: &Path, file: Regular) -> Result<String> {
    String::from_utf8(read_limited(path, file, MAX_FILE)?).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        let bytes = zeroize::Zeroizing::new(e.into_bytes());
        let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
        let (line, col) = crate::span::line_col(valid, valid.len());
        Error::NotUtf8 {
            at: crate::error::Location {
                path: path.to_path_buf(),
                line,
                col,
            },
        }
    })
}

/// [`open_regular`], where a missing file is an error.
fn open_existing(path: &Path) -> Result<Regular> {
    open_regular(path)?.ok_or_else(|| Error::Io {
        path: path.to_path_buf(),
        source: std::io::ErrorKind::NotFound.into(),
    })
}

/// Reads a regular file of at most `limit` bytes, as bytes wiped when
/// dropped (a `from_file` value).
pub fn read_bytes(path: &Path, limit: u64) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    read_limited(path, open_existing(path)?, limit).map(zeroize::Zeroizing::new)
}

/// Reads a text file (regular, UTF-8, at most [`MAX_FILE`]); the error
/// names the path.
pub fn read_to_string(path: &Path) -> Result<String> {
    read_utf8(path, open_existing(path)?)
}

/// Reads a text file if it exists (see [`read_to_string`]).
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    open_regular(path)?
        .map(|file| read_utf8(path, file))
        .transpose()
}

/// The directory that holds `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a keys file that group or others can read or write, as ssh does.
fn check_mode(path: &Path, meta: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::KeysFilePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Reads a file that holds private keys, if it exists: the mode is checked
/// on the open file, so what is read is what was checked.
pub fn read_private(path: &Path) -> Result<Option<crate::SecretValue>> {
    let Some(file) = open_regular(path)? else {
        return Ok(None);
    };
    check_mode(path, &file.meta)?;
    read_utf8(path, file).map(|t| Some(crate::SecretValue::new(t)))
}
