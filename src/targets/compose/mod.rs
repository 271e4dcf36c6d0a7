//! docker compose v2 `env_file:` (DESIGN §7): the encoder of the file the
//! `dotenv` target writes, and models of the two readers compose has for it.
//!
//! - The default format is compose-go's dotenv parser (`dotenv/parser.go`,
//!   `dotenv/godotenv.go`) with the interpolation of its `template` package:
//!   unquoted and double-quoted values are interpolated, host environment
//!   first, then the variables read so far. [`parse`] models it.
//! - `format: raw` is registered by the docker compose CLI (not compose-go):
//!   docker's `--env-file` reader (docker/cli `pkg/kvfile`), one line per
//!   value, outer quotes trimmed, nothing else. [`parse_raw`] models it.
//!
//! The models were written from the sources (compose-go at e70e961, read, not
//! copied) and checked against upstream's own test corpus and the
//! docker compose 2.26.1 binary. Their errors name a line and a cause, never
//! text of the file: the file holds secrets.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

mod parser;
mod template;
#[cfg(test)]
mod tests;

use parser::{parse_files, Vars};

use super::{Encoded, Pairs, Refused};

/// How a value is written for compose's `env_file:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComposeFormat {
    /// `NAME="…"` with `\`, `"`, `$` escaped and newline / carriage return as
    /// `\n` / `\r`: the default format reads every value back except NUL.
    Quoted,
    /// `NAME='…'`, one line per value, for `env_file: [{path: …, format:
    /// raw}]` (not in compose 2.26.1: it answers `unsupported env_file
    /// format "raw"`).
    Raw,
}

/// A variable's value from the environment compose runs in.
pub(super) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What compose-go's dotenv parser reads from `text` (one `env_file`), in
/// the order the names first appear; a later assignment replaces the value.
/// `lookup` is compose's environment (the host's, then `.env`): it comes
/// before the file's own variables in `$NAME` / `${NAME…}`, and gives the
/// value of a line that is a bare `NAME`.
pub(crate) fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    parse_files(&[text], lookup)
}

/// What compose's `format: raw` reader reads from `text`. A line that is a
/// bare `NAME` takes its value from compose's environment; that is not
/// modelled (the line is skipped): envsafe never writes one.
pub(crate) fn parse_raw(text: &str) -> Result<Vec<(String, String)>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut vars = Vars::default();
    // bufio.ScanLines: lines end at `\n` (a last one may not); one `\r`
    // before the `\n` is dropped.
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (index, segment) in body.split('\n').enumerate() {
        let number = index + 1;
        // bufio.Scanner: a line and its newline must fit its 64 KiB buffer.
        if segment.len() > RAW_LINE_MAX {
            return Err(format!("line {number}: longer than the reader's buffer"));
        }
        let mut line = segment.strip_suffix('\r').unwrap_or(segment);
        if index == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (line, None),
        };
        if name.is_empty() {
            return Err(format!("line {number}: no variable name"));
        }
        if name.contains([' ', '\t']) {
            return Err(format!("line {number}: variable name contains whitespace"));
        }
        if let Some(value) = value {
            vars.set(name, trim_quotes(value).to_owned());
        }
    }
    Ok(vars.into_vec())
}

/// The longest line (without its newline) the raw reader takes.
const RAW_LINE_MAX: usize = 64 * 1024 - 1;

/// docker's env-file reader drops one pair of matching outer quotes.
fn trim_quotes(value: &str) -> &str {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last))
            if bytes.len() >= 2 && first == last && matches!(first, b'"' | b'\'') =>
        {
            &value[1..value.len() - 1]
        }
        _ => value,
    }
}

/// The file compose reads `pairs` from, in `format`, or the first variable it
/// would read differently. Every value is re-read with the model of
/// compose's reader (for `Quoted`, with every name defined, so any
/// interpolation shows) and compared byte for byte before this returns.
pub(crate) fn encode(pairs: &Pairs<'_>, format: ComposeFormat) -> Result<Encoded, Refused> {
    for (index, (name, value)) in pairs.iter().enumerate() {
        check_name(name)?;
        if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(refused(
                name,
                "the name is listed twice (compose keeps the last value)",
            ));
        }
        check_value(name, value.expose(), format)?;
    }
    // Sized once: a growing String would leave copies of values behind.
    let size = pairs
        .iter()
        .map(|(name, value)| entry_size(name, value.expose(), format))
        .sum();
    let mut out = Zeroizing::new(String::with_capacity(size));
    for (name, value) in pairs {
        write_entry(&mut out, name, value.expose(), format);
    }
    read_back(&out, pairs, format)?;
    Ok(out)
}

/// The value every name has when a `Quoted` file is re-read.
const SENTINEL: &str = "<INTERPOLATED>";

fn refused(name: &str, reason: &str) -> Refused {
    Refused {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Names compose's readers (and the older ones still in use) give back as
/// written: ASCII letters, digits, `_`, `.`, `-`. compose-go's parser also
/// takes non-ASCII letters and `[` `]`, which older versions reject.
fn check_name(name: &str) -> Result<(), Refused> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(refused(
            name,
            "compose would not read this name back as written (names are ASCII letters, digits, `_`, `.`, `-`)",
        ))
    }
}

/// The causes known up front, with their own reasons; the re-read in
/// [`read_back`] is the guard for everything else.
fn check_value(name: &str, value: &str, format: ComposeFormat) -> Result<(), Refused> {
    if value.contains('\0') {
        return Err(refused(
            name,
            "compose would read a different value: a NUL byte (a process environment cannot hold one)",
        ));
    }
    if format == ComposeFormat::Raw {
        if value.contains('\n') {
            return Err(refused(
                name,
                "compose would read a different value: a newline (raw format is one line per value)",
            ));
        }
        if entry_size(name, value, format) - 1 > RAW_LINE_MAX {
            return Err(refused(
                name,
                "compose would read a different value: a line of 64 KiB or more (the raw reader stops with an error)",
            ));
        }
    }
    Ok(())
}

/// `Quoted`: the escape for a character, if it needs one.
fn escape(c: char) -> Option<&'static str> {
    match c {
        '\\' => Some(r"\\"),
        '"' => Some(r#"\""#),
        '$' => Some(r"\$"),
        '\n' => Some(r"\n"),
        '\r' => Some(r"\r"),
        _ => None,
    }
}

/// Bytes of one entry, its newline included.
fn entry_size(name: &str, value: &str, format: ComposeFormat) -> usize {
    let value_size = match format {
        ComposeFormat::Quoted => value
            .chars()
            .map(|c| escape(c).map_or(c.len_utf8(), str::len))
            .sum(),
        ComposeFormat::Raw => value.len(),
    };
    name.len() + "=''\n".len() + value_size
}

fn write_entry(out: &mut String, name: &str, value: &str, format: ComposeFormat) {
    out.push_str(name);
    match format {
        ComposeFormat::Quoted => {
            out.push_str("=\"");
            for c in value.chars() {
                match escape(c) {
                    Some(escaped) => out.push_str(escaped),
                    None => out.push(c),
                }
            }
            out.push_str("\"\n");
        }
        ComposeFormat::Raw => {
            out.push_str("='");
            out.push_str(value);
            out.push_str("'\n");
        }
    }
}

/// Reads `text` back with the model of compose's reader and compares it with
/// `pairs`, name by name and byte for byte.
fn read_back(text: &str, pairs: &Pairs<'_>, format: ComposeFormat) -> Result<(), Refused> {
    let Ok(read) = model(text, format) else {
        return Err(refused(
            first_unreadable(pairs, format),
            "compose would not read the file: its parser stops with an error at this variable",
        ));
    };
    let read = Wiped(read);
    for (name, value) in pairs {
        let Some((_, got)) = read.0.iter().find(|(got, _)| got == name) else {
            return Err(refused(
                name,
                "compose would read a different value: the variable would be missing",
            ));
        };
        if !bool::from(got.as_bytes().ct_eq(value.expose().as_bytes())) {
            let cause = match format {
                ComposeFormat::Quoted => "its parser (escapes or interpolation) changes it",
                ComposeFormat::Raw => "the raw reader changes it",
            };
            return Err(Refused {
                name: (*name).to_owned(),
                reason: format!("compose would read a different value: {cause}"),
            });
        }
    }
    if let Some((extra, _)) = read
        .0
        .iter()
        .find(|(got, _)| !pairs.iter().any(|(name, _)| name == got))
    {
        return Err(refused(
            extra,
            "compose would read a variable that was not written",
        ));
    }
    Ok(())
}

fn model(text: &str, format: ComposeFormat) -> Result<Vec<(String, String)>, String> {
    match format {
        ComposeFormat::Quoted => parse(text, &|_| Some(SENTINEL.to_owned())),
        ComposeFormat::Raw => parse_raw(text),
    }
}

/// The first variable whose entry alone the model cannot read.
fn first_unreadable<'a>(pairs: &Pairs<'a>, format: ComposeFormat) -> &'a str {
    pairs
        .iter()
        .find(|(name, value)| {
            let mut entry = Zeroizing::new(String::with_capacity(entry_size(
                name,
                value.expose(),
                format,
            )));
            write_entry(&mut entry, name, value.expose(), format);
            model(&entry, format).map(Wiped).is_err()
        })
        .or(pairs.first())
        .map_or("", |(name, _)| name)
}

/// Values read back by a model, wiped when dropped.
struct Wiped(Vec<(String, String)>);

impl Drop for Wiped {
    fn drop(&mut self) {
        for (_, value) in &mut self.0 {
            value.zeroize();
        }
    }
}
