//! The reading half of a resolution: every file of the environment read
//! and parsed once, its header checked, each sealed value opened (one
//! opener per public key), each plain value expanded with the one
//! precedence rule. Problems fail the pass (`run`, `get`: fail closed) or
//! become findings (`check`, `status`, the hook), by [`Mode`].

use std::path::{Path, PathBuf};

use super::{file_checks, Dropped, Mode, Options, Origin, PlainSecret, Resolution, Var};
use crate::config::Config;
use crate::diag::{Code, Finding};
use crate::dotenv::{Document, Entry, Quote};
use crate::envelope::{self, Ciphertext};
use crate::error::{Error, Result};
use crate::header::{self, Header};
use crate::keys::Openers;
use crate::SecretValue;

/// One assignment of a variable in one file.
#[derive(Debug)]
pub(crate) struct Def {
    /// Index into the resolution's `files`.
    pub file: usize,
    pub line: usize,
    pub sealed: bool,
    pub in_header_file: bool,
    /// Unquoted with a `#` not preceded by a space (other tools cut it).
    pub hash_without_space: bool,
    /// The value is known to be empty.
    pub empty: bool,
    /// Plain value, or the opened secret; `None` when it could not be read.
    pub value: Option<SecretValue>,
}

/// A process variable as `${…}` sees it: key variables never expand.
pub(crate) fn process_var(name: &str) -> Option<String> {
    if crate::env_vars::is_key_var(name) {
        return None;
    }
    std::env::var(name).ok()
}

/// The pass's state: what is defined so far, and the opener cache.
pub(crate) struct Reader<'a> {
    env: &'a str,
    config: &'a Config,
    opts: &'a Options<'a>,
    openers: Option<Openers<'a>>,
    /// Expansion growth left for the whole environment.
    budget: usize,
    pub out: Resolution,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(env: &'a str, config: &'a Config, opts: &'a Options<'a>) -> Self {
        Self {
            env,
            config,
            opts,
            openers: opts.keys.map(|keys| Openers::new(keys, env)),
            budget: crate::dotenv::value::MAX_GROWTH_TOTAL,
            out: Resolution {
                env: env.to_owned(),
                ..Resolution::default()
            },
        }
    }

    fn report(&self) -> bool {
        matches!(self.opts.mode, Mode::Report { .. })
    }

    /// A problem: the error when failing closed, else the finding.
    fn problem(&mut self, err: Error, finding: Finding) -> Result<()> {
        if self.report() {
            self.out.findings.push(finding);
            Ok(())
        } else {
            Err(err)
        }
    }

    /// Reads one file (`text`: its contents, `None` when it does not exist).
    pub(crate) fn file(&mut self, path: &Path, text: Option<String>) -> Result<()> {
        let file = self.out.files.len();
        self.out.files.push(path.to_path_buf());
        let Some(text) = text else {
            self.out.missing.push(path.to_path_buf());
            return Ok(());
        };
        let doc = match Document::parse(path, text) {
            Ok(doc) => doc,
            Err(err) if self.report() => {
                self.out
                    .findings
                    .push(file_checks::syntax(self.env, path, &err));
                self.out.syntax_error = true;
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        let head = match file_checks::header(self.env, path, &doc, self.config) {
            Ok((head, findings)) => {
                if let Some(file_env) = head.as_ref().and_then(|h| h.env.as_deref()) {
                    if self.opts.strict_env && file_env != self.env && !self.report() {
                        return Err(Error::EnvMismatch {
                            at: header::location(&doc),
                            file_env: file_env.to_owned(),
                            selected: self.env.to_owned(),
                        });
                    }
                }
                self.out.findings.extend(findings);
                head
            }
            Err(err) if self.report() => {
                let finding = file_checks::bad_header(self.env, path, &doc, &err);
                self.out.findings.push(finding);
                // Its sealed values have no usable header either.
                let no_header = file_checks::no_header(self.env, path, &doc);
                self.out.findings.extend(no_header);
                None
            }
            Err(err) => return Err(err),
        };
        // Sealed values are not read without a header or a usable key
        // (reporting; failing closed, that is an error).
        let mut key_missing = self.report() && (self.openers.is_none() || head.is_none());
        for entry in doc.entries() {
            if crate::env_vars::is_key_var(entry.name) && !self.report() {
                return Err(Error::KeysFileTarget {
                    path: path.to_path_buf(),
                    why: "holds private keys: a keys file is never loaded as an env file",
                });
            }
            let value = match entry.sealed() {
                Some(sealed) => {
                    self.sealed(path, head.as_ref(), &entry, sealed, &mut key_missing)?
                }
                None => match self.plain(path, head.is_some(), &entry)? {
                    Plain::Value(v) => Some(v),
                    Plain::Unusable => None,
                    Plain::Dropped => continue,
                },
            };
            let def = Def {
                file,
                line: entry.line,
                sealed: entry.sealed().is_some(),
                in_header_file: head.is_some(),
                hash_without_space: entry.quote == Quote::None && entry.raw.contains('#'),
                empty: value.as_ref().is_some_and(|v| v.expose().is_empty()),
                value,
            };
            let i = match self.out.index.get(entry.name) {
                Some(&i) => i,
                None => self.out.push(Var::new(entry.name)),
            };
            let var = &mut self.out.slots[i];
            var.origin = Origin::File {
                file,
                line: entry.line,
            };
            var.defs.push(def);
        }
        Ok(())
    }

    /// Opens a sealed value. Reporting without a key, counts it unchecked
    /// and checks its shape; a value that does not open is a finding.
    fn sealed(
        &mut self,
        path: &Path,
        head: Option<&Header>,
        entry: &Entry<'_>,
        sealed: &str,
        key_missing: &mut bool,
    ) -> Result<Option<SecretValue>> {
        let keys_required = matches!(
            self.opts.mode,
            Mode::Report {
                keys_required: true
            }
        );
        if !*key_missing {
            let openers = self.openers.as_mut().expect("no keys means key_missing");
            match openers.open_entry(path, head, entry, sealed) {
                Ok(v) => return Ok(Some(v)),
                Err(Error::Decrypt { reason, .. }) if self.report() => {
                    self.out.findings.push(
                        Finding::error(
                            self.env,
                            entry.name,
                            Code::Decrypt,
                            format!("cannot be decrypted: {reason}"),
                        )
                        .at(path, entry.line)
                        .help(Some("set it again with `envsafe set`".into())),
                    );
                    return Ok(None);
                }
                Err(_) if self.report() && !keys_required => *key_missing = true,
                Err(err) => return Err(err),
            }
        }
        self.out.unchecked += 1;
        if let Err(reason) = envelope::check_shape(sealed) {
            self.out.findings.push(
                Finding::error(
                    self.env,
                    entry.name,
                    Code::MalformedValue,
                    format!("is not a valid envsafe value: {reason}"),
                )
                .at(path, entry.line)
                .help(Some(format!("set it again: `envsafe set {}`", entry.name))),
            );
        }
        Ok(None)
    }

    /// A plain value, expanded with the one precedence rule: the process
    /// first unless `override_process`, then earlier variables.
    fn plain(&mut self, path: &Path, in_header_file: bool, entry: &Entry<'_>) -> Result<Plain> {
        let slots = &self.out.slots;
        let index = &self.out.index;
        let file_value = |name: &str| {
            let slot = &slots[*index.get(name)?];
            slot.defs
                .last()?
                .value
                .as_ref()
                .map(|v| v.expose().to_owned())
        };
        let lookup = |name: &str| -> Option<String> {
            if !self.opts.process {
                file_value(name)
            } else if self.opts.override_process {
                file_value(name).or_else(|| process_var(name))
            } else {
                process_var(name).or_else(|| file_value(name))
            }
        };
        let value = match entry.decode_within(&lookup, &mut self.budget) {
            Ok(v) => SecretValue::new(v),
            Err(err) => {
                let finding = expand_finding(self.env, path, entry, &err);
                self.problem(err, finding)?;
                return Ok(Plain::Unusable);
            }
        };
        if let Some(kind) = envelope::ciphertext_kind(value.expose()) {
            // Never passed on as if it were the secret. A dotenvx value in
            // a plain dotenv file (one being migrated) is left out, with a
            // warning; anywhere else it fails.
            if kind == Ciphertext::Dotenvx && !in_header_file && !self.report() {
                self.out.dropped.push(Dropped {
                    path: path.to_path_buf(),
                    line: entry.line,
                    name: entry.name.to_owned(),
                });
                return Ok(Plain::Dropped);
            }
            let err = Error::Ciphertext {
                place: format!("{}:{}: ", path.display(), entry.line),
                name: entry.name.into(),
                kind,
            };
            let finding = ciphertext_finding(self.env, entry.name, kind).at(path, entry.line);
            self.problem(err, finding)?;
            return Ok(Plain::Unusable);
        }
        // (Validating, the `secret-plain` finding says it.)
        if in_header_file
            && !self.opts.validate
            && !value.expose().is_empty()
            && crate::schema::placement(&self.config.vars, entry.name, Some(value.expose())).secret
        {
            self.out.plain_secrets.push(PlainSecret {
                path: path.to_path_buf(),
                line: entry.line,
                name: entry.name.to_owned(),
            });
        }
        Ok(Plain::Value(value))
    }

    /// The process's value of `name`, where it wins (unless
    /// `override_process`).
    pub(crate) fn process_value(&mut self, name: &str) -> Result<Option<SecretValue>> {
        if self.opts.override_process || !self.opts.process {
            return Ok(None);
        }
        match std::env::var_os(name) {
            Some(raw) => self.accept_process(name, &raw),
            None => Ok(None),
        }
    }

    /// `raw`, the process's value of `name`, as a value. Ciphertext there
    /// (compose's `env_file: .env` loading the sealed file as is) is never
    /// passed on.
    fn accept_process(&mut self, name: &str, raw: &std::ffi::OsStr) -> Result<Option<SecretValue>> {
        let v = SecretValue::new(raw.to_string_lossy().into_owned());
        if let Some(kind) = envelope::ciphertext_kind(v.expose()) {
            let err = Error::Ciphertext {
                place: "the process environment: ".into(),
                name: name.to_owned(),
                kind,
            };
            let mut finding = ciphertext_finding(self.env, name, kind);
            finding.message.push_str(" (in the process environment)");
            self.problem(err, finding)?;
            return Ok(None);
        }
        Ok(Some(v))
    }

    /// The process's variables that the files also set (key variables
    /// never): their slots and values. The process's variables are few,
    /// the files' may be thousands: the environment is walked once rather
    /// than searched for each name.
    /// In file order.
    fn process_overlap(&self) -> Vec<(usize, std::ffi::OsString)> {
        let mut overlap: Vec<_> = std::env::vars_os()
            .filter_map(|(name, value)| {
                let name = name.to_str()?;
                let &i = self.out.index.get(name)?;
                (!crate::env_vars::is_key_var(name)).then_some((i, value))
            })
            .collect();
        overlap.sort_unstable_by_key(|(i, _)| *i);
        overlap
    }

    /// Names the process sets to another value than the files (for `get`:
    /// plain `run` would pass the process's).
    pub(crate) fn note_shadowed(&mut self) {
        if !self.opts.override_process || !self.opts.process {
            return;
        }
        for (i, raw) in self.process_overlap() {
            let slot = &self.out.slots[i];
            let Some(file_value) = slot.defs.last().and_then(|d| d.value.as_ref()) else {
                continue;
            };
            if raw.as_encoded_bytes() != file_value.expose().as_bytes() {
                self.out.shadowed_by_process.push(slot.name.clone());
            }
        }
    }

    /// Lets the process's value win where it does (each variable's origin
    /// is otherwise its last definition).
    pub(crate) fn settle(&mut self) -> Result<()> {
        if self.opts.override_process {
            return Ok(());
        }
        for (i, raw) in self.process_overlap() {
            let name = self.out.slots[i].name.clone();
            let Some(value) = self.accept_process(&name, &raw)? else {
                continue;
            };
            self.out.slots[i].set_process(value);
        }
        Ok(())
    }
}

enum Plain {
    Value(SecretValue),
    /// Not usable (a finding says why).
    Unusable,
    /// A dotenvx value in a plain file: left out.
    Dropped,
}

fn expand_finding(env: &str, path: &Path, entry: &Entry<'_>, err: &Error) -> Finding {
    // `decode_within` fails only with a located expansion error.
    let (line, col, message) = match err {
        Error::Expand { at, kind, .. } => (at.line, at.col, kind.to_string()),
        other => (entry.line, entry.col, other.to_string()),
    };
    Finding::error(
        env,
        entry.name,
        Code::Expand,
        format!("{message} (column {col})"),
    )
    .at(path, line)
    .help(err.help())
}

fn ciphertext_finding(env: &str, name: &str, kind: Ciphertext) -> Finding {
    Finding::error(
        env,
        name,
        Code::Ciphertext,
        format!("holds {} that is not opened as one", kind.describe()),
    )
    .help(Some(format!(
        "write it exactly as envsafe does (`{}=\"envsafe:v1:…\"`), or set it again with `envsafe set {}`",
        name, name
    )))
}

/// The files' texts, read as they are on disk.
pub(crate) fn read_all(files: &[PathBuf]) -> Result<Vec<(PathBuf, Option<String>)>> {
    files
        .iter()
        .map(|f| Ok((f.clone(), crate::fsutil::read_optional(f)?)))
        .collect()
}

/// A variable's definitions: nearly always one, kept inline (no allocation
/// per variable; `run` resolves thousands).
#[derive(Debug, Default)]
pub(crate) enum Defs {
    #[default]
    None,
    One(Def),
    Many(Vec<Def>),
}

impl Defs {
    pub(crate) fn push(&mut self, def: Def) {
        *self = match std::mem::take(self) {
            Defs::None => Defs::One(def),
            Defs::One(first) => Defs::Many(vec![first, def]),
            Defs::Many(mut all) => {
                all.push(def);
                Defs::Many(all)
            }
        };
    }

    pub(crate) fn as_slice(&self) -> &[Def] {
        match self {
            Defs::None => &[],
            Defs::One(d) => std::slice::from_ref(d),
            Defs::Many(all) => all,
        }
    }
}

impl std::ops::Deref for Defs {
    type Target = [Def];

    fn deref(&self) -> &[Def] {
        self.as_slice()
    }
}
