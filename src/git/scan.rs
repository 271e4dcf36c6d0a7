//! The pre-commit checks (DESIGN §10) on what is staged: every staged blob
//! through `blob::scan_blob` (keys files, key material, env-like files
//! wherever they live), values sealed in `HEAD` and plain now, current
//! secrets found by value, and the schema of each environment a staged
//! file belongs to. envsafe.toml (schema, `[hook] allow`, pins) is read
//! from the index, not the working tree. The cost follows what is staged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::Repository;

use super::blob::{self, FileKind};
use super::index::{self, Staged};
use super::secret_values::SecretValues;
use crate::config::{default_file, env_from_file_name, Config};
use crate::dotenv::Document;
use crate::error::Result;
use crate::keys::KeyLookup;
use crate::load::Openers;
use crate::schema::{Checker, Finding, Secrets, Severity};

/// What the scan found.
#[derive(Debug, Default)]
pub struct StagedScan {
    pub findings: Vec<Finding>,
    /// Staged files looked at (added, modified, renamed; not deletions).
    pub files: usize,
    /// Staged files skipped by `[hook] allow`.
    pub allowed: usize,
    /// Current secret values the staged text was searched for.
    pub secrets_searched: usize,
}

/// The project as the index has it: envsafe.toml's place and contents, and
/// each environment's files as repository paths.
struct IndexedProject {
    /// The project's directory from the top of the working tree ("" at the top).
    prefix: String,
    config: Config,
    env_files: BTreeMap<String, Vec<String>>,
}

impl IndexedProject {
    fn repo_path(&self, rel: &str) -> String {
        if self.prefix.is_empty() {
            rel.to_owned()
        } else {
            format!("{}/{rel}", self.prefix)
        }
    }

    /// `path` relative to the project, if it is inside it.
    fn project_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.prefix.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(&format!("{}/", self.prefix))
        }
    }

    fn read(repo: &Repository, top: &Path, prefix: String, staged: &[Staged]) -> Result<Self> {
        let mut project = Self {
            prefix,
            config: Config::default(),
            env_files: BTreeMap::new(),
        };
        let config_path = project.repo_path("envsafe.toml");
        if let Some(text) =
            index::index_texts(repo, top, std::slice::from_ref(&config_path))?.remove(&config_path)
        {
            project.config = Config::parse(Path::new(&config_path), &text)?;
        }
        project.env_files = if project.config.environments.is_empty() {
            // Zero-config: `.env` and `.env.NAME` at the project root, as
            // staged or already in the index.
            let mut by_env: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let names = staged.iter().map(|s| s.path.clone()).chain(
                index::index_texts(repo, top, &[project.repo_path(".env*")])
                    .unwrap_or_default()
                    .into_keys(),
            );
            for path in names {
                let Some(rel) = project.project_path(&path) else {
                    continue;
                };
                if let Some(env) = (!rel.contains('/'))
                    .then(|| env_from_file_name(rel))
                    .flatten()
                {
                    let files = by_env.entry(env).or_default();
                    if !files.contains(&path) {
                        files.push(path);
                    }
                }
            }
            by_env
        } else {
            project
                .config
                .environments
                .iter()
                .map(|(env, c)| {
                    let files = c.files.clone().unwrap_or_else(|| vec![default_file(env)]);
                    (
                        env.clone(),
                        files.iter().map(|f| project.repo_path(f)).collect(),
                    )
                })
                .collect()
        };
        Ok(project)
    }

    fn listed(&self, path: &str) -> Vec<String> {
        self.env_files
            .iter()
            .filter(|(_, files)| files.iter().any(|f| f == path))
            .map(|(env, _)| env.clone())
            .collect()
    }
}

/// The values of every environment's current secrets that `keys` can open
/// (the staged file, else the index's, else the working tree's); an
/// environment without a usable key is skipped.
fn current_secrets(
    repo: &Repository,
    top: &Path,
    project: &IndexedProject,
    staged_texts: &BTreeMap<String, String>,
    keys: &KeyLookup,
) -> Result<SecretValues> {
    let all: Vec<String> = project.env_files.values().flatten().cloned().collect();
    let in_index = index::index_texts(repo, top, &all)?;
    let mut values = Vec::new();
    for (env, files) in &project.env_files {
        let mut openers = Openers::new(keys, env);
        'files: for file in files {
            let text = match staged_texts.get(file).or_else(|| in_index.get(file)) {
                Some(t) => t.clone(),
                None => match crate::fsutil::read_optional(&top.join(file)) {
                    Ok(Some(t)) => t,
                    _ => continue,
                },
            };
            let path = PathBuf::from(file);
            let Ok(doc) = Document::parse(&path, text) else {
                continue;
            };
            let Ok(header) = crate::header::find(&doc) else {
                continue;
            };
            for e in doc.entries() {
                if let Some(sealed) = e.sealed() {
                    match openers.open_entry(&path, header.as_ref(), &e, sealed) {
                        Ok(v) => values.push((env.clone(), e.name.to_owned(), v)),
                        Err(crate::Error::Decrypt { .. }) => {}
                        Err(_) => continue 'files, // no key for this file
                    }
                }
            }
        }
    }
    Ok(SecretValues::new(values))
}

/// Scans what is staged. `project_root` is the project's directory in the
/// working tree; `require` also checks that required variables are
/// present; `keys` (when any key is at hand) lets the scan find current
/// secrets by value.
pub fn scan_staged(project_root: &Path, require: bool, keys: &KeyLookup) -> Result<StagedScan> {
    let mut out = StagedScan::default();
    let repo = super::open()?;
    if repo.is_bare() {
        return Ok(out); // a bare repository has nothing staged
    }
    let root = if project_root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        project_root
    };
    let prefix = match (
        repo.workdir().and_then(|w| w.canonicalize().ok()),
        root.canonicalize().ok(),
    ) {
        (Some(top), Some(here)) => here
            .strip_prefix(&top)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    // git prints paths relative to the top of the working tree.
    let top = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let staged = index::staged_entries(&top)?;
    let project = IndexedProject::read(
        &repo,
        &top,
        prefix.trim_end_matches('/').to_owned(),
        &staged,
    )?;
    let mut blobs: Vec<(&Staged, Vec<u8>)> = Vec::new();
    for entry in &staged {
        let allowed = project
            .project_path(&entry.path)
            .is_some_and(|p| super::allowed(&project.config.hook.allow, p));
        if allowed {
            out.allowed += 1;
            continue;
        }
        out.files += 1;
        blobs.push((entry, repo.find_blob(entry.id)?.content().to_vec()));
    }
    let staged_texts: BTreeMap<String, String> = blobs
        .iter()
        .filter(|(e, _)| !project.listed(&e.path).is_empty())
        .map(|(e, b)| (e.path.clone(), index::text_of(b)))
        .collect();
    let secrets = current_secrets(&repo, &top, &project, &staged_texts, keys)?;
    out.secrets_searched = usize::from(!secrets.is_empty());
    let mut touched: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (entry, bytes) in &blobs {
        let at = PathBuf::from(&entry.path);
        let envs = project.listed(&entry.path);
        out.findings.extend(blob::scan_blob(
            &entry.path,
            bytes,
            &project.config,
            !envs.is_empty(),
        ));
        let text = index::text_of(bytes);
        if let Some(head_id) = entry.head_id {
            if blob::kind_of(&entry.path, &text) == FileKind::Env {
                let head = index::text_of(repo.find_blob(head_id)?.content());
                out.findings
                    .extend(blob::unsealed_since_head(&at, &head, &text));
            }
        }
        out.findings.extend(secrets.find(&at, bytes));
        for env in envs {
            touched.entry(env).or_default().insert(entry.path.clone());
        }
    }
    let checker = Checker::new(&project.config);
    let no_keys = Secrets {
        keys: None,
        required: false,
    };
    for (env, staged_here) in &touched {
        let files = &project.env_files[env];
        // Staged files' texts are the staged blobs; ask the index only for
        // the environment's other files (one more git call, often none).
        let others: Vec<String> = files
            .iter()
            .filter(|f| !staged_texts.contains_key(*f))
            .cloned()
            .collect();
        let mut texts = index::index_texts(&repo, &top, &others)?;
        let sources: Vec<(PathBuf, Option<String>)> = files
            .iter()
            .map(|f| {
                let text = staged_texts.get(f).cloned().or_else(|| texts.remove(f));
                (PathBuf::from(f), text)
            })
            .collect();
        let report = checker.check_sources(env, &sources, no_keys, require)?;
        out.findings.extend(report.findings.into_iter().filter(|f| {
            f.severity == Severity::Error
                && match &f.file {
                    Some(file) => file.to_str().is_some_and(|p| staged_here.contains(p)),
                    None => require, // presence findings
                }
        }));
    }
    dedup(&mut out.findings);
    Ok(out)
}

/// One finding per place, variable and rule (a file shared by several
/// environments is checked once per environment).
fn dedup(findings: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    findings.retain(|f| seen.insert((f.file.clone(), f.line, f.name.clone(), f.rule)));
}
