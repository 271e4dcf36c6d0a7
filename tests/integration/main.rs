//! The one integration-test binary: runs the real `envsafe` binary in temp
//! directories (and real git / age / node where a test says so).
// Tests may print: clippy.toml's ban on printing is about the product.
#![allow(clippy::disallowed_macros, clippy::print_stdout, clippy::print_stderr)]

mod age_interop;
mod attacks;
mod boundaries;
mod cli_core;
mod cli_errors;
mod dotenv_diff;
mod help;
mod honest;
mod hook;
mod hook_bypass;
mod hostile;
mod integrity;
mod leaks;
mod one_resolution;
mod schema_cli;
mod schemas;
mod support;
mod targets;
mod team;
mod transaction;
mod vectors;
