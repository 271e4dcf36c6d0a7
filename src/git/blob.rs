//! The hook's checks on one staged blob, without git: what kind of file it
//! is (keys file, envsafe temporary file, env-like file), private key
//! material in any text, plain secrets in env-like files wherever they
//! live, and values that were sealed in `HEAD` and are plain now.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Code, Finding, Severity};
use crate::dotenv::Document;
use crate::resolve::{self, Options};
use crate::schema::placement;

/// What a staged path is, for the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.env.keys`, `*.keys`: never committed.
    Keys,
    /// An envsafe temporary file left by a killed writer (may be plaintext).
    Temp,
    /// A dotenv-style file: `.env`, `.env.*`, `*.env`, `env.*`, or any file
    /// with an envsafe header.
    Env,
    /// `.envrc` (shell; its assignments are checked line by line).
    Envrc,
    Other,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The environment of an env file no environment lists: its header's
/// `env=`, else its name's (`.env.production`), else `development`. Reads
/// the leading comments only.
pub fn loose_env(path: &str, text: &str) -> String {
    crate::header::env_in_text(text)
        .or_else(|| crate::config::env_from_file_name(file_name(path)))
        .unwrap_or_else(|| "development".into())
}

/// The kind of the file at `path` (repository-relative) holding `text`.
/// Names are compared without case, and editor leftovers (`.env~`,
/// `#.env#`, a trailing space) count as what they copy.
pub fn kind_of(path: &str, text: &str) -> FileKind {
    let lower = file_name(path).to_ascii_lowercase();
    let name = lower.trim_matches(|c: char| c == '#' || c == '~' || c.is_whitespace());
    if name == ".env.keys" || name.ends_with(".keys") || name.contains(".keys.") {
        return FileKind::Keys;
    }
    // A journal of an interrupted write (an older envsafe kept it at the
    // root) is never committed: a teammate's envsafe would act on it.
    if name.starts_with(crate::fsutil::TEMP_PREFIX) || name == crate::edit::JOURNAL_NAME {
        return FileKind::Temp;
    }
    if name == ".envrc" {
        return FileKind::Envrc;
    }
    let env_like = matches!(name, "env" | ".flaskenv")
        || name.starts_with(".env")
        || (name.ends_with(".env") && name.len() > 4)
        || name.contains(".env.")
        || (name.starts_with("env.") && !is_code(name));
    if env_like || crate::header::text_has_header(text) {
        FileKind::Env
    } else {
        FileKind::Other
    }
}

/// `env.ts`, `env.py`, `env.json`…: source and data files, not dotenv.
fn is_code(name: &str) -> bool {
    const CODE: &[&str] = &[
        "rs", "py", "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "go", "rb", "java", "kt",
        "kts", "swift", "c", "h", "cc", "cpp", "hpp", "cs", "php", "sh", "bash", "zsh", "fish",
        "ps1", "json", "yaml", "yml", "toml", "xml", "md", "html", "css", "scss", "lock", "ex",
        "exs", "erl", "hs", "ml", "scala", "clj", "lua", "pl", "r", "dart", "vue", "svelte", "nix",
        "tf", "sql",
    ];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| CODE.contains(&ext.to_ascii_lowercase().as_str()))
}

const BECH32: &[u8] = b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7Lqpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Whether `line` holds an age private key: the prefix and bech32
/// characters that decode, checksum included, to a key (in either case), so
/// documentation's `AGE-SECRET-KEY-1…`, `AGE-SECRET-KEY-1XXXX…` or a
/// `<paste-your-key-here>` placeholder is not one.
pub fn has_age_key(line: &str) -> bool {
    const PREFIX: &[u8] = b"AGE-SECRET-KEY-1";
    let bytes = line.as_bytes();
    // Candidates start at an `a`/`A`; only a candidate is upper-cased (the
    // hook reads every staged line).
    memchr::memchr2_iter(b'a', b'A', bytes).any(|i| {
        let Some(prefix) = bytes.get(i..i + PREFIX.len()) else {
            return false;
        };
        if !prefix.eq_ignore_ascii_case(PREFIX) {
            return false;
        }
        let start = i + PREFIX.len();
        let body = bytes[start..]
            .iter()
            .take_while(|b| BECH32.contains(b))
            .count();
        body >= 50
            && crate::crypto::PrivateKey::parse(&line[i..start + body].to_ascii_uppercase()).is_ok()
    })
}

/// The variable a line assigns (`NAME=…`, `export NAME=…`, `NAME: …`),
/// found by the parser's own rule for where a name is.
fn assigned_name(line: &str) -> Option<&str> {
    let (start, end) = crate::dotenv::name_span(line);
    let rest = line[end..].trim_start();
    (end > start && rest.starts_with(['=', ':'])).then(|| &line[start..end])
}

/// Private key material anywhere in `text`.
pub fn key_material(path: &Path, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if has_age_key(line) {
            out.push(
                Finding::new(
                    Severity::Error,
                    "",
                    assigned_name(line).unwrap_or(""),
                    Code::PrivateKey,
                    "private key material",
                )
                .at(path, i + 1)
                .help(Some(
                    "remove it from the file; private keys belong in .env.keys (git-ignored)"
                        .into(),
                )),
            );
        }
    }
    out
}

fn secret_plain(path: &Path, line: usize, name: &str, help: String) -> Finding {
    Finding::new(
        Severity::Error,
        "",
        name,
        Code::SecretPlain,
        "is secret but stored in plain text",
    )
    .at(path, line)
    .help(Some(help))
}

/// `.envrc` and files that do not parse: `[export] NAME=value` lines,
/// read leniently; a secret with a literal value is a finding (a `$…`
/// reference is not).
fn lenient_secrets(path: &Path, text: &str, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for (n, line) in crate::dotenv::physical_lines(text) {
        let Some(name) = assigned_name(line) else {
            continue;
        };
        let Some((_, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        let literal =
            !value.is_empty() && !value.starts_with('$') && !value.starts_with("envsafe:");
        if literal && placement(&config.vars, name, Some(value)).secret {
            out.push(secret_plain(
                path,
                n,
                name,
                format!("keep it in an encrypted env file (`envsafe set {name}`) and load it from there"),
            ));
        }
    }
    out
}

/// Checks an env-like file that no environment lists: placement (a secret
/// stored plain), malformed or re-quoted sealed values, the header (pin,
/// sealed values without one). Its own environment is its header's, else
/// its name's, else `development`.
pub fn loose_env_file(path: &Path, text: &str, kind: FileKind, config: &Config) -> Vec<Finding> {
    if kind == FileKind::Envrc {
        return lenient_secrets(path, text, config);
    }
    let env = loose_env(&path.to_string_lossy(), text);
    let sources = vec![(path.to_path_buf(), Some(text.to_owned()))];
    let opts = Options::staged(false);
    let Ok(res) = resolve::resolve_sources(config, Path::new(""), &env, sources, &opts) else {
        return lenient_secrets(path, text, config);
    };
    // Where the file is not an environment's own, only what it leaks or
    // breaks counts, not the schema's value rules (an `.env.example` has
    // empty values on purpose).
    let syntax = res.has_syntax_error();
    let mut out: Vec<Finding> = res
        .findings
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error
                && matches!(
                    f.code,
                    Code::SecretPlain
                        | Code::MalformedValue
                        | Code::Ciphertext
                        | Code::KeyPin
                        | Code::UndeclaredEnv
                        | Code::NoHeader
                        | Code::Expand
                )
        })
        .collect();
    // A file no environment loads and that does not parse (an editor's
    // backup, a shell `env` file) is not refused for its syntax; its
    // assignments are read leniently.
    if syntax {
        out.extend(lenient_secrets(path, text, config));
    }
    out
}

/// Names sealed in `head` (the file in `HEAD`) that `text` (staged) holds
/// plain and non-empty: `decrypt` then `git commit -a`, whatever the name.
pub fn unsealed_since_head(path: &Path, head: &str, text: &str) -> Vec<Finding> {
    let Ok(before) = Document::parse(path, head.to_owned()) else {
        return Vec::new();
    };
    let sealed: BTreeSet<&str> = before
        .entries()
        .filter(|e| e.sealed().is_some())
        .map(|e| e.name)
        .collect();
    if sealed.is_empty() {
        return Vec::new();
    }
    let Ok(now) = Document::parse(path, text.to_owned()) else {
        return Vec::new();
    };
    now.entries()
        .filter(|e| e.sealed().is_none() && !e.raw.is_empty() && sealed.contains(e.name))
        .map(|e| {
            Finding::new(
                Severity::Error,
                "",
                e.name,
                Code::Unsealed,
                "is encrypted in HEAD but plain in what is staged",
            )
            .at(path, e.line)
            .help(Some(format!(
                "encrypt it again: `envsafe -f {} encrypt` (or `git checkout HEAD -- {}`)",
                path.display(),
                path.display()
            )))
        })
        .collect()
}

/// Every check on one staged blob that needs neither git nor keys: its
/// kind, key material, and (for an env-like file no environment lists)
/// the loose env-file checks. `listed` is true when an environment of the
/// project lists the file (the schema checker then covers it).
pub fn scan_blob(path: &str, bytes: &[u8], config: &Config, listed: bool) -> Vec<Finding> {
    let text = String::from_utf8_lossy(bytes);
    scan_text(path, &text, kind_of(path, &text), config, listed)
}

/// [`scan_blob`] on the blob's text (lossy UTF-8) and its [`kind_of`].
pub fn scan_text(
    path: &str,
    text: &str,
    kind: FileKind,
    config: &Config,
    listed: bool,
) -> Vec<Finding> {
    let at = Path::new(path);
    match kind {
        FileKind::Keys => {
            return vec![Finding::new(
                Severity::Error,
                "",
                "",
                Code::KeysFile,
                "a private keys file is staged",
            )
            .in_file(at)
            .help(Some(format!(
                "unstage it (`git rm --cached {path}`) and add it to .gitignore"
            )))]
        }
        FileKind::Temp => {
            return vec![Finding::new(
            Severity::Error,
            "",
            "",
            Code::TempFile,
            "an envsafe temporary file is staged (a killed write left it; it may hold plaintext)",
        )
        .in_file(at)
        .help(Some(format!(
            "unstage and delete it (`git rm --cached {path}`, then `rm {path}`)"
        )))]
        }
        _ => {}
    }
    let mut out = key_material(at, text);
    if matches!(kind, FileKind::Env | FileKind::Envrc) && !listed {
        out.extend(loose_env_file(at, text, kind, config));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_is_real_keys_only() {
        let generated = crate::crypto::PrivateKey::generate().encode();
        let key = generated.expose();
        assert!(has_age_key(&format!("x = \"{key}\"")));
        assert!(has_age_key(&key.to_ascii_lowercase()));
        assert!(!has_age_key(&format!("AGE-SECRET-KEY-1{}", "X".repeat(58))));
        let mut broken = key.to_owned();
        broken.replace_range(30..31, if &key[30..31] == "Q" { "P" } else { "Q" });
        assert!(!has_age_key(&broken), "a bad checksum is not a key");
        assert!(!has_age_key(
            "export ENVSAFE_PRIVATE_KEY_PRODUCTION=AGE-SECRET-KEY-1…"
        ));
        assert!(!has_age_key(
            "ENVSAFE_PRIVATE_KEY_PRODUCTION=<paste-your-key-here>"
        ));
        assert!(!has_age_key("ENVSAFE_PRIVATE_KEY_FILE=/run/secrets/k"));
        assert_eq!(
            assigned_name(&format!("export ENVSAFE_PRIVATE_KEY_CI={key}")),
            Some("ENVSAFE_PRIVATE_KEY_CI")
        );
        assert_eq!(assigned_name("export\tAPI_KEY = x"), Some("API_KEY"));
        assert_eq!(assigned_name("  API_KEY: x"), Some("API_KEY"));
        assert_eq!(assigned_name("= x"), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of("a/.env.keys", ""), FileKind::Keys);
        assert_eq!(kind_of("prod.keys", ""), FileKind::Keys);
        assert_eq!(kind_of("keys.rs", ""), FileKind::Other);
        assert_eq!(kind_of("apps/web/.env", ""), FileKind::Env);
        assert_eq!(kind_of("development.env", ""), FileKind::Env);
        assert_eq!(kind_of("backup/.env.old", ""), FileKind::Env);
        assert_eq!(kind_of("env.public", ""), FileKind::Env);
        assert_eq!(kind_of(".envrc", ""), FileKind::Envrc);
        assert_eq!(kind_of("x/.envsafe-tmp-abc", ""), FileKind::Temp);
        assert_eq!(
            kind_of("notes.txt", "# c\n#@envsafe public-key=age1x\n"),
            FileKind::Env
        );
        assert_eq!(kind_of("src/env.ts", ""), FileKind::Other);
        assert_eq!(kind_of("config/env.local", ""), FileKind::Env);
    }
}
