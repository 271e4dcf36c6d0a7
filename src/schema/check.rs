//! Checking one environment against the schema: syntax, placement,
//! duplicates, unknown variables, presence and types. The result is a list
//! of findings that name variable, rule and place — never a value.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use super::finding::{Finding, Severity};
use super::types::check_value;
use super::{anchored, VarSpec};
use crate::config::Config;
use crate::dotenv::Quote;
use crate::error::{Error, Result};
use crate::keys::KeyLookup;
use crate::load::Openers;
use crate::{fsutil, SecretValue};

/// How far `check` may go with secrets.
#[derive(Debug, Clone, Copy)]
pub struct Secrets<'a> {
    /// Where to look for keys; `None` checks structure only.
    pub keys: Option<&'a KeyLookup>,
    /// A missing key is an error instead of "not checked".
    pub required: bool,
}

/// The findings for one environment.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Encrypted values whose type could not be checked (no key).
    pub unchecked: usize,
    /// Every variable the files define, and whether its last value is encrypted.
    pub defined: BTreeMap<String, bool>,
}

/// One assignment of a variable in one file.
struct Definition {
    file: PathBuf,
    line: usize,
    sealed: bool,
    in_header_file: bool,
    hash_without_space: bool,
    /// Plain value, or the opened secret; `None` when it could not be read.
    value: Option<SecretValue>,
}

/// How many bytes of values one checker matches against patterns in all:
/// a match costs up to (compiled size × value length), both bounded, so
/// this bounds the time a hostile envsafe.toml can make every `run` spend.
pub const PATTERN_BUDGET: usize = 256 << 10;

/// The schema, with its patterns compiled once.
pub struct Checker<'a> {
    config: &'a Config,
    patterns: HashMap<&'a str, regex_lite::Regex>,
    /// Bytes of values still allowed through patterns.
    pattern_budget: std::cell::Cell<usize>,
}

impl<'a> Checker<'a> {
    pub fn new(config: &'a Config) -> Self {
        let patterns = config
            .vars
            .iter()
            .filter_map(|(name, spec)| {
                let p = spec.pattern.as_ref()?;
                // Validated when the config was loaded.
                super::compile_pattern(&anchored(p.get_ref()))
                    .ok()
                    .map(|re| (name.as_str(), re))
            })
            .collect();
        Self {
            config,
            patterns,
            pattern_budget: std::cell::Cell::new(PATTERN_BUDGET),
        }
    }

    /// Checks `env`, whose files are `files` (in load order), as they are
    /// on disk.
    pub fn check_env(&self, env: &str, files: &[PathBuf], secrets: Secrets<'_>) -> Result<Report> {
        let mut sources = Vec::with_capacity(files.len());
        for path in files {
            sources.push((path.clone(), fsutil::read_optional(path)?));
        }
        self.check_sources(env, &sources, secrets, true)
    }

    /// Checks `env` given its files' texts (`None`: the file does not
    /// exist), e.g. as staged in the git index. `presence` turns the
    /// required-variable checks on.
    pub fn check_sources(
        &self,
        env: &str,
        sources: &[(PathBuf, Option<String>)],
        secrets: Secrets<'_>,
        presence: bool,
    ) -> Result<Report> {
        let mut report = Report::default();
        let mut defs: BTreeMap<String, Vec<Definition>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut openers = secrets.keys.map(|keys| Openers::new(keys, env));
        let mut syntax_error = false;
        let mut budget = crate::dotenv::value::MAX_GROWTH_TOTAL;
        for (path, text) in sources {
            let Some(text) = text.clone() else {
                continue;
            };
            let (doc, head, file_findings) =
                match super::file_checks::parse_file(env, path, text, self.config) {
                    Ok(parsed) => parsed,
                    Err(finding) => {
                        report.findings.push(*finding);
                        syntax_error = true;
                        continue;
                    }
                };
            report.findings.extend(file_findings);
            // Not checked without a header or a usable key (an error only
            // when keys are required).
            let mut key_missing = openers.is_none() || head.is_none();
            for e in doc.entries() {
                let value = if let Some(sealed) = e.sealed() {
                    let opened = match openers.as_mut().filter(|_| !key_missing) {
                        None => None,
                        Some(o) => match o.open_entry(path, head.as_ref(), &e, sealed) {
                            Ok(v) => Some(Ok(v)),
                            Err(Error::Decrypt { reason, .. }) => Some(Err(reason)),
                            Err(_) if !secrets.required => {
                                key_missing = true;
                                None
                            }
                            Err(err) => return Err(err),
                        },
                    };
                    match opened {
                        Some(Ok(v)) => Some(v),
                        Some(Err(reason)) => {
                            report.findings.push(
                                Finding::new(
                                    Severity::Error,
                                    env,
                                    e.name,
                                    "decrypt",
                                    format!("cannot be decrypted: {reason}"),
                                )
                                .at(path, e.line)
                                .help(Some("set it again with `envsafe set`".into())),
                            );
                            None
                        }
                        None => {
                            report.unchecked += 1;
                            if let Err(reason) = crate::envelope::check_shape(sealed) {
                                report.findings.push(
                                    Finding::new(
                                        Severity::Error,
                                        env,
                                        e.name,
                                        "malformed-value",
                                        format!("is not a valid envsafe value: {reason}"),
                                    )
                                    .at(path, e.line)
                                    .help(Some(format!("set it again: `envsafe set {}`", e.name))),
                                );
                            }
                            None
                        }
                    }
                } else {
                    let lookup = |n: &str| {
                        defs.get(n)
                            .and_then(|d| d.last())
                            .and_then(|d| d.value.as_ref())
                            .map(|v| v.expose().to_owned())
                            .or_else(|| crate::load::process_var(n))
                    };
                    plain_value(env, path, &e, &lookup, &mut budget, &mut report.findings)
                };
                let def = Definition {
                    file: path.clone(),
                    line: e.line,
                    sealed: e.sealed().is_some(),
                    in_header_file: head.is_some(),
                    hash_without_space: e.quote == Quote::None && e.raw.contains('#'),
                    value,
                };
                let list = defs.entry(e.name.to_owned()).or_default();
                if list.is_empty() {
                    order.push(e.name.to_owned());
                }
                list.push(def);
            }
        }
        for name in &order {
            self.check_defined(env, name, &defs[name], &mut report);
            let sealed = defs[name].last().is_some_and(|d| d.sealed);
            report.defined.insert(name.clone(), sealed);
        }
        // A file that does not parse hides what it defines: report the
        // syntax error, not its consequences.
        if presence && !syntax_error {
            self.check_presence(env, &defs, &mut report);
        }
        Ok(report)
    }

    fn check_defined(&self, env: &str, name: &str, list: &[Definition], report: &mut Report) {
        let last = list.last().expect("at least one definition");
        let spec = self.config.vars.get(name);
        let mut files: Vec<&Path> = list.iter().map(|d| d.file.as_path()).collect();
        files.dedup();
        if files.len() > 1 {
            let places: Vec<String> = list
                .iter()
                .map(|d| format!("{}:{}", d.file.display(), d.line))
                .collect();
            report.findings.push(
                Finding::new(
                    Severity::Warning,
                    env,
                    name,
                    "duplicate",
                    format!(
                        "is defined in {} files of this environment ({}); the last one wins",
                        files.len(),
                        places.join(", ")
                    ),
                )
                .at(&last.file, last.line)
                .help(Some("keep it in one file".into())),
            );
        }
        let plain_value = list
            .iter()
            .rev()
            .find(|d| !d.sealed)
            .and_then(|d| d.value.as_ref());
        let secret = match spec {
            Some(s) => s.is_secret(name, plain_value.map(SecretValue::expose)),
            None => super::secret_by_name(name, plain_value.map(SecretValue::expose)),
        };
        for d in list {
            let empty = d.value.as_ref().is_some_and(|v| v.expose().is_empty());
            if secret && !d.sealed && !empty {
                let shown = d.file.display();
                let help = if d.in_header_file {
                    format!("encrypt it: `envsafe -f {shown} encrypt`")
                } else {
                    format!("move it to the encrypted file: `envsafe set {name}` (value on stdin), then `envsafe -f {shown} unset {name}`")
                };
                report.findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        name,
                        "secret-plain",
                        "is secret but stored in plain text",
                    )
                    .at(&d.file, d.line)
                    .help(Some(help)),
                );
            }
            if spec.and_then(|s| s.secret) == Some(false) && d.sealed {
                report.findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        name,
                        "public-encrypted",
                        "is declared `secret = false` but stored encrypted",
                    )
                    .at(&d.file, d.line)
                    .help(Some(format!(
                        "store it plain: `envsafe get {name} | envsafe set --plain {name}`"
                    ))),
                );
            }
            if d.hash_without_space && !d.sealed {
                report.findings.push(Finding::new(Severity::Warning, env, name, "hash-in-value", "has a `#` with no space before it: dotenvx and some other tools cut the value there").at(&d.file, d.line).help(Some("quote the value".into())));
            }
        }
        let Some(spec) = spec else {
            if !self.config.vars.is_empty() {
                let severity = if self.config.settings.strict {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                report.findings.push(
                    Finding::new(
                        severity,
                        env,
                        name,
                        "unknown",
                        "is not declared in envsafe.toml",
                    )
                    .at(&last.file, last.line)
                    .help(Some(format!("declare it: [vars.{name}]"))),
                );
            }
            return;
        };
        if let Some(value) = &last.value {
            let mut pattern = self.patterns.get(name);
            if pattern.is_some() {
                let len = value
                    .expose()
                    .len()
                    .min(super::types::MAX_PATTERN_INPUT + 1);
                match self.pattern_budget.get().checked_sub(len) {
                    Some(left) => self.pattern_budget.set(left),
                    None => {
                        pattern = None;
                        report.findings.push(
                            Finding::new(
                                Severity::Error,
                                env,
                                name,
                                "pattern",
                                format!(
                                    "was not matched against its pattern: more than {} KiB of values were already matched in this run",
                                    PATTERN_BUDGET >> 10
                                ),
                            )
                            .at(&last.file, last.line)
                            .help(Some("use fewer or simpler `pattern` rules (`length`, `values`, `type` cost nothing)".into())),
                        );
                    }
                }
            }
            if let Some(v) = check_value(spec, pattern, value.expose()) {
                report.findings.push(
                    Finding::new(Severity::Error, env, name, v.rule, v.message)
                        .at(&last.file, last.line)
                        .help(spec.description.as_ref().map(|d| format!("{name}: {d}"))),
                );
            }
        }
    }

    fn check_presence(
        &self,
        env: &str,
        defs: &BTreeMap<String, Vec<Definition>>,
        report: &mut Report,
    ) {
        let value_of = |n: &str| -> Option<Option<&str>> {
            // Some(None): set but unreadable (sealed, no key).
            defs.get(n)
                .and_then(|d| d.last())
                .map(|d| d.value.as_ref().map(SecretValue::expose))
        };
        for (name, spec) in &self.config.vars {
            let present = match value_of(name) {
                Some(Some(v)) => !v.is_empty(),
                Some(None) => true,
                None => false,
            };
            if present || spec.default.is_some() || spec.from_file.is_some() {
                continue;
            }
            if let Some(why) = required_because(spec, env, &value_of) {
                report.findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        name,
                        "missing",
                        format!("is required{why} but not set"),
                    )
                    .help(Some(match &spec.description {
                        Some(d) => format!("set it: `envsafe -e {env} set {name}` ({d})"),
                        None => format!("set it: `envsafe -e {env} set {name}`"),
                    })),
                );
            }
        }
    }
}

/// Why `spec` is required in `env` (text for the message), if it is.
fn required_because<'v>(
    spec: &VarSpec,
    env: &str,
    value_of: &dyn Fn(&str) -> Option<Option<&'v str>>,
) -> Option<String> {
    if spec.required {
        return Some(String::new());
    }
    if spec.required_in.iter().any(|e| e == env) {
        return Some(format!(" in {env}"));
    }
    if !spec.required_if.is_empty()
        && spec
            .required_if
            .iter()
            .all(|(other, want)| value_of(other) == Some(Some(want.as_str())))
    {
        let conds: Vec<String> = spec
            .required_if
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        return Some(format!(" when {}", conds.join(" and ")));
    }
    None
}

/// A plain value as `run` would see it; `None` with a finding when it
/// cannot be used: ciphertext in disguise, or an expansion error.
fn plain_value(
    env: &str,
    path: &Path,
    e: &crate::dotenv::Entry<'_>,
    lookup: crate::dotenv::value::Lookup<'_>,
    budget: &mut usize,
    findings: &mut Vec<Finding>,
) -> Option<SecretValue> {
    match e.decode_within(lookup, budget) {
        Ok(v) => {
            let v = SecretValue::new(v);
            let Some(kind) = crate::envelope::ciphertext_kind(v.expose()) else {
                return Some(v);
            };
            findings.push(
                Finding::new(
                    Severity::Error,
                    env,
                    e.name,
                    "ciphertext",
                    format!("holds {} that is not opened as one", kind.describe()),
                )
                .at(path, e.line)
                .help(Some(format!(
                    "write it exactly as envsafe does (`{}=\"envsafe:v1:…\"`), or set it again with `envsafe set {}`",
                    e.name, e.name
                ))),
            );
            None
        }
        Err(err) => {
            // `decode_within` fails only with a located expansion error.
            let (line, col, message) = match &err {
                Error::Expand { at, message, .. } => (at.line, at.col, message.clone()),
                other => (e.line, e.col, other.to_string()),
            };
            findings.push(
                Finding::new(
                    Severity::Error,
                    env,
                    e.name,
                    "expand",
                    format!("{message} (column {col})"),
                )
                .at(path, line)
                .help(err.help()),
            );
            None
        }
    }
}
