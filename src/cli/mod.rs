//! The command-line front end: the only code that knows clap, terminals and
//! exit codes. Parse → resolve the context → run one command.

mod args;
mod cmd;
mod report;
mod team;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use envsafe::workspace::Workspace;

use args::{Cli, Global};
use report::Failure;
use ui::Ui;

pub type CmdResult = Result<(), Failure>;

/// Everything a command needs, resolved once: the workspace (the project
/// and the user's selection; a command reaches its methods through
/// `Deref`) and the output.
pub struct Ctx {
    pub ws: Workspace,
    pub ui: Ui,
}

impl std::ops::Deref for Ctx {
    type Target = Workspace;

    fn deref(&self) -> &Workspace {
        &self.ws
    }
}

fn setup(global: Global, ui: Ui) -> Result<Ctx, Failure> {
    if let Some(dir) = &global.dir {
        std::env::set_current_dir(dir).map_err(|source| envsafe::Error::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let cwd = std::env::current_dir().map_err(|source| envsafe::Error::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let mut ws = Workspace::open(
        &cwd,
        global.config.as_deref(),
        global.env,
        global.file,
        global.keys_file,
    )?;
    ws.prompt = Some(envsafe::keys::Prompter(std::sync::Arc::new(
        ui::TerminalPrompt,
    )));
    Ok(Ctx { ws, ui })
}

/// `envsafe`: team commands are exec'd to `envsafe-team` (team.rs).
#[allow(dead_code)] // each binary uses one of the two entry points
pub fn main() -> ExitCode {
    main_with::<team::Exec>()
}

/// `envsafe-team`: the team commands in process, and the unlock service.
#[allow(dead_code)] // each binary uses one of the two entry points
pub fn team_main() -> ExitCode {
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    if let Some(code) = team::serve_unlock() {
        return code;
    }
    envsafe::keys::team::unlock_in_process();
    main_with::<team::InProcess>()
}

fn main_with<T: team::Team>() -> ExitCode {
    // Before anything reads a secret: a crash must not write plaintext or
    // keys to a core file (DESIGN §9). `exec` restores the default.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let Cli {
        global,
        mut command,
    } = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return args::parse_failure(e),
    };
    if let Some(code) = T::before_setup(&command) {
        return code;
    }
    let global = global.merge(command.take_global());
    ui::init_color(global.color.unwrap_or(args::Color::Auto));
    let ui = Ui {
        quiet: global.quiet,
        verbose: global.verbose,
        json: global.json,
    };
    let result = setup(global, ui)
        .and_then(|ctx| cmd::dispatch::<T>(&ctx, command))
        .and_then(|()| ui::finish_stdout());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::ClosedPipe) => ExitCode::SUCCESS,
        Err(failure) => {
            ui.error(&failure.render());
            ExitCode::from(failure.exit_code())
        }
    }
}
