//! Findings about a file as a whole, before its values: syntax, the
//! header (valid, the pinned key, the right environment), sealed values
//! without a header. The resolve pass reports them (`check`, `status`, the
//! hook) or fails on them (`run`, `get`).

use std::path::Path;

use crate::config::Config;
use crate::diag::{Code, Finding, Severity};
use crate::dotenv::Document;
use crate::error::Error;
use crate::header::{self, Header};

/// The finding for a file that does not parse.
pub(crate) fn syntax(env: &str, path: &Path, err: &Error) -> Finding {
    match err {
        Error::Parse {
            at, message, help, ..
        } => Finding::error(
            env,
            "",
            Code::Syntax,
            format!("{message} (column {})", at.col),
        )
        .at(path, at.line)
        .help(Some((*help).into())),
        e => Finding::error(env, "", Code::Syntax, e.to_string())
            .in_file(path)
            .help(e.help()),
    }
}

/// The file's header, and the findings about it. `Err`: the header line
/// is malformed (a `header` finding when reporting).
pub(crate) fn header(
    env: &str,
    path: &Path,
    doc: &Document,
    config: &Config,
) -> crate::Result<(Option<Header>, Vec<Finding>)> {
    let mut findings = Vec::new();
    // Where the header is, for findings only (not computed on every run).
    let header_line = || header::location(doc).line;
    let head = header::find(doc)?;
    match &head {
        Some(h) => {
            if let Some(file_env) = h.env.as_deref().filter(|e| *e != env) {
                findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        "",
                        Code::WrongEnv,
                        format!(
                            "the header says env={file_env}, but the file is loaded by `{env}`"
                        ),
                    )
                    .at(path, header_line())
                    .help(Some(
                        "was a file copied over another? restore it from git".into(),
                    )),
                );
            }
            let pin_env = h.env.as_deref().unwrap_or(env);
            if !config.environments.is_empty() && !config.environments.contains_key(pin_env) {
                findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        "",
                        Code::UndeclaredEnv,
                        format!(
                            "the header names environment `{pin_env}`, which envsafe.toml does not declare, so its key is not pinned"
                        ),
                    )
                    .at(path, header_line())
                    .help(Some(format!(
                        "declare it with `envsafe init -e {pin_env}`, or restore the header from git"
                    ))),
                );
            }
            if let Some(pinned) = config.pinned_key(pin_env) {
                if pinned != h.public_key {
                    findings.push(
                        Finding::new(
                            Severity::Error,
                            env,
                            "",
                            Code::KeyPin,
                            format!(
                                "the header's public key {} is not the key pinned for `{pin_env}` in envsafe.toml ({pinned})",
                                h.public_key
                            ),
                        )
                        .at(path, header_line())
                        .help(Some("someone changed the header's key: restore it from git history; a deliberate key change updates `public_key` in envsafe.toml in the same reviewed commit".into())),
                    );
                }
            }
        }
        None => findings.extend(no_header(env, path, doc)),
    }
    Ok((head, findings))
}

/// The finding for sealed values in a file without a (usable) header.
pub(crate) fn no_header(env: &str, path: &Path, doc: &Document) -> Option<Finding> {
    let e = doc.entries().find(|e| e.sealed().is_some())?;
    Some(
        Finding::new(
            Severity::Error,
            env,
            e.name,
            Code::NoHeader,
            "is encrypted in a file without an envsafe header",
        )
        .at(path, e.line)
        .help(Some(
            "restore the `#@envsafe public-key=…` header line from git history".into(),
        )),
    )
}

/// The finding for a malformed header line.
pub(crate) fn bad_header(env: &str, path: &Path, doc: &Document, err: &Error) -> Finding {
    Finding::error(env, "", Code::Header, err.to_string())
        .at(path, header::location(doc).line)
        .help(err.help())
}
