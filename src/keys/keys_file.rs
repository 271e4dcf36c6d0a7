//! `.env.keys`: a dotenv file of `ENVSAFE_PRIVATE_KEY_<ENV>=AGE-SECRET-KEY-1…`
//! lines, mode 0600, never committed.

use std::path::Path;

use crate::crypto::PrivateKey;
use crate::dotenv::Document;
use crate::env_vars::{self, ENVSAFE_PRIVATE_KEY};
use crate::error::Result;
use crate::fsutil::{self, DirLock, PRIVATE_MODE};
use crate::SecretValue;

/// The key texts a keys file holds for `env`, or why there are none.
/// A keys file readable by others is an error, not a skip.
pub(super) fn read_entries(
    path: &Path,
    env: &str,
) -> Result<Result<Vec<SecretValue>, &'static str>> {
    let Some(text) = fsutil::read_private(path)? else {
        return Ok(Err("no such file"));
    };
    let doc = Document::parse(path, text.expose().to_owned())?;
    let wanted = env_vars::private_key_var(env);
    let found: Vec<SecretValue> = [wanted.as_str(), ENVSAFE_PRIVATE_KEY]
        .iter()
        .filter_map(|name| doc.get(name))
        .map(|e| SecretValue::new(e.decode(&|_| None)))
        .collect();
    Ok(if found.is_empty() {
        Err("no entry for this environment")
    } else {
        Ok(found)
    })
}

/// Adds `key` for `env` to the keys file at `path` (created 0600). An
/// existing different key for the same environment is kept after the new
/// one (`new,old`), so nothing that could still decrypt is lost.
pub fn store(path: &Path, env: &str, key: &PrivateKey) -> Result<()> {
    let _lock = DirLock::for_file(path)?;
    let mut doc = match fsutil::read_private(path)? {
        Some(text) => Document::parse(path, text.expose().to_owned())?,
        None => {
            let mut d = Document::empty(path);
            d.prepend(
                "# envsafe private keys: NEVER commit this file.\n\
                 # Each line decrypts one environment; keep a copy in a password manager.\n",
            );
            d
        }
    };
    let name = env_vars::private_key_var(env);
    let new = key.encode();
    let value = match doc
        .get(&name)
        .map(|e| SecretValue::new(e.decode(&|_| None)))
    {
        Some(old) if !old.expose().is_empty() => {
            if old.expose().split(',').any(|k| k.trim() == new.expose()) {
                return Ok(());
            }
            SecretValue::new(format!("{},{}", new.expose(), old.expose()))
        }
        _ => new,
    };
    doc.set_raw(&name, value.expose());
    let rendered = SecretValue::new(doc.render());
    fsutil::atomic_write(path, rendered.expose().as_bytes(), Some(PRIVATE_MODE))
}

/// Makes sure the keys file at `keys_file` is git-ignored by the
/// `.gitignore` at `root`: `.env.keys` (any directory) for the usual name,
/// else the file's path from the root. A keys file outside the root is left
/// alone. Returns true when it added a line.
pub fn ensure_gitignored(root: &Path, keys_file: &Path) -> Result<bool> {
    let rel = if root.as_os_str().is_empty() {
        Some(keys_file)
    } else {
        keys_file.strip_prefix(root).ok()
    };
    let Some(rel) = rel.filter(|r| !r.is_absolute() && !r.starts_with("..")) else {
        return Ok(false);
    };
    let entry = if rel.file_name().is_some_and(|n| n == ".env.keys") {
        ".env.keys".to_string()
    } else {
        format!("/{}", rel.display())
    };
    let path = root.join(".gitignore");
    let _lock = DirLock::for_file(&path)?;
    let text = fsutil::read_optional(&path)?.unwrap_or_default();
    let covered = text.lines().map(str::trim).any(|l| {
        l == entry
            || l == entry.trim_start_matches('/')
            || (entry == ".env.keys"
                && matches!(
                    l,
                    "/.env.keys" | "**/.env.keys" | "*.keys" | ".env*" | ".env.*"
                ))
    });
    if covered {
        return Ok(false);
    }
    let mut out = text;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("# envsafe: local private keys, never committed\n");
    out.push_str(&entry);
    out.push('\n');
    fsutil::atomic_write(&path, out.as_bytes(), None)?;
    Ok(true)
}
