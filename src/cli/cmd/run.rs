//! `envsafe run -- COMMAND`: load, fail closed, exec.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use envsafe::resolve::{self, Origin, ResolveOptions, Resolved};
use envsafe::schema::{Checker, Secrets};

use crate::cli::report::Failure;
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

/// With a schema (or --strict): check the environment first. --strict
/// refuses to start on any finding; otherwise findings are warnings.
/// Returns whether it checked.
fn check_schema(ctx: &Ctx, env: &str, files: &[PathBuf], strict: bool) -> Result<bool, Failure> {
    let config = &ctx.project.config;
    if config.vars.is_empty() && !strict {
        return Ok(false);
    }
    let keys = ctx.keys();
    let report = Checker::new(config).check_env(
        env,
        files,
        Secrets {
            keys: Some(&keys),
            required: false,
        },
    )?;
    if strict && !report.findings.is_empty() {
        for f in &report.findings {
            ctx.ui.error(&format!("{}\n", super::check::render(f)));
        }
        return Err(Failure::Validation(format!(
            "refusing to start: {} schema finding(s) in environment `{env}` (--strict)",
            report.findings.len()
        )));
    }
    for f in &report.findings {
        ctx.ui.note(&super::check::render(f));
    }
    Ok(true)
}

/// Resolves the selected environment as `run` and `get` see it.
pub fn resolve_env(
    ctx: &Ctx,
    override_process: bool,
) -> Result<(String, Vec<PathBuf>, Resolved), Failure> {
    let sel = ctx.selection()?;
    let files = ctx.files(&sel.name)?;
    let resolved = resolve::resolve(
        &ctx.project.config,
        &ctx.project.root,
        &sel.name,
        &files,
        &ctx.keys(),
        ResolveOptions {
            override_process,
            strict_env: ctx.strict_env(&sel),
        },
    )?;
    for d in &resolved.dropped {
        ctx.ui.warn(&format!(
            "{}:{}: {} holds a dotenvx-encrypted value; left out (envsafe cannot open it)",
            d.path.display(),
            d.line,
            d.name
        ));
    }
    for m in &resolved.missing {
        ctx.ui
            .warn(&format!("{} does not exist (skipped)", m.display()));
    }
    Ok((sel.name, files, resolved))
}

pub fn run(ctx: &Ctx, override_process: bool, strict: bool, command: Vec<OsString>) -> CmdResult {
    let (env, files, resolved) = resolve_env(ctx, override_process)?;
    if !check_schema(ctx, &env, &files, strict)? {
        // (With a schema, its check already said so.)
        for p in &resolved.plain_secrets {
            ctx.ui.warn(&format!(
                "{}:{}: {} is secret but stored plain in an encrypted file; encrypt it: `envsafe -f {} encrypt`",
                p.path.display(),
                p.line,
                p.name,
                p.path.display()
            ));
        }
    }
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
    for var in &resolved.vars {
        match &var.origin {
            Origin::Process => {
                ctx.ui
                    .detail(&format!("{}: kept the process value", var.name));
                continue;
            }
            Origin::Schema => ctx.ui.detail(&format!(
                "{}: from the schema (default / from_file)",
                var.name
            )),
            Origin::File { .. } => {}
        }
        if var.value.expose().contains('\0') {
            let path = match &var.origin {
                Origin::File { file, .. } => files[*file].clone(),
                _ => files.last().cloned().unwrap_or_default(),
            };
            return Err(envsafe::Error::NulInValue {
                path,
                name: var.name.clone(),
            }
            .into());
        }
        cmd.env(&var.name, var.value.expose());
        applied += 1;
    }
    ctx.ui.detail(&format!(
        "environment {env}: {applied} variable(s) from {} file(s)",
        files.len() - resolved.missing.len()
    ));
    let err = cmd.exec();
    Err(match err.kind() {
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
    })
}
