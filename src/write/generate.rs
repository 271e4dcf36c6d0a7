//! `generate`: random values for the `generate` variables an environment
//! does not set yet (or, with `force`, replaces), sealed with the public
//! key alone; then a check that no two environments share a value.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::set_many;
use crate::error::{Error, Result};
use crate::project::Selection;
use crate::resolve::{self, Options};
use crate::schema::{self, KeyedHasher, Rotation, VarSpec};
use crate::workspace::Workspace;
use crate::SecretValue;

/// How far `generate` may go with values that are already set.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenerateOptions {
    /// Replace values that are set (`rotation = "auto"` ones).
    pub force: bool,
    /// Also replace `rotation = "manual"` ones.
    pub force_manual: bool,
}

/// One generated value.
#[derive(Debug, Clone)]
pub struct GeneratedVar {
    pub env: String,
    pub name: String,
    pub file: PathBuf,
    pub encrypted: bool,
}

/// What `generate` did.
#[derive(Debug, Default)]
pub struct Generated {
    pub generated: Vec<GeneratedVar>,
    /// (environment, name) already set and kept (no `force`).
    pub kept: Vec<(String, String)>,
    /// (environment, public key) of keypairs made on the way.
    pub new_keys: Vec<(String, String)>,
    /// Generated variables whose value is the same in several
    /// environments (compared by keyed hash; environments without a key
    /// are skipped).
    pub shared: Vec<(String, Vec<String>)>,
    /// Targets that were pushed a value replaced here: they hold the old
    /// one until pushed again (by the push ledger).
    pub stale_targets: Vec<String>,
}

/// The variables to generate: those named, else every one with `generate`.
fn candidates<'a>(ws: &'a Workspace, names: &[String]) -> Result<Vec<(&'a str, &'a VarSpec)>> {
    let vars = &ws.project.config.vars;
    if names.is_empty() {
        return Ok(vars
            .iter()
            .filter(|(_, s)| s.generate.is_some())
            .map(|(n, s)| (n.as_str(), s))
            .collect());
    }
    names
        .iter()
        .map(|n| match vars.get_key_value(n) {
            Some((name, spec)) if spec.generate.is_some() => Ok((name.as_str(), spec)),
            _ => Err(Error::Usage {
                message: format!("`{n}` has no `generate` rule in envsafe.toml"),
                help: format!(
                    "add `generate = \"hex:32\"` (or base64:N, urlsafe:N, alnum:N) to [vars.{n}]"
                ),
            }),
        })
        .collect()
}

/// Generates `names` (default: every `generate` variable) in the selected
/// environment, or in each `-e` environment.
pub fn generate(ws: &Workspace, names: &[String], opts: GenerateOptions) -> Result<Generated> {
    let sels = if ws.envs.is_empty() {
        vec![ws.selection()?]
    } else {
        ws.envs
            .iter()
            .map(|e| Selection {
                name: e.clone(),
                explicit: true,
            })
            .collect()
    };
    let todo = candidates(ws, names)?;
    let config = &ws.project.config;
    let mut out = Generated::default();
    for sel in &sels {
        let env = &sel.name;
        let present = crate::project::names_in(&ws.files(env)?)?;
        let mut batches: [Vec<(&str, SecretValue)>; 2] = [Vec::new(), Vec::new()];
        for &(name, spec) in &todo {
            if present.iter().any(|p| p == name) {
                if !opts.force {
                    out.kept.push((env.clone(), name.to_owned()));
                    continue;
                }
                if spec.rotation == Rotation::Manual && !opts.force_manual {
                    return Err(Error::Usage {
                        message: format!(
                            "{env}: {name} has `rotation = \"manual\"`: data may depend on its value"
                        ),
                        help: "add --force-manual to replace it anyway".into(),
                    });
                }
            }
            let value = schema::generate(spec.generate.expect("candidates have generate"));
            if let Err(Error::ValueRejected { rule, message, .. }) =
                schema::check_write(&config.vars, name, value.expose(), false)
            {
                return Err(Error::Usage {
                    message: format!(
                        "{name}: a generated value breaks its own rule `{rule}` ({message})"
                    ),
                    help: format!(
                        "make [vars.{name}] generate and its rules agree in envsafe.toml"
                    ),
                });
            }
            // A generated value is random: secret unless declared public.
            let plain = spec.secret == Some(false);
            batches[usize::from(plain)].push((name, value));
        }
        for (plain, batch) in [false, true].into_iter().zip(&batches) {
            if batch.is_empty() {
                continue;
            }
            let file = if plain {
                ws.plain_file(env)?
            } else {
                ws.secret_file(env)?
            };
            let values: Vec<(&str, &SecretValue)> = batch.iter().map(|(n, v)| (*n, v)).collect();
            let done = ws.with_writer(sel, |w| set_many(&file, &values, plain, w))?;
            if let Some(key) = done.new_key {
                out.new_keys.push((env.clone(), key));
            }
            out.generated
                .extend(batch.iter().map(|(name, _)| GeneratedVar {
                    env: env.clone(),
                    name: (*name).to_owned(),
                    file: file.clone(),
                    encrypted: !plain,
                }));
        }
    }
    out.shared = shared_values(ws, &todo);
    for sel in &sels {
        let replaced: Vec<String> = out
            .generated
            .iter()
            .filter(|g| g.env == sel.name)
            .map(|g| g.name.clone())
            .collect();
        let root = &ws.project.root;
        for t in crate::targets::holding(root, &config.targets, &sel.name, &replaced) {
            if !out.stale_targets.contains(&t) {
                out.stale_targets.push(t);
            }
        }
    }
    Ok(out)
}

/// Generated variables with the same value in two or more environments.
fn shared_values(ws: &Workspace, todo: &[(&str, &VarSpec)]) -> Vec<(String, Vec<String>)> {
    let hasher = KeyedHasher::new();
    let keys = ws.keys();
    // The files' values (not the process's), without schema defaults.
    let opts = Options {
        defaults: false,
        ..Options::run(&keys, true, false, false)
    };
    let mut seen: BTreeMap<(&str, [u8; 32]), Vec<String>> = BTreeMap::new();
    for env in ws.project.environments() {
        let Ok(files) = ws.project.files(&env) else {
            continue;
        };
        let Ok(res) = resolve::resolve(&ws.project.config, &ws.project.root, &env, &files, &opts)
        else {
            continue;
        };
        for &(name, _) in todo {
            if let Some(v) = res.get(name).filter(|v| !v.expose().is_empty()) {
                seen.entry((name, hasher.hash(name, v)))
                    .or_default()
                    .push(env.clone());
            }
        }
    }
    seen.into_iter()
        .filter(|(_, envs)| envs.len() > 1)
        .map(|((name, _), envs)| (name.to_owned(), envs))
        .collect()
}
