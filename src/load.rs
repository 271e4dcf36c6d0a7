//! Loading an environment: read its files in order, open every sealed value
//! (failing closed), expand plain values, later files win. `run` and `get`
//! both use it; the CLI decides what to do with the result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::crypto::{Opener, PublicKey};
use crate::dotenv::Document;
use crate::error::{Error, Location, Result};
use crate::header;
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

/// Openers for each public key seen, so a key is looked up once.
struct Openers<'a> {
    keys: &'a KeyLookup,
    env: &'a str,
    open: Vec<Opener>,
}

impl Openers<'_> {
    fn for_key(&mut self, public: &PublicKey, env: &str, file: &Path) -> Result<&mut Opener> {
        if let Some(i) = self.open.iter().position(|o| o.public() == public) {
            return Ok(&mut self.open[i]);
        }
        let key = self.keys.find(env, public, file)?;
        self.open.push(Opener::with_public(key, *public));
        Ok(self.open.last_mut().expect("just pushed"))
    }
}

/// Loads `files` of environment `env`.
pub fn load(env: &str, files: &[PathBuf], keys: &KeyLookup, opts: LoadOptions) -> Result<Loaded> {
    let mut out = Loaded::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut openers = Openers {
        keys,
        env,
        open: Vec::new(),
    };
    for path in files {
        let Some(text) = fsutil::read_optional(path)? else {
            out.missing.push(path.clone());
            continue;
        };
        let doc = Document::parse(path, text)?;
        let header = header::find(&doc)?;
        for entry in doc.entries() {
            let value = if let Some(sealed) = entry.sealed() {
                let at = || Location {
                    path: path.clone(),
                    line: entry.line,
                    col: entry.col,
                };
                let Some(h) = &header else {
                    return Err(Error::NoHeader {
                        path: path.clone(),
                        name: entry.name.into(),
                    });
                };
                let file_env = h.env.as_deref().unwrap_or(openers.env).to_owned();
                openers
                    .for_key(&h.public_key, &file_env, path)?
                    .open(entry.name, sealed)
                    .map_err(|reason| Error::Decrypt {
                        at: at(),
                        name: entry.name.into(),
                        reason,
                    })?
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
