//! The push ledger (DESIGN §7): per target, per name, a keyed hash of the
//! value last delivered and when, in `.envsafe/state/TARGET.json`
//! (git-ignored by the directory's own `.gitignore`). `diff` and
//! `push --check` tell changed, unchanged and never-pushed names from it
//! without reading remote values (Fly and GitHub are write-only).
//!
//! The hashes are HMACs under a key kept beside them
//! (`.envsafe/state/ledger.key`, 0600) and made on the first push: not the
//! environment key, so a `rotate` (new key, same values) changes nothing
//! here, and the ledger alone says nothing about short values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsutil::{self, io_err, PRIVATE_MODE};
use crate::SecretValue;

/// The directory of ledgers, under the project root.
pub const STATE_DIR: &str = ".envsafe/state";
const KEY_FILE: &str = "ledger.key";
/// Ledgers are small; a larger file is not one.
const MAX_LEDGER: u64 = 4 << 20;

/// What was delivered as one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pushed {
    /// The source variable it came from.
    pub source: String,
    /// `ledger_hash` of the value.
    pub hash: String,
    /// Seconds since the Unix epoch.
    pub at: u64,
}

/// One target's ledger file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    env: String,
    /// Where the values went (`Destination::describe`): a ledger of
    /// another app, repository or file says nothing about this one.
    #[serde(default)]
    destination: String,
    names: BTreeMap<String, Pushed>,
}

/// A target's ledger, read (empty when it was never pushed).
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    target: String,
    key: Option<Zeroizing<[u8; 32]>>,
    file: File,
    moved_from: Option<String>,
}

fn state_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR)
}

fn damaged(path: &Path, why: impl Into<String>) -> Error {
    Error::Ledger {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

fn read_key(path: &Path) -> Result<Option<Zeroizing<[u8; 32]>>> {
    use base64::Engine;
    let Some(text) = fsutil::read_private(path)? else {
        return Ok(None);
    };
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(text.expose().trim())
            .map_err(|_| damaged(path, "not a ledger key (base64 of 32 bytes)"))?,
    );
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| damaged(path, "not a ledger key (base64 of 32 bytes)"))?;
    Ok(Some(Zeroizing::new(key)))
}

impl Ledger {
    /// Reads `target`'s ledger under `root`, for `destination` (a ledger
    /// of another destination reads as empty: see [`Ledger::moved_from`]).
    pub fn read(root: &Path, target: &str, destination: &str) -> Result<Self> {
        let dir = state_dir(root);
        let path = dir.join(format!("{target}.json"));
        let key = read_key(&dir.join(KEY_FILE))?;
        let file = match fsutil::read_optional(&path)? {
            // Empty: a rename that a power cut caught before the data.
            None => File::default(),
            Some(text) if text.trim().is_empty() => File::default(),
            Some(text) if text.len() as u64 > MAX_LEDGER => {
                return Err(damaged(&path, "too large to be a ledger"))
            }
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| damaged(&path, format!("not a ledger: {e}")))?,
        };
        let mut ledger = Self {
            path,
            target: target.to_owned(),
            key,
            file,
            moved_from: None,
        };
        if !ledger.file.names.is_empty() && ledger.file.destination != destination {
            ledger.moved_from = Some(std::mem::take(&mut ledger.file.destination));
            ledger.file.names.clear();
        }
        Ok(ledger)
    }

    /// The destination of the last push when it was another one (then
    /// nothing counts as pushed here).
    pub fn moved_from(&self) -> Option<&str> {
        self.moved_from.as_deref()
    }

    /// The ledger's file (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The environment recorded with the last push, if any.
    pub fn env(&self) -> Option<&str> {
        (!self.file.env.is_empty()).then_some(self.file.env.as_str())
    }

    /// What was delivered, by name.
    pub fn names(&self) -> &BTreeMap<String, Pushed> {
        &self.file.names
    }

    /// Whether `value` is what was last delivered as `name` (`None`: never
    /// delivered, or no ledger key yet).
    pub fn same(&self, name: &str, value: &SecretValue) -> Option<bool> {
        let pushed = self.file.names.get(name)?;
        let key = self.key.as_ref()?;
        let hash = crate::crypto::LedgerHasher::new(key, &self.target).hash(name, value);
        Some(crate::crypto::constant_time_eq(
            hash.as_bytes(),
            pushed.hash.as_bytes(),
        ))
    }
}

/// A target's next ledger, made before its values are sent (hashing and
/// serializing overlap the platform CLI's run) and written once they were.
pub struct Next {
    /// The new ledger, in its temporary file (the directory locked).
    staged: fsutil::StagedFile,
}

impl Next {
    /// Records that exactly `sent` (name, source, value) is on `target`
    /// at `destination` now, and `kept` (names pushed before that could
    /// not be removed): the ledger replaced (the key is made on the first
    /// push).
    pub fn new(
        root: &Path,
        target: &str,
        env: &str,
        destination: &str,
        sent: &[(&str, &str, &SecretValue)],
        kept: &BTreeMap<String, Pushed>,
    ) -> Result<Self> {
        let dir = state_dir(root);
        ensure_dir(&dir)?;
        let key_path = dir.join(KEY_FILE);
        let key = match read_key(&key_path)? {
            Some(k) => k,
            None => {
                use base64::Engine;
                let key = crate::crypto::new_ledger_key();
                let text = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD.encode(&key[..]) + "\n",
                );
                fsutil::atomic_write(&key_path, text.as_bytes(), Some(PRIVATE_MODE))?;
                key
            }
        };
        let hasher = crate::crypto::LedgerHasher::new(&key, target);
        let at = now();
        let mut names = kept.clone();
        names.extend(sent.iter().map(|(name, source, value)| {
            let pushed = Pushed {
                source: (*source).to_owned(),
                hash: hasher.hash(name, value),
                at,
            };
            ((*name).to_owned(), pushed)
        }));
        let file = File {
            version: 1,
            env: env.to_owned(),
            destination: destination.to_owned(),
            names,
        };
        let mut text = serde_json::to_string_pretty(&file).expect("ledger serializes");
        text.push('\n');
        // Not fsync'ed: a ledger lost to a power cut only makes `diff` say
        // "push" again (the key is: losing it would do the same to every
        // target).
        let staged = fsutil::StagedFile::new(
            &dir.join(format!("{target}.json")),
            text.as_bytes(),
            Some(PRIVATE_MODE),
            fsutil::Durable::Renamed,
        )?;
        Ok(Self { staged })
    }

    /// Puts it in place (a rename).
    pub fn commit(self) -> Result<()> {
        self.staged.commit()
    }
}

/// Creates `.envsafe/state/` (0700) with a `.gitignore` of `*`, so nothing
/// in it is ever committed.
fn ensure_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    // A symlink committed as `.envsafe` or `.envsafe/state` would put the
    // ledger key, and a `.gitignore` of `*`, anywhere.
    for d in [fsutil::parent_dir(dir), dir.to_path_buf()] {
        if std::fs::symlink_metadata(&d).is_ok_and(|m| !m.is_dir()) {
            return Err(damaged(
                &d,
                "is not a directory (a symlink?): envsafe keeps its state in a real one",
            ));
        }
    }
    let ignore = dir.join(".gitignore");
    if std::fs::symlink_metadata(&ignore).is_ok() {
        // Made by someone else (or committed): the ledgers and their key
        // are for this user only.
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(dir) {
            if m.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(io_err(dir))?;
            }
        }
        return Ok(());
    }
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err(dir))?;
    }
    {
        fsutil::atomic_write(
            &ignore,
            b"# envsafe push ledgers: local state, never committed\n*\n",
            None,
        )?;
    }
    Ok(())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
