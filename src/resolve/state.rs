//! A variable's state in one environment, as `status` shows it: derived
//! from the resolution's findings by code, in one place.

use std::collections::HashMap;

use super::Resolution;
use crate::config::Config;
use crate::diag::Code;

/// One cell of `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarState {
    /// Set (and valid, as far as could be checked).
    Set,
    /// Required but not set.
    Missing,
    /// Breaks a rule.
    Invalid,
    /// A secret stored plain.
    PlainSecret,
    /// Unset; the schema supplies it (`default`, `from_file`).
    Default,
    /// Unset, not required.
    Unset,
}

impl VarState {
    /// The word `status` prints (and its `--json` uses).
    pub fn word(self) -> &'static str {
        match self {
            VarState::Set => "set",
            VarState::Missing => "missing",
            VarState::Invalid => "invalid",
            VarState::PlainSecret => "plain!",
            VarState::Default => "default",
            VarState::Unset => "-",
        }
    }

    /// Whether the state is a problem.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            VarState::Missing | VarState::Invalid | VarState::PlainSecret
        )
    }
}

/// The states of `names` in one resolved environment (linear: the
/// findings are grouped by variable once).
pub(crate) fn states<'a>(
    res: &Resolution,
    config: &Config,
    names: impl Iterator<Item = &'a String>,
) -> Vec<VarState> {
    let mut errors: HashMap<&str, Vec<Code>> = HashMap::new();
    for f in res.findings.iter().filter(|f| f.is_error()) {
        errors.entry(f.name.as_str()).or_default().push(f.code);
    }
    names
        .map(|name| {
            let errors = errors.get(name.as_str()).map_or(&[][..], Vec::as_slice);
            if errors.contains(&Code::SecretPlain) {
                VarState::PlainSecret
            } else if errors.contains(&Code::Missing) {
                VarState::Missing
            } else if !errors.is_empty() {
                VarState::Invalid
            } else if res.var(name).is_some_and(|v| v.sealed().is_some()) {
                VarState::Set
            } else if config
                .vars
                .get(name)
                .is_some_and(|s| s.default.is_some() || s.from_file.is_some())
            {
                VarState::Default
            } else {
                VarState::Unset
            }
        })
        .collect()
}
