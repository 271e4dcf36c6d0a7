//! What every writer refuses before it changes a file (DESIGN §2, §9): a
//! file that holds private keys, a header whose public key is not the
//! trusted one (the pin in envsafe.toml, else the key the writer holds),
//! a header that names another environment, and sealed values whose
//! header is gone.

use std::path::Path;

use super::WriteCtx;
use crate::dotenv::Document;
use crate::error::{Error, Result};
use crate::header::{self, Header};

/// True for a keys file's name: `.env.keys`, `*.keys`.
pub fn is_keys_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == ".env.keys" || n.ends_with(".keys"))
}

/// Refuses to write `path` when it is a keys file, by name or because new
/// private keys would be stored in it (then overwritten by the env file).
pub fn refuse_keys_target(path: &Path, ctx: &WriteCtx<'_>) -> Result<()> {
    if is_keys_file_name(path) {
        return Err(Error::KeysFileTarget {
            path: path.to_path_buf(),
            why: "is a keys file: envsafe never rewrites one as an env file",
        });
    }
    if ctx.store.is_backed_by(path) {
        return Err(Error::KeysFileTarget {
            path: path.to_path_buf(),
            why: "is also the keys file new private keys go to (--keys-file)",
        });
    }
    Ok(())
}

/// Refuses a document that holds private keys (whatever its name).
pub fn refuse_key_material(doc: &Document) -> Result<()> {
    let holds_keys = doc
        .entries()
        .any(|e| e.name.starts_with(crate::env_vars::ENVSAFE_PRIVATE_KEY))
        || doc.source().contains("AGE-SECRET-KEY-1");
    if holds_keys {
        return Err(Error::KeysFileTarget {
            path: doc.path().to_path_buf(),
            why: "holds private keys: envsafe never rewrites a keys file as an env file",
        });
    }
    Ok(())
}

/// The environment a write to `doc` is for: the chosen one, which the
/// header must then match; else the header's, else the file name's
/// (`.env.ci` → ci), else the default.
pub fn file_env(doc: &Document, header: Option<&Header>, ctx: &WriteCtx<'_>) -> Result<String> {
    let named = header.and_then(|h| h.env.clone());
    if ctx.strict_env {
        return match named {
            Some(file_env) if file_env != ctx.env => Err(Error::EnvMismatch {
                at: header::location(doc),
                file_env,
                selected: ctx.env.to_owned(),
            }),
            _ => Ok(ctx.env.to_owned()),
        };
    }
    Ok(named
        .or_else(|| env_of_name(doc))
        .unwrap_or_else(|| ctx.env.to_owned()))
}

/// The environment the file's name says (`.env.production` → production).
fn env_of_name(doc: &Document) -> Option<String> {
    doc.path()
        .file_name()
        .and_then(|n| crate::config::env_from_file_name(&n.to_string_lossy()))
}

/// Checks that `header`'s key may be sealed to. With environments in
/// envsafe.toml: the environment must be declared and the key must equal
/// its pin (when it has one). Zero-config: the key must belong to the
/// private key the writer holds for the environment (by the header's, the
/// file name's or the chosen environment's name), and to any other held key
/// that opens a value of the file.
pub fn trust_header(doc: &Document, header: &Header, env: &str, ctx: &WriteCtx<'_>) -> Result<()> {
    if !ctx.config.environments.is_empty() {
        if !ctx.config.environments.contains_key(env) {
            return Err(Error::UndeclaredEnv {
                at: header::location(doc),
                env: env.to_owned(),
            });
        }
        if let Some(pinned) = ctx.config.pinned_key(env) {
            if pinned != header.public_key {
                return Err(mismatch(
                    doc,
                    header,
                    pinned,
                    format!("the key pinned for `{env}` in envsafe.toml"),
                ));
            }
            return Ok(());
        }
    }
    let mut envs = vec![env.to_owned()];
    for e in [Some(ctx.env.to_owned()), env_of_name(doc)]
        .into_iter()
        .flatten()
    {
        if !envs.contains(&e) {
            envs.push(e);
        }
    }
    let mut generic = Vec::new();
    for (i, e) in envs.iter().enumerate() {
        let keys = ctx.keys.held_keys(e, doc.path())?;
        if i == 0 {
            generic = keys.generic;
        }
        let held = keys.named;
        if !held.is_empty() {
            if held.iter().any(|k| k.public() == header.public_key) {
                return Ok(());
            }
            return Err(mismatch(
                doc,
                header,
                held[0].public(),
                format!("the public key of your private key for `{e}`"),
            ));
        }
    }
    // Keys not named for an environment: one that opens a value of this
    // file is this file's key.
    if let Some(e) = doc.entries().find(|e| e.sealed().is_some()) {
        let sealed = e.sealed().unwrap_or_default();
        for key in generic {
            let public = key.public();
            if public != header.public_key
                && crate::crypto::Opener::with_public(key, public)
                    .open(e.name, sealed)
                    .is_ok()
            {
                return Err(mismatch(
                    doc,
                    header,
                    public,
                    "the public key of the private key that opens this file's values".into(),
                ));
            }
        }
    }
    Ok(())
}

fn mismatch(
    doc: &Document,
    header: &Header,
    trusted: crate::crypto::PublicKey,
    what: String,
) -> Error {
    Error::KeyMismatch {
        at: header::location(doc),
        header: header.public_key.to_string(),
        trusted: trusted.to_string(),
        trusted_what: what,
    }
}

/// Everything a writer checks on the document it is about to change; the
/// header (if any, trusted) and the environment the file is for.
/// (`write::open` has refused a keys file as target before reading it.)
pub fn prepare(doc: &Document, ctx: &WriteCtx<'_>) -> Result<(Option<Header>, String)> {
    refuse_key_material(doc)?;
    let header = header::find(doc)?;
    let env = file_env(doc, header.as_ref(), ctx)?;
    match &header {
        Some(h) => trust_header(doc, h, &env, ctx)?,
        None if !ctx.config.environments.is_empty()
            && !ctx.config.environments.contains_key(&env) =>
        {
            return Err(Error::UndeclaredEnv {
                at: header::location(doc),
                env,
            });
        }
        None => {
            if let Some(e) = doc.entries().find(|e| e.sealed().is_some()) {
                return Err(Error::NoHeader {
                    path: doc.path().to_path_buf(),
                    name: e.name.to_owned(),
                });
            }
        }
    }
    Ok((header, env))
}
