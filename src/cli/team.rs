//! The split between `envsafe` and `envsafe-team` (`envsafe::keys::helper`
//! says why): `envsafe` execs the team commands to the helper before it
//! does anything else ([`Exec`]); `envsafe-team` runs them ([`InProcess`])
//! and answers `envsafe`'s requests to open a team file ([`serve_unlock`]).
//! Generic, so `envsafe`'s code never names the team commands and the
//! linker leaves them (and age) out.

use std::process::ExitCode;

use super::args::Command;
use super::{CmdResult, Ctx};

/// What a binary does with a team command.
pub trait Team {
    /// Before the context is set up (nothing read, no `-C` applied yet):
    /// `Some(code)` to end here.
    fn before_setup(command: &Command) -> Option<ExitCode>;
    /// Runs a team command.
    fn run(ctx: &Ctx, command: Command) -> CmdResult;
}

#[allow(dead_code)] // `envsafe-team` has no use for it
fn is_team(command: &Command) -> bool {
    matches!(
        command,
        Command::Rotate(_) | Command::Recipients(_) | Command::Identity(_) | Command::Keys(_)
    )
}

/// `envsafe`: exec `envsafe-team` with the same arguments.
#[allow(dead_code)] // `envsafe-team` has no use for it
pub struct Exec;

impl Team for Exec {
    fn before_setup(command: &Command) -> Option<ExitCode> {
        if !is_team(command) {
            return None;
        }
        use std::os::unix::process::CommandExt;
        let helper = envsafe::keys::helper::helper_path();
        let error = match &helper {
            Some(path) => std::process::Command::new(path)
                .args(std::env::args_os().skip(1))
                .exec()
                .to_string(),
            None => "not found".into(),
        };
        super::ui::raw_error(&format!(
            "error: could not start {}: {error}\nhelp: install it beside envsafe: `cargo install \
             --locked --path .` installs both\n",
            envsafe::keys::helper::HELPER
        ));
        Some(ExitCode::from(1))
    }

    fn run(_ctx: &Ctx, _command: Command) -> CmdResult {
        unreachable!("team commands are exec'd before setup")
    }
}

/// `envsafe-team`: the team commands, here.
pub struct InProcess;

impl Team for InProcess {
    fn before_setup(_command: &Command) -> Option<ExitCode> {
        None
    }

    fn run(ctx: &Ctx, command: Command) -> CmdResult {
        use super::cmd::{identity, keys, recipients, rotate};
        match command {
            Command::Rotate(a) => rotate::run(ctx, a.0.confirm.confirm_recipients),
            Command::Recipients(a) => recipients::dispatch(ctx, a.0.action),
            Command::Identity(a) => identity::dispatch(ctx, a.0.action),
            Command::Keys(a) => keys::dispatch(ctx, a.0.action),
            _ => unreachable!("dispatch sends only team commands here"),
        }
    }
}

/// `envsafe-team --unlock-team-file PATH ENV [--no-prompt]` (recipients
/// on stdin): the answer on stdout (protocol: `envsafe::keys::helper`).
/// None when invoked otherwise.
pub fn serve_unlock() -> Option<ExitCode> {
    use std::io::Read;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).and_then(|a| a.to_str()) != Some(envsafe::keys::helper::UNLOCK_FLAG) {
        return None;
    }
    let (Some(path), Some(env)) = (args.get(2), args.get(3).and_then(|e| e.to_str())) else {
        return Some(ExitCode::from(2));
    };
    let mut entries = String::new();
    let _ = std::io::stdin().take(1 << 20).read_to_string(&mut entries);
    let quiet = args.get(4).and_then(|a| a.to_str()) == Some(envsafe::keys::helper::NO_PROMPT);
    let prompt =
        (!quiet).then(|| envsafe::keys::Prompter(std::sync::Arc::new(super::ui::TerminalPrompt)));
    let answer = envsafe::keys::helper::serve(std::path::Path::new(path), env, &entries, prompt);
    super::ui::Ui::default().out_raw(answer.expose());
    Some(match super::ui::finish_stdout() {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    })
}
