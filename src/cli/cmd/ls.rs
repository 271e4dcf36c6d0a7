//! `envsafe ls`: files, their environment and key, and each variable's
//! state (encrypted or plain). Reads no private key.

use crate::cli::ui::{paint, DIM, OK, WARN};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let listed = ctx.list()?;
    if ctx.ui.json {
        let report = listed.iter().map(|l| {
            let vars = l.vars.iter().map(
                |(n, enc, line)| serde_json::json!({ "name": n, "encrypted": enc, "line": line }),
            );
            match l.exists {
                false => serde_json::json!({ "file": l.path, "env": l.env, "exists": false }),
                true => serde_json::json!({
                    "file": l.path, "env": l.header_env.as_ref().unwrap_or(&l.env), "exists": true,
                    "public_key": l.public_key, "vars": vars.collect::<Vec<_>>(),
                }),
            }
        });
        ctx.ui.json(&serde_json::Value::Array(report.collect()));
        return Ok(());
    }
    for l in &listed {
        let (env, shown) = (&l.env, l.path.display());
        if !l.exists {
            ctx.ui.out(&format!(
                "{shown}  {}",
                paint(DIM, &format!("({env}, missing)"))
            ));
            continue;
        }
        let key = l.public_key.as_deref().unwrap_or("no header");
        ctx.ui.out(&format!(
            "{shown}  {}",
            paint(DIM, &format!("({env}, {key})"))
        ));
        let width = l.vars.iter().map(|(n, ..)| n.len()).max().unwrap_or(0);
        for (name, encrypted, _) in &l.vars {
            let state = if *encrypted {
                paint(OK, "encrypted")
            } else if l.public_key.is_some() {
                paint(WARN, "plain")
            } else {
                "plain".to_string()
            };
            ctx.ui.out(&format!("  {name:width$}  {state}"));
        }
    }
    Ok(())
}
