//! What a parsed value means: escapes, `${…}` expansion (with limits: a
//! committed file is untrusted input), and the reverse — quoting a value so
//! that parsing it again gives it back unchanged.

use super::parse::Quote;

/// Looks a variable up during expansion; `None` means unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `${…}` nested deeper than this is an error (DESIGN §5).
pub const MAX_DEPTH: usize = 32;
/// An expanded value larger than this is an error: `B=$A$A$A…` over a few
/// lines would otherwise grow to gigabytes.
pub const MAX_EXPANDED: usize = 1 << 20;

/// What expansion may add, in total, to the values of one environment
/// (many lines each just under [`MAX_EXPANDED`] are a bomb too).
pub const MAX_GROWTH_TOTAL: usize = 4 << 20;

/// Values starting with this are dotenvx ciphertexts: never expanded.
pub use crate::envelope::DOTENVX_PREFIX;

/// Why a value could not be expanded. `offset` is the byte offset in the
/// value's inner text; messages never hold a byte of the value (`Required`
/// carries the file's own message, as the shell prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub offset: usize,
    pub kind: ExpandErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandErrorKind {
    TooDeep,
    TooLarge,
    /// Expansion added more than [`MAX_GROWTH_TOTAL`] to one environment.
    TotalTooLarge,
    Unterminated,
    /// `${NAME:?message}` / `${NAME?message}` with NAME unset (or empty).
    Required {
        name: String,
        message: String,
        empty_too: bool,
    },
}

impl std::fmt::Display for ExpandErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpandErrorKind::TooDeep => {
                write!(f, "`${{…}}` nested deeper than {MAX_DEPTH} levels")
            }
            ExpandErrorKind::TooLarge => write!(
                f,
                "the expanded value is larger than {} MiB",
                MAX_EXPANDED >> 20
            ),
            ExpandErrorKind::TotalTooLarge => write!(
                f,
                "expansion adds more than {} MiB to this environment's values",
                MAX_GROWTH_TOTAL >> 20
            ),
            ExpandErrorKind::Unterminated => f.write_str("unterminated `${`"),
            ExpandErrorKind::Required {
                name,
                message,
                empty_too,
            } => {
                let state = if *empty_too {
                    "unset or empty"
                } else {
                    "unset"
                };
                if message.is_empty() {
                    write!(f, "`{name}` is required but {state}")
                } else {
                    write!(f, "`{name}` is {state}: {message}")
                }
            }
        }
    }
}

type Expanded = Result<String, ExpandError>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Unquoted: only `\$` is an escape.
    Plain,
    /// Double quotes and backticks: `\n \r \t \" \\ \' \` \$`.
    Escapes,
}

/// The value of `inner` (the text inside the quotes) with escapes applied and
/// variables expanded through `lookup`. Single quotes are literal; a dotenvx
/// ciphertext (`encrypted:…`) is never expanded.
pub fn decode(inner: &str, quote: Quote, lookup: Lookup<'_>) -> Expanded {
    let lookup = (!inner.starts_with(DOTENVX_PREFIX)).then_some(lookup);
    decode_with(inner, quote, lookup)
}

/// Escapes by quote style; `lookup`, when there is one, expands.
fn decode_with(inner: &str, quote: Quote, lookup: Option<Lookup<'_>>) -> Expanded {
    match quote {
        Quote::Single => Ok(normalize_newlines(inner)),
        Quote::None => expand(inner, Mode::Plain, lookup, 0),
        _ => expand(inner, Mode::Escapes, lookup, 0),
    }
}

/// True when decoding `inner` would expand a variable (`$X`, `${X…}`), or
/// could not be decoded at all.
pub fn has_expansion(inner: &str, quote: Quote) -> bool {
    let used = std::cell::Cell::new(false);
    let decoded = decode(inner, quote, &|_| {
        used.set(true);
        None
    });
    used.get() || decoded.is_err()
}

fn normalize_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    }
}

/// Appends `text`, refusing to grow past `limit`.
fn push(out: &mut String, text: &str, at: usize, limit: usize) -> Result<(), ExpandError> {
    if out.len() + text.len() > limit {
        return Err(ExpandError {
            offset: at,
            kind: ExpandErrorKind::TooLarge,
        });
    }
    out.push_str(text);
    Ok(())
}

/// Applies escapes and (with a `lookup`) expands `s`; error offsets are
/// relative to `s`.
fn expand(s: &str, mode: Mode, lookup: Option<Lookup<'_>>, depth: usize) -> Expanded {
    // Escapes never lengthen a value: only expansion can pass the limit
    // (a long literal value is not an expanded one).
    let limit = match lookup {
        Some(_) => MAX_EXPANDED.max(s.len()),
        None => usize::MAX,
    };
    let push = |out: &mut String, text: &str, at: usize| push(out, text, at, limit);
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut run = 0; // start of the pending run of ordinary text
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let esc = match (mode, b.get(i + 1)) {
                    (_, Some(b'$')) => Some('$'),
                    (Mode::Escapes, Some(b'n')) => Some('\n'),
                    (Mode::Escapes, Some(b'r')) => Some('\r'),
                    (Mode::Escapes, Some(b't')) => Some('\t'),
                    (Mode::Escapes, Some(b'"')) => Some('"'),
                    (Mode::Escapes, Some(b'\'')) => Some('\''),
                    (Mode::Escapes, Some(b'`')) => Some('`'),
                    (Mode::Escapes, Some(b'\\')) => Some('\\'),
                    _ => None,
                };
                if let Some(c) = esc {
                    push(&mut out, &s[run..i], i)?;
                    push(&mut out, c.encode_utf8(&mut [0; 4]), i)?;
                    i += 2;
                    run = i;
                } else {
                    i += 1;
                }
            }
            b'$' => match lookup {
                None => i += 1,
                // Command substitution is never run, and nothing inside it
                // is expanded: it stays literal up to its closing `)`.
                Some(_) if b.get(i + 1) == Some(&b'(') => i += command_len(&b[i..]),
                Some(lookup) => {
                    let expanded =
                        expansion(&s[i..], mode, lookup, depth).map_err(|e| ExpandError {
                            offset: i + e.offset,
                            kind: e.kind,
                        })?;
                    if let Some((text, used)) = expanded {
                        push(&mut out, &s[run..i], i)?;
                        push(&mut out, &text, i)?;
                        i += used;
                        run = i;
                    } else {
                        i += 1;
                    }
                }
            },
            b'\r' => {
                push(&mut out, &s[run..i], i)?;
                out.push('\n');
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                run = i;
            }
            _ => i += 1,
        }
    }
    push(&mut out, &s[run..], i)?;
    Ok(out)
}

/// The length of the `$(…)` at the start of `b`: up to its matching `)`
/// (nested parentheses counted, quoted ones and `\)` skipped), else all of
/// `b`.
fn command_len(b: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = 1;
    while i < b.len() {
        match (quote, b[i]) {
            (_, b'\\') if quote != Some(b'\'') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'\'' | b'"' | b'`')) => quote = Some(c),
            (None, b'(') => depth += 1,
            (None, b')') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

fn name_len(s: &[u8], extra: &[u8]) -> usize {
    match s.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return 0,
    }
    s.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || extra.contains(c))
        .count()
}

/// Expands the reference at the start of `s` (which starts with `$`).
/// Returns the text and how many bytes it used, or `None` to keep `$`
/// literal. Error offsets are relative to `s`.
fn expansion(
    s: &str,
    mode: Mode,
    lookup: Lookup<'_>,
    depth: usize,
) -> Result<Option<(String, usize)>, ExpandError> {
    let b = s.as_bytes();
    if b.get(1) != Some(&b'{') {
        let n = name_len(&b[1..], b"");
        if n == 0 {
            return Ok(None);
        }
        return Ok(Some((lookup(&s[1..1 + n]).unwrap_or_default(), 1 + n)));
    }
    let fail = |kind| ExpandError { offset: 0, kind };
    if depth >= MAX_DEPTH {
        return Err(fail(ExpandErrorKind::TooDeep));
    }
    // `${…}`: find the matching brace, allowing nested `${…}` in words.
    let mut open = 1usize;
    let mut i = 2;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                open += 1;
                i += 1;
            }
            b'}' => {
                open -= 1;
                if open == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if open != 0 {
        return Err(fail(ExpandErrorKind::Unterminated));
    }
    let body = &s[2..i];
    let n = name_len(body.as_bytes(), b".");
    if n == 0 {
        return Ok(None);
    }
    let name = &body[..n];
    let value = lookup(name);
    let rest = &body[n..];
    // A word starts after the operator: offset 2 (`${`) + name + operator.
    let word = |w: &str| {
        let at = 2 + n + (rest.len() - w.len());
        expand(w, mode, Some(lookup), depth + 1).map_err(|e| ExpandError {
            offset: at + e.offset,
            kind: e.kind,
        })
    };
    let set_nonempty = value.as_ref().is_some_and(|v| !v.is_empty());
    let text = if rest.is_empty() {
        value.unwrap_or_default()
    } else if let Some(w) = rest.strip_prefix(":-") {
        if set_nonempty {
            value.unwrap_or_default()
        } else {
            word(w)?
        }
    } else if let Some(w) = rest.strip_prefix(":+") {
        if set_nonempty {
            word(w)?
        } else {
            String::new()
        }
    } else if let Some(w) = rest.strip_prefix(":?") {
        if !set_nonempty {
            return Err(fail(ExpandErrorKind::Required {
                name: name.to_owned(),
                message: shown_message(w),
                empty_too: true,
            }));
        }
        value.unwrap_or_default()
    } else if let Some(w) = rest.strip_prefix('-') {
        match value {
            Some(v) => v,
            None => word(w)?,
        }
    } else if let Some(w) = rest.strip_prefix('+') {
        match value {
            Some(_) => word(w)?,
            None => String::new(),
        }
    } else if let Some(w) = rest.strip_prefix('?') {
        match value {
            Some(v) => v,
            None => {
                return Err(fail(ExpandErrorKind::Required {
                    name: name.to_owned(),
                    message: shown_message(w),
                    empty_too: false,
                }))
            }
        }
    } else {
        return Ok(None);
    };
    Ok(Some((text, i + 1)))
}

/// The file's own `${NAME:?message}` text as the error shows it: literal,
/// never expanded (`${X:?$DB_PASSWORD}` must not print the password), and
/// short.
fn shown_message(word: &str) -> String {
    let mut m: String = word.chars().take(120).collect();
    if m.len() < word.len() {
        m.push('…');
    }
    m
}

/// The value of `inner` with escapes applied and nothing expanded (a keys
/// file's values: never expanded, so an error can never show one).
pub fn decode_unexpanded(inner: &str, quote: Quote) -> String {
    decode_with(inner, quote, None).expect("no expansion, no limit")
}

fn is_bare_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./:@%+,=-".contains(c) || (!c.is_ascii() && !c.is_whitespace())
}

/// Writes `value` so that parsing it gives `value` back, literally (no
/// expansion): bare when safe, else single quotes, else double quotes with
/// escapes.
pub fn quote(value: &str) -> String {
    if value.chars().all(is_bare_safe) {
        return value.to_owned();
    }
    if !value.contains(['\'', '\n', '\r']) {
        return format!("'{value}'");
    }
    let mut out = String::with_capacity(value.len() + 8);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
