//! `envsafe init`: envsafe.toml, one env file with a header and a keypair
//! per environment, private keys in .env.keys, .gitignore entry.

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let done = envsafe::write::init(ctx)?;
    if let Some(created) = done.config_created {
        let verb = if created { "created" } else { "updated" };
        ctx.ui
            .status(&format!("{verb} {}", done.config_path.display()));
    }
    let mut report = Vec::new();
    for (env, file, outcome) in &done.envs {
        let public = outcome.new_key.as_deref().unwrap_or("existing key kept");
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
        done.keys_file.display()
    ));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "environments": report }));
    }
    Ok(())
}
