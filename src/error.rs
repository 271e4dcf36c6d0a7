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
    /// masked, so a malformed secret is never echoed.
    #[error("{at}: {message}")]
    Parse {
        at: Location,
        message: String,
        snippet: String,
    },

    /// An envsafe.toml error; `snippet` is the line.
    #[error("{at}: {message}")]
    Config {
        at: Location,
        message: String,
        snippet: String,
    },

    #[error("invalid variable name `{name}`")]
    InvalidName { name: String },

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
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::KeyNotFound { .. }
            | Error::KeysFilePermissions { .. }
            | Error::Decrypt { .. }
            | Error::NoHeader { .. } => ErrorKind::Key,
            Error::InvalidName { .. } | Error::UnknownEnvironment { .. } => ErrorKind::Usage,
            _ => ErrorKind::Failure,
        }
    }

    /// What the user should do about it, one line.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Error::Parse { .. } => {
                "fix the line, or quote the value (single quotes keep it literal)".into()
            }
            Error::Config { .. } => "fix envsafe.toml at the place shown".into(),
            Error::InvalidName { .. } => {
                "names may contain only letters, digits, `_`, `.` and `-`".into()
            }
            Error::NotSet { .. } | Error::NotSetInEnv { .. } => {
                "`envsafe ls` lists the variables of each file".into()
            }
            Error::KeyNotFound { env, .. } => format!(
                "set {} to the private key, or add it to .env.keys (ask a key holder)",
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
            Error::Io { .. } | Error::NulInValue { .. } => return None,
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
