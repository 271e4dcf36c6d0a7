//! `init`: envsafe.toml (the environments added to it), then for each
//! environment its secret file with a header and a pinned keypair.

use std::path::PathBuf;

use super::{init_file, Outcome, WriteCtx};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::project::Project;
use crate::workspace::Workspace;

/// What `init` did.
#[derive(Debug)]
pub struct Initialized {
    pub config_path: PathBuf,
    /// envsafe.toml was created (`Some(true)`) or had environments added
    /// (`Some(false)`); `None`: it declared them all already.
    pub config_created: Option<bool>,
    /// Each environment: its secret file and what was done to it.
    pub envs: Vec<(String, PathBuf, Outcome)>,
    /// Where the private keys are.
    pub keys_file: PathBuf,
}

/// Initializes the `-e` environments (default `development`).
pub fn init(ws: &Workspace) -> Result<Initialized> {
    let envs = if ws.envs.is_empty() {
        vec!["development".to_string()]
    } else {
        ws.envs.clone()
    };
    for env in &envs {
        if !crate::dotenv::is_valid_name(env) || env.contains('.') {
            return Err(Error::invalid_name(env));
        }
    }
    let root = ws.project.root.clone();
    let config_path = ws
        .project
        .config_path
        .clone()
        .unwrap_or_else(|| root.join("envsafe.toml"));
    let existing = fsutil::read_optional(&config_path)?;
    let missing: Vec<&String> = envs
        .iter()
        .filter(|e| !ws.project.config.environments.contains_key(*e))
        .collect();
    let mut config_created = None;
    if !missing.is_empty() {
        let mut text = existing
            .clone()
            .unwrap_or_else(|| Config::TEMPLATE_HEAD.to_string());
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for env in missing {
            text.push_str(&Config::template_env(env));
        }
        fsutil::atomic_write(&config_path, text.as_bytes(), None)?;
        config_created = Some(existing.is_none());
    }
    // Re-read: the file now lists the environments, and pins go into it.
    let cwd = std::env::current_dir().unwrap_or_default();
    let project = Project::discover(&cwd, Some(&config_path))?;
    let store = ws.key_store();
    let keys = ws.keys();
    let mut out = Initialized {
        config_path: config_path.clone(),
        config_created,
        envs: Vec::new(),
        keys_file: store.path.clone(),
    };
    for env in &envs {
        let file = crate::project::secret_target(&project.files(env)?)
            .unwrap_or_else(|| root.join(crate::config::default_file(env)));
        let writer = WriteCtx {
            env,
            strict_env: true,
            store: &store,
            config: &project.config,
            config_path: project.config_path.as_deref(),
            keys: &keys,
        };
        let outcome = init_file(&file, &writer)?;
        out.envs.push((env.clone(), file, outcome));
    }
    Ok(out)
}
