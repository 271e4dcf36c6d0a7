//! The pre-commit checks (DESIGN §10) on staged blobs: keys files and
//! private key material in any file; in env files, plain secrets, malformed
//! sealed values and the schema (via `schema::Checker` on the staged texts).
//! The cost follows what is staged: one tree-to-index diff, then only the
//! staged blobs (and the other files of a touched environment) are read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, FileMode, Index, Repository};

use crate::config::{env_from_file_name, Config};
use crate::error::Result;
use crate::header;
use crate::schema::{Checker, Finding, Secrets, Severity};

/// What the scan found.
#[derive(Debug, Default)]
pub struct StagedScan {
    pub findings: Vec<Finding>,
    /// Staged files looked at (added, modified, renamed; not deletions).
    pub files: usize,
    /// Staged files skipped by `[hook] allow`.
    pub allowed: usize,
}

const BECH32: &[u8] = b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

/// Whether `line` holds an age private key: the prefix and at least 50
/// bech32 characters (so documentation's `AGE-SECRET-KEY-1…` is not one).
fn has_age_key(line: &str) -> bool {
    line.match_indices("AGE-SECRET-KEY-1").any(|(i, m)| {
        line.as_bytes()[i + m.len()..]
            .iter()
            .take_while(|b| BECH32.contains(b))
            .count()
            >= 50
    })
}

/// `ENVSAFE_PRIVATE_KEY…=value` with a real-looking value (not empty, not a
/// `$VAR` reference or a `…` placeholder).
fn private_key_assignment(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("export ").unwrap_or(t).trim_start();
    if !t.starts_with("ENVSAFE_PRIVATE_KEY") {
        return None;
    }
    let end = t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = t.split_at(end);
    let value = rest.trim_start().strip_prefix(['=', ':'])?.trim();
    let value = value.trim_matches(['"', '\'']);
    let looks_real = value.len() >= 20
        && !value.starts_with('$')
        && !value.contains('…')
        && !value.contains("...")
        && !value.contains(char::is_whitespace);
    looks_real.then_some(name)
}

fn is_keys_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == ".env.keys" || name.ends_with(".keys")
}

/// The text of `path` in `index` (stage 0), if it is there.
fn index_text(repo: &Repository, index: &Index, path: &str) -> Option<String> {
    let entry = index.get_path(Path::new(path), 0)?;
    let blob = repo.find_blob(entry.id).ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
}

/// Scans what is staged. `project_root` is where envsafe.toml's paths are
/// relative to; `require` also checks that required variables are present.
pub fn scan_staged(config: &Config, project_root: &Path, require: bool) -> Result<StagedScan> {
    let mut out = StagedScan::default();
    let (repo, Some(index)) = super::open()? else {
        return Ok(out); // a bare repository has nothing staged
    };
    let root = if project_root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        project_root
    };
    let project_prefix = match (
        repo.workdir().and_then(|w| w.canonicalize().ok()),
        root.canonicalize().ok(),
    ) {
        (Some(top), Some(here)) => here
            .strip_prefix(&top)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo.diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))?;
    let mut staged: BTreeMap<String, git2::Oid> = BTreeMap::new();
    for delta in diff.deltas() {
        if matches!(
            delta.status(),
            Delta::Deleted | Delta::Unmodified | Delta::Ignored
        ) {
            continue;
        }
        let file = delta.new_file();
        if matches!(
            file.mode(),
            FileMode::Commit | FileMode::Link | FileMode::Unreadable
        ) {
            continue; // submodules and symlinks carry no content of ours
        }
        if let Some(path) = file.path().and_then(Path::to_str) {
            staged.insert(path.to_owned(), file.id());
        }
    }
    let project_path = |p: &str| -> String {
        if project_prefix.is_empty() {
            p.to_owned()
        } else {
            format!("{}/{p}", project_prefix.trim_end_matches('/'))
        }
    };
    // Environment files per environment, as repository paths.
    let env_files: BTreeMap<&str, Vec<String>> = config
        .environments
        .iter()
        .map(|(env, c)| {
            let files = c
                .files
                .clone()
                .unwrap_or_else(|| vec![crate::config::default_file(env)]);
            (
                env.as_str(),
                files.iter().map(|f| project_path(f)).collect(),
            )
        })
        .collect();
    let mut touched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, oid) in &staged {
        if crate::git::allowed(&config.hook.allow, path) {
            out.allowed += 1;
            continue;
        }
        out.files += 1;
        let at = PathBuf::from(path);
        if is_keys_file(path) {
            out.findings.push(
                Finding::new(
                    Severity::Error,
                    "",
                    "",
                    "keys-file",
                    "a private keys file is staged",
                )
                .help(Some(format!(
                    "unstage it (`git rm --cached {path}`) and add it to .gitignore"
                ))),
            );
            out.findings.last_mut().expect("pushed").file = Some(at);
            continue;
        }
        let blob = repo.find_blob(*oid)?;
        let text = String::from_utf8_lossy(blob.content());
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let name = private_key_assignment(line);
            if has_age_key(line) || name.is_some() {
                out.findings.push(
                    Finding::new(Severity::Error, "", name.unwrap_or(""), "private-key", "private key material")
                        .at(&at, i + 1)
                        .help(Some("remove it from the file; private keys belong in .env.keys (git-ignored) or the keyring".into())),
                );
            }
        }
        // Which environments this file belongs to.
        let mut envs: Vec<String> = env_files
            .iter()
            .filter(|(_, files)| files.iter().any(|f| f == path))
            .map(|(env, _)| (*env).to_owned())
            .collect();
        if envs.is_empty() {
            let name = path.rsplit('/').next().unwrap_or(path);
            let in_header = crate::dotenv::Document::parse(&at, text.clone().into_owned())
                .ok()
                .and_then(|d| header::find(&d).ok().flatten())
                .map(|h| h.env.unwrap_or_else(|| "development".into()));
            // `prod.env`-style names are env files too (environment: the stem).
            let by_suffix = || {
                name.strip_suffix(".env")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            if let Some(env) = in_header
                .or_else(|| env_from_file_name(name))
                .or_else(by_suffix)
            {
                envs.push(env);
            }
        }
        for env in envs {
            touched.entry(env).or_default().push(path.clone());
        }
    }
    let checker = Checker::new(config);
    let no_keys = Secrets {
        keys: None,
        required: false,
    };
    for (env, staged_here) in &touched {
        let files = env_files
            .get(env.as_str())
            .cloned()
            .unwrap_or_else(|| staged_here.clone());
        let sources: Vec<(PathBuf, Option<String>)> = files
            .iter()
            .map(|f| (PathBuf::from(f), index_text(&repo, &index, f)))
            .collect();
        let report = checker.check_sources(env, &sources, no_keys, require)?;
        let staged_set: BTreeSet<&str> = staged_here.iter().map(String::as_str).collect();
        out.findings.extend(report.findings.into_iter().filter(|f| {
            f.severity == Severity::Error
                && match &f.file {
                    Some(file) => file.to_str().is_some_and(|p| staged_set.contains(p)),
                    None => require, // presence findings
                }
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material() {
        let key = "AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSQ9XYZA";
        assert!(has_age_key(&format!("x = \"{key}\"")));
        assert!(!has_age_key(
            "export ENVSAFE_PRIVATE_KEY_PRODUCTION=AGE-SECRET-KEY-1…"
        ));
        assert_eq!(
            private_key_assignment(&format!("ENVSAFE_PRIVATE_KEY_CI={key}")),
            Some("ENVSAFE_PRIVATE_KEY_CI")
        );
        assert_eq!(
            private_key_assignment("export ENVSAFE_PRIVATE_KEY=$KEY_FROM_VAULT"),
            None
        );
        assert_eq!(private_key_assignment("ENVSAFE_PRIVATE_KEY_CI="), None);
        assert!(
            is_keys_file("a/.env.keys") && is_keys_file("prod.keys") && !is_keys_file("keys.rs")
        );
    }
}
