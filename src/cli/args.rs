//! The command line, as clap derive types. Doc comments are the help text.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Encrypted-at-rest env files: commit secrets safely, run with them fast.
///
/// Secret values are encrypted one at a time inside ordinary dotenv files
/// (`NAME="envsafe:v1:…"`). Anyone with an environment's public key can add
/// a value; only holders of its private key can read them.
#[derive(Debug, Parser)]
#[command(
    name = "envsafe",
    version,
    max_term_width = 100,
    after_long_help = "\
Private keys are looked up in order, a key that does not match is skipped:
  ENVSAFE_PRIVATE_KEY_<ENV>, ENVSAFE_PRIVATE_KEY (comma-separated lists allowed),
  --keys-file, .env.keys beside the env file, .env.keys at the project root.

Environment variables: ENVSAFE_ENV (environment), ENVSAFE_PRIVATE_KEY[_<ENV>], NO_COLOR.

Exit codes: 0 ok, 1 error, 2 usage, 3 validation failed, 4 key or decryption error,
126/127 the command given to `run` could not be executed / was not found;
otherwise `run` exits with the command's own code."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

// Flags every command takes, before or after the command name. Not clap
// `global = true`: propagating 10 global flags into every subcommand cost
// ~200K instructions (0.15 ms) per start, most of `run`'s budget. Each
// subcommand flattens its own copy instead (built only for the command
// used, see `Deferred`), merged by `Global::merge`.
// (Plain comments: a doc comment here would become every command's help text.)
#[derive(Debug, Args, Default, Clone)]
pub struct Global {
    /// Run as if envsafe was started in DIR
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Use this envsafe.toml instead of searching up to the git root
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Environment (default: $ENVSAFE_ENV, else the one whose
    /// ENVSAFE_PRIVATE_KEY_<ENV> is set, else development)
    #[arg(short, long = "env", value_name = "NAME", action = ArgAction::Append)]
    pub env: Vec<String>,
    /// Work on this file instead of the environment's files (repeatable)
    #[arg(short, long = "file", value_name = "PATH", action = ArgAction::Append)]
    pub file: Vec<PathBuf>,
    /// Read private keys from this file instead of .env.keys
    #[arg(long, value_name = "PATH")]
    pub keys_file: Option<PathBuf>,
    /// Print results as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Say more about what is done (never values)
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour [default: auto] (NO_COLOR is honoured)
    #[arg(long, value_name = "WHEN")]
    pub color: Option<Color>,
}

impl Global {
    /// The flags given before the command name, then those after it: lists
    /// add up, a value given after wins.
    pub fn merge(mut self, after: Global) -> Global {
        self.dir = after.dir.or(self.dir);
        self.config = after.config.or(self.config);
        self.env.extend(after.env);
        self.file.extend(after.file);
        self.keys_file = after.keys_file.or(self.keys_file);
        self.json |= after.json;
        self.quiet |= after.quiet;
        self.verbose += after.verbose;
        self.color = after.color.or(self.color);
        self
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Dotenv,
    Json,
    Shell,
}

/// A subcommand's arguments, built only when that subcommand is the one
/// being parsed (clap's `Command::defer`): start-up builds one command's
/// flags, not all of them.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Self)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create envsafe.toml, a keypair and an env file per environment
    ///
    /// Private keys go to .env.keys (mode 0600), which is added to .gitignore.
    /// Without --env, creates `development` (file .env).
    Init(Deferred<OnlyGlobal>),
    /// Print a new keypair (age format: age1… / AGE-SECRET-KEY-1…)
    Keygen(Deferred<OnlyGlobal>),
    /// Encrypt and store one value (needs only the public key)
    ///
    /// Without VALUE the value is read from stdin (a hidden prompt on a
    /// terminal) — prefer that for secrets: command lines are visible to
    /// other processes. A file without an envsafe header gets a new keypair.
    Set(Deferred<SetArgs>),
    /// Remove a variable from the environment's files
    Unset(Deferred<UnsetArgs>),
    /// Print decrypted values (all, or the NAMEs given)
    ///
    /// Prints what `run --override` gives a command: the files' values (later
    /// file wins), schema defaults for unset variables. A variable also set in
    /// the shell is named on stderr, since plain `run` passes the shell's
    /// value; --process prints that instead. With one NAME and no --format,
    /// prints the bare value.
    Get(Deferred<GetArgs>),
    /// Encrypt every plain value of the file in place (needs only the public key)
    Encrypt(Deferred<OnlyGlobal>),
    /// Decrypt every value of the file in place
    Decrypt(Deferred<DecryptArgs>),
    /// List files and variable names, encrypted or plain (no decryption)
    Ls(Deferred<OnlyGlobal>),
    /// Check environments against the schema (envsafe.toml `[vars.*]`)
    ///
    /// Without keys: file syntax, placement (secrets encrypted, public values
    /// plain), presence, and the types of plain values. With a key it also
    /// checks the types of encrypted values. Exit 3 on findings. Never
    /// prints a value.
    Check(Deferred<CheckArgs>),
    /// Fill missing variables that have `generate` in envsafe.toml
    ///
    /// New values are random (hex:N, base64:N, urlsafe:N bytes; alnum:N
    /// characters) and are encrypted with the public key only. Existing values
    /// are kept unless --force; a `rotation = "manual"` value also needs
    /// --force-manual. Warns when two environments share a generated value.
    Generate(Deferred<GenerateArgs>),
    /// Write .env.example from the schema and the env files
    ///
    /// Names, descriptions and rules as comments, public defaults filled in,
    /// secrets empty; a stable order, so `cp .env.example .env` keeps working.
    Example(Deferred<ExampleArgs>),
    /// A table of variables × environments: set, missing, invalid, plain!
    ///
    /// Works without keys; with them, encrypted values are type-checked too.
    Status(Deferred<OnlyGlobal>),
    /// The git pre-commit and pre-merge-commit hooks: install, uninstall, or run them
    Hook(Deferred<HookArgs>),
    /// Load the environment, then exec COMMAND with it
    ///
    /// Files load in order, later wins; a variable already set in the process
    /// wins unless --override. Any value that cannot be decrypted stops envsafe
    /// before the command starts (exit 4). Put `--` before the command, so
    /// that its own flags are never read as envsafe's.
    #[command(override_usage = "envsafe run [OPTIONS] -- <COMMAND>...")]
    Run(Deferred<RunArgs>),
    /// A new keypair for the environment; every value re-encrypted to it
    ///
    /// Re-encrypts every value of every file of the environment, rewrites the
    /// headers and the pinned key, re-wraps the team key file
    /// (.envsafe/ENV.age) to the recipients, and gives the new private key to
    /// the stores that held the old one (.env.keys, the OS keyring). All or
    /// nothing: killed midway, the next envsafe command finishes or undoes it.
    /// Values never change (`rotation = "manual"` ones included): a leaked
    /// secret must also be changed where it is issued.
    Rotate(Deferred<RotateArgs>),
    /// Team access: who can unlock the environment key (.envsafe/ENV.age)
    ///
    /// A recipient is an age public key (age1…), an ssh public key
    /// (ssh-ed25519 / ssh-rsa, or the path of a .pub file), or an age plugin
    /// recipient (age1NAME1…, with age-plugin-NAME on PATH). The list lives in
    /// envsafe.toml (`[environments.NAME] recipients`); the team file is the
    /// environment key, age-encrypted to them: `age -d -i IDENTITY
    /// .envsafe/ENV.age` prints it.
    Recipients(Deferred<RecipientsArgs>),
    /// Your personal age identity, which unlocks team key files
    ///
    /// Looked up in order: ENVSAFE_IDENTITY (a path, or the identity itself),
    /// ~/.config/envsafe/identity.txt or the OS keyring (`new --keyring`),
    /// ~/.ssh/id_ed25519, ~/.ssh/id_rsa; plugin identities (AGE-PLUGIN-…)
    /// inside any of them.
    Identity(Deferred<IdentityArgs>),
    /// Move environment keys between .env.keys and the OS keyring
    Keys(Deferred<KeysArgs>),
    /// Write a target's form: its dotenv file, secrets directory, manifest or JSON
    ///
    /// Targets are [targets.NAME] in envsafe.toml: an environment's variables
    /// under the platform's names. A dotenv target writes its `path`, a
    /// compose-secrets target one file per variable in its `dir` (mode 0600,
    /// atomically; recorded in the push ledger); a k8s or json target without
    /// a `path`, and any target with --stdout, prints. Values the platform
    /// would read differently are refused, naming the variable and why.
    Export(Deferred<ExportArgs>),
    /// Send targets' variables to their platforms, values on stdin only
    ///
    /// fly: `flyctl secrets import --app APP [--stage]`; github: one
    /// `gh secret set NAME` per secret; k8s: `kubectl apply -f -`; file targets
    /// are written as by `export`. The programs are ENVSAFE_FLYCTL, ENVSAFE_GH,
    /// ENVSAFE_KUBECTL, else found on PATH. Values come from the environment's
    /// files (never from this shell) and must pass the schema; every target
    /// is checked before any is sent. What was sent is recorded in the push
    /// ledger (.envsafe/state/, git-ignored) as keyed hashes.
    Push(Deferred<PushArgs>),
    /// What a push would change: names to add, change, keep and remove
    ///
    /// From the push ledger (keyed hashes of what was last sent: no remote
    /// value is read) and, for fly and github targets, the names the platform
    /// lists (`flyctl secrets list`, `gh secret list`).
    Diff(Deferred<DiffArgs>),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The target ([targets.NAME] in envsafe.toml)
    pub target: String,
    /// Print the form instead of writing the target's path
    #[arg(long)]
    pub stdout: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The targets to push
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Check every value and print the target and source names that would
    /// be sent; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send nothing; exit 3 when a target is out of date (by the push ledger)
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The target
    pub target: String,
    /// Compare with the push ledger only; do not ask the platform for its names
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub global: Global,
}

/// `--confirm-recipients`, for the commands that wrap the key.
#[derive(Debug, Args, Default)]
pub struct Confirm {
    /// Wrap the key to every recipient envsafe.toml lists, although no sealed
    /// team key file vouches for them (there is none yet, or it was damaged,
    /// replaced, or edited by hand): review the list first
    #[arg(long)]
    pub confirm_recipients: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub confirm: Confirm,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct RecipientsArgs {
    #[command(subcommand)]
    pub action: RecipientsAction,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Subcommand)]
pub enum RecipientsAction {
    /// List the environment's recipients (no key needed)
    List {
        #[command(flatten)]
        global: Global,
    },
    /// Add a recipient and re-wrap the team key file (needs the environment key)
    Add {
        /// The recipient: `age1…`, `ssh-ed25519 AAAA… [name]` (quoted, or as
        /// separate words), or the path of an ssh .pub file
        #[arg(required = true, num_args = 1..)]
        recipient: Vec<String>,
        /// A display name (replaces an ssh key's comment)
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        confirm: Confirm,
        #[command(flatten)]
        global: Global,
    },
    /// Remove a recipient, then rotate the environment key
    ///
    /// Prints the secrets the member could read: git history still holds
    /// their old ciphertexts, which the removed key opens, so change those
    /// values where they are issued.
    Remove {
        /// The recipient's key, whole entry, or display name
        #[arg(required = true, num_args = 1..)]
        recipient: Vec<String>,
        /// Only re-wrap the team file; keep the environment key (the member
        /// may have kept a copy of it)
        #[arg(long)]
        no_rotate: bool,
        #[command(flatten)]
        confirm: Confirm,
        #[command(flatten)]
        global: Global,
    },
}

impl RecipientsAction {
    fn global(&mut self) -> &mut Global {
        match self {
            RecipientsAction::List { global }
            | RecipientsAction::Add { global, .. }
            | RecipientsAction::Remove { global, .. } => global,
        }
    }
}

#[derive(Debug, Args)]
pub struct IdentityArgs {
    #[command(subcommand)]
    pub action: IdentityAction,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Subcommand)]
pub enum IdentityAction {
    /// Make a personal age identity (~/.config/envsafe/identity.txt, mode 0600)
    New {
        /// Keep it in the OS keyring instead of a file (on Linux the kernel
        /// keyring, which forgets it at reboot)
        #[arg(long)]
        keyring: bool,
        #[command(flatten)]
        global: Global,
    },
    /// Print your recipient, to hand to an admin (`envsafe recipients add`)
    Show {
        #[command(flatten)]
        global: Global,
    },
}

impl IdentityAction {
    fn global(&mut self) -> &mut Global {
        match self {
            IdentityAction::New { global, .. } | IdentityAction::Show { global } => global,
        }
    }
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Move the environment's private key from .env.keys into the OS keyring
    ///
    /// On Linux the keyring is the kernel's, in memory: it forgets the key at
    /// reboot (and after 3 days unused). Unless a team key file holds the
    /// key too, `store` is refused without --force.
    Store {
        /// Move it although the keyring would hold the only copy (back it up
        /// first: `envsafe keys export`)
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        global: Global,
    },
    /// Print the environment's private key as a .env.keys line
    ///
    /// From wherever lookup finds it (the keyring included):
    /// `envsafe keys export >> .env.keys` puts it back in the file.
    Export {
        #[command(flatten)]
        global: Global,
    },
}

impl KeysAction {
    fn global(&mut self) -> &mut Global {
        match self {
            KeysAction::Store { global, .. } | KeysAction::Export { global } => global,
        }
    }
}

// A command with no flags of its own.
#[derive(Debug, Args)]
pub struct OnlyGlobal {
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Variable name (letters, digits, `_`, `.`, `-`)
    pub name: String,
    /// The value; omit it to read stdin (safer: a command line is visible to
    /// other processes). A value starting with `-` is taken as the value
    #[arg(allow_hyphen_values = true)]
    pub value: Option<String>,
    /// Store the value unencrypted (for non-secret config; refused for a
    /// secret variable)
    #[arg(long)]
    pub plain: bool,
    /// Accept an empty value (refused otherwise: an empty stdin is usually
    /// a mistake)
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct UnsetArgs {
    /// Variable name
    pub name: String,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Variables to print
    pub names: Vec<String>,
    /// Output format (--json is the same as --format json)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Show the process's value where it has the variable (what plain
    /// `run` gives the command) instead of the file's
    #[arg(long = "process")]
    pub process_wins: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// Print the decrypted file instead of changing it
    #[arg(long)]
    pub stdout: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Require the private keys and check encrypted values too
    #[arg(long)]
    pub decrypt: bool,
    /// Check what is staged in git instead (the pre-commit checks)
    #[arg(long, conflicts_with = "decrypt")]
    pub staged: bool,
    /// With --staged: also fail when a required variable is missing
    #[arg(long, requires = "staged")]
    pub require: bool,
    /// Preflight a deploy target instead: every variable it sends is set in
    /// its environment and passes the schema
    #[arg(long, value_name = "NAME", conflicts_with = "staged")]
    pub target: Option<String>,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Variables to generate (default: every variable with `generate`)
    pub names: Vec<String>,
    /// Replace existing values (those with `rotation = "auto"`)
    #[arg(long)]
    pub force: bool,
    /// With --force, also replace `rotation = "manual"` values: data that
    /// depends on the old value will no longer be readable
    #[arg(long, requires = "force")]
    pub force_manual: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct ExampleArgs {
    /// Print it instead of writing .env.example
    #[arg(long)]
    pub stdout: bool,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Install the pre-commit and pre-merge-commit hooks (core.hooksPath
    /// respected; an existing hook is kept and run after envsafe's)
    Install,
    /// Remove envsafe's hooks and restore the ones they chained
    Uninstall,
    /// Check what is staged (the index, never the working tree): keys files
    /// and private keys anywhere; in every env-like file, secrets stored
    /// plain, values encrypted in HEAD and plain now, malformed values, the
    /// pinned key; the schema; and, with a private key at hand, the values of
    /// current secrets in any staged text. envsafe.toml is read from the
    /// index. Exit 3 on findings
    Run {
        /// Also fail when a required variable is missing
        #[arg(long)]
        require: bool,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Let file values replace variables already set in the process
    #[arg(long = "override")]
    pub override_process: bool,
    /// Refuse to start on any schema finding, listing them all
    #[arg(long)]
    pub strict: bool,
    /// The command and its arguments, after `--`
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
    #[command(flatten)]
    pub global: Global,
}

impl Command {
    /// The flags given after the command name.
    pub fn take_global(&mut self) -> Global {
        let global = match self {
            Command::Init(a)
            | Command::Keygen(a)
            | Command::Encrypt(a)
            | Command::Ls(a)
            | Command::Status(a) => &mut a.0.global,
            Command::Rotate(a) => &mut a.0.global,
            Command::Recipients(a) => {
                return before_and_after(&mut a.0.global, a.0.action.global())
            }
            Command::Identity(a) => return before_and_after(&mut a.0.global, a.0.action.global()),
            Command::Keys(a) => return before_and_after(&mut a.0.global, a.0.action.global()),
            Command::Set(a) => &mut a.0.global,
            Command::Unset(a) => &mut a.0.global,
            Command::Get(a) => &mut a.0.global,
            Command::Decrypt(a) => &mut a.0.global,
            Command::Check(a) => &mut a.0.global,
            Command::Generate(a) => &mut a.0.global,
            Command::Example(a) => &mut a.0.global,
            Command::Hook(a) => &mut a.0.global,
            Command::Run(a) => &mut a.0.global,
            Command::Export(a) => &mut a.0.global,
            Command::Push(a) => &mut a.0.global,
            Command::Diff(a) => &mut a.0.global,
        };
        std::mem::take(global)
    }
}

/// The flags of a command with actions, given before the action or after
/// it (`recipients -e x list`, `recipients list -e x`).
fn before_and_after(before: &mut Global, after: &mut Global) -> Global {
    std::mem::take(before).merge(std::mem::take(after))
}

/// Reports a command line clap refused. For `set`, an extra argument is
/// never echoed: `set KEY my pass` forgot the quotes, and `pass` is part of
/// a secret.
pub fn parse_failure(e: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    // `recipients add "$(cat ~/.ssh/id_ed25519)"` starts with `-----`:
    // clap would echo the private key as an unknown flag.
    let pasted_key = std::env::args().skip(1).any(|a| {
        envsafe::crypto::mentions_private_key(a.as_bytes()) || a.contains("PRIVATE KEY-----")
    });
    if pasted_key {
        super::ui::raw_error(
            "error: an argument holds a private key (not shown)\n\
             help: give the public half: `envsafe identity show` prints yours (for ssh, the .pub file)\n",
        );
        return std::process::ExitCode::from(super::report::EXIT_USAGE);
    }
    let is_set = std::env::args().skip(1).any(|a| a == "set");
    if is_set
        && matches!(
            e.kind(),
            ErrorKind::UnknownArgument | ErrorKind::TooManyValues
        )
    {
        super::ui::raw_error(
            "error: `set` takes a name and one value (the extra argument is not shown: it may be part of a secret)\n\
             help: quote the value (`envsafe set NAME 'two words'`), or give it on stdin\n",
        );
        return std::process::ExitCode::from(super::report::EXIT_USAGE);
    }
    e.exit()
}
