//! One module per subcommand; `dispatch` picks one.

mod check;
mod crypt;
mod example;
mod generate;
mod get;
mod hook;
// The team commands link age: only `envsafe-team` calls them
// (`cli::team::InProcess`); in `envsafe` they are dead code.
#[allow(dead_code)]
pub mod identity;
mod init;
mod keygen;
#[allow(dead_code)]
pub mod keys;
mod ls;
#[allow(dead_code)]
pub mod recipients;
#[allow(dead_code)]
pub mod rotate;
mod run;
mod set;
mod status;
mod targets;

use super::args::Command;
use super::{CmdResult, Ctx};

pub fn dispatch<T: super::team::Team>(ctx: &Ctx, command: Command) -> CmdResult {
    match command {
        Command::Init(_) => init::run(ctx),
        Command::Keygen(_) => keygen::run(ctx),
        Command::Set(a) => set::set(
            ctx,
            &a.0.name,
            a.0.value,
            envsafe::write::SetOptions {
                plain: a.0.plain,
                allow_empty: a.0.allow_empty,
            },
        ),
        Command::Unset(a) => set::unset(ctx, &a.0.name),
        Command::Get(a) => get::run(ctx, &a.0.names, a.0.format, a.0.process_wins),
        Command::Encrypt(_) => crypt::encrypt(ctx),
        Command::Decrypt(a) => crypt::decrypt(ctx, a.0.stdout),
        Command::Ls(_) => ls::run(ctx),
        Command::Check(a) if a.0.staged => hook::run(ctx, a.0.require, hook::Output::Stdout),
        Command::Check(a) => match &a.0.target {
            Some(target) => targets::check(ctx, target, a.0.decrypt),
            None => check::run(ctx, a.0.decrypt),
        },
        Command::Export(a) => targets::export(ctx, &a.0.target, a.0.stdout),
        Command::Push(a) if a.0.check => targets::push_check(ctx, &a.0.targets),
        Command::Push(a) => targets::push(ctx, &a.0.targets, a.0.dry_run),
        Command::Diff(a) => targets::diff(ctx, &a.0.target, !a.0.local),
        Command::Hook(a) => hook::dispatch(ctx, a.0.action),
        Command::Status(_) => status::run(ctx),
        Command::Example(a) => example::run(ctx, a.0.stdout),
        Command::Generate(a) => generate::run(ctx, &a.0.names, a.0.force, a.0.force_manual),
        Command::Run(a) => run::run(ctx, a.0.override_process, a.0.strict, a.0.command),
        team @ (Command::Rotate(_)
        | Command::Recipients(_)
        | Command::Identity(_)
        | Command::Keys(_)) => T::run(ctx, team),
    }
}
