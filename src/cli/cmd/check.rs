//! `envsafe check`: every environment (or those given with -e) against the
//! schema, with the values `run` would pass; findings on stdout, exit 3
//! when any is an error.

use envsafe::diag;

use crate::cli::report::{self, Failure, Layout};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx, decrypt: bool) -> CmdResult {
    let checked = ctx.check(decrypt)?;
    let (errors, warnings) = diag::tally(&checked.findings);
    let unchecked = checked.unchecked;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "ok": errors == 0,
            "environments": checked.envs,
            "errors": errors,
            "warnings": warnings,
            "unchecked_encrypted_values": unchecked,
            "findings": checked.findings,
        }));
    } else if !checked.findings.is_empty() {
        ctx.ui
            .out(&report::findings(&checked.findings, Layout::Full));
    }
    if unchecked > 0 {
        ctx.ui.status(&format!(
            "note: {unchecked} encrypted value(s) not type-checked: no private key (use --decrypt to require one)"
        ));
    }
    let summary = format!(
        "{errors} error(s), {warnings} warning(s) in {} environment(s)",
        checked.envs.len()
    );
    if errors > 0 {
        return Err(Failure::Validation(format!("check failed: {summary}")));
    }
    ctx.ui.status(&format!("check passed: {summary}"));
    Ok(())
}
