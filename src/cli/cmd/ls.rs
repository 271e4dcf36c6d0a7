//! `envsafe ls`: files, their environment and key, and each variable's
//! state (encrypted or plain). Reads no private key.

use std::path::PathBuf;

use envsafe::dotenv::Document;
use envsafe::{fsutil, header};

use crate::cli::ui::{paint, DIM, OK, WARN};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if !ctx.global.file.is_empty() {
        let env = ctx.env()?;
        files.extend(ctx.global.file.iter().map(|f| (env.clone(), f.clone())));
    } else {
        for env in ctx.envs_or_all()? {
            for f in ctx.project.files(&env)? {
                files.push((env.clone(), f));
            }
        }
    }
    let mut report = Vec::new();
    for (env, path) in files {
        let Some(text) = fsutil::read_optional(&path)? else {
            if !ctx.ui.json {
                ctx.ui.out(&format!(
                    "{}  {}",
                    path.display(),
                    paint(DIM, &format!("({env}, missing)"))
                ));
            }
            report.push(serde_json::json!({ "file": path, "env": env, "exists": false }));
            continue;
        };
        let doc = Document::parse(&path, text)?;
        let header = header::find(&doc)?;
        let vars: Vec<_> = doc
            .entries()
            .map(|e| (e.name.to_owned(), e.sealed().is_some(), e.line))
            .collect();
        if ctx.ui.json {
            report.push(serde_json::json!({
                "file": path, "env": header.as_ref().and_then(|h| h.env.clone()).unwrap_or(env),
                "exists": true,
                "public_key": header.as_ref().map(|h| h.public_key.to_string()),
                "vars": vars.iter().map(|(n, enc, line)| serde_json::json!({
                    "name": n, "encrypted": enc, "line": line })).collect::<Vec<_>>(),
            }));
            continue;
        }
        let key = header
            .as_ref()
            .map_or_else(|| "no header".to_string(), |h| h.public_key.to_string());
        ctx.ui.out(&format!(
            "{}  {}",
            path.display(),
            paint(DIM, &format!("({env}, {key})"))
        ));
        let width = vars.iter().map(|(n, ..)| n.len()).max().unwrap_or(0);
        for (name, encrypted, _) in &vars {
            let state = if *encrypted {
                paint(OK, "encrypted")
            } else if header.is_some() {
                paint(WARN, "plain")
            } else {
                "plain".to_string()
            };
            ctx.ui.out(&format!("  {name:width$}  {state}"));
        }
    }
    if ctx.ui.json {
        ctx.ui.json(&serde_json::Value::Array(report));
    }
    Ok(())
}
