//! `envsafe init`: envsafe.toml, one env file with a header and a keypair
//! per environment, private keys in .env.keys, .gitignore entry.

use envsafe::config::{self, Config};
use envsafe::fsutil;

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let envs = if ctx.global.env.is_empty() {
        vec!["development".to_string()]
    } else {
        ctx.global.env.clone()
    };
    for env in &envs {
        if !envsafe::dotenv::is_valid_name(env) || env.contains('.') {
            return Err(envsafe::Error::invalid_name(env).into());
        }
    }
    let root = ctx.project.root.clone();
    let toml_path = ctx
        .project
        .config_path
        .clone()
        .unwrap_or_else(|| root.join("envsafe.toml"));
    let existing = fsutil::read_optional(&toml_path)?;
    let missing: Vec<String> = envs
        .iter()
        .filter(|e| !ctx.project.config.environments.contains_key(*e))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let mut text = existing
            .clone()
            .unwrap_or_else(|| Config::TEMPLATE_HEAD.to_string());
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for env in &missing {
            text.push_str(&Config::template_env(env));
        }
        fsutil::atomic_write(&toml_path, text.as_bytes(), None)?;
        ctx.ui.status(&format!(
            "{} {}",
            if existing.is_none() {
                "created"
            } else {
                "updated"
            },
            toml_path.display()
        ));
    }
    // Re-read: the file now lists the environments, and pins go into it.
    let project = envsafe::project::Project::discover(
        &std::env::current_dir().unwrap_or_default(),
        Some(&toml_path),
    )?;
    let keys_file = ctx.keys_file();
    let keys = ctx.keys();
    let mut report = Vec::new();
    for env in &envs {
        let file = match project
            .config
            .environments
            .get(env)
            .and_then(|c| c.files.clone())
        {
            Some(files) if !files.is_empty() => root.join(files.last().expect("not empty")),
            _ => root.join(config::default_file(env)),
        };
        let writer = envsafe::write::WriteCtx {
            env,
            strict_env: true,
            keys_file: &keys_file,
            gitignore_root: &root,
            config: &project.config,
            config_path: project.config_path.as_deref(),
            keys: &keys,
        };
        let outcome = envsafe::write::init_file(&file, &writer)?;
        let public = match &outcome.new_key {
            Some(k) => k.clone(),
            None => "existing key kept".to_string(),
        };
        ctx.ui
            .status(&format!("{env}: {} ({public})", file.display()));
        if outcome.plain_left > 0 {
            ctx.ui.warn(&format!(
                "{} holds {} plain value(s); encrypt them with `envsafe encrypt -f {}`",
                file.display(),
                outcome.plain_left,
                file.display()
            ));
        }
        report.push(serde_json::json!({
            "env": env, "file": file, "public_key": outcome.new_key,
            "created_file": outcome.created_file,
        }));
    }
    ctx.ui.status(&format!(
        "private keys are in {} (mode 0600, git-ignored): never commit it",
        keys_file.display()
    ));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "environments": report }));
    }
    Ok(())
}
