//! Catching a secret by its value: with a private key at hand, the hook
//! opens the current secrets and looks for their exact values (8 bytes or
//! more) in every staged blob, so a secret pasted into `config.py` is
//! caught by value, not by pattern. Matches name the variable, never the
//! value.

use std::path::Path;

use aho_corasick::AhoCorasick;

use crate::diag::{Code, Finding, Severity};
use crate::SecretValue;

/// Shorter values match too much ordinary text to be worth blocking on.
pub const MIN_LEN: usize = 8;

/// The values to look for, and which variable each belongs to.
pub struct SecretValues {
    /// (environment, variable) per pattern.
    owners: Vec<(String, String)>,
    matcher: Option<AhoCorasick>,
}

impl SecretValues {
    /// `values`: (environment, variable, value). Short and repeated values
    /// are dropped.
    pub fn new(values: Vec<(String, String, SecretValue)>) -> Self {
        // The first of equal values is kept (a set: thousands of values
        // must not cost a comparison with every value kept before).
        let keep: Vec<bool> = {
            let mut seen = std::collections::HashSet::new();
            values
                .iter()
                .map(|(_, _, v)| v.expose().len() >= MIN_LEN && seen.insert(v.expose()))
                .collect()
        };
        let mut owners = Vec::new();
        let mut patterns: Vec<SecretValue> = Vec::new();
        for ((env, name, value), keep) in values.into_iter().zip(keep) {
            if keep {
                owners.push((env, name));
                patterns.push(value);
            }
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::new(patterns.iter().map(SecretValue::expose)).ok()
        };
        Self { owners, matcher }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// Where `bytes` (the staged blob at `path`) contains a secret's value.
    pub fn find(&self, path: &Path, bytes: &[u8]) -> Vec<Finding> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let mut out: Vec<Finding> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let (mut line, mut counted) = (1, 0);
        for m in matcher.find_overlapping_iter(bytes) {
            line += memchr::memchr_iter(b'\n', &bytes[counted..m.start()]).count();
            counted = m.start();
            let (env, name) = &self.owners[m.pattern().as_usize()];
            if !seen.insert((line, m.pattern())) {
                continue;
            }
            out.push(
                Finding::new(
                    Severity::Error,
                    env,
                    name,
                    Code::SecretValue,
                    format!("the staged text contains the value of secret {name} ({env})"),
                )
                .at(path, line)
                .help(Some(format!(
                    "remove it; read it at run time instead (`envsafe run -- …` sets {name})"
                ))),
            );
        }
        out
    }
}
