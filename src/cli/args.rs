//! The command line, as clap derive types. Doc comments are the help text.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Args)]
pub struct Global {
    /// Run as if envsafe was started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Use this envsafe.toml instead of searching up to the git root
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Environment (default: $ENVSAFE_ENV, else the one whose
    /// ENVSAFE_PRIVATE_KEY_<ENV> is set, else development)
    #[arg(short, long = "env", global = true, value_name = "NAME", action = ArgAction::Append)]
    pub env: Vec<String>,
    /// Work on this file instead of the environment's files (repeatable)
    #[arg(short, long = "file", global = true, value_name = "PATH", action = ArgAction::Append)]
    pub file: Vec<PathBuf>,
    /// Read private keys from this file instead of .env.keys
    #[arg(long, global = true, value_name = "PATH")]
    pub keys_file: Option<PathBuf>,
    /// Print results as JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what is done (never values)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour (NO_COLOR is honoured)
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: Color,
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create envsafe.toml, a keypair and an env file per environment
    ///
    /// Private keys go to .env.keys (mode 0600), which is added to .gitignore.
    /// Without --env, creates `development` (file .env).
    Init,
    /// Print a new keypair (age format: age1… / AGE-SECRET-KEY-1…)
    Keygen,
    /// Encrypt and store one value (needs only the public key)
    ///
    /// Without VALUE the value is read from stdin (a hidden prompt on a
    /// terminal) — prefer that for secrets: command lines are visible to
    /// other processes. A file without an envsafe header gets a new keypair.
    Set {
        /// Variable name (letters, digits, `_`, `.`, `-`)
        name: String,
        /// The value; omit it to read stdin
        value: Option<String>,
        /// Store the value unencrypted (for non-secret config)
        #[arg(long)]
        plain: bool,
    },
    /// Remove a variable from the environment's files
    Unset {
        /// Variable name
        name: String,
    },
    /// Print decrypted values (all, or the NAMEs given)
    ///
    /// With one NAME and no --format, prints the bare value.
    Get {
        /// Variables to print
        names: Vec<String>,
        /// Output format (--json is the same as --format json)
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Encrypt every plain value of the file in place (needs only the public key)
    Encrypt,
    /// Decrypt every value of the file in place
    Decrypt {
        /// Print the decrypted file instead of changing it
        #[arg(long)]
        stdout: bool,
    },
    /// List files and variable names, encrypted or plain (no decryption)
    Ls,
    /// Load the environment, then exec COMMAND with it
    ///
    /// Files load in order, later wins; a variable already set in the process
    /// wins unless --override. Any value that cannot be decrypted stops envsafe
    /// before the command starts (exit 4).
    Run {
        /// Let file values replace variables already set in the process
        #[arg(long = "override")]
        override_process: bool,
        /// The command and its arguments
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<OsString>,
    },
}
