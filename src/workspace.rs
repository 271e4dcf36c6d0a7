//! The workspace a command works in: the project, the environments and
//! files the user named (`-e`, `-f`, `--keys-file`), which environment a
//! command means, which files it loads, where keys are looked up and
//! stored, and the flows `run`, `get`, `check` and `status` share. The CLI
//! turns arguments into a workspace, makes one call, and renders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diag::Finding;
use crate::error::{Error, Result};
use crate::keys::{KeyLookup, KeysFileStore};
use crate::project::{Project, Selection};
use crate::resolve::{self, Options, Resolution, VarState};
use crate::write::WriteCtx;

/// The project and what the user selected in it.
#[derive(Debug)]
pub struct Workspace {
    pub project: Project,
    /// `-e` names, in order.
    pub envs: Vec<String>,
    /// `-f` files, in order: they replace the environment's own.
    pub files: Vec<PathBuf>,
    /// `--keys-file`.
    pub keys_file: Option<PathBuf>,
    /// Asks for passphrases (an ssh identity's), set by the front end.
    pub prompt: Option<crate::keys::Prompter>,
}

/// Every environment checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub envs: Vec<String>,
    pub findings: Vec<Finding>,
    /// Sealed values not type-checked (no key).
    pub unchecked: usize,
}

/// One file as `ls` shows it: no value read, no key needed.
#[derive(Debug)]
pub struct Listed {
    /// The environment that loads it.
    pub env: String,
    /// The environment its header names.
    pub header_env: Option<String>,
    pub path: PathBuf,
    pub exists: bool,
    /// The header's public key.
    pub public_key: Option<String>,
    /// (name, encrypted, line) in file order.
    pub vars: Vec<(String, bool, usize)>,
}

/// Variables × environments.
#[derive(Debug, Default)]
pub struct Status {
    pub envs: Vec<String>,
    /// Declared and defined variables, sorted.
    pub names: Vec<String>,
    /// Per environment (in `envs` order), each name's state (in `names`
    /// order).
    columns: Vec<Vec<VarState>>,
    /// Files that do not parse: `status` shows these instead of a table.
    pub syntax: Vec<Finding>,
}

impl Status {
    /// The state of `names[name]` in `envs[env]`.
    pub fn cell(&self, name: usize, env: usize) -> VarState {
        self.columns
            .get(env)
            .and_then(|column| column.get(name))
            .copied()
            .unwrap_or(VarState::Unset)
    }
}

impl Workspace {
    /// Finds the project from `cwd` (or `config`) and records the
    /// selection. A write of several files that a kill interrupted is
    /// finished (or undone) first, before anything reads them; finished, it
    /// may have changed envsafe.toml, which is then read again.
    pub fn open(
        cwd: &Path,
        config: Option<&Path>,
        envs: Vec<String>,
        files: Vec<PathBuf>,
        keys_file: Option<PathBuf>,
    ) -> Result<Self> {
        let mut project = Project::discover(cwd, config)?;
        if crate::edit::recover(&project.root)? == crate::edit::Recovered::RolledForward {
            project = Project::discover(cwd, config)?;
        }
        Ok(Self {
            project,
            envs,
            files,
            keys_file,
            prompt: None,
        })
    }

    /// The one environment this command is about (DESIGN §8).
    pub fn selection(&self) -> Result<Selection> {
        match self.envs.as_slice() {
            [] => self.project.select_env(None),
            [one] => self.project.select_env(Some(one)),
            _ => Err(Error::Usage {
                message: "this command takes one environment (-e given more than once)".into(),
                help: "pass a single -e NAME".into(),
            }),
        }
    }

    /// The name of the one environment this command is about.
    pub fn env(&self) -> Result<String> {
        self.selection().map(|s| s.name)
    }

    /// `-e` environments, else every environment of the project; an error
    /// when there is no project here.
    pub fn envs_or_all(&self) -> Result<Vec<String>> {
        if !self.envs.is_empty() {
            return Ok(self.envs.clone());
        }
        self.require_project()?;
        Ok(self.project.environments())
    }

    /// Fails when there is no project here (no envsafe.toml, no env files)
    /// and no `-f`: a CI step run in the wrong directory must not pass.
    pub fn require_project(&self) -> Result<()> {
        if self.files.is_empty() && !self.project.exists() {
            let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            return Err(Error::NoProject { dir });
        }
        Ok(())
    }

    /// `-f` files, else the environment's files.
    pub fn files(&self, env: &str) -> Result<Vec<PathBuf>> {
        if self.files.is_empty() {
            self.project.files(env)
        } else {
            Ok(self.files.clone())
        }
    }

    /// The file a secret of `env` is written to (DESIGN §7): among its
    /// files, the last that has an envsafe header or does not exist yet
    /// (created with a header), else the last.
    pub fn secret_file(&self, env: &str) -> Result<PathBuf> {
        Ok(crate::project::secret_target(&self.files(env)?)
            .unwrap_or_else(|| self.project.root.join(crate::config::default_file(env))))
    }

    /// The file a plain value of `env` is written to (DESIGN §7): the last
    /// existing file without a header, else the secret file.
    pub fn plain_file(&self, env: &str) -> Result<PathBuf> {
        Ok(crate::project::plain_target(&self.files(env)?)
            .unwrap_or_else(|| self.project.root.join(crate::config::default_file(env))))
    }

    /// The files `encrypt` seals: the `-f` files, else the environment's
    /// secret file.
    pub fn files_to_encrypt(&self, env: &str) -> Result<Vec<PathBuf>> {
        if self.files.is_empty() {
            Ok(vec![self.secret_file(env)?])
        } else {
            Ok(self.files.clone())
        }
    }

    /// The files `decrypt` opens: the `-f` files, else the environment's
    /// files that have an envsafe header; an error when there are none.
    pub fn files_to_decrypt(&self, env: &str) -> Result<Vec<PathBuf>> {
        let files: Vec<PathBuf> = if self.files.is_empty() {
            self.files(env)?
                .into_iter()
                .filter(|f| crate::header::file_has_header(f))
                .collect()
        } else {
            self.files.clone()
        };
        if files.is_empty() {
            return Err(Error::NoFiles {
                env: env.to_owned(),
                files: vec!["an env file with an envsafe header".into()],
            });
        }
        Ok(files)
    }

    /// Whether a header naming another environment than `sel` is an error:
    /// the user chose the environment, or the files are its own.
    pub fn strict_env(&self, sel: &Selection) -> bool {
        sel.explicit || self.files.is_empty()
    }

    /// Where private keys are looked up.
    pub fn keys(&self) -> KeyLookup {
        KeyLookup {
            keys_file: self.keys_file.clone(),
            project_root: self.project.root.clone(),
            prompt: self.prompt.clone(),
            team_recipients: self
                .project
                .config
                .environments
                .iter()
                .filter(|(_, e)| !e.recipients.is_empty())
                .map(|(env, e)| (env.clone(), e.recipients.clone()))
                .collect(),
            team: Default::default(),
        }
    }

    /// Where new private keys go: `--keys-file`, else `.env.keys` at the root.
    pub fn keys_file(&self) -> PathBuf {
        self.keys_file
            .clone()
            .unwrap_or_else(|| self.project.keys_file())
    }

    /// Where new private keys are stored: the keys file, git-ignored at
    /// the project root.
    pub fn key_store(&self) -> KeysFileStore {
        KeysFileStore {
            path: self.keys_file(),
            gitignore_root: self.project.root.clone(),
        }
    }

    /// Runs `f` with the context of a write for environment `sel`.
    pub fn with_writer<T>(&self, sel: &Selection, f: impl FnOnce(&WriteCtx<'_>) -> T) -> T {
        let store = self.key_store();
        let keys = self.keys();
        f(&WriteCtx {
            env: &sel.name,
            strict_env: self.strict_env(sel),
            store: &store,
            config: &self.project.config,
            config_path: self.project.config_path.as_deref(),
            keys: &keys,
        })
    }

    /// The selected environment as `run` gives it to a command (the process
    /// wins unless `override_process`), validated against the schema when
    /// there is one or `strict` asks (findings in the resolution).
    pub fn resolve_run(&self, override_process: bool, strict: bool) -> Result<Resolution> {
        let validate = strict || !self.project.config.vars.is_empty();
        self.resolve_selected(override_process, validate)
    }

    /// The same values for `get`, which shows values, not findings: not
    /// validated.
    pub fn resolve_get(&self, override_process: bool) -> Result<Resolution> {
        self.resolve_selected(override_process, false)
    }

    fn resolve_selected(&self, override_process: bool, validate: bool) -> Result<Resolution> {
        let sel = self.selection()?;
        let files = self.files(&sel.name)?;
        let keys = self.keys();
        let opts = Options::run(&keys, override_process, self.strict_env(&sel), validate);
        resolve::resolve(
            &self.project.config,
            &self.project.root,
            &sel.name,
            &files,
            &opts,
        )
    }

    /// Every environment (or those given with `-e`) checked against the
    /// schema, with the values `run` would pass. `keys_required`: a sealed
    /// value without a key is an error instead of "not checked".
    pub fn check(&self, keys_required: bool) -> Result<Checked> {
        let mut out = Checked {
            envs: self.envs_or_all()?,
            ..Checked::default()
        };
        for env in &out.envs {
            let res = self.resolve_report(env, keys_required)?;
            out.findings.extend(res.findings);
            out.unchecked += res.unchecked;
        }
        Ok(out)
    }

    /// Variables × environments, each cell a [`VarState`].
    pub fn status(&self) -> Result<Status> {
        let envs = self.envs_or_all()?;
        let config = &self.project.config;
        let mut names: BTreeSet<String> = config.vars.keys().cloned().collect();
        let mut out = Status::default();
        let mut resolved = Vec::with_capacity(envs.len());
        for env in &envs {
            let res = self.resolve_report(env, false)?;
            // A file that does not parse: report that, not a column of
            // `missing` that would only be its consequence.
            if res.has_syntax_error() {
                let syntax = res
                    .findings
                    .into_iter()
                    .filter(|f| f.code == crate::diag::Code::Syntax);
                out.syntax.extend(syntax);
                continue;
            }
            names.extend(
                res.all()
                    .iter()
                    .filter(|v| v.sealed().is_some())
                    .map(|v| v.name.clone()),
            );
            resolved.push(res);
        }
        out.columns = resolved
            .iter()
            .map(|res| resolve::states(res, config, names.iter()))
            .collect();
        out.names = names.into_iter().collect();
        out.envs = envs;
        Ok(out)
    }

    /// The files of `-f` (in the selected environment), else of every
    /// environment (or the `-e` ones), and what each holds.
    pub fn list(&self) -> Result<Vec<Listed>> {
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        if self.files.is_empty() {
            for env in self.envs_or_all()? {
                for f in self.project.files(&env)? {
                    files.push((env.clone(), f));
                }
            }
        } else {
            let env = self.env()?;
            files.extend(self.files.iter().map(|f| (env.clone(), f.clone())));
        }
        let mut out = Vec::with_capacity(files.len());
        for (env, path) in files {
            let Some(text) = crate::fsutil::read_optional(&path)? else {
                out.push(Listed {
                    env,
                    header_env: None,
                    path,
                    exists: false,
                    public_key: None,
                    vars: Vec::new(),
                });
                continue;
            };
            let doc = crate::dotenv::Document::parse(&path, text)?;
            let header = crate::header::find(&doc)?;
            let vars = doc
                .entries()
                .map(|e| (e.name.to_owned(), e.sealed().is_some(), e.line))
                .collect();
            out.push(Listed {
                env,
                header_env: header.as_ref().and_then(|h| h.env.clone()),
                exists: true,
                public_key: header.map(|h| h.public_key.to_string()),
                path,
                vars,
            });
        }
        Ok(out)
    }

    /// The text of `.env.example`: the schema's variables, then the names
    /// the environments' files set that the schema does not declare.
    pub fn example(&self) -> Result<String> {
        let mut seen = BTreeSet::new();
        for env in self.project.environments() {
            seen.extend(crate::project::names_in(&self.project.files(&env)?)?);
        }
        Ok(crate::schema::render_example(
            &self.project.config.vars,
            &seen,
        ))
    }

    /// Writes `.env.example` at the project root; its path and how many
    /// variables it lists.
    pub fn write_example(&self) -> Result<(PathBuf, usize)> {
        let text = self.example()?;
        let path = self.project.root.join(".env.example");
        crate::fsutil::atomic_write(&path, text.as_bytes(), None)?;
        let count = text
            .lines()
            .filter(|l| l.contains('=') && !l.starts_with('#'))
            .count();
        Ok((path, count))
    }

    fn resolve_report(&self, env: &str, keys_required: bool) -> Result<Resolution> {
        let keys = self.keys();
        let opts = Options::check(&keys, keys_required);
        let files = self.files(env)?;
        resolve::resolve(&self.project.config, &self.project.root, env, &files, &opts)
    }
}
