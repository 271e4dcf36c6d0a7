//! `envsafe generate`: random values for unset `generate` variables,
//! encrypted with the public key only.

use envsafe::write::GenerateOptions;

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx, names: &[String], force: bool, force_manual: bool) -> CmdResult {
    let opts = GenerateOptions {
        force,
        force_manual,
    };
    let done = envsafe::write::generate(ctx, names, opts)?;
    for (env, name) in &done.kept {
        ctx.ui.status(&format!(
            "{env}: {name} is already set (kept; --force replaces it)"
        ));
    }
    for (env, key) in &done.new_keys {
        ctx.ui
            .status(&format!("created a keypair for {env}: {key}"));
    }
    let mut report = Vec::new();
    for g in &done.generated {
        let how = if g.encrypted { "encrypted" } else { "plain" };
        ctx.ui.status(&format!(
            "{}: generated {} in {} ({how})",
            g.env,
            g.name,
            g.file.display()
        ));
        report.push(serde_json::json!({
            "env": g.env, "name": g.name, "file": g.file, "encrypted": g.encrypted,
        }));
    }
    for (name, envs) in &done.shared {
        ctx.ui.warn(&format!(
            "{name} has the same value in {}; give each its own with `envsafe -e ENV generate --force {name}`",
            envs.join(" and ")
        ));
    }
    if !done.stale_targets.is_empty() {
        ctx.ui.warn(&format!(
            "target(s) {} still hold the old value: `envsafe push {}`",
            done.stale_targets.join(", "),
            done.stale_targets.join(" ")
        ));
    }
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "generated": report,
            "stale_targets": done.stale_targets,
        }));
    }
    Ok(())
}
