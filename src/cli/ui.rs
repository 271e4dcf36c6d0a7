//! The only module that prints: stdout for results, stderr for status,
//! warnings and errors, with colour where wanted.
// clippy.toml and [lints] ban printing everywhere else.
#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};

use super::args::Color;

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub const HELP: Style = AnsiColor::Cyan.on_default().bold();
pub const DIM: Style = Style::new().dimmed();
pub const OK: Style = AnsiColor::Green.on_default();

#[derive(Debug, Clone, Copy, Default)]
pub struct Ui {
    pub quiet: bool,
    pub verbose: u8,
    pub json: bool,
}

pub fn init_color(choice: Color) {
    let c = match choice {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    c.write_global();
}

/// Text on stderr before a `Ui` exists (command-line errors).
pub fn raw_error(text: &str) {
    to_stderr(text);
}

/// Writes `text` to stderr in one write, colours stripped unless wanted
/// (anstream's choice: `--color`, NO_COLOR, a terminal). Through anstream's
/// stream each painted piece would be its own write on unbuffered stderr:
/// thousands of findings took thousands of system calls.
fn to_stderr(text: &str) {
    let text: std::borrow::Cow<'_, str> = match anstream::stderr().current_choice() {
        anstream::ColorChoice::Never => anstream::adapter::strip_str(text).to_string().into(),
        _ => text.into(),
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `text` in `style`, for use inside a line.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// The first error writing stdout; `finish_stdout` turns it into the
/// command's failure (a full disk must not exit 0 with a truncated file).
static STDOUT_ERROR: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);

fn record(result: std::io::Result<()>) {
    if let Err(e) = result {
        let mut slot = STDOUT_ERROR
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(e);
    }
}

/// Flushes stdout and reports the first write error: a closed pipe quietly
/// (`envsafe get | head -1`), anything else as an error.
pub fn finish_stdout() -> Result<(), super::report::Failure> {
    record(std::io::stdout().lock().flush());
    let err = STDOUT_ERROR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    match err {
        None => Ok(()),
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(super::report::Failure::ClosedPipe)
        }
        Some(source) => Err(envsafe::Error::Io {
            path: "<stdout>".into(),
            source,
        }
        .into()),
    }
}

/// Where a platform CLI run by `push` prints: envsafe's stderr, so that
/// envsafe's own stdout (`--json`) stays clean.
pub fn child_output() -> std::process::Stdio {
    std::io::stderr().into()
}

impl Ui {
    /// A result line on stdout.
    pub fn out(&self, text: &str) {
        let mut o = anstream::stdout().lock();
        record(writeln!(o, "{text}"));
    }

    /// Values on stdout exactly as given (no newline added). Not through
    /// anstream: stripping escape sequences would corrupt a value.
    pub fn out_raw(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        record(o.write_all(text.as_bytes()).and_then(|()| o.flush()));
    }

    /// A JSON document on stdout.
    pub fn json(&self, value: &serde_json::Value) {
        let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
        text.push('\n');
        self.out_raw(&text);
    }

    /// A status line on stderr, unless --quiet.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            to_stderr(&format!("{text}\n"));
        }
    }

    /// Detail on stderr with -v.
    pub fn detail(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            to_stderr(&format!("{}\n", paint(DIM, text)));
        }
    }

    /// A line on stderr as given (a finding that carries its own
    /// `error[rule]` / `warning[rule]` head), unless --quiet.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            to_stderr(&format!("{text}\n"));
        }
    }

    pub fn warn(&self, text: &str) {
        if !self.quiet {
            to_stderr(&format!("{}: {text}\n", paint(WARN, "warning")));
        }
    }

    /// An error report, printed once; never suppressed by --quiet.
    pub fn error(&self, lines: &str) {
        to_stderr(lines);
    }
}

/// Passphrases asked on the terminal (an ssh identity's), through
/// `/dev/tty`; without a terminal nothing is asked and the identity is
/// skipped.
pub struct TerminalPrompt;

impl envsafe::crypto::Prompt for TerminalPrompt {
    fn passphrase(&self, description: &str) -> Option<envsafe::SecretValue> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        rpassword::prompt_password(format!("{description}: "))
            .ok()
            .map(envsafe::SecretValue::new)
    }

    fn message(&self, text: &str) {
        to_stderr(&format!("{text}\n"));
    }
}

/// A progress bar on stderr for long rewrites (`rotate`): shown on a
/// terminal, for 2,000 values or more, unless --quiet.
pub struct Bar {
    quiet: bool,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

impl Bar {
    pub fn new(ui: &Ui) -> Self {
        Bar {
            quiet: ui.quiet,
            bar: std::cell::RefCell::new(None),
        }
    }
}

impl envsafe::write::Progress for Bar {
    fn start(&self, total: u64) {
        if self.quiet || total < 2000 || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} values re-encrypted")
        {
            bar.set_style(style);
        }
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
