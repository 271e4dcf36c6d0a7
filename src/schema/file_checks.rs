//! Findings about a file as a whole, before its values: syntax, the
//! header (valid, the pinned key, the right environment), sealed values
//! without a header. Shared by `check`, `status` and the hook.

use std::path::Path;

use super::check::{Finding, Severity};
use crate::config::Config;
use crate::dotenv::Document;
use crate::error::Error;
use crate::header::{self, Header};

/// The file's header, and the findings about it. `Err` carries the finding
/// for a file that does not parse at all.
pub fn parse_file(
    env: &str,
    path: &Path,
    text: String,
    config: &Config,
) -> Result<(Document, Option<Header>, Vec<Finding>), Box<Finding>> {
    let doc = match Document::parse(path, text) {
        Ok(doc) => doc,
        Err(Error::Parse {
            at, message, help, ..
        }) => {
            return Err(Box::new(
                Finding::new(
                    Severity::Error,
                    env,
                    "",
                    "syntax",
                    format!("{message} (column {})", at.col),
                )
                .at(path, at.line)
                .help(Some(help.into())),
            ));
        }
        Err(e) => {
            return Err(Box::new(
                Finding::new(Severity::Error, env, "", "syntax", e.to_string())
                    .in_file(path)
                    .help(e.help()),
            ));
        }
    };
    let mut findings = Vec::new();
    let header_line = header::location(&doc).line;
    let head = match header::find(&doc) {
        Ok(head) => head,
        Err(e) => {
            findings.push(
                Finding::new(Severity::Error, env, "", "header", e.to_string())
                    .at(path, header_line)
                    .help(e.help()),
            );
            None
        }
    };
    match &head {
        Some(h) => {
            if let Some(file_env) = h.env.as_deref().filter(|e| *e != env) {
                findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        "",
                        "wrong-env",
                        format!(
                            "the header says env={file_env}, but the file is loaded by `{env}`"
                        ),
                    )
                    .at(path, header_line)
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
                        "undeclared-env",
                        format!(
                            "the header names environment `{pin_env}`, which envsafe.toml does not declare, so its key is not pinned"
                        ),
                    )
                    .at(path, header_line)
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
                            "key-pin",
                            format!(
                                "the header's public key {} is not the key pinned for `{pin_env}` in envsafe.toml ({pinned})",
                                h.public_key
                            ),
                        )
                        .at(path, header_line)
                        .help(Some("someone changed the header's key: restore it from git history; a deliberate key change updates `public_key` in envsafe.toml in the same reviewed commit".into())),
                    );
                }
            }
        }
        None => {
            if let Some(e) = doc.entries().find(|e| e.sealed().is_some()) {
                findings.push(
                    Finding::new(
                        Severity::Error,
                        env,
                        e.name,
                        "no-header",
                        "is encrypted in a file without an envsafe header",
                    )
                    .at(path, e.line)
                    .help(Some(
                        "restore the `#@envsafe public-key=…` header line from git history".into(),
                    )),
                );
            }
        }
    }
    Ok((doc, head, findings))
}
