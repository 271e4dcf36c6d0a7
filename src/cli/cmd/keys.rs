//! `envsafe keys store|export`: environment keys between .env.keys and
//! the OS keyring.

use envsafe::write::keys;

use crate::cli::args::KeysAction;
use crate::cli::{CmdResult, Ctx};

pub fn dispatch(ctx: &Ctx, action: KeysAction) -> CmdResult {
    match action {
        KeysAction::Store { force, .. } => {
            let moved = keys::store_in_keyring(&ctx.ws, force)?;
            if ctx.ui.json {
                ctx.ui.json(&serde_json::json!({
                    "env": moved.env,
                    "public_key": moved.public.to_string(),
                    "from": moved.from.display().to_string(),
                    "to": moved.to,
                }));
            } else {
                ctx.ui.status(&format!(
                    "moved the key of `{}` from {} to {}",
                    moved.env,
                    moved.from.display(),
                    moved.to
                ));
            }
        }
        KeysAction::Export { .. } => {
            let (var, key) = keys::export(&ctx.ws)?;
            let secret = key.encode();
            if ctx.ui.json {
                ctx.ui.json(&serde_json::json!({
                    "variable": var,
                    "public_key": key.public().to_string(),
                    "private_key": secret.expose(),
                }));
            } else {
                ctx.ui.out(&format!("{var}={}", secret.expose()));
            }
        }
    }
    Ok(())
}
