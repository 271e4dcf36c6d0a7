//! Error → diagnostic text → exit code. Exit codes (DESIGN §8): 0 ok ·
//! 1 error · 2 usage · 3 validation · 4 key or decryption · 126/127 the
//! command given to `run` could not be executed / found.

use std::fmt::Write;

use envsafe::{Error, ErrorKind};

use envsafe::diag::{Finding, Severity};

use super::ui::{paint, ERROR, HELP, WARN};

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_VALIDATION: u8 = 3;
pub const EXIT_KEY: u8 = 4;

/// A CLI-level failure: a library error, or one the CLI itself raises.
#[derive(Debug)]
pub enum Failure {
    Lib(Error),
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

/// How findings are laid out. One renderer, two layouts, as compilers
/// have a long and a short form:
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `error[code] env: NAME message`, then `--> file:line` and `help:`
    /// on their own lines (`check`, `status`, `run`).
    Full,
    /// `error: file:line NAME: message [code]` and a `help:` line, the
    /// place first, as git hooks print (`hook run`, `check --staged`).
    Line,
}

/// One finding as text (no trailing newline).
pub fn finding(f: &Finding, layout: Layout) -> String {
    let (style, word) = match f.severity {
        Severity::Error => (ERROR, "error"),
        Severity::Warning => (WARN, "warning"),
    };
    let mut out = match layout {
        Layout::Full => {
            let subject = if f.name.is_empty() {
                String::new()
            } else {
                format!("{} ", f.name)
            };
            let mut out = format!(
                "{}[{}] {}: {subject}{}",
                paint(style, word),
                f.code,
                f.env,
                f.message
            );
            if let (Some(file), Some(line)) = (&f.file, f.line) {
                let _ = write!(out, "\n  --> {}:{line}", file.display());
            }
            out
        }
        Layout::Line => {
            let mut place = match (&f.file, f.line) {
                (Some(file), Some(line)) => format!("{}:{line}", file.display()),
                (Some(file), None) => file.display().to_string(),
                (None, _) => format!("({})", f.env),
            };
            if !f.name.is_empty() {
                place.push(' ');
                place.push_str(&f.name);
            }
            format!(
                "{}: {place}: {} [{}]",
                paint(style, word),
                f.message,
                f.code
            )
        }
    };
    if let Some(help) = &f.help {
        let _ = write!(out, "\n  {}: {help}", paint(HELP, "help"));
    }
    out
}

/// Findings as text, one after another (no trailing newline).
pub fn findings(list: &[Finding], layout: Layout) -> String {
    let mut out = String::new();
    for (i, f) in list.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&finding(f, layout));
    }
    out
}
