//! The write flows: `set`, `unset`, `encrypt`, `decrypt`. Each takes the
//! directory lock, reads, edits only the lines it must, and replaces the
//! file atomically; on any error no file is touched.

use std::path::Path;

use crate::crypto::{PrivateKey, PublicKey, Sealer};
use crate::dotenv::{value, Document, Quote};
use crate::error::{Error, Location, Result};
use crate::fsutil::{self, DirLock};
use crate::header;
use crate::keys::{self, KeyLookup};
use crate::load::Openers;
use crate::SecretValue;

/// Where new keypairs are recorded.
#[derive(Debug, Clone)]
pub struct KeySink<'a> {
    /// The keys file new private keys are written to.
    pub keys_file: &'a Path,
    /// The directory whose `.gitignore` must list `.env.keys`.
    pub gitignore_root: &'a Path,
}

/// What a write did, for the user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub created_file: bool,
    /// A new keypair was made; its public key.
    pub new_key: Option<String>,
    pub added_gitignore: bool,
    /// Lines changed or added.
    pub changed: usize,
    /// Plain values left in a file that now has a header.
    pub plain_left: usize,
}

fn read_doc(path: &Path) -> Result<(Document, bool)> {
    Ok(match fsutil::read_optional(path)? {
        Some(text) => (Document::parse(path, text)?, false),
        None => (Document::empty(path), true),
    })
}

/// The file's public key; a file without a header gets a new keypair.
fn ensure_header(
    doc: &mut Document,
    env: &str,
    sink: &KeySink<'_>,
    out: &mut Outcome,
) -> Result<PublicKey> {
    if let Some(h) = header::find(doc)? {
        return Ok(h.public_key);
    }
    let key = PrivateKey::generate();
    let public = key.public();
    keys::store(sink.keys_file, env, &key)?;
    out.added_gitignore = keys::ensure_gitignored(sink.gitignore_root, sink.keys_file)?;
    doc.prepend(&header::render(&public, env));
    out.new_key = Some(public.to_string());
    Ok(public)
}

fn seal_error(path: &Path) -> Error {
    Error::InvalidPublicKey {
        at: Location {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
        },
        reason: "the key is a low-order point".into(),
    }
}

/// Sets `name` in the file at `path`: sealed to the file's public key, or
/// plain (`plain = true`). Changes one line (or adds one).
pub fn set(
    path: &Path,
    env: &str,
    name: &str,
    value: &SecretValue,
    plain: bool,
    sink: &KeySink<'_>,
) -> Result<Outcome> {
    set_many(path, env, &[(name, value)], plain, sink)
}

/// Sets several variables in one write (one ephemeral key for the batch).
pub fn set_many(
    path: &Path,
    env: &str,
    values: &[(&str, &SecretValue)],
    plain: bool,
    sink: &KeySink<'_>,
) -> Result<Outcome> {
    for (name, _) in values {
        if !crate::dotenv::is_valid_name(name) {
            return Err(Error::InvalidName {
                name: (*name).into(),
            });
        }
    }
    let _lock = DirLock::for_file(path)?;
    let (mut doc, created) = read_doc(path)?;
    let mut out = Outcome {
        created_file: created,
        changed: values.len(),
        ..Outcome::default()
    };
    let sealer = if plain {
        None
    } else {
        let public = ensure_header(&mut doc, env, sink, &mut out)?;
        Some(Sealer::new(&public).ok_or_else(|| seal_error(path))?)
    };
    for (name, value) in values {
        let text = match &sealer {
            None => value::quote(value.expose()),
            Some(sealer) => format!("\"{}\"", sealer.seal(name, value.expose())),
        };
        doc.set_raw(name, &text);
    }
    if out.new_key.is_some() {
        out.plain_left = doc
            .entries()
            .filter(|e| e.sealed().is_none() && !values.iter().any(|(n, _)| *n == e.name))
            .count();
    }
    fsutil::atomic_write(path, doc.render().as_bytes(), None)?;
    Ok(out)
}

/// Removes every assignment of `name`; an error if there is none.
pub fn unset(path: &Path, name: &str) -> Result<Outcome> {
    let _lock = DirLock::for_file(path)?;
    let mut doc = Document::read(path)?;
    let n = doc.remove(name);
    if n == 0 {
        return Err(Error::NotSet {
            path: path.to_path_buf(),
            name: name.into(),
        });
    }
    fsutil::atomic_write(path, doc.render().as_bytes(), None)?;
    Ok(Outcome {
        changed: n,
        ..Outcome::default()
    })
}

/// Seals every plain value of the file (adding a header and keypair if it
/// has none). Values that use `${…}` expansion are refused: sealed values
/// are literal.
pub fn encrypt(path: &Path, env: &str, sink: &KeySink<'_>) -> Result<Outcome> {
    let _lock = DirLock::for_file(path)?;
    let mut doc = Document::read(path)?;
    let mut out = Outcome::default();
    for e in doc.entries() {
        if e.sealed().is_none() && e.quote != Quote::Single && value::has_expansion(e.raw, e.quote)
        {
            return Err(Error::ExpansionInSecret {
                at: Location {
                    path: path.to_path_buf(),
                    line: e.line,
                    col: e.col,
                },
                name: e.name.into(),
            });
        }
    }
    let public = ensure_header(&mut doc, env, sink, &mut out)?;
    let sealer = Sealer::new(&public).ok_or_else(|| seal_error(path))?;
    out.changed = doc.map_values(|e| {
        if e.sealed().is_some() {
            return Ok(None);
        }
        let plain = SecretValue::new(e.decode(&|_| None));
        Ok(Some(format!("\"{}\"", sealer.seal(e.name, plain.expose()))))
    })?;
    if out.changed > 0 || out.new_key.is_some() {
        fsutil::atomic_write(path, doc.render().as_bytes(), None)?;
    }
    Ok(out)
}

/// Opens every sealed value. Returns the rendered plaintext file; writes it
/// in place unless `to_stdout`. Fails closed: one bad value, no change.
pub fn decrypt(
    path: &Path,
    env: &str,
    keys: &KeyLookup,
    in_place: bool,
) -> Result<(SecretValue, Outcome)> {
    let _lock = DirLock::for_file(path)?;
    let mut doc = Document::read(path)?;
    let header = header::find(&doc)?;
    let mut openers = Openers::new(keys, env);
    let changed = doc.map_values(|e| match e.sealed() {
        Some(sealed) => {
            let plain = openers.open_entry(path, header.as_ref(), &e, sealed)?;
            Ok(Some(value::quote(plain.expose())))
        }
        None => Ok(None),
    })?;
    let rendered = SecretValue::new(doc.render());
    if in_place && changed > 0 {
        fsutil::atomic_write(path, rendered.expose().as_bytes(), None)?;
    }
    Ok((
        rendered,
        Outcome {
            changed,
            ..Outcome::default()
        },
    ))
}

/// Gives the file a header and a new keypair unless it has one (creating
/// the file if missing). Existing values are left as they are.
pub fn init_file(path: &Path, env: &str, sink: &KeySink<'_>) -> Result<Outcome> {
    let _lock = DirLock::for_file(path)?;
    let (mut doc, created) = read_doc(path)?;
    let mut out = Outcome {
        created_file: created,
        ..Outcome::default()
    };
    ensure_header(&mut doc, env, sink, &mut out)?;
    if out.new_key.is_some() {
        out.plain_left = doc.entries().filter(|e| e.sealed().is_none()).count();
        fsutil::atomic_write(path, doc.render().as_bytes(), None)?;
    }
    Ok(out)
}
