//! `envsafe run -- COMMAND`: load, fail closed, exec.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use envsafe::resolve::{Origin, Resolution};

use crate::cli::report::{self, Failure, Layout};
use crate::cli::{CmdResult, Ctx};

/// Finds `program` on PATH as execvp would, with a `stat` per directory.
/// Letting exec search would copy the whole (large) environment into the
/// kernel once per failed directory.
fn find_program(program: &OsString) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if program.as_encoded_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Warnings about what resolving left out: dotenvx values, missing files.
pub fn warn_left_out(ctx: &Ctx, res: &Resolution) {
    for d in &res.dropped {
        ctx.ui.warn(&format!(
            "{}:{}: {} holds a dotenvx-encrypted value; left out (envsafe cannot open it)",
            d.path.display(),
            d.line,
            d.name
        ));
    }
    for m in &res.missing {
        ctx.ui
            .warn(&format!("{} does not exist (skipped)", m.display()));
    }
}

/// The schema's findings: `--strict` refuses to start on any; otherwise
/// they are warnings. Without a schema, plain secrets in encrypted files.
fn report_findings(ctx: &Ctx, res: &Resolution, strict: bool) -> CmdResult {
    if !res.validated {
        for p in &res.plain_secrets {
            ctx.ui.warn(&format!(
                "{}:{}: {} is secret but stored plain in an encrypted file; encrypt it: `envsafe -f {} encrypt`",
                p.path.display(),
                p.line,
                p.name,
                p.path.display()
            ));
        }
        return Ok(());
    }
    if res.findings.is_empty() {
        return Ok(());
    }
    let text = report::findings(&res.findings, Layout::Full);
    if strict {
        ctx.ui.error(&format!("{text}\n"));
        return Err(Failure::Validation(format!(
            "refusing to start: {} schema finding(s) in environment `{}` (--strict)",
            res.findings.len(),
            res.env
        )));
    }
    ctx.ui.note(&text);
    Ok(())
}

pub fn run(ctx: &Ctx, override_process: bool, strict: bool, command: Vec<OsString>) -> CmdResult {
    let res = ctx.resolve_run(override_process, strict)?;
    warn_left_out(ctx, &res);
    report_findings(ctx, &res, strict)?;
    res.check_exportable()?;
    let program = command[0].to_string_lossy().into_owned();
    let Some(program_path) = find_program(&command[0]) else {
        return Err(Failure::Exec {
            code: 127,
            message: format!("command not found: {program}"),
        });
    };
    let mut cmd = std::process::Command::new(program_path);
    cmd.arg0(&command[0]);
    cmd.args(&command[1..]);
    // The command gets its variables, not the keys to every value.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(envsafe::env_vars::is_key_var) {
            cmd.env_remove(&name);
        }
    }
    let mut applied = 0;
    for (name, value, origin) in res.vars() {
        match origin {
            Origin::Process => {
                ctx.ui.detail(&format!("{name}: kept the process value"));
                continue;
            }
            Origin::Schema => ctx
                .ui
                .detail(&format!("{name}: from the schema (default / from_file)")),
            Origin::File { .. } => {}
        }
        cmd.env(name, value.expose());
        applied += 1;
    }
    ctx.ui.detail(&format!(
        "environment {}: {applied} variable(s) from {} file(s)",
        res.env,
        res.files.len() - res.missing.len()
    ));
    Err(exec_failure(&program, &cmd.exec()))
}

/// Why `exec` failed, as `run` reports it (126/127 like a shell).
fn exec_failure(program: &str, err: &std::io::Error) -> Failure {
    match err.kind() {
        std::io::ErrorKind::NotFound => Failure::Exec {
            code: 127,
            message: format!("command not found: {program}"),
        },
        std::io::ErrorKind::PermissionDenied => Failure::Exec {
            code: 126,
            message: format!("cannot execute {program}: permission denied"),
        },
        _ => Failure::Exec {
            code: 126,
            message: format!("cannot execute {program}: {err}"),
        },
    }
}
