//! The command-line front end: the only code that knows clap, terminals and
//! exit codes. Parse → resolve the context → run one command.

mod args;
mod cmd;
mod report;
mod ui;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use envsafe::keys::KeyLookup;
use envsafe::project::Project;
use envsafe::write::KeySink;

use args::{Cli, Global};
use report::Failure;
use ui::Ui;

pub type CmdResult = Result<(), Failure>;

/// Everything a command needs, resolved once.
pub struct Ctx {
    pub global: Global,
    pub project: Project,
    pub ui: Ui,
}

impl Ctx {
    /// The one environment this command is about.
    pub fn env(&self) -> Result<String, Failure> {
        match self.global.env.as_slice() {
            [] => Ok(self.project.select_env(None)),
            [one] => Ok(self.project.select_env(Some(one))),
            _ => Err(Failure::Usage {
                message: "this command takes one environment (-e given more than once)".into(),
                help: "pass a single -e NAME".into(),
            }),
        }
    }

    /// `-f` files, else the environment's files.
    pub fn files(&self, env: &str) -> Result<Vec<PathBuf>, Failure> {
        if self.global.file.is_empty() {
            Ok(self.project.files(env)?)
        } else {
            Ok(self.global.file.clone())
        }
    }

    pub fn keys(&self) -> KeyLookup {
        KeyLookup {
            keys_file: self.global.keys_file.clone(),
            project_root: self.project.root.clone(),
        }
    }

    pub fn sink(&self) -> (PathBuf, &Path) {
        let keys_file = self
            .global
            .keys_file
            .clone()
            .unwrap_or_else(|| self.project.keys_file());
        (keys_file, &self.project.root)
    }

    /// Runs `f` with a `KeySink` for commands that may create keypairs.
    pub fn with_sink<T>(&self, f: impl FnOnce(&KeySink<'_>) -> T) -> T {
        let (keys_file, root) = self.sink();
        f(&KeySink {
            keys_file: &keys_file,
            gitignore_root: root,
        })
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
    let project = Project::discover(&cwd, global.config.as_deref())?;
    Ok(Ctx {
        global,
        project,
        ui,
    })
}

pub fn main() -> ExitCode {
    let Cli {
        global,
        mut command,
    } = Cli::parse();
    let global = global.merge(command.take_global());
    ui::init_color(global.color.unwrap_or(args::Color::Auto));
    let ui = Ui {
        quiet: global.quiet,
        verbose: global.verbose,
        json: global.json,
    };
    let result = setup(global, ui).and_then(|ctx| cmd::dispatch(&ctx, command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ui.error(&failure.render());
            ExitCode::from(failure.exit_code())
        }
    }
}
