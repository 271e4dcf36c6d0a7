//! The one integration-test binary: runs the real `envsafe` binary in temp
//! directories (and real git / age / node where a test says so).

mod age_interop;
mod attacks;
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
mod transaction;
mod vectors;
