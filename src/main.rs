//! envsafe's entry point: parse, dispatch, print any error once, exit.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
