//! A target's variables with their values: the target's environment
//! resolved by the one resolution (`resolve`), from its files only — what
//! is committed is what is deployed, never a variable that happens to be
//! set in the deployer's shell — and checked against the schema.

use crate::diag::{Code, Finding};
use crate::error::{Error, Result};
use crate::resolve::{self, Mode, Options};
use crate::workspace::Workspace;
use crate::SecretValue;

use super::config::TargetConfig;

/// One variable on a target.
#[derive(Debug)]
pub struct Entry {
    /// Its name on the target.
    pub name: String,
    /// The variable it comes from.
    pub source: String,
    pub value: SecretValue,
}

/// A target with its values.
#[derive(Debug)]
pub struct Loaded {
    pub target: String,
    pub config: TargetConfig,
    /// Entries with a value, in `vars` order.
    pub entries: Vec<Entry>,
    /// What keeps a target variable from being sent: not set, or breaking
    /// the schema (errors only; about the target's variables and files).
    pub findings: Vec<Finding>,
    /// Sealed values not opened (`check --target` without a key).
    pub unchecked: usize,
}

impl Loaded {
    /// (name, value) pairs, for the encoders.
    pub fn pairs(&self) -> Vec<(&str, &SecretValue)> {
        self.entries
            .iter()
            .map(|e| (e.name.as_str(), &e.value))
            .collect()
    }

    /// Fails when a finding keeps the target from being sent.
    pub fn ready(&self) -> Result<()> {
        if self.findings.is_empty() {
            return Ok(());
        }
        Err(Error::TargetInvalid {
            target: self.target.clone(),
            env: self.config.env.clone(),
            count: self.findings.len(),
        })
    }
}

/// How a target is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `export`, `push`, `diff`: every value opened (fail closed).
    Send,
    /// `check --target`: findings; sealed values checked when a key is at
    /// hand (or required, `keys_required`).
    Check { keys_required: bool },
}

/// The target `name` of the workspace's project.
pub fn config<'a>(ws: &'a Workspace, name: &str) -> Result<&'a TargetConfig> {
    ws.project
        .config
        .targets
        .get(name)
        .ok_or_else(|| Error::UnknownTarget {
            name: name.to_owned(),
            known: ws.project.config.targets.keys().cloned().collect(),
        })
}

/// Loads target `name`: its environment's files resolved, then each
/// target variable's value; findings for what is missing or invalid.
pub fn load(ws: &Workspace, name: &str, purpose: Purpose) -> Result<Loaded> {
    let config = config(ws, name)?.clone();
    let env = config.env.as_str();
    if ws.envs.iter().any(|e| e != env) || !ws.files.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "target `{name}` sends environment `{env}`, from its files: -e and -f do not apply"
            ),
            help: format!(
                "drop -e/-f; [targets.{name}] env in envsafe.toml says which environment"
            ),
        });
    }
    let files = ws.project.files(env)?;
    super::paths::check(ws, name, &config)?;
    let keys = ws.keys();
    let has_schema = !ws.project.config.vars.is_empty();
    let opts = match purpose {
        Purpose::Send => Options {
            override_process: true,
            process: false,
            ..Options::run(&keys, true, true, has_schema)
        },
        Purpose::Check { keys_required } => Options {
            override_process: true,
            process: false,
            ..Options::check(&keys, keys_required)
        },
    };
    let res = resolve::resolve(&ws.project.config, &ws.project.root, env, &files, &opts)?;
    let sources: std::collections::HashSet<&str> = config.sources().into_iter().collect();
    let mut findings: Vec<Finding> = res
        .findings
        .iter()
        .filter(|f| f.is_error() && (f.name.is_empty() || sources.contains(&f.name.as_str())))
        .filter(|f| f.code != Code::Missing)
        .cloned()
        .collect();
    let mut entries = Vec::with_capacity(config.vars.len());
    for (target_name, source) in config.entries() {
        match res.var(source).map(|v| (v.value(), v.sealed())) {
            Some((Some(value), _)) => entries.push(Entry {
                name: target_name.to_owned(),
                source: source.to_owned(),
                value: value.clone(),
            }),
            // Sealed and not opened (reporting without a key).
            Some((None, Some(true))) if matches!(opts.mode, Mode::Report { .. }) => {}
            // A finding already says why it has no value.
            Some((None, _)) if findings.iter().any(|f| f.name == source) => {}
            _ => {
                let sent_as = if target_name == source {
                    String::new()
                } else {
                    format!(" (sent as `{target_name}`)")
                };
                findings.push(
                    Finding::error(
                        env,
                        source,
                        Code::Missing,
                        format!("target `{name}` sends `{source}`{sent_as}, which environment `{env}` does not set"),
                    )
                    .help(format!("set it: `envsafe -e {env} set {source}`")),
                );
            }
        }
    }
    Ok(Loaded {
        target: name.to_owned(),
        config,
        entries,
        findings,
        unchecked: res.unchecked,
    })
}

/// Loads each of `names` (each once, in order).
pub fn load_all(ws: &Workspace, names: &[String], purpose: Purpose) -> Result<Vec<Loaded>> {
    let mut seen: Vec<&String> = Vec::new();
    let mut out = Vec::new();
    for name in names {
        if !seen.contains(&name) {
            seen.push(name);
            out.push(load(ws, name, purpose)?);
        }
    }
    Ok(out)
}
