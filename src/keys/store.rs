//! Key stores: where a new private key is kept. The lookup side reads
//! [`super::Source`]s; a store is the writing side of the same places.
//! Today the keys file (with its `.gitignore` line); the OS keyring and the
//! team file (`.envsafe/<env>.age`) implement the same trait next.

use std::path::{Path, PathBuf};

use super::keys_file;
use crate::crypto::PrivateKey;
use crate::edit::Transaction;
use crate::error::Result;
use crate::fsutil::PRIVATE_MODE;

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

    /// The files the store writes: a transaction that stages a key names
    /// them in [`Transaction::begin`], so they are read under its locks.
    fn files(&self) -> Vec<PathBuf>;

    /// The same as `store`, as writes staged in `txn` (nothing is written
    /// until it commits): a write that spans files and keys (`rotate`,
    /// `import`) lands all or none.
    fn stage(&self, txn: &mut Transaction, env: &str, key: &PrivateKey) -> Result<Stored>;

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

    fn files(&self) -> Vec<PathBuf> {
        vec![self.path.clone(), self.gitignore_root.join(".gitignore")]
    }

    fn stage(&self, txn: &mut Transaction, env: &str, key: &PrivateKey) -> Result<Stored> {
        if let Some(text) = keys_file::with_key(&self.path, env, key)? {
            txn.stage(&self.path, text.expose().as_bytes(), Some(PRIVATE_MODE))?;
        }
        let mut added_gitignore = false;
        if let Some((text, added)) = keys_file::gitignore_with(&self.gitignore_root, &self.path)? {
            txn.stage(
                &self.gitignore_root.join(".gitignore"),
                text.as_bytes(),
                None,
            )?;
            added_gitignore = added;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_staged_in_a_transaction_lands_with_the_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeysFileStore {
            path: dir.path().join(".env.keys"),
            gitignore_root: dir.path().to_path_buf(),
        };
        let env_file = dir.path().join(".env");
        let mut paths = store.files();
        paths.push(env_file.clone());
        let key = PrivateKey::generate();
        let mut txn = Transaction::begin(dir.path(), &paths).unwrap();
        let stored = store.stage(&mut txn, "production", &key).unwrap();
        txn.stage(&env_file, b"A=1\n", None).unwrap();
        assert!(stored.added_gitignore);
        assert!(!store.path.exists(), "nothing is written before commit");
        txn.commit().unwrap();
        let keys = std::fs::read_to_string(&store.path).unwrap();
        assert!(keys.contains(&format!(
            "ENVSAFE_PRIVATE_KEY_PRODUCTION={}",
            key.encode().expose()
        )));
        let mode = std::fs::metadata(&store.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == ".env.keys"), "{ignore}");
        assert_eq!(std::fs::read_to_string(&env_file).unwrap(), "A=1\n");
        // Staging the same key again changes nothing.
        let mut txn = Transaction::begin(dir.path(), &store.files()).unwrap();
        let again = store.stage(&mut txn, "production", &key).unwrap();
        assert!(!again.added_gitignore && txn.is_empty());
    }
}
