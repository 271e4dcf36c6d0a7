//! Key stores: where a new private key is kept. The lookup side reads
//! [`super::Source`]s; a store is the writing side of the same places.
//! Today the keys file (with its `.gitignore` line); the OS keyring and the
//! team file (`.envsafe/<env>.age`) implement the same trait next.

use std::path::{Path, PathBuf};

use super::keys_file;
use crate::crypto::PrivateKey;
use crate::error::Result;

/// What storing a key did, for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Where the key now is (a path, or a keyring entry), for messages.
    pub place: String,
    /// A `.gitignore` line was added for the store.
    pub added_gitignore: bool,
}

/// A place private keys are written to.
pub trait KeyStore: std::fmt::Debug {
    /// Keeps `key` as environment `env`'s key. A different key already
    /// held for `env` is kept too (nothing that could still decrypt is
    /// lost).
    fn store(&self, env: &str, key: &PrivateKey) -> Result<Stored>;

    /// Whether writing `path` as an env file would overwrite this store.
    fn is_backed_by(&self, path: &Path) -> bool;
}

/// `.env.keys` (or `--keys-file`): `ENVSAFE_PRIVATE_KEY_<ENV>=…` lines,
/// mode 0600, listed in the `.gitignore` at `gitignore_root`.
#[derive(Debug, Clone)]
pub struct KeysFileStore {
    pub path: PathBuf,
    pub gitignore_root: PathBuf,
}

impl KeyStore for KeysFileStore {
    fn store(&self, env: &str, key: &PrivateKey) -> Result<Stored> {
        keys_file::store(&self.path, env, key)?;
        let added_gitignore = keys_file::ensure_gitignored(&self.gitignore_root, &self.path)?;
        Ok(Stored {
            place: self.path.display().to_string(),
            added_gitignore,
        })
    }

    fn is_backed_by(&self, path: &Path) -> bool {
        same_file(path, &self.path)
    }
}

/// Whether `a` and `b` name the same file, existing or not yet: both
/// resolved through symlinks (of the file, else of its directory).
fn same_file(a: &Path, b: &Path) -> bool {
    fn resolved(p: &Path) -> Option<std::path::PathBuf> {
        std::fs::canonicalize(p).ok().or_else(|| {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            Some(
                std::fs::canonicalize(dir.unwrap_or(Path::new(".")))
                    .ok()?
                    .join(p.file_name()?),
            )
        })
    }
    a == b || resolved(a).is_some_and(|r| Some(r) == resolved(b))
}
