//! The command-line front end: the only code that knows clap, terminals and
//! exit codes. Parse → resolve the context → run one command.

mod args;
mod cmd;
mod report;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use envsafe::keys::KeyLookup;
use envsafe::project::{Project, Selection};
use envsafe::write::WriteCtx;

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
    pub fn selection(&self) -> Result<Selection, Failure> {
        match self.global.env.as_slice() {
            [] => Ok(self.project.select_env(None)?),
            [one] => Ok(self.project.select_env(Some(one))?),
            _ => Err(Failure::Usage {
                message: "this command takes one environment (-e given more than once)".into(),
                help: "pass a single -e NAME".into(),
            }),
        }
    }

    /// The name of the one environment this command is about.
    pub fn env(&self) -> Result<String, Failure> {
        self.selection().map(|s| s.name)
    }

    /// `-e` environments, else every environment of the project; an error
    /// when there is no project here.
    pub fn envs_or_all(&self) -> Result<Vec<String>, Failure> {
        if !self.global.env.is_empty() {
            return Ok(self.global.env.clone());
        }
        self.require_project()?;
        Ok(self.project.environments())
    }

    /// Fails when there is no project here (no envsafe.toml, no env files)
    /// and no `-f`: a CI step run in the wrong directory must not pass.
    pub fn require_project(&self) -> Result<(), Failure> {
        if self.global.file.is_empty() && !self.project.exists() {
            let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            return Err(envsafe::Error::NoProject { dir }.into());
        }
        Ok(())
    }

    /// `-f` files, else the environment's files.
    pub fn files(&self, env: &str) -> Result<Vec<PathBuf>, Failure> {
        if self.global.file.is_empty() {
            Ok(self.project.files(env)?)
        } else {
            Ok(self.global.file.clone())
        }
    }

    /// Whether a header naming another environment than `sel` is an error:
    /// the user chose the environment, or the files are its own.
    pub fn strict_env(&self, sel: &Selection) -> bool {
        sel.explicit || self.global.file.is_empty()
    }

    pub fn keys(&self) -> KeyLookup {
        KeyLookup {
            keys_file: self.global.keys_file.clone(),
            project_root: self.project.root.clone(),
        }
    }

    /// Where new private keys go: `--keys-file`, else `.env.keys` at the root.
    pub fn keys_file(&self) -> PathBuf {
        self.global
            .keys_file
            .clone()
            .unwrap_or_else(|| self.project.keys_file())
    }

    /// Runs `f` with the context of a write for environment `sel`.
    pub fn with_writer<T>(&self, sel: &Selection, f: impl FnOnce(&WriteCtx<'_>) -> T) -> T {
        let keys_file = self.keys_file();
        let keys = self.keys();
        f(&WriteCtx {
            env: &sel.name,
            strict_env: self.strict_env(sel),
            keys_file: &keys_file,
            gitignore_root: &self.project.root,
            config: &self.project.config,
            config_path: self.project.config_path.as_deref(),
            keys: &keys,
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
    let global = global.merge(command.take_global());
    ui::init_color(global.color.unwrap_or(args::Color::Auto));
    let ui = Ui {
        quiet: global.quiet,
        verbose: global.verbose,
        json: global.json,
    };
    let result = setup(global, ui)
        .and_then(|ctx| cmd::dispatch(&ctx, command))
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
