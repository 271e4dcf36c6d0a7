//! Resolving an environment, once, for every command: read → parse → open
//! (one opener per public key) → expand (one precedence rule, DESIGN §8) →
//! validate those same values → schema defaults and `from_file`.
//!
//! `run` and `get` fail closed ([`Mode::FailClosed`]: the first problem is
//! an error, ciphertext never passes as a value); `check`, `status` and the
//! hook report ([`Mode::Report`]: problems are findings). Either way the
//! values validated are the values `run` passes: the process wins unless
//! `override_process`, later files win, the schema fills what is left.

mod file_checks;
mod read;
mod state;
mod validate;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::Finding;
use crate::error::{Error, Result};
use crate::keys::KeyLookup;
use crate::SecretValue;

use read::{Defs, Reader};
pub(crate) use state::states;
pub use state::VarState;
pub use validate::{Checker, PATTERN_BUDGET};

/// Where a resolved value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file (its index in the resolution's `files`), at this line.
    File { file: usize, line: usize },
    /// The process environment (it wins unless `--override`).
    Process,
    /// The schema: `from_file` or `default`.
    Schema,
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

/// What a problem does to the resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The first problem is the error (`run`, `get`).
    FailClosed,
    /// Problems are findings; a sealed value without a usable key is
    /// counted unchecked, or is an error when `keys_required`.
    Report { keys_required: bool },
}

/// How to resolve.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Where private keys are; `None` reads structure only (reporting).
    pub keys: Option<&'a KeyLookup>,
    pub mode: Mode,
    /// File values win over process variables (`run --override`; the
    /// hook, which checks what is staged).
    pub override_process: bool,
    /// The process environment is a source at all: of values and of
    /// `${…}` (not for deploy targets: what is committed is what is
    /// deployed, whatever the deployer's shell holds).
    pub process: bool,
    /// Failing closed: a header naming another environment is an error.
    pub strict_env: bool,
    /// Check the values against the schema (findings).
    pub validate: bool,
    /// Check `required` / `required_in` / `required_if` (with `validate`).
    pub presence: bool,
    /// Fill unset variables from the schema's `from_file` and `default`.
    pub defaults: bool,
    /// Report undeclared variables in one finding when there are many
    /// (`run`: a warning per variable on every start is noise; `check`
    /// lists each).
    pub summarize_unknown: bool,
}

impl<'a> Options<'a> {
    /// `run` and `get`: fail closed, defaults filled; `validate` when
    /// there is a schema (or `run --strict`).
    pub fn run(
        keys: &'a KeyLookup,
        override_process: bool,
        strict_env: bool,
        validate: bool,
    ) -> Self {
        Self {
            keys: Some(keys),
            mode: Mode::FailClosed,
            override_process,
            process: true,
            strict_env,
            validate,
            presence: validate,
            defaults: true,
            summarize_unknown: true,
        }
    }

    /// `check` and `status`: report, with presence; keys used when found
    /// (required with `keys_required`).
    pub fn check(keys: &'a KeyLookup, keys_required: bool) -> Self {
        Self {
            keys: Some(keys),
            mode: Mode::Report { keys_required },
            override_process: false,
            process: true,
            strict_env: false,
            validate: true,
            presence: true,
            defaults: false,
            summarize_unknown: false,
        }
    }

    /// What is staged in git: report without keys; the staged files win
    /// over the committer's process environment.
    pub fn staged(presence: bool) -> Self {
        Self {
            keys: None,
            mode: Mode::Report {
                keys_required: false,
            },
            override_process: true,
            process: true,
            strict_env: false,
            validate: true,
            presence,
            defaults: false,
            summarize_unknown: false,
        }
    }
}

/// One variable of a resolution.
#[derive(Debug)]
pub struct Var {
    pub name: String,
    /// Where the value comes from: the last definition's file and line,
    /// the process, or the schema.
    pub origin: Origin,
    /// Its assignments in the files, in load order.
    pub(crate) defs: Defs,
    /// The value when it is not the last definition's: the process's or
    /// the schema's.
    own: Option<SecretValue>,
}

impl Var {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            origin: Origin::Schema,
            defs: Defs::None,
            own: None,
        }
    }

    /// A variable the files do not set, with the process's or the
    /// schema's value.
    pub(crate) fn given(name: &str, value: SecretValue, origin: Origin) -> Self {
        Self {
            own: Some(value),
            origin,
            ..Self::new(name)
        }
    }

    /// The resolved value; `None` when it could not be read (reporting:
    /// no key, or a finding says why).
    pub fn value(&self) -> Option<&SecretValue> {
        match self.origin {
            Origin::File { .. } => self.defs.last()?.value.as_ref(),
            _ => self.own.as_ref(),
        }
    }

    /// The process's value wins over the files'.
    pub(crate) fn set_process(&mut self, value: SecretValue) {
        self.own = Some(value);
        self.origin = Origin::Process;
    }

    /// Whether the files define it, and whether its last value is sealed.
    pub fn sealed(&self) -> Option<bool> {
        self.defs.last().map(|d| d.sealed)
    }
}

/// An environment, resolved.
#[derive(Debug, Default)]
pub struct Resolution {
    pub env: String,
    /// The files resolved, in load order (`Origin::File` indexes them).
    pub files: Vec<PathBuf>,
    pub(crate) slots: Vec<Var>,
    /// What validation (and, reporting, reading) found.
    pub findings: Vec<Finding>,
    /// Variables the schema filled (`default`, `from_file`).
    pub defaults: Vec<String>,
    /// Files that were listed but do not exist.
    pub missing: Vec<PathBuf>,
    /// Plain values of secret variables in files with a header, when not
    /// validated (validating, each is a `secret-plain` finding).
    pub plain_secrets: Vec<PlainSecret>,
    /// dotenvx ciphertexts in plain dotenv files, left out.
    pub dropped: Vec<Dropped>,
    /// Variables whose file value the process overrides (with
    /// `override_process`): `run` without `--override` passes the process
    /// value instead.
    pub shadowed_by_process: Vec<String>,
    /// Sealed values not opened (no key).
    pub unchecked: usize,
    /// The values were checked against the schema (`findings` has the
    /// result).
    pub validated: bool,
    /// A file did not parse (reporting).
    pub(crate) syntax_error: bool,
    /// Name → index into `slots`.
    pub(crate) index: std::collections::HashMap<String, usize>,
}

impl Resolution {
    /// The variables with a value, in file order, then the schema's
    /// additions by name.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &SecretValue, &Origin)> {
        self.slots
            .iter()
            .filter_map(|v| Some((v.name.as_str(), v.value()?, &v.origin)))
    }

    /// Every variable, with a value or not (reporting).
    pub fn all(&self) -> &[Var] {
        &self.slots
    }

    pub fn var(&self, name: &str) -> Option<&Var> {
        self.index.get(name).map(|&i| &self.slots[i])
    }

    pub(crate) fn push(&mut self, var: Var) -> usize {
        let i = self.slots.len();
        self.index.insert(var.name.clone(), i);
        self.slots.push(var);
        i
    }

    /// The value of `name`, if it resolved to one.
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.var(name)?.value()
    }

    /// The values of `names` (all variables when empty), in that order;
    /// a name that resolved to nothing is an error.
    pub fn pick<'a>(&'a self, names: &'a [String]) -> Result<Vec<(&'a str, &'a SecretValue)>> {
        if names.is_empty() {
            return Ok(self.vars().map(|(name, value, _)| (name, value)).collect());
        }
        names
            .iter()
            .map(|n| {
                let value = self.get(n).ok_or_else(|| Error::NotSetInEnv {
                    env: self.env.clone(),
                    name: n.clone(),
                })?;
                Ok((n.as_str(), value))
            })
            .collect()
    }

    /// Fails on a value no environment variable can hold (a NUL byte),
    /// naming its file.
    pub fn check_exportable(&self) -> Result<()> {
        for (name, value, origin) in self.vars() {
            if value.expose().contains('\0') {
                let path = self
                    .file_of(origin)
                    .or(self.files.last().map(PathBuf::as_path));
                return Err(Error::NulInValue {
                    path: path.unwrap_or(Path::new("")).to_path_buf(),
                    name: name.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// A file of the environment does not parse (its findings say where).
    pub fn has_syntax_error(&self) -> bool {
        self.syntax_error
    }

    /// The path of a value's file, for messages.
    pub fn file_of(&self, origin: &Origin) -> Option<&Path> {
        match origin {
            Origin::File { file, .. } => Some(&self.files[*file]),
            _ => None,
        }
    }
}

/// Resolves `env` from `files` as they are on disk; `root` is where the
/// schema's `from_file` paths are relative to. Failing closed, an
/// environment whose files are all missing is an error, not an empty result.
pub fn resolve(
    config: &Config,
    root: &Path,
    env: &str,
    files: &[PathBuf],
    opts: &Options<'_>,
) -> Result<Resolution> {
    resolve_sources(config, root, env, read::read_all(files)?, opts)
}

/// Resolves `env` given its files' texts (`None`: the file does not exist),
/// e.g. as staged in the git index.
pub fn resolve_sources(
    config: &Config,
    root: &Path,
    env: &str,
    sources: Vec<(PathBuf, Option<String>)>,
    opts: &Options<'_>,
) -> Result<Resolution> {
    let mut reader = Reader::new(env, config, opts);
    let n = sources.len();
    for (path, text) in sources {
        reader.file(&path, text)?;
    }
    if opts.mode == Mode::FailClosed && n > 0 && reader.out.missing.len() == n {
        return Err(Error::NoFiles {
            env: env.into(),
            files: reader
                .out
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
        });
    }
    reader.note_shadowed();
    reader.settle()?;
    // Declared variables no file sets: the process's value, where it wins.
    let first_added = reader.out.slots.len();
    for name in config.vars.keys() {
        if reader.out.var(name).is_some() || crate::env_vars::is_key_var(name) {
            continue;
        }
        if let Some(value) = reader.process_value(name)? {
            reader.out.push(Var::given(name, value, Origin::Process));
        }
    }
    let mut out = reader.out;
    if opts.validate {
        Checker::new(config).validate(&mut out, opts.presence, opts.summarize_unknown);
        out.validated = true;
    }
    if opts.defaults {
        for (name, spec) in &config.vars {
            if out.var(name).is_some() || crate::env_vars::is_key_var(name) {
                continue;
            }
            if let Some(value) = crate::schema::schema_value(name, spec, root)? {
                out.defaults.push(name.clone());
                out.push(Var::given(name, value, Origin::Schema));
            }
        }
        out.slots[first_added..].sort_by(|a, b| a.name.cmp(&b.name));
        for (i, var) in out.slots.iter().enumerate().skip(first_added) {
            *out.index.get_mut(&var.name).expect("indexed when pushed") = i;
        }
    }
    Ok(out)
}
