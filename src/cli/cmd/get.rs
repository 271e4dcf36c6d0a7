//! `envsafe get`: decrypted values as dotenv, JSON or shell.

use envsafe::load::{self, LoadOptions};
use envsafe::SecretValue;

use crate::cli::args::Format;
use crate::cli::{CmdResult, Ctx};

/// Single-quotes for POSIX shells: `'` becomes `'\''`.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

pub fn run(ctx: &Ctx, names: &[String], format: Option<Format>) -> CmdResult {
    let env = ctx.env()?;
    let files = ctx.files(&env)?;
    let loaded = load::load(
        &env,
        &files,
        &ctx.keys(),
        LoadOptions {
            override_process: true,
        },
    )?;
    super::run::require_some_file(&env, &files, &loaded)?;
    let selected: Vec<(&str, &SecretValue)> = if names.is_empty() {
        loaded.vars.iter().map(|(n, v)| (n.as_str(), v)).collect()
    } else {
        let mut out = Vec::new();
        for n in names {
            let v = loaded.get(n).ok_or_else(|| envsafe::Error::NotSetInEnv {
                env: env.clone(),
                name: n.clone(),
            })?;
            out.push((n.as_str(), v));
        }
        out
    };
    let format = match (format, ctx.ui.json) {
        (Some(f), _) => f,
        (None, true) => Format::Json,
        (None, false) if names.len() == 1 => {
            let v = SecretValue::new(format!("{}\n", selected[0].1.expose()));
            ctx.ui.out_raw(v.expose());
            return Ok(());
        }
        (None, false) => Format::Dotenv,
    };
    let mut text = String::new();
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = selected
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.expose().into()))
                .collect();
            text = serde_json::to_string_pretty(&map).expect("strings serialize");
            text.push('\n');
        }
        Format::Dotenv => {
            for (n, v) in &selected {
                text.push_str(&format!(
                    "{n}={}\n",
                    envsafe::dotenv::value::quote(v.expose())
                ));
            }
        }
        Format::Shell => {
            for (n, v) in &selected {
                text.push_str(&format!("export {n}={}\n", shell_quote(v.expose())));
            }
        }
    }
    let text = SecretValue::new(text);
    ctx.ui.out_raw(text.expose());
    Ok(())
}
