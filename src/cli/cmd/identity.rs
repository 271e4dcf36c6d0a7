//! `envsafe identity new|show`: the user's own age identity.

use envsafe::keys::identity;

use crate::cli::args::IdentityAction;
use crate::cli::{CmdResult, Ctx};

pub fn dispatch(ctx: &Ctx, action: IdentityAction) -> CmdResult {
    match action {
        IdentityAction::New { keyring, .. } => new(ctx, keyring),
        IdentityAction::Show { .. } => show(ctx),
    }
}

fn new(ctx: &Ctx, keyring: bool) -> CmdResult {
    let made = identity::create(keyring)?;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "recipient": made.recipient.to_string(),
            "stored_in": made.place,
            "volatile": made.volatile,
        }));
        return Ok(());
    }
    ctx.ui.out(&made.recipient.to_string());
    ctx.ui
        .status(&format!("identity written to {}", made.place));
    if made.volatile {
        ctx.ui.warn(
            "the kernel keyring forgets it at reboot (and after 3 days unused); \
             `envsafe identity new` without --keyring keeps a file that lasts",
        );
    }
    ctx.ui.status(&format!(
        "give the line above to an admin: envsafe recipients add {} --name YOUR-NAME",
        made.recipient
    ));
    Ok(())
}

fn show(ctx: &Ctx) -> CmdResult {
    let (found, skipped) = identity::show()?;
    if ctx.ui.json {
        ctx.ui
            .json(&serde_json::json!({"identities": found, "skipped": skipped}));
        return Ok(());
    }
    let first = &found[0];
    match &first.recipient {
        Some(r) => ctx.ui.out(r),
        None => ctx.ui.status(&format!(
            "{} is a {} identity: its recipient comes from the plugin (`age-plugin-… \
             --generate` printed it)",
            first.source, first.kind
        )),
    }
    ctx.ui.status(&format!("from {}", first.source));
    for other in &found[1..] {
        ctx.ui.detail(&format!(
            "also: {} ({}) {}",
            other.source,
            other.kind,
            other.recipient.as_deref().unwrap_or("")
        ));
    }
    for why in skipped
        .iter()
        .filter(|w| !w.ends_with("(not found)") && !w.ends_with("(not set)"))
    {
        ctx.ui.warn(&format!("skipped {why}"));
    }
    Ok(())
}
