//! One module per subcommand; `dispatch` picks one.

mod check;
mod crypt;
mod example;
mod generate;
mod get;
mod hook;
mod init;
mod keygen;
mod ls;
mod run;
mod set;
mod status;

use super::args::Command;
use super::{CmdResult, Ctx};

pub fn dispatch(ctx: &Ctx, command: Command) -> CmdResult {
    match command {
        Command::Init(_) => init::run(ctx),
        Command::Keygen(_) => keygen::run(ctx),
        Command::Set(a) => set::set(ctx, &a.0.name, a.0.value, a.0.plain),
        Command::Unset(a) => set::unset(ctx, &a.0.name),
        Command::Get(a) => get::run(ctx, &a.0.names, a.0.format),
        Command::Encrypt(_) => crypt::encrypt(ctx),
        Command::Decrypt(a) => crypt::decrypt(ctx, a.0.stdout),
        Command::Ls(_) => ls::run(ctx),
        Command::Check(a) if a.0.staged => hook::run(ctx, a.0.require, hook::Output::Stdout),
        Command::Check(a) => check::run(ctx, a.0.decrypt),
        Command::Hook(a) => hook::dispatch(ctx, a.0.action),
        Command::Status(_) => status::run(ctx),
        Command::Example(a) => example::run(ctx, a.0.stdout),
        Command::Generate(a) => generate::run(ctx, &a.0.names, a.0.force, a.0.force_manual),
        Command::Run(a) => run::run(ctx, a.0.override_process, a.0.strict, a.0.command),
    }
}

/// The file a secret is written to (`-f`, else DESIGN §7's rule).
pub fn secret_target(ctx: &Ctx, env: &str) -> Result<std::path::PathBuf, super::Failure> {
    Ok(envsafe::project::secret_target(&ctx.files(env)?)
        .unwrap_or_else(|| ctx.project.root.join(envsafe::config::default_file(env))))
}

/// The file a plain value is written to (`-f`, else DESIGN §7's rule).
pub fn plain_target(ctx: &Ctx, env: &str) -> Result<std::path::PathBuf, super::Failure> {
    Ok(envsafe::project::plain_target(&ctx.files(env)?)
        .unwrap_or_else(|| ctx.project.root.join(envsafe::config::default_file(env))))
}

/// The environment a new header names: with `-f`, the file's own name
/// (`.env.ci` → ci) when it has one; else the selected environment.
pub fn file_env(ctx: &Ctx, path: &std::path::Path, selected: &str) -> String {
    if ctx.global.file.is_empty() || !ctx.global.env.is_empty() {
        return selected.to_owned();
    }
    path.file_name()
        .and_then(|n| envsafe::config::env_from_file_name(&n.to_string_lossy()))
        .unwrap_or_else(|| selected.to_owned())
}
