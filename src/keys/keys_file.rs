//! Keys files: `.env.keys`, a dotenv file of
//! `ENVSAFE_PRIVATE_KEY_<ENV>=AGE-SECRET-KEY-1…` lines, mode 0600, never
//! committed; or an age identity file (`age-keygen` output: `#` comments
//! and `AGE-SECRET-KEY-1…` lines), whose keys are tried for every
//! environment. Parse errors in a keys file never show its lines.

use std::path::Path;

use crate::crypto::PrivateKey;
use crate::dotenv::Document;
use crate::env_vars::{self, ENVSAFE_PRIVATE_KEY};
use crate::error::Result;
use crate::fsutil::{self, DirLock, PRIVATE_MODE};
use crate::SecretValue;

const AGE_SECRET_PREFIX: &str = "AGE-SECRET-KEY-1";

/// Whether `text` is an age identity file: every line blank, a `#`
/// comment, or an `AGE-SECRET-KEY-1…` key, and at least one key.
fn is_identity_file(text: &str) -> bool {
    let mut keys = 0;
    for line in text.lines().map(str::trim) {
        if line.starts_with(AGE_SECRET_PREFIX) {
            keys += 1;
        } else if !(line.is_empty() || line.starts_with('#')) {
            return false;
        }
    }
    keys > 0
}

/// What a keys file holds for one environment: keys named for it
/// (`ENVSAFE_PRIVATE_KEY_<ENV>`), and keys named for none (its
/// `ENVSAFE_PRIVATE_KEY`, or every key of an age identity file).
#[derive(Default)]
pub(super) struct Held {
    pub named: Vec<SecretValue>,
    pub generic: Vec<SecretValue>,
}

/// Reads the keys file at `path` for `env`; `None` when there is no such
/// file. A keys file readable by others is an error, not a skip.
pub(super) fn read_held(path: &Path, env: &str) -> Result<Option<Held>> {
    let Some(text) = fsutil::read_private(path)? else {
        return Ok(None);
    };
    if is_identity_file(text.expose()) {
        let generic = text
            .expose()
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(AGE_SECRET_PREFIX))
            .map(SecretValue::from)
            .collect();
        return Ok(Some(Held {
            named: Vec::new(),
            generic,
        }));
    }
    let doc = Document::parse_keys(path, text.expose().to_owned())?;
    let value = |name: &str| doc.get(name).map(|e| SecretValue::new(e.literal()));
    Ok(Some(Held {
        named: value(&env_vars::private_key_var(env)).into_iter().collect(),
        generic: value(ENVSAFE_PRIVATE_KEY).into_iter().collect(),
    }))
}

/// The key texts a keys file holds for `env` (named first), or why there
/// are none.
pub(super) fn read_entries(
    path: &Path,
    env: &str,
) -> Result<Result<Vec<SecretValue>, &'static str>> {
    let Some(Held { mut named, generic }) = read_held(path, env)? else {
        return Ok(Err("no such file"));
    };
    named.extend(generic);
    Ok(if named.is_empty() {
        Err("no entry for this environment")
    } else {
        Ok(named)
    })
}

/// Adds `key` for `env` to the keys file at `path` (created 0600). An
/// existing different key for the same environment is kept after the new
/// one (`new,old`), so nothing that could still decrypt is lost. An age
/// identity file gets the key as one more line.
pub fn store(path: &Path, env: &str, key: &PrivateKey) -> Result<()> {
    let _lock = DirLock::for_file(path)?;
    match with_key(path, env, key)? {
        Some(text) => fsutil::atomic_write(path, text.expose().as_bytes(), Some(PRIVATE_MODE)),
        None => Ok(()),
    }
}

/// The keys file at `path` with `key` added for `env` (see [`store`]);
/// `None` when it holds the key already. The caller holds the lock.
pub fn with_key(path: &Path, env: &str, key: &PrivateKey) -> Result<Option<SecretValue>> {
    let existing = fsutil::read_private(path)?;
    let new = key.encode();
    if let Some(text) = existing.as_ref().filter(|t| is_identity_file(t.expose())) {
        if text.expose().lines().any(|l| l.trim() == new.expose()) {
            return Ok(None);
        }
        let body = text.expose();
        let sep = if body.ends_with('\n') { "" } else { "\n" };
        return Ok(Some(SecretValue::new(format!(
            "{body}{sep}# public key: {} (envsafe: {env})\n{}\n",
            key.public(),
            new.expose()
        ))));
    }
    let mut doc = match existing {
        Some(text) => Document::parse_keys(path, text.expose().to_owned())?,
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
    let old = doc.get(&name).map(|e| SecretValue::new(e.literal()));
    let value = match old {
        Some(old) if !old.expose().is_empty() => {
            if old.expose().split(',').any(|k| k.trim() == new.expose()) {
                return Ok(None);
            }
            SecretValue::new(format!("{},{}", new.expose(), old.expose()))
        }
        _ => new,
    };
    doc.set_raw(&name, value.expose());
    Ok(Some(SecretValue::new(doc.render())))
}

/// The lines `.gitignore` needs for envsafe besides the keys file: the
/// temporary files a killed writer may leave, and the journal of a
/// transaction a kill interrupted (paths only, finished by the next
/// command).
const TEMP_ENTRIES: [&str; 2] = [".envsafe-tmp-*", crate::edit::JOURNAL_NAME];

/// Makes sure the keys file at `keys_file` is git-ignored by the
/// `.gitignore` at `root`: `.env.keys` (any directory) for the usual name,
/// else the file's path from the root; and envsafe's temporary files and
/// journal. A keys file outside the root is left alone. Returns true when
/// it added the keys file's line.
pub fn ensure_gitignored(root: &Path, keys_file: &Path) -> Result<bool> {
    let path = root.join(".gitignore");
    let _lock = DirLock::for_file(&path)?;
    let Some((text, added_keys)) = gitignore_with(root, keys_file)? else {
        return Ok(false);
    };
    fsutil::atomic_write(&path, text.as_bytes(), None)?;
    Ok(added_keys)
}

/// The `.gitignore` at `root` with the lines [`ensure_gitignored`] adds,
/// and whether the keys file's line is among them; `None` when nothing is
/// missing. The caller holds the lock.
pub fn gitignore_with(root: &Path, keys_file: &Path) -> Result<Option<(String, bool)>> {
    let rel = if root.as_os_str().is_empty() {
        Some(keys_file)
    } else {
        keys_file.strip_prefix(root).ok()
    };
    let keys_entry = rel
        .filter(|r| !r.is_absolute() && !r.starts_with(".."))
        .map(|rel| {
            if rel.file_name().is_some_and(|n| n == ".env.keys") {
                ".env.keys".to_string()
            } else {
                format!("/{}", rel.display())
            }
        });
    let path = root.join(".gitignore");
    let text = fsutil::read_optional(&path)?.unwrap_or_default();
    let has = |entry: &str| {
        text.lines().map(str::trim).any(|l| {
            l == entry
                || l == entry.trim_start_matches('/')
                || (entry == ".env.keys"
                    && matches!(
                        l,
                        "/.env.keys" | "**/.env.keys" | "*.keys" | ".env*" | ".env.*"
                    ))
        })
    };
    let mut missing: Vec<&str> = Vec::new();
    if let Some(entry) = keys_entry.as_deref().filter(|e| !has(e)) {
        missing.push(entry);
    }
    let added_keys = !missing.is_empty();
    missing.extend(TEMP_ENTRIES.into_iter().filter(|e| !has(e)));
    if missing.is_empty() {
        return Ok(None);
    }
    let mut out = text;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("# envsafe: local private keys and temporary files, never committed\n");
    for entry in missing {
        out.push_str(entry);
        out.push('\n');
    }
    Ok(Some((out, added_keys)))
}

/// The keys file at `path` without `key` (removed from `env`'s list, or
/// its line of an age identity file); `None` when the file does not hold
/// it for `env`. The caller holds the lock.
pub fn without_key(path: &Path, env: &str, key: &PrivateKey) -> Result<Option<SecretValue>> {
    let Some(text) = fsutil::read_private(path)? else {
        return Ok(None);
    };
    let gone = key.encode();
    if is_identity_file(text.expose()) {
        if !text.expose().lines().any(|l| l.trim() == gone.expose()) {
            return Ok(None);
        }
        let kept: String = text
            .expose()
            .split_inclusive('\n')
            .filter(|l| l.trim() != gone.expose())
            .collect();
        return Ok(Some(SecretValue::new(kept)));
    }
    let mut doc = Document::parse_keys(path, text.expose().to_owned())?;
    // Named for the environment, else in the generic list.
    let named = env_vars::private_key_var(env);
    let holds = |doc: &Document, name: &str| {
        doc.get(name)
            .is_some_and(|e| e.literal().split(',').any(|k| k.trim() == gone.expose()))
    };
    let name = if holds(&doc, &named) {
        named
    } else if holds(&doc, ENVSAFE_PRIVATE_KEY) {
        ENVSAFE_PRIVATE_KEY.to_owned()
    } else {
        return Ok(None);
    };
    let Some(list) = doc.get(&name).map(|e| SecretValue::new(e.literal())) else {
        return Ok(None);
    };
    let rest: Vec<&str> = list
        .expose()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if !rest.contains(&gone.expose()) {
        return Ok(None);
    }
    let rest: Vec<&str> = rest.into_iter().filter(|k| *k != gone.expose()).collect();
    if rest.is_empty() {
        doc.remove(&name);
    } else {
        let joined = SecretValue::new(rest.join(","));
        doc.set_raw(&name, joined.expose());
    }
    Ok(Some(SecretValue::new(doc.render())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_files_are_recognised() {
        assert!(is_identity_file(
            "# created: now\n# public key: age1x\nAGE-SECRET-KEY-1ABC\n"
        ));
        assert!(!is_identity_file(
            "ENVSAFE_PRIVATE_KEY=AGE-SECRET-KEY-1ABC\n"
        ));
        assert!(!is_identity_file("# only comments\n"));
    }
}
