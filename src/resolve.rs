//! What an environment resolves to: the variables `run` gives a command and
//! `get` prints, with the same precedence (DESIGN §8): the process wins
//! unless `override_process`, later files win, the schema fills what is
//! left unset (`from_file`, `default`). Key variables are never part of it.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::keys::KeyLookup;
use crate::load::{self, Dropped, LoadOptions, PlainSecret};
use crate::SecretValue;

/// Where a resolved value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file (its index in the `files` resolved), at this line.
    File { file: usize, line: usize },
    /// The process environment (it wins unless `--override`).
    Process,
    /// The schema: `from_file` or `default`.
    Schema,
}

/// One resolved variable.
#[derive(Debug)]
pub struct Var {
    pub name: String,
    pub value: SecretValue,
    pub origin: Origin,
}

/// An environment, resolved.
#[derive(Debug, Default)]
pub struct Resolved {
    /// In file order, then the schema's additions by name.
    pub vars: Vec<Var>,
    /// Files that were listed but do not exist.
    pub missing: Vec<PathBuf>,
    /// Plain values of secret variables in files with a header.
    pub plain_secrets: Vec<PlainSecret>,
    /// dotenvx ciphertexts in plain dotenv files, left out.
    pub dropped: Vec<Dropped>,
    /// Variables whose file value the process overrides (with
    /// `override_process`): `run` without `--override` passes the process
    /// value instead.
    pub shadowed_by_process: Vec<String>,
}

impl Resolved {
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.iter().find(|v| v.name == name)
    }
}

/// How to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResolveOptions {
    /// File values replace process variables.
    pub override_process: bool,
    /// A header naming another environment is an error.
    pub strict_env: bool,
}

/// Resolves `env` from `files`; `root` is where the schema's `from_file`
/// paths are relative to. An environment whose files are all missing is an
/// error, not an empty result.
pub fn resolve(
    config: &Config,
    root: &Path,
    env: &str,
    files: &[PathBuf],
    keys: &KeyLookup,
    opts: ResolveOptions,
) -> Result<Resolved> {
    let loaded = load::load(
        env,
        files,
        keys,
        LoadOptions {
            override_process: opts.override_process,
            strict_env: opts.strict_env,
            config: Some(config),
        },
    )?;
    if !files.is_empty() && loaded.missing.len() == files.len() {
        return Err(Error::NoFiles {
            env: env.into(),
            files: files.iter().map(|f| f.display().to_string()).collect(),
        });
    }
    // The process's value, where it wins. Ciphertext there (compose's
    // `env_file: .env` loading the sealed file as is) is never passed on.
    let process = |name: &str| -> Result<Option<SecretValue>> {
        let Some(v) = (!opts.override_process)
            .then(|| std::env::var_os(name))
            .flatten()
        else {
            return Ok(None);
        };
        let v = SecretValue::new(v.to_string_lossy().into_owned());
        if let Some(kind) = crate::envelope::ciphertext_kind(v.expose()) {
            return Err(Error::Ciphertext {
                place: "the process environment: ".into(),
                name: name.to_owned(),
                kind,
            });
        }
        Ok(Some(v))
    };
    let mut out = Resolved {
        missing: loaded.missing.clone(),
        plain_secrets: loaded.plain_secrets.clone(),
        dropped: loaded.dropped.clone(),
        ..Resolved::default()
    };
    let schema_only: Vec<_> = config
        .vars
        .iter()
        .filter(|(name, _)| loaded.get(name).is_none())
        .collect();
    out.vars.reserve(loaded.vars.len() + schema_only.len());
    // (`load` refuses a file that defines a key variable.)
    for ((name, value), (file, line)) in loaded.vars.into_iter().zip(loaded.places) {
        if opts.override_process
            && std::env::var_os(&name)
                .is_some_and(|v| v.as_encoded_bytes() != value.expose().as_bytes())
        {
            out.shadowed_by_process.push(name.clone());
        }
        let (value, origin) = match process(&name)? {
            Some(v) => (v, Origin::Process),
            None => (value, Origin::File { file, line }),
        };
        out.vars.push(Var {
            name,
            value,
            origin,
        });
    }
    for (name, spec) in schema_only {
        if crate::env_vars::is_key_var(name) {
            continue;
        }
        let (value, origin) = match process(name)? {
            Some(v) => (Some(v), Origin::Process),
            None => (
                crate::schema::schema_value(name, spec, root)?,
                Origin::Schema,
            ),
        };
        if let Some(value) = value {
            out.vars.push(Var {
                name: name.clone(),
                value,
                origin,
            });
        }
    }
    Ok(out)
}
