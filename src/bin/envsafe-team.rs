//! `envsafe-team`: the half of envsafe that links age (team key files,
//! `rotate`, `recipients`, `identity`, `keys`). `envsafe` execs it for
//! those commands and asks it to open team files, so that `envsafe` itself
//! starts as fast as before age (`envsafe::keys::helper`, BENCHMARKS.md).
#![forbid(unsafe_code)]

#[path = "../cli/mod.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    cli::team_main()
}
