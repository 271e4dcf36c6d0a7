//! envsafe: encrypted-at-rest env files. The library knows nothing of the
//! terminal: it parses, seals, opens, looks up keys and rewrites files; the
//! binary (`src/cli`) prints and picks exit codes.
#![forbid(unsafe_code)]

pub mod config;
pub mod crypto;
pub mod diag;
pub mod dotenv;
pub mod edit;
pub mod env_vars;
pub mod envelope;
pub mod error;
pub mod fsutil;
pub mod git;
pub mod header;
pub mod keys;
pub mod project;
pub mod resolve;
pub mod schema;
pub mod secret;
pub mod span;
pub mod workspace;
pub mod write;

pub use error::{Error, ErrorKind, Result};
pub use secret::SecretValue;
