//! envsafe: encrypted-at-rest env files. The library knows nothing of the
//! terminal: it parses, seals, opens, looks up keys and rewrites files; the
//! binary (`src/cli`) prints and picks exit codes. ARCHITECTURE.md has the
//! module map, the path of one `run`, and how to add a command.
#![forbid(unsafe_code)]

pub mod config;
pub mod crypto;
pub mod diag;
pub mod dotenv;
pub mod edit;
pub mod env_vars;
pub mod envelope;
mod error;
mod fsutil;
pub mod git;
pub mod header;
pub mod keys;
mod project;
pub mod resolve;
pub mod schema;
mod secret;
mod span;
pub mod targets;
pub mod workspace;
pub mod write;

pub use error::{Error, ErrorKind, Location, Result};
pub use project::{Project, Selection};
pub use secret::SecretValue;
