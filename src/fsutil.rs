//! File system helpers every writer uses: atomic replace (temp file in the
//! same directory, fsync, rename, fsync the directory), an advisory lock, and
//! the permission check on files that hold private keys.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Mode for files that hold private keys.
pub const PRIVATE_MODE: u32 = 0o600;
/// Mode for new committed files (env files, envsafe.toml).
pub const PUBLIC_MODE: u32 = 0o644;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a file to a string; the error names the path.
pub fn read_to_string(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(io_err(path))
}

/// Reads a file if it exists.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

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
        let dir = parent_dir(path);
        let key = fs::canonicalize(&dir).map_err(io_err(&dir))?;
        let mut held = HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.contains(&key) {
            return Ok(Self { held: None });
        }
        let file = File::open(&dir).map_err(io_err(&dir))?;
        file.lock().map_err(io_err(&dir))?;
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

/// Replaces `path` with `contents` atomically: a crash leaves either the old
/// or the new file, never a half-written one. Keeps the mode of an existing
/// file unless `mode` forces one.
pub fn atomic_write(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = parent_dir(path);
    let mode = match mode {
        Some(m) => m,
        None => match fs::metadata(path) {
            Ok(meta) => meta.permissions().mode() & 0o7777,
            Err(_) => PUBLIC_MODE,
        },
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".envsafe-tmp-")
        .tempfile_in(&dir)
        .map_err(io_err(&dir))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_err(path))?;
    tmp.write_all(contents).map_err(io_err(path))?;
    tmp.as_file().sync_all().map_err(io_err(path))?;
    tmp.persist(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    if let Ok(d) = File::open(&dir) {
        // Makes the rename durable; failure here is not worth an error.
        let _ = d.sync_all();
    }
    Ok(())
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
    use std::io::Read;
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    check_mode(path, &file.metadata().map_err(io_err(path))?)?;
    let mut text = String::new();
    let read = file.read_to_string(&mut text).map_err(io_err(path));
    let text = crate::SecretValue::new(text);
    read?;
    Ok(Some(text))
}
