//! A model of compose-go's `template` interpolation: `$NAME`, `${NAME}`,
//! `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}`, `$$`.

use super::Lookup;

pub(super) enum TemplateError {
    /// `${` not followed by a valid `NAME…}`.
    Invalid,
    /// `${NAME:?…}` / `${NAME?…}` with NAME empty or unset.
    Missing(String),
}

/// compose-go's `template.Substitute`: `$$`, `$NAME`, `${NAME}`,
/// `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`,
/// `${NAME:+alt}`, `${NAME+alt}`, with its quirks (a braced default runs to
/// the last `}` of the line, then is cut at the first balanced one). An
/// unset `$NAME` is empty (compose warns).
pub(super) fn substitute(template: &str, mapping: Lookup<'_>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        match match_at(candidate) {
            Some((len, _)) => {
                out.push_str(&replace(&candidate[..len], mapping)?);
                rest = &candidate[len..];
            }
            None => {
                out.push('$');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One match of compose-go's pattern
/// `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`.
enum Match<'t> {
    Escaped,
    Named(&'t str),
    /// The text between `${` and the matching `}`.
    Braced(&'t str),
    /// `${` and nothing valid after it.
    Invalid,
}

/// A name character of the pattern. Go's case folding of `(?i)[_a-z]` also
/// takes the long s (U+017F) and the Kelvin sign (U+212A); compose 2.26.1
/// reads `$ſ` as a variable.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{17f}' || c == '\u{212a}'
}

fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !(is_name_start(c) || c.is_ascii_digit()))
        .map_or(s.len(), |(i, _)| i)
}

/// The pattern matched at the start of `s` (which starts with `$`): the
/// length of the match and what it is.
fn match_at(s: &str) -> Option<(usize, Match<'_>)> {
    let after = &s[1..];
    if after.starts_with('$') {
        return Some((2, Match::Escaped));
    }
    let name = name_len(after);
    if name > 0 {
        return Some((1 + name, Match::Named(&after[..name])));
    }
    let body = after.strip_prefix('{')?;
    Some(match braced_len(body) {
        Some(len) => (2 + len + 1, Match::Braced(&body[..len])),
        None => (2, Match::Invalid),
    })
}

/// The length of `NAME` or `NAME` + operator + text in `body`, when a `}`
/// closes it. The text is `.*` (greedy, no line breaks): it ends at the
/// last `}` of the line.
fn braced_len(body: &str) -> Option<usize> {
    let name = name_len(body);
    if name == 0 {
        return None;
    }
    let after = &body[name..];
    let operator = if after.starts_with(':') && after[1..].starts_with(['-', '+', '?']) {
        2
    } else if after.starts_with(['-', '+', '?']) {
        1
    } else {
        0
    };
    if operator > 0 {
        let text = &after[operator..];
        let line = &text[..text.find('\n').unwrap_or(text.len())];
        if let Some(close) = line.rfind('}') {
            return Some(name + operator + close);
        }
    }
    after.starts_with('}').then_some(name)
}

#[derive(Clone, Copy)]
enum Operator {
    /// `:?`
    RequiredNonEmpty,
    /// `?`
    Required,
    /// `:-`
    DefaultIfEmpty,
    /// `-`
    DefaultIfUnset,
    /// `:+`
    AltIfNonEmpty,
    /// `+`
    AltIfSet,
}

impl Operator {
    /// In compose-go's order, which breaks ties.
    const ALL: [(&'static str, Operator); 6] = [
        (":?", Operator::RequiredNonEmpty),
        ("?", Operator::Required),
        (":-", Operator::DefaultIfEmpty),
        ("-", Operator::DefaultIfUnset),
        (":+", Operator::AltIfNonEmpty),
        ("+", Operator::AltIfSet),
    ];

    /// compose-go picks the operator that occurs first in the whole match.
    fn first_in(text: &str) -> (&'static str, Operator) {
        Self::ALL
            .iter()
            .filter_map(|&(sep, op)| text.find(sep).map(|at| (at, sep, op)))
            .min_by_key(|&(at, _, _)| at)
            .map_or(Self::ALL[0], |(_, sep, op)| (sep, op))
    }
}

/// The replacement of one match (compose-go's `DefaultReplacementAppliedFunc`).
fn replace(matched: &str, mapping: Lookup<'_>) -> Result<String, TemplateError> {
    match match_at(matched) {
        Some((_, Match::Escaped)) => return Ok("$".to_owned()),
        Some((_, Match::Named(name))) => return Ok(mapping(name).unwrap_or_default()),
        Some((_, Match::Braced(_))) => {}
        Some((_, Match::Invalid)) | None => return Err(TemplateError::Invalid),
    }
    let (sep, operator) = Operator::first_in(matched);
    let (head, rest) = match first_brace_closing(matched) {
        Some(close) => (&matched[..=close], &matched[close + 1..]),
        None => (matched, ""),
    };
    let Some((_, Match::Braced(substitution))) = match_at(head) else {
        return Err(TemplateError::Invalid);
    };
    if let Some((name, text)) = substitution.split_once(sep) {
        let text = substitute(text, mapping)?;
        let value = mapping(name);
        let set_non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let replaced = match operator {
            Operator::RequiredNonEmpty if set_non_empty => value.unwrap_or_default(),
            Operator::Required if value.is_some() => value.unwrap_or_default(),
            Operator::RequiredNonEmpty | Operator::Required => {
                return Err(TemplateError::Missing(name.to_owned()))
            }
            Operator::DefaultIfEmpty if set_non_empty => value.unwrap_or_default(),
            Operator::DefaultIfEmpty => text,
            Operator::DefaultIfUnset => value.unwrap_or(text),
            Operator::AltIfNonEmpty if set_non_empty => text,
            Operator::AltIfSet if value.is_some() => text,
            Operator::AltIfNonEmpty | Operator::AltIfSet => value.unwrap_or_default(),
        };
        return Ok(replaced + &substitute(rest, mapping)?);
    }
    // No operator: the plain name (anything after the first closing brace
    // is dropped, as compose-go does).
    Ok(mapping(substitution).unwrap_or_default())
}

/// compose-go's `getFirstBraceClosingIndex`: counts `{` (skipping the byte
/// after each) and `}`, and returns where the count is back to zero.
fn first_brace_closing(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut open = 0_i32;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}
