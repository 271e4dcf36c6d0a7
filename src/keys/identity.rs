//! The user's own identities, which unlock team key files (lookup step 4,
//! DESIGN §3), in order: `ENVSAFE_IDENTITY` (a path, or the identity
//! itself), `~/.config/envsafe/identity.txt` or the keyring entry of
//! `identity new --keyring`, `~/.ssh/id_ed25519`, `~/.ssh/id_rsa`; plugin
//! identities (`AGE-PLUGIN-…`) inside any of those. One that cannot be used
//! is skipped and named, never fatal. Also `identity new` and `show`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::keyring;
use crate::crypto::{Identities, PrivateKey, Prompt, PublicKey};
use crate::env_vars::{ENVSAFE_IDENTITY, HOME};
use crate::error::{Error, Result};
use crate::fsutil::{self, PRIVATE_MODE};
use crate::SecretValue;

/// The prompt a command passes down for passphrases (a terminal, in the CLI).
#[derive(Clone)]
pub struct Prompter(pub Arc<dyn Prompt>);

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prompter")
    }
}

/// `~/.config/envsafe/identity.txt`.
pub fn personal_file() -> Option<PathBuf> {
    home().map(|h| h.join(".config/envsafe/identity.txt"))
}

fn home() -> Option<PathBuf> {
    std::env::var_os(HOME)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// One place an identity may be, read.
struct Found {
    source: String,
    text: SecretValue,
    /// The `.pub` line of an ssh key, if beside it.
    ssh_public: Option<String>,
}

/// Whether `value` is identity text rather than a path. Anything that
/// mentions private key material counts as text (`ENVSAFE_PRIVATE_KEY_X=
/// AGE-…`, a quoted or lower-case key): it is then parsed, never shown as a
/// path in an error.
fn is_identity_text(value: &str) -> bool {
    let v = value.trim_start();
    v.starts_with("AGE-")
        || v.starts_with("-----BEGIN")
        || v.starts_with('#')
        || v.contains('\n')
        || crate::crypto::mentions_private_key(v.as_bytes())
}

/// Reads every identity source in order; `missing` collects the places
/// that do not exist or could not be read, with why.
fn sources(missing: &mut Vec<String>) -> Vec<Found> {
    let mut found = Vec::new();
    let file = |path: &Path, source: String, found: &mut Vec<Found>, missing: &mut Vec<String>| {
        match fsutil::read_private(path) {
            Ok(Some(text)) => {
                let pub_path = PathBuf::from(format!("{}.pub", path.display()));
                let ssh_public = fsutil::read_optional(&pub_path).ok().flatten();
                found.push(Found {
                    source,
                    text,
                    ssh_public,
                });
            }
            Ok(None) => missing.push(format!("{source} (not found)")),
            Err(e) => missing.push(format!("{source} ({e})")),
        }
    };
    match std::env::var(ENVSAFE_IDENTITY) {
        Ok(v) if is_identity_text(&v) => found.push(Found {
            source: ENVSAFE_IDENTITY.into(),
            text: SecretValue::new(v),
            ssh_public: None,
        }),
        Ok(v) if !v.is_empty() => {
            // Never the value: it may be key text envsafe did not recognise.
            let source = format!("{ENVSAFE_IDENTITY} (as a path)");
            file(Path::new(&v), source, &mut found, missing);
        }
        _ => missing.push(format!("{ENVSAFE_IDENTITY} (not set)")),
    }
    if let Some(path) = personal_file() {
        file(&path, path.display().to_string(), &mut found, missing);
    }
    let account = keyring::identity_account();
    match keyring::get(&account) {
        Ok(Some(text)) => found.push(Found {
            source: keyring::place(&account),
            text,
            ssh_public: None,
        }),
        Ok(None) => {}
        Err(why) => missing.push(format!("the OS keyring ({why})")),
    }
    if let Some(home) = home() {
        for name in ["id_ed25519", "id_rsa"] {
            let path = home.join(".ssh").join(name);
            if path.exists() {
                file(&path, path.display().to_string(), &mut found, missing);
            } else {
                missing.push(format!("{} (not found)", path.display()));
            }
        }
    }
    found
}

/// The user's X25519 identities (`AGE-SECRET-KEY-1…` lines), read without
/// the age crate, for `envsafe`'s own reader of team files
/// (`crypto::age_x25519`); other identities (ssh, plugins) are for
/// `envsafe-team`.
pub fn native_keys() -> Vec<PrivateKey> {
    let mut missing = Vec::new();
    sources(&mut missing)
        .iter()
        .flat_map(|f| {
            f.text
                .expose()
                .lines()
                .filter_map(|l| PrivateKey::parse(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The user's identities, loaded for unwrapping; places that hold none are
/// listed in `skipped` too, so a failure names every place tried.
pub fn load(prompt: Option<&Prompter>) -> Identities {
    let mut missing = Vec::new();
    let found = sources(&mut missing);
    let mut ids = Identities::new(prompt.map(|p| p.0.clone()));
    for f in &found {
        ids.add(&f.source, &f.text, f.ssh_public.as_deref());
    }
    ids.skipped.extend(missing);
    ids
}

/// One identity as `identity show` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    /// Where it is (a path, the variable, the keyring entry).
    pub source: String,
    /// The recipient to give an admin; None when only its plugin knows it.
    pub recipient: Option<String>,
    /// `age`, `ssh-ed25519`, `ssh-rsa`, `plugin NAME`.
    pub kind: String,
}

/// Every identity found, in lookup order, with its recipient; and the
/// places that hold none or could not be used, with why.
pub fn show() -> Result<(Vec<Shown>, Vec<String>)> {
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for f in sources(&mut missing) {
        if f.text.expose().trim_start().starts_with("-----BEGIN") {
            // The public key stored in the key file itself; else its .pub.
            let public = crate::crypto::ssh_public_of(&f.text).or(f.ssh_public.clone());
            match public.as_deref().map(crate::crypto::Recipient::parse) {
                Some(Ok(r)) => out.push(Shown {
                    source: f.source.clone(),
                    recipient: Some(r.key.clone()),
                    kind: r.kind.label(),
                }),
                Some(Err(why)) => missing.push(format!("{} ({why})", f.source)),
                None => missing.push(format!(
                    "{} (no public key found: no .pub beside it)",
                    f.source
                )),
            }
            continue;
        }
        for line in f.text.expose().lines().map(str::trim) {
            if line.starts_with("AGE-SECRET-KEY-1") {
                if let Ok(key) = PrivateKey::parse(line) {
                    out.push(Shown {
                        source: f.source.clone(),
                        recipient: Some(key.public().to_string()),
                        kind: "age".into(),
                    });
                }
            } else if let Some(rest) = line.strip_prefix("AGE-PLUGIN-") {
                let name = rest.split('-').next().unwrap_or_default().to_lowercase();
                out.push(Shown {
                    source: f.source.clone(),
                    recipient: None,
                    kind: format!("plugin {name}"),
                });
            }
        }
    }
    if out.is_empty() {
        return Err(Error::NoIdentity { tried: missing });
    }
    Ok((out, missing))
}

/// A new personal identity: its recipient, and where it is kept.
#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub recipient: PublicKey,
    pub place: String,
    /// Kept where it is forgotten at reboot (the Linux kernel keyring).
    pub volatile: bool,
}

/// The text of a personal identity file (age-keygen's layout).
fn identity_text(key: &PrivateKey) -> SecretValue {
    SecretValue::new(format!(
        "# envsafe personal identity: give the public key to an admin\n\
         # public key: {}\n{}\n",
        key.public(),
        key.encode().expose()
    ))
}

/// `identity new`: a new X25519 identity in `~/.config/envsafe/identity.txt`
/// (0600, directory 0700) or, with `in_keyring`, the OS keyring. Never
/// replaces an existing one.
pub fn create(in_keyring: bool) -> Result<NewIdentity> {
    let key = PrivateKey::generate();
    let text = identity_text(&key);
    if in_keyring {
        let account = keyring::identity_account();
        if keyring::get(&account)
            .map_err(|why| Error::Keyring {
                action: "read",
                account: account.clone(),
                why,
            })?
            .is_some()
        {
            return Err(Error::IdentityExists {
                place: keyring::place(&account),
            });
        }
        keyring::set(&account, &text)?;
        return Ok(NewIdentity {
            recipient: key.public(),
            place: keyring::place(&account),
            volatile: keyring::VOLATILE,
        });
    }
    let path = personal_file().ok_or_else(|| Error::NoIdentity {
        tried: vec![format!("{HOME} (not set)")],
    })?;
    let dir = fsutil::parent_dir(&path);
    create_private_dir(&dir)?;
    let _lock = fsutil::DirLock::for_dir(&dir)?;
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(Error::IdentityExists {
            place: path.display().to_string(),
        });
    }
    fsutil::atomic_write(&path, text.expose().as_bytes(), Some(PRIVATE_MODE))?;
    Ok(NewIdentity {
        recipient: key.public(),
        place: path.display().to_string(),
        volatile: false,
    })
}

/// Creates `dir` and its parents; a directory made here is 0700.
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(fsutil::io_err(dir))
}
