//! What a parsed value means: escapes, `${…}` expansion, and the reverse —
//! quoting a value so that parsing it again gives it back unchanged.

use super::parse::Quote;

/// Looks a variable up during expansion; `None` means unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Unquoted: only `\$` is an escape.
    Plain,
    /// Double quotes and backticks: `\n \r \t \" \\ \' \` \$`.
    Escapes,
}

/// The value of `inner` (the text inside the quotes) with escapes applied and
/// variables expanded through `lookup`. Single quotes are literal.
pub fn decode(inner: &str, quote: Quote, lookup: Lookup<'_>) -> String {
    match quote {
        Quote::Single => normalize_newlines(inner),
        Quote::Double | Quote::Backtick => expand(inner, Mode::Escapes, lookup),
        Quote::None => expand(inner, Mode::Plain, lookup),
    }
}

/// True when decoding `inner` would expand a variable (`$X`, `${X…}`).
pub fn has_expansion(inner: &str, quote: Quote) -> bool {
    let used = std::cell::Cell::new(false);
    let _ = decode(inner, quote, &|_| {
        used.set(true);
        None
    });
    used.get()
}

fn normalize_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    }
}

fn expand(s: &str, mode: Mode, lookup: Lookup<'_>) -> String {
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
                    out.push_str(&s[run..i]);
                    out.push(c);
                    i += 2;
                    run = i;
                } else {
                    i += 1;
                }
            }
            b'$' => {
                if let Some((text, used)) = expansion(&s[i..], mode, lookup) {
                    out.push_str(&s[run..i]);
                    out.push_str(&text);
                    i += used;
                    run = i;
                } else {
                    i += 1;
                }
            }
            b'\r' => {
                out.push_str(&s[run..i]);
                out.push('\n');
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                run = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[run..]);
    out
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
/// Returns the text and how many bytes it used, or `None` to keep `$` literal
/// (this covers `$(cmd)`: command substitution is never run).
fn expansion(s: &str, mode: Mode, lookup: Lookup<'_>) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.get(1) != Some(&b'{') {
        let n = name_len(&b[1..], b"");
        if n == 0 {
            return None;
        }
        return Some((lookup(&s[1..1 + n]).unwrap_or_default(), 1 + n));
    }
    // `${…}`: find the matching brace, allowing nested `${…}` in defaults.
    let mut depth = 1;
    let mut i = 2;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    let body = &s[2..i];
    let n = name_len(body.as_bytes(), b".");
    if n == 0 {
        return None;
    }
    let value = lookup(&body[..n]);
    let rest = &body[n..];
    let word = |w: &str| expand(w, mode, lookup);
    let text = if rest.is_empty() {
        value.unwrap_or_default()
    } else if let Some(w) = rest.strip_prefix(":-") {
        value.filter(|v| !v.is_empty()).unwrap_or_else(|| word(w))
    } else if let Some(w) = rest.strip_prefix(":+") {
        if value.is_some_and(|v| !v.is_empty()) {
            word(w)
        } else {
            String::new()
        }
    } else if let Some(w) = rest.strip_prefix('-') {
        value.unwrap_or_else(|| word(w))
    } else if let Some(w) = rest.strip_prefix('+') {
        value.map(|_| word(w)).unwrap_or_default()
    } else {
        return None;
    };
    Some((text, i + 1))
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
