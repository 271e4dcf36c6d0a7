//! `envsafe hook install|uninstall|run` and `check --staged`: the git
//! pre-commit checks on what is staged.

use envsafe::git::{self, Installed};

use crate::cli::args::HookAction;
use crate::cli::report::{self, Failure, Layout};
use crate::cli::{CmdResult, Ctx};

/// Where findings go: stderr from the hook (git shows it), stdout from
/// `check --staged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stderr,
    Stdout,
}

pub fn dispatch(ctx: &Ctx, action: HookAction) -> CmdResult {
    match action {
        HookAction::Run { require } => run(ctx, require, Output::Stderr),
        HookAction::Install => {
            let exe = std::env::current_exe().unwrap_or_else(|_| "envsafe".into());
            for done in git::install(&exe)? {
                match done {
                    Installed::Done { hook, chained } => {
                        ctx.ui.status(&format!("installed {}", hook.display()));
                        if chained {
                            ctx.ui.status(&format!(
                                "the hook that was there runs after envsafe's ({}.envsafe-chained)",
                                hook.display()
                            ));
                        }
                    }
                    Installed::AlreadyThere { hook } | Installed::NotInstalled { hook } => {
                        ctx.ui
                            .status(&format!("already installed: {}", hook.display()));
                    }
                }
            }
            Ok(())
        }
        HookAction::Uninstall => {
            for done in git::uninstall()? {
                match done {
                    Installed::Done {
                        hook,
                        chained: true,
                    } => ctx.ui.status(&format!(
                        "removed envsafe's hook; restored the previous {}",
                        hook.display()
                    )),
                    Installed::Done { hook, .. } => {
                        ctx.ui.status(&format!("removed {}", hook.display()))
                    }
                    Installed::AlreadyThere { hook } | Installed::NotInstalled { hook } => {
                        ctx.ui.status(&format!(
                            "envsafe's hook is not installed in {}",
                            hook.display()
                        ))
                    }
                }
            }
            Ok(())
        }
    }
}

pub fn run(ctx: &Ctx, require: bool, output: Output) -> CmdResult {
    let scan = git::scan_staged(ctx.keys_file.as_deref(), require)?;
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "ok": scan.findings.is_empty(),
            "files": scan.files,
            "allowed": scan.allowed,
            "findings": scan.findings,
        }));
    } else {
        for f in &scan.findings {
            let text = report::finding(f, Layout::Line);
            match output {
                Output::Stderr => ctx.ui.error(&format!("{text}\n")),
                Output::Stdout => ctx.ui.out(&text),
            }
        }
    }
    if !scan.findings.is_empty() {
        return Err(Failure::Validation(format!(
            "envsafe: {} problem(s) in staged files; commit blocked (fix and `git add` them; `git commit --no-verify` skips this check)",
            scan.findings.len()
        )));
    }
    ctx.ui.detail(&format!(
        "{} staged file(s) checked, {} allowed",
        scan.files, scan.allowed
    ));
    Ok(())
}
