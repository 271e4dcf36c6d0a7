//! `envsafe rotate`: a new environment keypair, every value re-encrypted.

use crate::cli::ui::Bar;
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx, confirmed: bool) -> CmdResult {
    let r = envsafe::write::rotate(&ctx.ws, confirmed, &Bar::new(&ctx.ui))?;
    let values: usize = r.files.iter().map(|(_, n)| n).sum();
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "env": r.env,
            "old_public_key": r.old_public.to_string(),
            "public_key": r.new_public.to_string(),
            "files": r.files.iter().map(|(p, n)| serde_json::json!({
                "path": p.display().to_string(), "values": n,
            })).collect::<Vec<_>>(),
            "key_stored_in": r.stored,
            "pinned": r.pinned,
            "wrapped_to": r.wrapped_to,
        }));
        return Ok(());
    }
    ctx.ui.status(&format!(
        "rotated `{}`: {values} value(s) in {} file(s) re-encrypted to {}",
        r.env,
        r.files.len(),
        r.new_public
    ));
    for place in &r.stored {
        ctx.ui.status(&format!("  new private key in {place}"));
    }
    if r.pinned {
        ctx.ui.status("  envsafe.toml: new public key pinned");
    }
    for entry in &r.wrapped_to {
        ctx.ui
            .status(&format!("  team key file wrapped to {entry}"));
    }
    ctx.ui.status(
        "commit the changed files together; anyone who held the old key can still \
         read the old values in git history",
    );
    Ok(())
}
