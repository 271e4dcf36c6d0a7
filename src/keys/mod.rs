//! Private key lookup, in DESIGN §3 order; first match wins and a key that
//! does not match the file's public key is skipped, never used:
//!
//! 1. `ENVSAFE_PRIVATE_KEY_<ENV>`, then `ENVSAFE_PRIVATE_KEY` (comma lists);
//! 2. `--keys-file`, else `.env.keys` next to the env file, else at the root;
//! 3. the OS keyring (keyring.rs), account = the public key;
//! 4. `.envsafe/<env>.age` (team.rs), unlocked with the user's identities
//!    (identity.rs), loaded only when steps 1–3 found nothing.
//!
//! The writing side of the same places is [`KeyStore`] (store.rs: the keys
//! file and its `.gitignore` line; keyring.rs; team.rs); the
//! per-public-key cache of openers that reading uses is `Openers`
//! (openers.rs).

pub mod helper;
pub mod identity;
pub mod keyring;
mod keys_file;
mod openers;
mod store;
pub mod team;

use std::path::{Path, PathBuf};

use crate::crypto::{PrivateKey, PublicKey};
use crate::env_vars::{self, ENVSAFE_PRIVATE_KEY};
use crate::error::{Error, Result};

pub use identity::Prompter;
pub use keyring::KeyringStore;
pub(crate) use openers::Openers;
pub use store::{KeyStore, KeysFileStore, Stored};
pub use team::TeamFileStore;

/// One place a key may come from.
#[derive(Debug, Clone)]
enum Source {
    EnvVar(String),
    KeysFile(PathBuf),
    Keyring,
    TeamFile(PathBuf),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::EnvVar(name) => format!("environment variable {name}"),
            Source::KeysFile(path) => format!("keys file {}", path.display()),
            Source::Keyring => format!("the OS keyring (service {})", keyring::SERVICE),
            Source::TeamFile(path) => format!("team key file {}", path.display()),
        }
    }

    /// Candidate keys from this source, or why there are none.
    fn candidates(
        &self,
        env: &str,
        public: &PublicKey,
        lookup: &KeyLookup,
    ) -> Result<Result<Vec<crate::SecretValue>, String>> {
        Ok(match self {
            Source::EnvVar(name) => match std::env::var(name) {
                Ok(v) => Ok(vec![crate::SecretValue::new(v)]),
                Err(_) => Err("not set".into()),
            },
            Source::KeysFile(path) => keys_file::read_entries(path, env)?.map_err(str::to_owned),
            Source::Keyring => match KeyringStore::get(public) {
                Ok(Some(v)) => Ok(vec![v]),
                Ok(None) => Err(format!("no entry for {public}")),
                Err(why) => Err(why),
            },
            Source::TeamFile(path) => lookup.team.unlock(path, env, lookup)?,
        })
    }
}

pub(crate) use crate::crypto::mentions_private_key;

/// The keys held for an environment ([`KeyLookup::held_keys`]).
#[derive(Debug, Default)]
pub struct HeldKeys {
    pub named: Vec<PrivateKey>,
    pub generic: Vec<PrivateKey>,
}

/// Where to look; built once per command.
#[derive(Debug, Clone, Default)]
pub struct KeyLookup {
    pub keys_file: Option<PathBuf>,
    pub project_root: PathBuf,
    /// Asks for an ssh key's passphrase (None: never asks).
    pub prompt: Option<Prompter>,
    /// Each environment's `recipients` entries (envsafe.toml): their
    /// order is the order of the team file's stanzas
    /// (`crypto::stanza_order`), so a member's own stanza is tried first
    /// and unlocking costs one key exchange, not one per member listed
    /// before them. Parsed only when a team file is opened.
    pub team_recipients: std::collections::BTreeMap<String, Vec<String>>,
    /// Team files already unlocked (or not) by this command, and the
    /// identities loaded: a passphrase is asked once per command.
    pub team: team::Unlocked,
}

impl KeyLookup {
    fn sources(&self, env: &str, env_file: &Path) -> Vec<Source> {
        let mut sources = vec![
            Source::EnvVar(env_vars::private_key_var(env)),
            Source::EnvVar(ENVSAFE_PRIVATE_KEY.into()),
        ];
        match &self.keys_file {
            Some(path) => sources.push(Source::KeysFile(path.clone())),
            None => {
                let beside = env_file
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(".env.keys");
                let at_root = self.project_root.join(".env.keys");
                if beside != at_root {
                    sources.push(Source::KeysFile(beside));
                }
                sources.push(Source::KeysFile(at_root));
            }
        }
        sources.push(Source::Keyring);
        sources.push(Source::TeamFile(team::path(&self.project_root, env)));
        sources
    }

    /// The keys held for `env` by name (`ENVSAFE_PRIVATE_KEY_<ENV>` in the
    /// environment or a keys file), whatever public key they belong to. A
    /// zero-config writer refuses to seal to a header that none of them
    /// belongs to (DESIGN §2).
    pub fn held_for(&self, env: &str, env_file: &Path) -> Result<Vec<PrivateKey>> {
        Ok(self.held_keys(env, env_file)?.named)
    }

    /// Both kinds of key held, from one read of each source: `named` as
    /// [`held_for`](Self::held_for); `generic`, every other key a lookup for
    /// `env` would try (`ENVSAFE_PRIVATE_KEY`, a keys file's
    /// `ENVSAFE_PRIVATE_KEY`, an age identity file), whose environment is
    /// not said: a writer proves it by opening a value of the file.
    pub fn held_keys(&self, env: &str, env_file: &Path) -> Result<HeldKeys> {
        let held = self.held(env, env_file)?;
        Ok(HeldKeys {
            named: parse_all(&held.named),
            generic: parse_all(&held.generic),
        })
    }

    /// The keys every source holds for `env`, named for it or not.
    fn held(&self, env: &str, env_file: &Path) -> Result<keys_file::Held> {
        let var = env_vars::private_key_var(env);
        let mut held = keys_file::Held::default();
        for source in self.sources(env, env_file) {
            match source {
                Source::EnvVar(name) => {
                    if let Ok(v) = std::env::var(&name) {
                        let list = if name == var {
                            &mut held.named
                        } else {
                            &mut held.generic
                        };
                        list.push(crate::SecretValue::new(v));
                    }
                }
                Source::KeysFile(path) => {
                    if let Some(file) = keys_file::read_held(&path, env)? {
                        held.named.extend(file.named);
                        held.generic.extend(file.generic);
                    }
                }
                // Held for a public key, not for an environment name.
                Source::Keyring | Source::TeamFile(_) => {}
            }
        }
        Ok(held)
    }

    /// The private key of environment `env` whose public key is `public`,
    /// for the env file at `env_file`.
    pub fn find(&self, env: &str, public: &PublicKey, env_file: &Path) -> Result<PrivateKey> {
        self.find_by(env, public, env_file, &mut |key| key.public() == *public)
    }

    /// Like [`find`](Self::find), with the test of a candidate given:
    /// `accept` may prove a key by opening a value sealed to `public`
    /// (cheaper than deriving the key's public half). The not-found error
    /// is the same as `find`'s.
    pub fn find_by(
        &self,
        env: &str,
        public: &PublicKey,
        env_file: &Path,
        accept: &mut dyn FnMut(&PrivateKey) -> bool,
    ) -> Result<PrivateKey> {
        let mut tried = Vec::new();
        for source in self.sources(env, env_file) {
            let texts = match source.candidates(env, public, self)? {
                Ok(texts) => texts,
                Err(why) => {
                    tried.push(format!("{} ({why})", source.describe()));
                    continue;
                }
            };
            let mut invalid = false;
            for text in &texts {
                for part in text
                    .expose()
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    match PrivateKey::parse(part) {
                        Ok(key) if accept(&key) => return Ok(key),
                        Ok(_) => {}
                        Err(_) => invalid = true,
                    }
                }
            }
            let why = if invalid {
                "holds text that is not a private key"
            } else {
                "no matching key"
            };
            tried.push(format!("{} ({why})", source.describe()));
        }
        Err(Error::KeyNotFound {
            env: env.into(),
            public_key: public.to_string(),
            tried,
        })
    }
}

/// Whether the keys file at `path` holds the key of `public` for `env`
/// (named for it, or in a generic list).
pub fn keys_file_holds(path: &Path, env: &str, public: &PublicKey) -> Result<bool> {
    Ok(key_in_keys_file(path, env, public)?.is_some())
}

/// The key of `public` in the keys file at `path`, if it holds it for `env`.
pub fn key_in_keys_file(path: &Path, env: &str, public: &PublicKey) -> Result<Option<PrivateKey>> {
    Ok(keys_file::read_held(path, env)?.and_then(|held| {
        parse_all(&held.named)
            .into_iter()
            .chain(parse_all(&held.generic))
            .find(|k| k.public() == *public)
    }))
}

/// The keys file at `path` without `key` for `env` (None: not there).
pub fn keys_file_without(
    path: &Path,
    env: &str,
    key: &PrivateKey,
) -> Result<Option<crate::SecretValue>> {
    keys_file::without_key(path, env, key)
}

/// Every private key in `texts` (comma-separated lists allowed); text that
/// is not a key is skipped.
fn parse_all(texts: &[crate::SecretValue]) -> Vec<PrivateKey> {
    texts
        .iter()
        .flat_map(|t| {
            t.expose()
                .split(',')
                .filter_map(|p| PrivateKey::parse(p.trim()).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn private_keys_are_mentioned_in_any_case() {
        use super::mentions_private_key as m;
        assert!(m(b"x\nage-secret-key-1abc\n"));
        assert!(m(b"AGE-SECRET-KEY-1"));
        assert!(m(b"export ENVSAFE_PRIVATE_KEY_CI=x"));
        assert!(!m(b"AGE-SECRET-KEY-"));
        assert!(!m(b"an age secret key"));
    }
}
