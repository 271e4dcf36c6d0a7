//! Loading an environment: read its files in order, open every sealed value
//! (failing closed), expand plain values, later files win. `run` and `get`
//! both use it; the CLI decides what to do with the result.

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
pub struct LoadOptions {
    /// When false, a variable already in the process environment wins, and
    /// expansion sees the process value.
    pub override_process: bool,
}

/// The result: variables in first-seen order, and notes for the user.
#[derive(Debug, Default)]
pub struct Loaded {
    pub vars: Vec<(String, SecretValue)>,
    /// Files that were listed but do not exist.
    pub missing: Vec<PathBuf>,
}

impl Loaded {
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
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
pub fn load(env: &str, files: &[PathBuf], keys: &KeyLookup, opts: LoadOptions) -> Result<Loaded> {
    let mut out = Loaded::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut openers = Openers::new(keys, env);
    for path in files {
        let Some(text) = fsutil::read_optional(path)? else {
            out.missing.push(path.clone());
            continue;
        };
        let doc = Document::parse(path, text)?;
        let header = header::find(&doc)?;
        for entry in doc.entries() {
            let value = if let Some(sealed) = entry.sealed() {
                openers.open_entry(path, header.as_ref(), &entry, sealed)?
            } else {
                let lookup = |name: &str| -> Option<String> {
                    let process = || std::env::var(name).ok();
                    let file = || index.get(name).map(|&i| out.vars[i].1.expose().to_owned());
                    if opts.override_process {
                        file().or_else(process)
                    } else {
                        process().or_else(file)
                    }
                };
                SecretValue::new(entry.decode(&lookup))
            };
            match index.get(entry.name) {
                Some(&i) => out.vars[i].1 = value,
                None => {
                    index.insert(entry.name.to_owned(), out.vars.len());
                    out.vars.push((entry.name.to_owned(), value));
                }
            }
        }
    }
    Ok(out)
}
