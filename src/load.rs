//! Loading an environment: read its files in order, open every sealed value
//! (failing closed: ciphertext in any disguise never passes as a value),
//! expand plain values, later files win. `resolve` builds on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::crypto::{Opener, PublicKey};
use crate::dotenv::{Document, Entry};
use crate::error::{Error, Location, Result};
use crate::header::{self, Header};
use crate::keys::KeyLookup;
use crate::{fsutil, SecretValue};

/// How process variables and file variables combine.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// When false, a variable already in the process environment wins, and
    /// expansion sees the process value.
    pub override_process: bool,
    /// The environment was chosen (or the files are its own): a header
    /// naming another environment is an error (a file copied over another).
    pub strict_env: bool,
    /// The schema, to warn about plain secrets in encrypted files.
    pub config: Option<&'a crate::config::Config>,
}

/// A plain value of a secret variable in a file with a header: `run`
/// warns about it (names and places only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainSecret {
    pub path: PathBuf,
    pub line: usize,
    pub name: String,
}

/// A dotenvx-encrypted value in a plain dotenv file: left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub path: PathBuf,
    pub line: usize,
    pub name: String,
}

/// The result: variables in first-seen order, and notes for the user.
#[derive(Debug, Default)]
pub struct Loaded {
    pub vars: Vec<(String, SecretValue)>,
    /// Where each variable's winning value is: (index into the files
    /// loaded, line), parallel to `vars`.
    pub places: Vec<(usize, usize)>,
    /// Files that were listed but do not exist.
    pub missing: Vec<PathBuf>,
    pub plain_secrets: Vec<PlainSecret>,
    /// dotenvx ciphertexts left out.
    pub dropped: Vec<Dropped>,
    index: HashMap<String, usize>,
}

impl Loaded {
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.index.get(name).map(|&i| &self.vars[i].1)
    }

    /// Adds or replaces `name` (later wins).
    pub fn insert(&mut self, name: &str, value: SecretValue, place: (usize, usize)) {
        match self.index.get(name) {
            Some(&i) => {
                self.vars[i].1 = value;
                self.places[i] = place;
            }
            None => {
                self.index.insert(name.to_owned(), self.vars.len());
                self.vars.push((name.to_owned(), value));
                self.places.push(place);
            }
        }
    }
}

/// A process variable as `${…}` sees it: key variables never expand.
pub fn process_var(name: &str) -> Option<String> {
    if crate::env_vars::is_key_var(name) {
        return None;
    }
    std::env::var(name).ok()
}

/// Opens sealed values, looking each file's key up once (by public key).
/// `load` and `write::decrypt` share it, so both fail the same way.
pub(crate) struct Openers<'a> {
    keys: &'a KeyLookup,
    /// The environment to assume for a header without `env=`.
    env: &'a str,
    open: Vec<Opener>,
}

impl<'a> Openers<'a> {
    pub(crate) fn new(keys: &'a KeyLookup, env: &'a str) -> Self {
        Self {
            keys,
            env,
            open: Vec::new(),
        }
    }

    /// The opener for `public`, or a new one whose key is found by opening
    /// `name`'s value: a candidate that opens it is the key (fast: no public
    /// key derived). If none does, the slow path tells a wrong key
    /// (not found) from a bad value (the key matches; the value fails).
    fn opener_for(
        &mut self,
        public: &PublicKey,
        env: &str,
        file: &Path,
        name: &str,
        sealed: &str,
    ) -> Result<(usize, Option<SecretValue>)> {
        if let Some(i) = self.open.iter().position(|o| o.public() == public) {
            return Ok((i, None));
        }
        let mut opened = None;
        let found = self.keys.find_by(env, public, file, &mut |key| {
            let mut opener = Opener::with_public(key.clone(), *public);
            match opener.open(name, sealed) {
                Ok(value) => {
                    opened = Some((opener, value));
                    true
                }
                Err(_) => false,
            }
        });
        let value = match (found, opened) {
            (Ok(_), Some((opener, value))) => {
                self.open.push(opener);
                Some(value)
            }
            _ => {
                let key = self.keys.find(env, public, file)?;
                self.open.push(Opener::with_public(key, *public));
                None
            }
        };
        Ok((self.open.len() - 1, value))
    }

    /// Opens `sealed`, the value of `entry` in the file at `path`.
    pub(crate) fn open_entry(
        &mut self,
        path: &Path,
        header: Option<&Header>,
        entry: &Entry<'_>,
        sealed: &str,
    ) -> Result<SecretValue> {
        let Some(h) = header else {
            return Err(Error::NoHeader {
                path: path.to_path_buf(),
                name: entry.name.into(),
            });
        };
        let env = h.env.as_deref().unwrap_or(self.env).to_owned();
        let (i, first) = self.opener_for(&h.public_key, &env, path, entry.name, sealed)?;
        if let Some(value) = first {
            return Ok(value);
        }
        self.open[i]
            .open(entry.name, sealed)
            .map_err(|reason| Error::Decrypt {
                at: Location {
                    path: path.to_path_buf(),
                    line: entry.line,
                    col: entry.col,
                },
                name: entry.name.into(),
                reason,
            })
    }
}

/// Loads `files` of environment `env`.
pub fn load(
    env: &str,
    files: &[PathBuf],
    keys: &KeyLookup,
    opts: LoadOptions<'_>,
) -> Result<Loaded> {
    let mut out = Loaded::default();
    let mut openers = Openers::new(keys, env);
    let mut budget = crate::dotenv::value::MAX_GROWTH_TOTAL;
    for (file_index, path) in files.iter().enumerate() {
        let Some(text) = fsutil::read_optional(path)? else {
            out.missing.push(path.clone());
            continue;
        };
        let doc = Document::parse(path, text)?;
        let header = header::find(&doc)?;
        if let Some(file_env) = header.as_ref().and_then(|h| h.env.as_deref()) {
            if opts.strict_env && file_env != env {
                return Err(Error::EnvMismatch {
                    at: header::location(&doc),
                    file_env: file_env.to_owned(),
                    selected: env.to_owned(),
                });
            }
        }
        for entry in doc.entries() {
            if crate::env_vars::is_key_var(entry.name) {
                return Err(Error::KeysFileTarget {
                    path: path.clone(),
                    why: "holds private keys: a keys file is never loaded as an env file",
                });
            }
            let value = if let Some(sealed) = entry.sealed() {
                openers.open_entry(path, header.as_ref(), &entry, sealed)?
            } else {
                let lookup = |name: &str| -> Option<String> {
                    let file = || out.get(name).map(|v| v.expose().to_owned());
                    if opts.override_process {
                        file().or_else(|| process_var(name))
                    } else {
                        process_var(name).or_else(file)
                    }
                };
                let value = SecretValue::new(entry.decode_within(&lookup, &mut budget)?);
                if let Some(kind) = crate::envelope::ciphertext_kind(value.expose()) {
                    // Never passed on as if it were the secret. A dotenvx
                    // value in a plain dotenv file (one being migrated) is
                    // left out, with a warning; anywhere else it fails.
                    if kind == crate::envelope::Ciphertext::Dotenvx && header.is_none() {
                        out.dropped.push(Dropped {
                            path: path.clone(),
                            line: entry.line,
                            name: entry.name.to_owned(),
                        });
                        continue;
                    }
                    return Err(Error::Ciphertext {
                        place: format!("{}:{}: ", path.display(), entry.line),
                        name: entry.name.into(),
                        kind,
                    });
                }
                if header.is_some() && !value.expose().is_empty() {
                    let secret = match opts.config {
                        Some(c) => {
                            crate::schema::placement(c, entry.name, Some(value.expose())).secret
                        }
                        None => crate::schema::secret_by_name(entry.name, Some(value.expose())),
                    };
                    if secret {
                        out.plain_secrets.push(PlainSecret {
                            path: path.clone(),
                            line: entry.line,
                            name: entry.name.to_owned(),
                        });
                    }
                }
                value
            };
            out.insert(entry.name, value, (file_index, entry.line));
        }
    }
    Ok(out)
}
