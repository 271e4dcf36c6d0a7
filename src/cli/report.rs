//! Error → diagnostic text → exit code. Exit codes (DESIGN §8): 0 ok ·
//! 1 error · 2 usage · 3 validation · 4 key or decryption · 126/127 the
//! command given to `run` could not be executed / found.

use std::fmt::Write;

use envsafe::{Error, ErrorKind};

use super::ui::{paint, ERROR, HELP};

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_VALIDATION: u8 = 3;
pub const EXIT_KEY: u8 = 4;

/// A CLI-level failure: a library error, or one the CLI itself raises.
#[derive(Debug)]
pub enum Failure {
    Lib(Error),
    Usage {
        message: String,
        help: String,
    },
    /// Validation found problems (already printed); the summary line.
    Validation(String),
    /// The command to exec was not found (127) or not executable (126).
    Exec {
        code: u8,
        message: String,
    },
    /// stdout was closed by its reader: a quiet exit.
    ClosedPipe,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Lib(e)
    }
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Lib(e) => match e.kind() {
                ErrorKind::Failure => EXIT_FAILURE,
                ErrorKind::Usage => EXIT_USAGE,
                ErrorKind::Key => EXIT_KEY,
                ErrorKind::Validation => EXIT_VALIDATION,
            },
            Failure::ClosedPipe => 0,
            Failure::Usage { .. } => EXIT_USAGE,
            Failure::Validation(_) => EXIT_VALIDATION,
            Failure::Exec { code, .. } => *code,
        }
    }

    /// The full report: `error: …`, context lines, `help: …`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let head = |out: &mut String, msg: &str| {
            let _ = writeln!(out, "{}: {msg}", paint(ERROR, "error"));
        };
        let help = |out: &mut String, msg: &str| {
            let _ = writeln!(out, "{}: {msg}", paint(HELP, "help"));
        };
        match self {
            Failure::Usage { message, help: h } => {
                head(&mut out, message);
                help(&mut out, h);
            }
            Failure::Validation(message) => head(&mut out, message),
            Failure::Exec { code, message } => {
                head(&mut out, message);
                help(
                    &mut out,
                    match code {
                        127 => "check the name; a command without `/` is searched on PATH",
                        _ => "check that it is an executable file (`chmod +x`) with a valid `#!` line; \
                              a list of variables too large for the kernel (each at most 128 KiB) also fails here",
                    },
                );
            }
            Failure::ClosedPipe => {}
            Failure::Lib(e) => {
                head(&mut out, &e.to_string());
                match e {
                    Error::Parse {
                        at,
                        snippet: Some(snippet),
                        ..
                    }
                    | Error::Config {
                        at,
                        snippet: Some(snippet),
                        ..
                    } => {
                        let n = at.line.to_string();
                        let pad = " ".repeat(n.len());
                        let caret = " ".repeat(at.col.saturating_sub(1));
                        let _ = writeln!(out, "{pad} |\n{n} | {snippet}\n{pad} | {caret}^");
                    }
                    Error::KeyNotFound { tried, .. } => {
                        out.push_str("  tried:\n");
                        for t in tried {
                            let _ = writeln!(out, "    - {t}");
                        }
                    }
                    _ => {}
                }
                if let Some(h) = e.help() {
                    help(&mut out, &h);
                }
            }
        }
        out
    }
}
