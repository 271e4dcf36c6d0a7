//! The opener cache: one [`Opener`] per public key, its private key looked
//! up once (by trying candidates on the first value). `resolve` and
//! `write::decrypt` share it, so both fail the same way.

use std::path::Path;

use super::KeyLookup;
use crate::crypto::{Opener, PublicKey};
use crate::dotenv::Entry;
use crate::error::{Error, Location, Result};
use crate::header::Header;
use crate::SecretValue;

/// Opens sealed values, looking each file's key up once (by public key).
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
        let env = h.env.as_deref().unwrap_or(self.env);
        let (i, first) = self.opener_for(&h.public_key, env, path, entry.name, sealed)?;
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
