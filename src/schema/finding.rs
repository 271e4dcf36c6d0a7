//! A finding: one problem `check`, `status`, `run` and the hook report,
//! naming the variable, a stable kebab-case rule and the place, never a
//! value.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem. `rule` is a stable kebab-case code.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub env: String,
    pub name: String,
    pub rule: &'static str,
    pub message: String,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub help: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        severity: Severity,
        env: &str,
        name: &str,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            env: env.to_owned(),
            name: name.to_owned(),
            rule,
            message: message.into(),
            file: None,
            line: None,
            help: None,
        }
    }

    pub(crate) fn at(mut self, file: &Path, line: usize) -> Self {
        self.line = Some(line);
        self.in_file(file)
    }

    /// A finding about a whole file.
    pub(crate) fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    pub(crate) fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}
