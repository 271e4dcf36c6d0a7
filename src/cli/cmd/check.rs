//! `envsafe check`: every environment (or those given with -e) against the
//! schema; findings on stdout, exit 3 when any is an error.

use envsafe::schema::{Checker, Finding, Secrets, Severity};

use crate::cli::report::Failure;
use crate::cli::ui::{paint, ERROR, HELP, WARN};
use crate::cli::{CmdResult, Ctx};

/// `error[rule] env: NAME message`, its place and its help, as text.
pub fn render(f: &Finding) -> String {
    let (style, word) = match f.severity {
        Severity::Error => (ERROR, "error"),
        Severity::Warning => (WARN, "warning"),
    };
    let subject = if f.name.is_empty() {
        String::new()
    } else {
        format!("{} ", f.name)
    };
    let mut out = format!(
        "{}[{}] {}: {subject}{}",
        paint(style, word),
        f.rule,
        f.env,
        f.message
    );
    if let (Some(file), Some(line)) = (&f.file, f.line) {
        out.push_str(&format!("\n  --> {}:{line}", file.display()));
    }
    if let Some(help) = &f.help {
        out.push_str(&format!("\n  {}: {help}", paint(HELP, "help")));
    }
    out
}

pub fn run(ctx: &Ctx, decrypt: bool) -> CmdResult {
    let envs = ctx.envs_or_all()?;
    let checker = Checker::new(&ctx.project.config);
    let keys = ctx.keys();
    let secrets = Secrets {
        keys: Some(&keys),
        required: decrypt,
    };
    let mut findings = Vec::new();
    let mut unchecked = 0;
    for env in &envs {
        let files = ctx.files(env)?;
        let report = checker.check_env(env, &files, secrets)?;
        findings.extend(report.findings);
        unchecked += report.unchecked;
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "ok": errors == 0,
            "environments": envs,
            "errors": errors,
            "warnings": warnings,
            "unchecked_encrypted_values": unchecked,
            "findings": findings,
        }));
    } else {
        for f in &findings {
            ctx.ui.out(&render(f));
        }
    }
    if unchecked > 0 {
        ctx.ui.status(&format!(
            "note: {unchecked} encrypted value(s) not type-checked: no private key (use --decrypt to require one)"
        ));
    }
    let summary = format!(
        "{errors} error(s), {warnings} warning(s) in {} environment(s)",
        envs.len()
    );
    if errors > 0 {
        return Err(Failure::Validation(format!("check failed: {summary}")));
    }
    ctx.ui.status(&format!("check passed: {summary}"));
    Ok(())
}
