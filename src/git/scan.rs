//! The pre-commit checks (DESIGN §10) on what is staged: every staged blob
//! through `blob::scan_blob` (keys files, key material, env-like files
//! wherever they live), values sealed in `HEAD` and plain now, current
//! secrets found by value, and the schema of each environment a staged
//! file belongs to. Every project in the repository counts (an
//! envsafe.toml in a subdirectory is a project of its own), each read from
//! the index, not the working tree. The cost follows what is staged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use super::blob::{self, FileKind};
use super::index::{self, Staged};
use super::secret_values::SecretValues;
use crate::config::{default_file, env_from_file_name, Config};
use crate::diag::{Finding, Severity};
use crate::dotenv::Document;
use crate::error::Result;
use crate::keys::KeyLookup;
use crate::keys::Openers;
use crate::resolve::{self, Options};

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

/// A project as the index has it: envsafe.toml's directory and contents,
/// and each environment's files as repository paths.
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
            path.strip_prefix(&self.prefix)?.strip_prefix('/')
        }
    }

    fn new(prefix: String, config: Config) -> Self {
        let mut project = Self {
            prefix,
            config,
            env_files: BTreeMap::new(),
        };
        project.env_files = project
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
            .collect();
        project
    }

    /// Zero-config: `.env` and `.env.NAME` at the project's root, as staged
    /// or already in the index.
    fn add_zero_config_files(&mut self, names: impl Iterator<Item = String>) {
        for path in names {
            let Some(rel) = self.project_path(&path) else {
                continue;
            };
            if let Some(env) = (!rel.contains('/'))
                .then(|| env_from_file_name(rel))
                .flatten()
            {
                let files = self.env_files.entry(env).or_default();
                if !files.contains(&path) {
                    files.push(path);
                }
            }
        }
    }

    fn listed(&self, path: &str) -> Vec<String> {
        self.env_files
            .iter()
            .filter(|(_, files)| files.iter().any(|f| f == path))
            .map(|(env, _)| env.clone())
            .collect()
    }
}

/// Every project a staged path can belong to: an envsafe.toml at the top
/// or in any directory above a staged path, as the index has it (one git
/// call for the candidates the working tree shows, none when it shows
/// none), deepest first. Without one at the top, the top is a zero-config
/// project.
fn projects(repo: &Repository, top: &Path, staged: &[Staged]) -> Result<Vec<IndexedProject>> {
    let mut candidates = BTreeSet::from(["envsafe.toml".to_string()]);
    for s in staged {
        let mut dir = s.path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            candidates.insert(format!("{parent}/envsafe.toml"));
            dir = parent;
        }
    }
    let candidates: Vec<String> = candidates
        .into_iter()
        .filter(|c| top.join(c).exists() || staged.iter().any(|s| s.path == *c))
        .collect();
    let mut out = Vec::new();
    for (path, text) in index::index_texts(repo, top, &candidates)? {
        let prefix = path
            .strip_suffix("envsafe.toml")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        out.push(IndexedProject::new(
            prefix,
            Config::parse(Path::new(&path), &text)?,
        ));
    }
    if !out.iter().any(|p| p.prefix.is_empty()) {
        out.push(IndexedProject::new(String::new(), Config::default()));
    }
    for project in &mut out {
        if project.config.environments.is_empty() {
            // The project root's `.env*` files, staged or on disk.
            let on_disk = std::fs::read_dir(top.join(&project.prefix))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| project.repo_path(&e.file_name().to_string_lossy()));
            let names: Vec<String> = staged
                .iter()
                .map(|s| s.path.clone())
                .chain(on_disk)
                .collect();
            project.add_zero_config_files(names.into_iter());
        }
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.prefix.len()));
    Ok(out)
}

/// The project that owns `path` (its index): the deepest one containing it.
fn owner(projects: &[IndexedProject], path: &str) -> usize {
    projects
        .iter()
        .position(|p| p.project_path(path).is_some())
        .expect("the top project contains every path")
}

/// The values of every current secret `keys` can open: each environment's
/// files (staged, else in the working tree, where the newest values are)
/// and their versions in `HEAD`, and the `HEAD` version of every staged
/// env-like file (renamed, moved or deleted ones included), so a value
/// decrypted and renamed is still found. A file without a usable key is
/// skipped. No git process: git2 reads `HEAD`'s blobs.
fn current_secrets(
    repo: &Repository,
    top: &Path,
    projects: &[IndexedProject],
    staged: &[Staged],
    staged_texts: &BTreeMap<String, String>,
    keys_file: Option<&Path>,
) -> Result<SecretValues> {
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let head_text = |path: &str| -> Option<String> {
        let entry = head.as_ref()?.get_path(Path::new(path)).ok()?;
        Some(index::text_of(repo.find_blob(entry.id()).ok()?.content()))
    };
    let blob_text = |id: Oid| repo.find_blob(id).ok().map(|b| index::text_of(b.content()));
    let mut values = Vec::new();
    for (p, project) in projects.iter().enumerate() {
        let keys = KeyLookup {
            keys_file: keys_file.map(Path::to_path_buf),
            project_root: top.join(&project.prefix),
            ..Default::default()
        };
        let mut texts: Vec<(String, String, String)> = Vec::new(); // (env, path, text)
        for (env, files) in &project.env_files {
            for file in files {
                let current = staged_texts
                    .get(file)
                    .cloned()
                    .or_else(|| crate::fsutil::read_optional(&top.join(file)).ok().flatten());
                // HEAD's text, when it differs (an unchanged file is opened once).
                let head = head_text(file).filter(|h| current.as_ref() != Some(h));
                texts.extend(current.map(|t| (env.clone(), file.clone(), t)));
                texts.extend(head.map(|t| (env.clone(), file.clone(), t)));
            }
        }
        // Unlisted env files' HEAD texts (the listed ones' are above).
        for s in staged
            .iter()
            .filter(|s| owner(projects, &s.path) == p && project.listed(&s.path).is_empty())
        {
            let Some(text) = s.head_id.and_then(blob_text) else {
                continue;
            };
            if blob::kind_of(&s.path, &text) == FileKind::Env {
                texts.push((blob::loose_env(&s.path, &text), s.path.clone(), text));
            }
        }
        // One opener cache per environment: its key is looked up once.
        let mut openers: BTreeMap<String, Openers<'_>> = BTreeMap::new();
        for (env, file, text) in texts.iter_mut() {
            let env: &String = env;
            let path = PathBuf::from(&*file);
            let Ok(doc) = Document::parse(&path, std::mem::take(text)) else {
                continue;
            };
            let Ok(header) = crate::header::find(&doc) else {
                continue;
            };
            let openers = openers
                .entry(env.clone())
                .or_insert_with(|| Openers::new(&keys, env));
            for e in doc.entries() {
                if let Some(sealed) = e.sealed() {
                    match openers.open_entry(&path, header.as_ref(), &e, sealed) {
                        Ok(v) => values.push((env.clone(), e.name.to_owned(), v)),
                        Err(crate::Error::Decrypt { .. }) => {}
                        Err(_) => break, // no key for this file
                    }
                }
            }
        }
    }
    Ok(SecretValues::new(values))
}

/// Scans what is staged. `keys_file` (`--keys-file`) is where private keys
/// are, else each project's `.env.keys`; with a key at hand the scan finds
/// current secrets by value. `require` also checks that required variables
/// are present.
pub fn scan_staged(keys_file: Option<&Path>, require: bool) -> Result<StagedScan> {
    let mut out = StagedScan::default();
    let repo = super::open()?;
    if repo.is_bare() {
        return Ok(out); // a bare repository has nothing staged
    }
    // git prints paths relative to the top of the working tree.
    let top = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let staged = index::staged_entries(&top)?;
    let projects = projects(&repo, &top, &staged)?;
    // What each staged file is; the texts of the files environments list
    // (the resolution and the current secrets need them). Other blobs are
    // read one at a time below, never all held at once.
    let mut scanned: Vec<(&Staged, Oid, usize, Vec<String>, bool)> = Vec::new();
    let mut staged_texts: BTreeMap<String, String> = BTreeMap::new();
    for entry in &staged {
        let Some(id) = entry.id else {
            continue; // deleted
        };
        let p = owner(&projects, &entry.path);
        let project = &projects[p];
        let allowed = project
            .project_path(&entry.path)
            .is_some_and(|p| super::allowed(&project.config.hook.allow, p));
        if allowed {
            out.allowed += 1;
        } else {
            out.files += 1;
        }
        let envs = project.listed(&entry.path);
        if !envs.is_empty() {
            let text = index::text_of(repo.find_blob(id)?.content());
            staged_texts.insert(entry.path.clone(), text);
        }
        scanned.push((entry, id, p, envs, allowed));
    }
    let secrets = current_secrets(&repo, &top, &projects, &staged, &staged_texts, keys_file)?;
    out.secrets_searched = usize::from(!secrets.is_empty());
    // (project index, environment) → the staged files it loads.
    let mut touched: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
    for (entry, id, p, envs, allowed) in scanned {
        let at = PathBuf::from(&entry.path);
        let blob = repo.find_blob(id)?;
        let bytes = blob.content();
        // A current secret's value is never allowed, wherever it is.
        out.findings.extend(secrets.find(&at, bytes));
        if allowed {
            continue;
        }
        let project = &projects[p];
        let text = String::from_utf8_lossy(bytes);
        let kind = blob::kind_of(&entry.path, &text);
        out.findings.extend(blob::scan_text(
            &entry.path,
            &text,
            kind,
            &project.config,
            !envs.is_empty(),
        ));
        if let (Some(head_id), FileKind::Env) = (entry.head_id, kind) {
            let head = index::text_of(repo.find_blob(head_id)?.content());
            out.findings
                .extend(blob::unsealed_since_head(&at, &head, &text));
        }
        for env in envs {
            touched
                .entry((p, env))
                .or_default()
                .insert(entry.path.clone());
        }
    }
    let opts = Options::staged(require);
    for ((p, env), staged_here) in &touched {
        let project = &projects[*p];
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
        let res = resolve::resolve_sources(&project.config, Path::new(""), env, sources, &opts)?;
        out.findings.extend(res.findings.into_iter().filter(|f| {
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
    findings.retain(|f| seen.insert((f.file.clone(), f.line, f.name.clone(), f.code)));
}
