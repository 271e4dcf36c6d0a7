//! `envsafe export`, `push`, `diff` and `check --target`: deploy targets
//! ([targets.NAME]), each a library call rendered here.

use envsafe::targets::{self, Change, Delivered, Exported, Loaded, Purpose, PushOutcome};

use crate::cli::report::{self, Failure, Layout};
use crate::cli::{CmdResult, Ctx};

/// Prints the findings that keep targets from being sent; exit 3.
fn refuse_findings(ctx: &Ctx, loaded: &[Loaded]) -> CmdResult {
    for t in loaded {
        if !t.findings.is_empty() {
            ctx.ui.error(&report::findings(&t.findings, Layout::Full));
            t.ready()?;
        }
    }
    Ok(())
}

fn render_delivered(ctx: &Ctx, done: &[Delivered]) {
    if ctx.ui.json {
        render_delivered_json(ctx, done);
        return;
    }
    for d in done {
        for n in &d.notes {
            ctx.ui.warn(n);
        }
        let verb = if d.dry_run { "would send" } else { "sent" };
        ctx.ui.status(&format!(
            "{}: {verb} {} variable(s) to {}",
            d.target,
            d.names.len(),
            d.to
        ));
        for (name, source) in &d.names {
            let from = if name == source {
                String::new()
            } else {
                format!(" ← {source}")
            };
            let line = format!("  {name}{from}");
            if d.dry_run {
                ctx.ui.out(&line);
            } else {
                ctx.ui.detail(&line);
            }
        }
        if !d.removed.is_empty() {
            let verb = if d.dry_run { "would remove" } else { "removed" };
            ctx.ui.status(&format!(
                "{}: {verb} {} (pushed before, no longer in the target)",
                d.target,
                d.removed.join(", ")
            ));
        }
    }
}

fn render_delivered_json(ctx: &Ctx, done: &[Delivered]) {
    let json: Vec<_> = done
        .iter()
        .map(|d| {
            let names: Vec<_> = d
                .names
                .iter()
                .map(|(n, s)| serde_json::json!({ "name": n, "source": s }))
                .collect();
            serde_json::json!({
                "target": d.target, "kind": d.kind.as_str(), "to": d.to,
                "dry_run": d.dry_run, "notes": d.notes, "names": names, "removed": d.removed,
            })
        })
        .collect();
    ctx.ui.json(&serde_json::json!({ "targets": json }));
}

pub fn push(ctx: &Ctx, names: &[String], dry_run: bool) -> CmdResult {
    match targets::push_all(ctx, names, dry_run, &crate::cli::ui::child_output)? {
        PushOutcome::Invalid(loaded) => refuse_findings(ctx, &loaded),
        PushOutcome::Done(done) => {
            render_delivered(ctx, &done);
            Ok(())
        }
    }
}

pub fn export(ctx: &Ctx, name: &str, to_stdout: bool) -> CmdResult {
    let loaded = targets::load(ctx, name, Purpose::Send)?;
    refuse_findings(ctx, std::slice::from_ref(&loaded))?;
    match targets::export(ctx, &loaded, to_stdout)? {
        Exported::Text(text, notes) => {
            for n in &notes {
                ctx.ui.warn(n);
            }
            ctx.ui.out_raw(&text);
        }
        Exported::Written(d) => render_delivered(ctx, &[d]),
    }
    Ok(())
}

fn render_diff(ctx: &Ctx, d: &targets::Diff) {
    if let Some(note) = &d.note {
        ctx.ui.note(note);
    }
    for l in &d.lines {
        let mark = match l.change {
            Change::Add => "+",
            Change::Change => "~",
            Change::Keep => "=",
            Change::Remove => "-",
            Change::Foreign => "?",
        };
        let from = match &l.source {
            Some(s) if s != &l.name => format!(" ← {s}"),
            _ => String::new(),
        };
        ctx.ui.out(&format!("{mark} {}{from}  ({})", l.name, l.why));
    }
}

pub fn diff(ctx: &Ctx, name: &str, ask_platform: bool) -> CmdResult {
    let loaded = targets::load(ctx, name, Purpose::Send)?;
    refuse_findings(ctx, std::slice::from_ref(&loaded))?;
    let d = targets::diff(&ctx.project.root, &loaded, ask_platform)?;
    if ctx.ui.json {
        ctx.ui
            .json(&serde_json::to_value(&d).expect("a diff serializes"));
    } else {
        render_diff(ctx, &d);
    }
    Ok(())
}

/// `push --check`: exit 3 when a target is out of date.
pub fn push_check(ctx: &Ctx, names: &[String]) -> CmdResult {
    let loaded = targets::load_all(ctx, names, Purpose::Send)?;
    refuse_findings(ctx, &loaded)?;
    let mut stale = Vec::new();
    let mut all = Vec::new();
    for t in &loaded {
        let d = targets::diff(&ctx.project.root, t, false)?;
        if !ctx.ui.json {
            render_diff(ctx, &d);
        }
        if d.stale() {
            stale.push(d.target.clone());
        }
        all.push(d);
    }
    if ctx.ui.json {
        ctx.ui
            .json(&serde_json::json!({ "stale": stale, "targets": all }));
    }
    if !stale.is_empty() {
        return Err(Failure::Validation(format!(
            "out of date: {} (`envsafe push {}`)",
            stale.join(", "),
            stale.join(" ")
        )));
    }
    ctx.ui.status("every target is up to date");
    Ok(())
}

/// `check --target NAME`: the preflight.
pub fn check(ctx: &Ctx, name: &str, keys_required: bool) -> CmdResult {
    let t = targets::load(ctx, name, Purpose::Check { keys_required })?;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "ok": t.findings.is_empty(), "target": t.target, "env": t.config.env,
            "unchecked_encrypted_values": t.unchecked, "findings": t.findings,
        }));
    } else if !t.findings.is_empty() {
        ctx.ui.out(&report::findings(&t.findings, Layout::Full));
    }
    if t.unchecked > 0 {
        ctx.ui.status(&format!(
            "note: {} encrypted value(s) not type-checked: no private key (use --decrypt to require one)",
            t.unchecked
        ));
    }
    t.ready()?;
    let checked = if ctx.project.config.vars.is_empty() {
        "no schema ([vars]) to check them against"
    } else if t.unchecked == 0 {
        "all checked against the schema"
    } else {
        "the plain ones checked against the schema (no key for the encrypted ones)"
    };
    ctx.ui.status(&format!(
        "target {name}: all {} variable(s) set in environment `{}`; {checked}",
        t.config.vars.len(),
        t.config.env,
    ));
    Ok(())
}
