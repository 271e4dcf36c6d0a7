//! The library's error type. Variants carry locations (path, line, column,
//! variable name), never values; `help` says what to do next and `kind`
//! lets the CLI choose the exit code.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What class of failure an error is; the CLI maps it to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Generic failure (exit 1).
    Failure,
    /// The command line was wrong (exit 2).
    Usage,
    /// A key was missing, wrong or unreadable, or a value did not decrypt (exit 4).
    Key,
    /// A value breaks the schema (exit 3).
    Validation,
}

/// Where a problem is in a file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.col)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A dotenv syntax error. `snippet` is the offending line with its value
    /// masked (DESIGN §5), or nothing for a file that holds private keys.
    #[error("{at}: {message}")]
    Parse {
        at: Location,
        message: String,
        snippet: Option<String>,
        help: &'static str,
    },

    /// A value whose `${…}` expansion failed: too deep, too large,
    /// unterminated, or `${NAME:?message}` with NAME unset.
    #[error("{at}: `{name}`: {kind}")]
    Expand {
        at: Location,
        name: String,
        kind: crate::dotenv::value::ExpandErrorKind,
    },

    #[error("{at}: not valid UTF-8")]
    NotUtf8 { at: Location },

    #[error("{}: is {what}, not a regular file", path.display())]
    NotRegularFile { path: PathBuf, what: &'static str },

    #[error("{}: larger than {} MiB", path.display(), limit >> 20)]
    FileTooLarge { path: PathBuf, limit: u64 },

    #[error("{}: a symlink whose target does not exist", path.display())]
    DanglingSymlink { path: PathBuf },

    /// An envsafe.toml error; `snippet` is the line.
    #[error("{at}: {message}")]
    Config {
        at: Location,
        message: String,
        snippet: Option<String>,
    },

    /// `shown` is the name up to its first invalid character: what follows
    /// may be a value (`set 'KEY=sk_live_…'`).
    #[error("invalid variable name `{shown}`: {reason}")]
    InvalidName { shown: String, reason: &'static str },

    #[error("{path}: `{name}` is not set", path = path.display())]
    NotSet { path: PathBuf, name: String },

    #[error("`{name}` is not set in environment `{env}`")]
    NotSetInEnv { env: String, name: String },

    #[error("no private key found for environment `{env}` (public key {public_key})")]
    KeyNotFound {
        env: String,
        public_key: String,
        tried: Vec<String>,
    },

    #[error("{at}: not a valid public key in the envsafe header: {reason}")]
    InvalidPublicKey { at: Location, reason: String },

    #[error("{}: keys file is readable by others (mode {mode:03o})", path.display())]
    KeysFilePermissions { path: PathBuf, mode: u32 },

    #[error("{at}: `{name}` could not be decrypted: {reason}")]
    Decrypt {
        at: Location,
        name: String,
        reason: crate::crypto::OpenError,
    },

    #[error("{at}: `{name}` uses `${{…}}` expansion and cannot be encrypted as is")]
    ExpansionInSecret { at: Location, name: String },

    #[error("{}: value of `{name}` contains a NUL byte", path.display())]
    NulInValue { path: PathBuf, name: String },

    #[error("{}: `{name}` is read from this file (from_file) but it is not UTF-8", path.display())]
    NotUtf8File { path: PathBuf, name: String },

    #[error("git: {message}")]
    Git { message: String },

    #[error("unknown environment `{env}`")]
    UnknownEnvironment { env: String, known: Vec<String> },

    #[error("{}: `{name}` is encrypted in a file without an envsafe header", path.display())]
    NoHeader { path: PathBuf, name: String },

    #[error("no env file found for environment `{env}` (looked for {})", files.join(", "))]
    NoFiles { env: String, files: Vec<String> },

    #[error("no envsafe project in {} (no envsafe.toml, no .env files)", dir.display())]
    NoProject { dir: PathBuf },

    /// An envsafe.toml found above the working directory, outside any git
    /// repository, that belongs to another user.
    #[error("{} belongs to another user (uid {owner}): not used", path.display())]
    ForeignConfig { path: PathBuf, owner: u32 },

    /// The environment could not be chosen from `ENVSAFE_PRIVATE_KEY_<ENV>`
    /// variables: several set, or one naming no known environment.
    #[error("{message}")]
    EnvSelection { message: String },

    /// The arguments do not fit the command (`-e` twice where one
    /// environment is meant, …).
    #[error("{message}")]
    Usage { message: String, help: String },

    /// A file's header names another environment than the one selected.
    #[error("{at}: this file belongs to environment `{file_env}` (its header says so), not `{selected}`")]
    EnvMismatch {
        at: Location,
        file_env: String,
        selected: String,
    },

    /// A header's public key is not the trusted one: the pin in
    /// envsafe.toml, or (zero-config) the public half of the key held.
    #[error("{at}: the header's public key {header} is not {trusted_what} ({trusted})")]
    KeyMismatch {
        at: Location,
        header: String,
        trusted: String,
        trusted_what: String,
    },

    /// In a project whose envsafe.toml declares environments, a file of an
    /// environment it does not declare: no pinned key to trust.
    #[error(
        "{at}: environment `{env}` is not declared in envsafe.toml, so no key is pinned for it"
    )]
    UndeclaredEnv { at: Location, env: String },

    /// A command was pointed at a file that holds private keys.
    #[error("{}: {why}", path.display())]
    KeysFileTarget { path: PathBuf, why: &'static str },

    /// Ciphertext where a plain value was expected: a sealed value
    /// re-quoted, or a dotenvx `encrypted:` value.
    #[error("{place}`{name}` holds {} that envsafe cannot open here", kind.describe())]
    Ciphertext {
        /// `path:line: `, or `the process environment: `.
        place: String,
        name: String,
        kind: crate::envelope::Ciphertext,
    },

    /// A value refused before anything was written; names the rule, never
    /// the value.
    #[error("`{name}` was not stored: it {message} [{rule}]")]
    ValueRejected {
        name: String,
        rule: crate::diag::Code,
        message: String,
    },

    #[error("`{name}`: the value is empty")]
    EmptyValue { name: String },

    /// A transaction journal envsafe cannot act on: damaged, or not one
    /// it wrote. `problem` names a line, never its text.
    #[error("{}: not a usable envsafe journal: {problem}", path.display())]
    Journal { path: PathBuf, problem: String },

    /// A write into a directory whose files an interrupted transaction
    /// (journaled in another project, or above this one) has not finished.
    #[error(
        "{}: a write of several files here was interrupted and is not finished (journal {})",
        dir.display(),
        journal.display()
    )]
    PendingJournal { dir: PathBuf, journal: PathBuf },

    /// The OS keyring refused or is unreachable. `why` is the keyring's
    /// message (never a secret).
    #[error("could not {action} the keyring entry {account}: {why}")]
    Keyring {
        action: &'static str,
        account: String,
        why: String,
    },

    /// A team key file (`.envsafe/<env>.age`) that is damaged or holds no
    /// environment key.
    #[error("{}: {why}", path.display())]
    TeamFile { path: PathBuf, why: String },

    /// A recipient that age cannot encrypt to (the entry is public: a
    /// public key and a display name).
    #[error("environment `{env}`: recipient `{entry}`: {why}")]
    Recipient {
        env: String,
        entry: String,
        why: String,
    },

    /// Recipients in envsafe.toml that the current team file was not
    /// wrapped to by a key holder: added by hand (the entries are public
    /// keys and display names).
    #[error("environment `{env}`: {why}: {}", entries.join(", "))]
    UnconfirmedRecipients {
        env: String,
        why: String,
        entries: Vec<String>,
    },

    /// A change to the recipients list that cannot be made as asked.
    #[error("environment `{env}`: {message}")]
    RecipientChange {
        env: String,
        message: String,
        help: String,
    },

    /// envsafe.toml changed between reading it and locking it.
    #[error("{}: changed while this command ran (another envsafe command?)", path.display())]
    ChangedMeanwhile { path: PathBuf },

    /// `recipients remove` of a recipient the environment does not list.
    #[error("environment `{env}` has no recipient `{entry}`")]
    RecipientNotListed { env: String, entry: String },

    /// A personal identity already exists where `identity new` would put one.
    #[error("a personal identity already exists in {place}")]
    IdentityExists { place: String },

    /// No personal identity was found (`identity show`).
    #[error("no identity found (tried: {})", tried.join("; "))]
    NoIdentity { tried: Vec<String> },

    /// A push ledger (`.envsafe/state/TARGET.json`) or its key that does
    /// not read.
    #[error("{}: {why}", path.display())]
    Ledger { path: PathBuf, why: String },

    /// A git repository whose index cannot be read, where a write must
    /// know what git tracks.
    #[error("cannot tell whether git tracks {} ({why})", path.display())]
    GitUnreadable { path: PathBuf, why: String },

    /// A target envsafe.toml does not declare.
    #[error("no target `{name}` in envsafe.toml")]
    UnknownTarget { name: String, known: Vec<String> },

    /// A value (or name) the platform would change or lose: nothing was
    /// sent. `reason` never holds a byte of the value.
    #[error("target `{target}`: `{name}` refused: {reason}")]
    TargetRefused {
        target: String,
        name: String,
        reason: String,
    },

    /// A target's variables that are missing or break the schema (the
    /// findings are reported with it).
    #[error("target `{target}`: {count} variable(s) missing or invalid in environment `{env}`: nothing was sent")]
    TargetInvalid {
        target: String,
        env: String,
        count: usize,
    },

    /// The platform's command line could not run, or failed.
    #[error("target `{target}`: {message}")]
    PlatformCli {
        target: String,
        message: String,
        help: String,
    },

    /// `--plain` for a variable that is secret.
    #[error("`{name}` is secret ({why}): it is stored encrypted, never plain")]
    PlainSecret { name: String, why: &'static str },
}

impl Error {
    /// The error for an invalid variable name, showing the name only up to
    /// its first invalid character (`KEY=sk_live_…` shows `KEY=…`).
    pub fn invalid_name(name: &str) -> Self {
        let bad = name.bytes().position(|b| !crate::dotenv::is_key_byte(b));
        let (shown, reason) = match bad {
            None => (name.to_owned(), "a name cannot be empty"),
            Some(i) => {
                let reason = match name.as_bytes()[i] {
                    b'=' => "a name cannot contain `=` (was a value given with it?)",
                    b' ' | b'\t' => "a name cannot contain spaces",
                    _ => "a name may contain only letters, digits, `_`, `.` and `-`",
                };
                (format!("{}…", &name[..i]), reason)
            }
        };
        Error::InvalidName { shown, reason }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::KeyNotFound { .. }
            | Error::KeysFilePermissions { .. }
            | Error::Decrypt { .. }
            | Error::NoHeader { .. }
            | Error::KeyMismatch { .. }
            | Error::UndeclaredEnv { .. }
            | Error::TeamFile { .. }
            | Error::Keyring { .. }
            | Error::NoIdentity { .. }
            | Error::Ciphertext { .. } => ErrorKind::Key,
            Error::InvalidName { .. }
            | Error::UnknownEnvironment { .. }
            | Error::EnvSelection { .. }
            | Error::Usage { .. }
            | Error::KeysFileTarget { .. }
            | Error::Recipient { .. }
            | Error::RecipientNotListed { .. }
            | Error::RecipientChange { .. }
            | Error::UnconfirmedRecipients { .. }
            | Error::EmptyValue { .. }
            | Error::UnknownTarget { .. }
            | Error::PlainSecret { .. } => ErrorKind::Usage,
            Error::ValueRejected { .. }
            | Error::TargetRefused { .. }
            | Error::TargetInvalid { .. } => ErrorKind::Validation,
            _ => ErrorKind::Failure,
        }
    }

    /// What the user should do about it, one line.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Error::Parse { help, .. } => (*help).into(),
            Error::Config { .. } => "fix envsafe.toml at the place shown".into(),
            Error::InvalidName { reason, .. } if reason.contains('=') => {
                "give the name alone; the value goes on stdin (or the hidden prompt): \
                 `envsafe set NAME`"
                    .into()
            }
            Error::InvalidName { .. } => "`envsafe ls` lists the variables; \
                 `envsafe set NAME` takes the value on stdin"
                .into(),
            Error::Expand { kind, .. } => {
                use crate::dotenv::value::{
                    ExpandErrorKind, MAX_DEPTH, MAX_EXPANDED, MAX_GROWTH_TOTAL,
                };
                match kind {
                    ExpandErrorKind::Required { .. } => {
                        "set that variable, or give a default: `${NAME:-default}`".into()
                    }
                    ExpandErrorKind::Unterminated => {
                        "close it with `}`, or write `\\$` for a literal `$`".into()
                    }
                    ExpandErrorKind::TooDeep
                    | ExpandErrorKind::TooLarge
                    | ExpandErrorKind::TotalTooLarge => format!(
                        "expansion is limited ({MAX_DEPTH} levels, {} MiB per value, {} MiB in all): \
                         write the value out, or single-quote it to keep it literal",
                        MAX_EXPANDED >> 20,
                        MAX_GROWTH_TOTAL >> 20
                    ),
                }
            }
            Error::NotUtf8 { .. } => "save the file as UTF-8".into(),
            Error::NotRegularFile { .. } => {
                "envsafe reads only regular files (or symlinks to them)".into()
            }
            Error::FileTooLarge { .. } => "is this the file you meant?".into(),
            Error::DanglingSymlink { .. } => {
                "create the file it points to, or replace the symlink with a file".into()
            }
            Error::ForeignConfig { .. } => {
                "run envsafe inside your own project (a git repository), \
                 or name the config with `--config PATH` if you trust it"
                    .into()
            }
            Error::NoProject { .. } => "run `envsafe init` here, run from the project \
                 (or `-C DIR`), or name a file with `-f PATH`"
                .into(),
            Error::Usage { help, .. } => help.clone(),
            Error::EnvSelection { .. } => {
                "choose one with `-e NAME` or ENVSAFE_ENV, or unset the others".into()
            }
            Error::EnvMismatch { file_env, .. } => format!(
                "was a file copied over another? restore it from git, or select \
                 `-e {file_env}` if that is what you meant"
            ),
            Error::KeyMismatch { .. } => "someone changed the header's key: restore it from \
                 git history (`git log -p -- FILE`); a deliberate key change updates `public_key` \
                 in envsafe.toml in the same reviewed commit"
                .into(),
            Error::UndeclaredEnv { env, .. } => format!(
                "declare it with `envsafe init -e {env}`, or restore the file's header from git"
            ),
            Error::KeysFileTarget { .. } => {
                "pass the env file with `-f`, and the keys file with `--keys-file`".into()
            }
            Error::Ciphertext { place, .. } if place.starts_with("the process") => {
                "the shell or container set it to the encrypted text (compose `env_file:` on an \
                 envsafe file?): unset it there, or use `run --override`"
                    .into()
            }
            Error::Ciphertext {
                kind: crate::envelope::Ciphertext::Dotenvx,
                ..
            } => "dotenvx values need dotenvx's key: \
                 decrypt it with dotenvx and store it with `envsafe set`"
                .into(),
            Error::Ciphertext { .. } => "an envsafe value must be written `NAME=\"envsafe:v1:…\"` \
                 exactly as envsafe wrote it (no single quotes, no spaces): restore the line \
                 from git, or set it again with `envsafe set`"
                .into(),
            Error::ValueRejected {
                rule: crate::diag::Code::Nul,
                ..
            } => "remove the NUL byte (binary data: `encode = \"base64\"` with from_file)".into(),
            Error::ValueRejected {
                rule: crate::diag::Code::Ciphertext,
                name,
                ..
            } => format!("give the decrypted value (`envsafe get {name}` prints it)"),
            Error::ValueRejected {
                rule: crate::diag::Code::Utf8,
                ..
            } => "values are text: base64-encode binary data first".into(),
            Error::ValueRejected { name, .. } => {
                format!("fix the value; the rule is [vars.{name}] in envsafe.toml")
            }
            Error::EmptyValue { .. } => {
                "nothing was read; pass --allow-empty to store an empty value on purpose".into()
            }
            Error::Ledger { path, .. } => format!(
                "remove {}: the next push records the target again (until then `diff` \
                 lists every name as never pushed)",
                path.display()
            ),
            Error::UnknownTarget { known, .. } if !known.is_empty() => {
                format!("targets in envsafe.toml: {}", known.join(", "))
            }
            Error::UnknownTarget { .. } => {
                "declare one under [targets.NAME] in envsafe.toml (kind, env, vars)".into()
            }
            Error::TargetRefused { .. } => "change the value, or send it where any value \
                 survives (a compose-secrets or k8s target)"
                .into(),
            Error::TargetInvalid { target, .. } => {
                format!("fix the findings above; `envsafe check --target {target}` checks again")
            }
            Error::PlatformCli { help, .. } => help.clone(),
            Error::GitUnreadable { .. } => "a target never writes over a tracked file: make the \
                 repository readable (a split index: `git update-index --no-split-index`; owned \
                 by another user: `git config --global --add safe.directory DIR`), then run it \
                 again"
                .into(),
            Error::PlainSecret { name, .. } => format!(
                "drop --plain; or, if it is not secret, declare [vars.{name}] secret = false"
            ),
            Error::NotSet { .. } | Error::NotSetInEnv { .. } => {
                "`envsafe ls` lists the variables of each file".into()
            }
            Error::KeyNotFound { env, .. } => format!(
                "set {} to the private key, or add it to .env.keys (ask a key holder); in a team, \
                 give an admin your recipient (`envsafe identity show`) to add with \
                 `envsafe recipients add`",
                crate::env_vars::private_key_var(env)
            ),
            Error::InvalidPublicKey { .. } => {
                "the header must read `#@envsafe public-key=age1… env=NAME`".into()
            }
            Error::KeysFilePermissions { path, .. } => {
                format!("run `chmod 600 {}`", path.display())
            }
            Error::Decrypt { .. } => "the value was changed, moved from another variable, or \
                 sealed to another key; set it again with `envsafe set`"
                .into(),
            Error::ExpansionInSecret { .. } => {
                "encrypted values are literal: write the final value, or use single quotes \
                 for a literal `$`"
                    .into()
            }
            Error::UnknownEnvironment { known, .. } if !known.is_empty() => {
                format!("known environments: {}", known.join(", "))
            }
            Error::UnknownEnvironment { .. } => "create it with `envsafe init --env NAME`".into(),
            Error::NoHeader { .. } => {
                "restore the `#@envsafe public-key=…` header line from git history".into()
            }
            Error::NoFiles { .. } => {
                "create one with `envsafe init` or `envsafe set NAME`, or pass -e / -f".into()
            }
            Error::NotUtf8File { .. } => {
                "add `encode = \"base64\"` to the variable in envsafe.toml".into()
            }
            Error::Git { .. } => "run it inside a git repository".into(),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "check the path".into()
            }
            Error::Io { source, .. } if source.raw_os_error() == Some(28) => {
                "free some space, or write somewhere else".into()
            }
            Error::Io { source, .. } if source.raw_os_error() == Some(40) => {
                "a symlink loop: fix the links".into()
            }
            Error::NulInValue { .. } => {
                "an environment variable cannot hold a NUL byte: use `encode = \"base64\"`".into()
            }
            Error::Journal { .. } => "a write of several files was interrupted, or this file is \
                 not envsafe's: check that the files it names hold what you expect (restore \
                 any from git), then delete it"
                .into(),
            Error::PendingJournal { journal, .. } => format!(
                "run any envsafe command in {} first: it finishes the interrupted write",
                crate::fsutil::parent_dir(journal).display()
            ),
            Error::Keyring { .. } => "keep the key in .env.keys instead (`envsafe keys export \
                 >> .env.keys`); on Linux the kernel keyring (keyutils) must be reachable"
                .into(),
            Error::TeamFile { why, .. } if why.contains("not on PATH") => {
                "install the plugin (age-plugin-NAME on PATH), or remove its recipient".into()
            }
            Error::TeamFile { .. } => "restore it from git (`git checkout -- .envsafe/`); a key \
                 holder can write it anew with `envsafe rotate --confirm-recipients`"
                .into(),
            Error::Recipient { .. } => "a recipient is an age public key (age1…), an ssh public \
                 key line (ssh-ed25519 / ssh-rsa), or an age plugin recipient (age1NAME1…, with \
                 age-plugin-NAME on PATH)"
                .into(),
            Error::UnconfirmedRecipients { .. } => "check who changed them (`git log -p \
                 envsafe.toml .envsafe/`); if every recipient listed is meant to read the key, run \
                 again with --confirm-recipients, which wraps the key to each of them"
                .into(),
            Error::RecipientChange { help, .. } => help.clone(),
            Error::ChangedMeanwhile { .. } => "run the command again".into(),
            Error::RecipientNotListed { env, .. } => {
                format!("`envsafe recipients list -e {env}` shows who is listed")
            }
            Error::IdentityExists { place } if place.contains("keyring") => {
                "`envsafe identity show` prints its recipient; an admin must add a new one again"
                    .into()
            }
            Error::IdentityExists { .. } => {
                "`envsafe identity show` prints its recipient; move the file away to make a new one"
                    .into()
            }
            Error::NoIdentity { .. } => {
                "make one with `envsafe identity new`, or set ENVSAFE_IDENTITY to an identity file"
                    .into()
            }
            Error::Io { .. } => return None,
        })
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::Git {
            message: e.message().to_owned(),
        }
    }
}
