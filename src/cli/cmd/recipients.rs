//! `envsafe recipients list|add|remove`: team access to an environment key.

use envsafe::write;

use crate::cli::args::RecipientsAction;
use crate::cli::ui::Bar;
use crate::cli::{CmdResult, Ctx};

pub fn dispatch(ctx: &Ctx, action: RecipientsAction) -> CmdResult {
    match action {
        RecipientsAction::List { .. } => list(ctx),
        RecipientsAction::Add {
            recipient,
            name,
            confirm,
            ..
        } => add(
            ctx,
            &recipient.join(" "),
            name.as_deref(),
            confirm.confirm_recipients,
        ),
        RecipientsAction::Remove {
            recipient,
            no_rotate,
            confirm,
            ..
        } => remove(
            ctx,
            &recipient.join(" "),
            !no_rotate,
            confirm.confirm_recipients,
        ),
    }
}

fn add(ctx: &Ctx, entry: &str, name: Option<&str>, confirmed: bool) -> CmdResult {
    let a = write::add_recipient(&ctx.ws, entry, name, confirmed)?;
    let r = &a.added;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "added": r.entry(), "key": r.key, "name": r.name, "kind": r.kind.label(),
            "wrapped_to": a.list.iter().map(|r| r.entry()).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    ctx.ui.status(&format!(
        "added {} ({}); team key file re-wrapped to {} recipient(s): commit envsafe.toml and \
         .envsafe/",
        r.name.as_deref().unwrap_or(&r.key),
        r.kind.label(),
        a.list.len()
    ));
    if confirmed {
        for r in &a.list {
            ctx.ui.status(&format!("  {}", r.entry()));
        }
    }
    Ok(())
}

fn list(ctx: &Ctx) -> CmdResult {
    let l = write::list_recipients(&ctx.ws)?;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "env": l.env,
            "team_file": l.team_file.display().to_string(),
            "team_file_exists": l.team_file_exists,
            "recipients": l.recipients.iter().map(|r| serde_json::json!({
                "key": r.key, "name": r.name, "kind": r.kind.label(),
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    for r in &l.recipients {
        let name = r.name.as_deref().unwrap_or("-");
        ctx.ui
            .out(&format!("{name}\t{}\t{}", r.kind.label(), r.key));
    }
    if l.recipients.is_empty() {
        ctx.ui.status(&format!(
            "`{}` has no recipients: add one with `envsafe recipients add -e {} RECIPIENT`",
            l.env, l.env
        ));
    } else if !l.team_file_exists {
        ctx.ui.warn(&format!(
            "{} is missing: `envsafe rotate -e {}` writes it",
            l.team_file.display(),
            l.env
        ));
    }
    Ok(())
}

fn remove(ctx: &Ctx, who: &str, rotate: bool, confirmed: bool) -> CmdResult {
    let r = write::remove_recipient(&ctx.ws, who, rotate, confirmed, &Bar::new(&ctx.ui))?;
    let shown = match &r.removed.name {
        Some(name) => format!("{name} ({})", r.removed.key),
        None => r.removed.key.clone(),
    };
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "env": r.env,
            "removed": r.removed.entry(),
            "rotated": r.rotated.as_ref().map(|x| x.new_public.to_string()),
            "wrapped_to": r.rotated.as_ref().map(|x| x.wrapped_to.clone()),
            "exposed": r.exposed,
        }));
        return Ok(());
    }
    match &r.rotated {
        Some(x) => {
            ctx.ui.status(&format!(
                "removed {shown} from `{}`; key rotated to {} ({} file(s) re-encrypted), team \
                 key file wrapped to: {}",
                r.env,
                x.new_public,
                x.files.len(),
                x.wrapped_to.join(", ")
            ));
        }
        None => ctx.ui.warn(&format!(
            "removed {shown} from `{}` without rotating: they may have kept the environment \
             key, which still opens every current value, and with it they can vouch for any \
             list of recipients: rotate soon (`envsafe rotate --confirm-recipients`, after \
             reviewing `envsafe recipients list`)",
            r.env
        )),
    }
    if !r.exposed.is_empty() {
        ctx.ui.status(&format!(
            "{shown} could read these secrets; git history keeps their old ciphertexts, \
             which the old key opens, so change each value where it is issued:"
        ));
        for e in &r.exposed {
            let rotation = e
                .rotation
                .map_or(String::new(), |r| format!(" (rotation = {r})"));
            ctx.ui.out(&format!("{}{rotation}", e.name));
        }
    }
    Ok(())
}
