//! `envsafe generate`: random values for unset `generate` variables,
//! encrypted with the public key only.

use std::collections::BTreeMap;

use envsafe::resolve::{self, Options};
use envsafe::schema::{generate, KeyedHasher, Rotation, VarSpec};
use envsafe::SecretValue;

use crate::cli::report::Failure;
use crate::cli::{CmdResult, Ctx};

/// The variables to generate: those named, else every one with `generate`.
fn candidates<'a>(ctx: &'a Ctx, names: &[String]) -> Result<Vec<(&'a str, &'a VarSpec)>, Failure> {
    let vars = &ctx.project.config.vars;
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
            _ => Err(Failure::Usage {
                message: format!("`{n}` has no `generate` rule in envsafe.toml"),
                help: format!(
                    "add `generate = \"hex:32\"` (or base64:N, urlsafe:N, alnum:N) to [vars.{n}]"
                ),
            }),
        })
        .collect()
}

pub fn run(ctx: &Ctx, names: &[String], force: bool, force_manual: bool) -> CmdResult {
    let sels = if ctx.global.env.is_empty() {
        vec![ctx.selection()?]
    } else {
        ctx.global
            .env
            .iter()
            .map(|e| envsafe::project::Selection {
                name: e.clone(),
                explicit: true,
            })
            .collect()
    };
    let todo = candidates(ctx, names)?;
    let mut report = Vec::new();
    for sel in &sels {
        let env = &sel.name;
        let files = ctx.files(env)?;
        let present = envsafe::project::names_in(&files)?;
        let mut secret: Vec<(&str, SecretValue)> = Vec::new();
        let mut plain: Vec<(&str, SecretValue)> = Vec::new();
        for &(name, spec) in &todo {
            if present.iter().any(|p| p == name) {
                if !force {
                    ctx.ui.status(&format!(
                        "{env}: {name} is already set (kept; --force replaces it)"
                    ));
                    continue;
                }
                if spec.rotation == Rotation::Manual && !force_manual {
                    return Err(Failure::Usage {
                        message: format!("{env}: {name} has `rotation = \"manual\"`: data may depend on its value"),
                        help: "add --force-manual to replace it anyway".into(),
                    });
                }
            }
            let value = generate(spec.generate.expect("candidates have generate"));
            let checked =
                envsafe::schema::check_write(&ctx.project.config, name, value.expose(), false);
            if let Err(envsafe::Error::ValueRejected { rule, message, .. }) = checked {
                return Err(Failure::Usage {
                    message: format!(
                        "{name}: a generated value breaks its own rule `{rule}` ({message})"
                    ),
                    help: format!(
                        "make [vars.{name}] generate and its rules agree in envsafe.toml"
                    ),
                });
            }
            // A generated value is random: secret unless declared public.
            if spec.secret != Some(false) {
                secret.push((name, value));
            } else {
                plain.push((name, value));
            }
        }
        for (batch, is_plain) in [(&secret, false), (&plain, true)] {
            if batch.is_empty() {
                continue;
            }
            let path = if is_plain {
                envsafe::project::plain_target(&files)
            } else {
                envsafe::project::secret_target(&files)
            }
            .unwrap_or_else(|| ctx.project.root.join(envsafe::config::default_file(env)));
            let values: Vec<(&str, &SecretValue)> = batch.iter().map(|(n, v)| (*n, v)).collect();
            let out = ctx.with_writer(sel, |w| {
                envsafe::write::set_many(&path, &values, is_plain, w)
            })?;
            if let Some(key) = out.new_key {
                ctx.ui
                    .status(&format!("created a keypair for {env}: {key}"));
            }
            for (name, _) in batch {
                let how = if is_plain { "plain" } else { "encrypted" };
                ctx.ui.status(&format!(
                    "{env}: generated {name} in {} ({how})",
                    path.display()
                ));
                report.push(serde_json::json!({ "env": env, "name": name, "file": path, "encrypted": !is_plain }));
            }
        }
    }
    warn_shared_values(ctx, &todo);
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "generated": report }));
    }
    Ok(())
}

/// Warns when two environments hold the same value for a generated
/// variable. Compares keyed hashes; environments without a key are skipped.
fn warn_shared_values(ctx: &Ctx, todo: &[(&str, &VarSpec)]) {
    let hasher = KeyedHasher::new();
    let keys = ctx.keys();
    let mut seen: BTreeMap<(&str, [u8; 32]), Vec<String>> = BTreeMap::new();
    for env in ctx.project.environments() {
        let Ok(files) = ctx.project.files(&env) else {
            continue;
        };
        // The files' values (not the process's), without schema defaults.
        let opts = Options {
            defaults: false,
            ..Options::run(&keys, true, false, false)
        };
        let Ok(res) = resolve::resolve(&ctx.project.config, &ctx.project.root, &env, &files, &opts)
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
    for ((name, _), envs) in seen {
        if envs.len() > 1 {
            ctx.ui.warn(&format!(
                "{name} has the same value in {}; give each its own with `envsafe -e ENV generate --force {name}`",
                envs.join(" and ")
            ));
        }
    }
}
