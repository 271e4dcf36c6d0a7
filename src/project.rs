//! The project: where it is (envsafe.toml, else the git root, else the
//! working directory), which environments it has, which files each loads,
//! and which environment a command means.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::env_vars;
use crate::error::{Error, Result};
use crate::{fsutil, header};

/// The environment a command is about, and whether the user chose it (a
/// file whose header names another environment is then refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub name: String,
    pub explicit: bool,
}

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config_path: Option<PathBuf>,
    pub config: Config,
}

impl Project {
    /// Walks up from `cwd` to the git root looking for `envsafe.toml`.
    pub fn discover(cwd: &Path, explicit_config: Option<&Path>) -> Result<Self> {
        if let Some(path) = explicit_config {
            let path = path.to_path_buf();
            let text = fsutil::read_to_string(&path)?;
            let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
            return Ok(Self {
                config: Config::parse(&path, &text)?,
                root,
                config_path: Some(path),
            });
        }
        // Paths stay relative to the working directory ("", "..", "../..")
        // so that every message shows a short path.
        let up = |depth: usize| -> PathBuf { (0..depth).map(|_| "..").collect() };
        let mut git_root = None;
        let home = std::env::var_os("HOME").map(PathBuf::from);
        for (depth, dir) in cwd.ancestors().enumerate() {
            let candidate = up(depth).join("envsafe.toml");
            if let Some(text) = fsutil::read_optional(&candidate)? {
                // Outside a repository, a config above the working directory
                // (in a shared /tmp, say) is used only when it is the user's.
                // (No `.git` was below it; one at or above it means a repository.)
                if depth > 0 && !dir.ancestors().any(|d| d.join(".git").exists()) {
                    use std::os::unix::fs::MetadataExt;
                    let owner = std::fs::metadata(&candidate).map_or(0, |m| m.uid());
                    let me = rustix::process::geteuid().as_raw();
                    if owner != me && owner != 0 {
                        return Err(Error::ForeignConfig {
                            path: dir.join("envsafe.toml"),
                            owner,
                        });
                    }
                }
                return Ok(Self {
                    config: Config::parse(&candidate, &text)?,
                    root: up(depth),
                    config_path: Some(candidate),
                });
            }
            if dir.join(".git").exists() {
                git_root = Some(up(depth));
                break;
            }
            if home.as_deref() == Some(dir) {
                break; // no repository below: never above the home directory
            }
        }
        Ok(Self {
            root: git_root.unwrap_or_default(),
            config_path: None,
            config: Config::default(),
        })
    }

    /// Environments: those in envsafe.toml, else those the root's `.env*`
    /// files name. Sorted.
    pub fn environments(&self) -> Vec<String> {
        if !self.config.environments.is_empty() {
            return self.config.environments.keys().cloned().collect();
        }
        let mut envs: Vec<String> = std::fs::read_dir(self.dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| config::env_from_file_name(&e.file_name().to_string_lossy()))
            .collect();
        envs.sort();
        envs.dedup();
        envs
    }

    /// The files `env` loads, in order (later wins).
    pub fn files(&self, env: &str) -> Result<Vec<PathBuf>> {
        if self.config_path.is_some() && !self.config.environments.is_empty() {
            let Some(cfg) = self.config.environments.get(env) else {
                return Err(Error::UnknownEnvironment {
                    env: env.into(),
                    known: self.environments(),
                });
            };
            if let Some(files) = &cfg.files {
                return Ok(files.iter().map(|f| self.root.join(f)).collect());
            }
        }
        Ok(vec![self.root.join(config::default_file(env))])
    }

    /// `-e`, else `ENVSAFE_ENV`, else the one known environment whose
    /// `ENVSAFE_PRIVATE_KEY_<ENV>` is set, else `development` (DESIGN §8).
    /// Several such variables, or one naming no known environment, is a
    /// usage error: a deployment never silently falls back to development.
    pub fn select_env(&self, explicit: Option<&str>) -> Result<Selection> {
        let chosen = |name: String| Selection {
            name,
            explicit: true,
        };
        if let Some(env) = explicit {
            return Ok(chosen(env.to_owned()));
        }
        if let Some(env) = std::env::var(env_vars::ENVSAFE_ENV)
            .ok()
            .filter(|e| !e.is_empty())
        {
            return Ok(chosen(env));
        }
        let mut set: Vec<String> = std::env::vars_os()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(k, _)| k.into_string().ok())
            .filter(|k| k.starts_with(env_vars::ENVSAFE_PRIVATE_KEY_PREFIX))
            .collect();
        if set.is_empty() {
            return Ok(Selection {
                name: "development".into(),
                explicit: false,
            });
        }
        set.sort();
        let known = self.environments();
        let env_of = |var: &str| {
            known
                .iter()
                .find(|e| env_vars::private_key_var(e) == var)
                .cloned()
        };
        let unknown: Vec<&String> = set.iter().filter(|v| env_of(v).is_none()).collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
            let known_text = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(Error::EnvSelection {
                message: format!(
                    "{} {} set but names no known environment (known: {known_text})",
                    names.join(", "),
                    if names.len() == 1 { "is" } else { "are" },
                ),
            });
        }
        match <[String; 1]>::try_from(set) {
            Ok([var]) => Ok(chosen(env_of(&var).expect("known"))),
            Err(set) => Err(Error::EnvSelection {
                message: format!(
                    "{} are all set: which environment is meant?",
                    set.join(", ")
                ),
            }),
        }
    }

    /// Whether there is a project here at all: an envsafe.toml, or env
    /// files at the root (zero-config).
    pub fn exists(&self) -> bool {
        self.config_path.is_some() || !self.environments().is_empty()
    }

    /// The root as a directory path ("." rather than "").
    pub fn dir(&self) -> &Path {
        if self.root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.root
        }
    }

    /// Where new private keys go: `.env.keys` at the project root.
    pub fn keys_file(&self) -> PathBuf {
        self.root.join(".env.keys")
    }
}

/// The file of `files` a secret is written to (DESIGN §7): the last listed
/// file that has an envsafe header or does not exist yet, else the last one.
pub fn secret_target(files: &[PathBuf]) -> Option<PathBuf> {
    if let [only] = files {
        return Some(only.clone()); // no need to look inside
    }
    files
        .iter()
        .rev()
        .find(|f| !f.exists() || header::file_has_header(f))
        .or(files.last())
        .cloned()
}

/// The file of `files` a plain value is written to (DESIGN §7): the last
/// existing file without a header, else the secret file.
pub fn plain_target(files: &[PathBuf]) -> Option<PathBuf> {
    if files.len() > 1 {
        if let Some(f) = files
            .iter()
            .rev()
            .find(|f| f.exists() && !header::file_has_header(f))
        {
            return Some(f.clone());
        }
    }
    secret_target(files)
}

/// The variable names `files` define (files that do not exist are skipped).
pub fn names_in(files: &[PathBuf]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for path in files {
        if let Some(text) = fsutil::read_optional(path)? {
            let doc = crate::dotenv::Document::parse(path, text)?;
            names.extend(doc.entries().map(|e| e.name.to_owned()));
        }
    }
    Ok(names)
}
