//! A model of compose-go's dotenv parser (`dotenv/parser.go`): keys,
//! quotes, escapes, comments; values handed to `template` for
//! interpolation.

use zeroize::{Zeroize, Zeroizing};

use super::template::{substitute, TemplateError};
use super::Lookup;

/// Variables in the order first assigned; a later assignment replaces the
/// value in place. Values are wiped when dropped or replaced.
#[derive(Default)]
pub(super) struct Vars(Vec<(String, String)>);

impl Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(got, _)| got == name)
            .map(|(_, value)| value.as_str())
    }

    pub(super) fn set(&mut self, name: &str, value: String) {
        match self.0.iter_mut().find(|(got, _)| got == name) {
            Some((_, old)) => {
                old.zeroize();
                *old = value;
            }
            None => self.0.push((name.to_owned(), value)),
        }
    }

    pub(super) fn into_vec(mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.0)
    }
}

impl Drop for Vars {
    fn drop(&mut self) {
        for (_, value) in &mut self.0 {
            value.zeroize();
        }
    }
}

/// Several `env_file` entries of one service: compose parses them into one
/// map, so a file sees the variables of the files before it.
pub(super) fn parse_files(
    texts: &[&str],
    lookup: Lookup<'_>,
) -> Result<Vec<(String, String)>, String> {
    let mut parser = Parser {
        vars: Vars::default(),
        lookup,
        line: 1,
    };
    for text in texts {
        parser.line = 1;
        parser.file(text)?;
    }
    Ok(parser.vars.into_vec())
}

/// compose-go's dotenv parser over one or more files.
pub(super) struct Parser<'a> {
    vars: Vars,
    lookup: Lookup<'a>,
    /// For errors only, as compose-go counts (roughly) them.
    line: usize,
}

/// compose-go's `isSpace`: white space that is not a line break.
pub(super) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// A character of a name: `_ . - [ ]`, Unicode letters and numbers.
/// (Go's `unicode.IsLetter` is the L categories; `is_alphabetic` also takes
/// the few combining marks that are Other_Alphabetic: a name with one is an
/// error in compose and a name here.)
pub(super) fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("line {}: {what}", self.line)
    }

    fn file(&mut self, text: &str) -> Result<(), String> {
        let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
        while let Some(statement) = self.statement_start(rest) {
            rest = self.statement(statement)?;
        }
        Ok(())
    }

    /// Skips white space (line breaks included) and comment lines.
    fn statement_start<'t>(&mut self, mut src: &'t str) -> Option<&'t str> {
        loop {
            let start = src.find(|c: char| !c.is_whitespace())?;
            self.line += src[..start].matches('\n').count();
            src = &src[start..];
            if !src.starts_with('#') {
                return Some(src);
            }
            src = &src[src.find('\n')?..];
        }
    }

    fn statement<'t>(&mut self, src: &'t str) -> Result<&'t str, String> {
        let (key, rest, inherited) = self.key(src)?;
        if key.contains(' ') {
            return Err(self.error("key cannot contain a space"));
        }
        if inherited {
            // A bare `NAME` line: the value comes from compose's environment
            // only (not from the file's earlier lines).
            if let Some(value) = (self.lookup)(key) {
                self.vars.set(key, value);
            }
            return Ok(rest);
        }
        let (value, rest) = self.value(rest)?;
        self.vars.set(key, value);
        Ok(rest)
    }

    /// The name, what follows its `=` / `:` / line break, and whether it was
    /// a bare name (ended by the line break).
    fn key<'t>(&mut self, src: &'t str) -> Result<(&'t str, &'t str, bool), String> {
        // `^export\s+` (Go's `\s`: tab, newline, form feed, CR, space).
        let src = match src.strip_prefix("export") {
            Some(after) if after.starts_with(['\t', '\n', '\u{c}', '\r', ' ']) => {
                after.trim_start_matches(is_space)
            }
            _ => src,
        };
        if src.is_empty() {
            return Err(self.error("zero length string"));
        }
        let mut end = None;
        for (i, c) in src.char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    end = Some((i, c == '\n'));
                    break;
                }
                c if is_space(c) || is_key_char(c) => {}
                _ => return Err(self.error("unexpected character in variable name")),
            }
        }
        // No terminator before the end of the file: compose reads the rest
        // as the value of the empty name.
        let (key, offset, inherited) = match end {
            Some((i, inherited)) => (&src[..i], i + 1, inherited),
            None => ("", 0, false),
        };
        if inherited && !key.contains(' ') {
            self.line += 1;
        }
        let rest = src[offset..].trim_start_matches(is_space);
        Ok((key.trim_end(), rest, inherited))
    }

    fn value<'t>(&mut self, src: &'t str) -> Result<(String, &'t str), String> {
        let quote = match src.chars().next() {
            Some(quote @ ('"' | '\'')) => quote,
            _ => {
                // Unquoted: to the end of the line, cut at ` #`, trailing
                // white space dropped, then interpolated.
                let (line, rest) = src.split_once('\n').unwrap_or((src, ""));
                self.line += 1;
                let value = line.split_once(" #").map_or(line, |(value, _)| value);
                return Ok((self.interpolate(value.trim_end())?, rest));
            }
        };
        let (mut value, rest) = self.quoted(src, quote)?;
        if quote == '\'' {
            return Ok((std::mem::take(&mut *value), rest));
        }
        let escaped = expand_escapes(&value);
        Ok((self.interpolate(&escaped)?, rest))
    }

    /// The text between `quote` and the next one not after a backslash; a
    /// backslash before the quote character is dropped, any other is kept.
    fn quoted<'t>(
        &mut self,
        src: &'t str,
        quote: char,
    ) -> Result<(Zeroizing<String>, &'t str), String> {
        let first_line = self.line;
        let mut after_backslash = false;
        let mut end = None;
        for (i, c) in src.char_indices().skip(1) {
            if c == '\n' {
                self.line += 1;
            }
            if after_backslash {
                after_backslash = false;
            } else if c == '\\' {
                after_backslash = true;
            } else if c == quote {
                end = Some(i);
                break;
            }
        }
        let Some(end) = end else {
            return Err(format!("line {first_line}: unterminated quoted value"));
        };
        let mut value = Zeroizing::new(String::with_capacity(end));
        let mut after_backslash = false;
        for c in src[1..end].chars() {
            if after_backslash {
                after_backslash = false;
                if c != quote {
                    value.push('\\');
                }
                value.push(c);
            } else if c == '\\' {
                after_backslash = true;
            } else {
                value.push(c);
            }
        }
        Ok((value, &src[end + 1..]))
    }

    /// `$NAME` / `${NAME…}`: compose's environment first, then the
    /// variables read so far.
    fn interpolate(&self, value: &str) -> Result<String, String> {
        let mapping =
            |name: &str| (self.lookup)(name).or_else(|| self.vars.get(name).map(str::to_owned));
        substitute(value, &mapping).map_err(|error| match error {
            TemplateError::Invalid => self.error("invalid interpolation template"),
            TemplateError::Missing(name) => {
                self.error(&format!("required variable {name} is missing a value"))
            }
        })
    }
}

/// compose-go's `expandEscapes`: `\a \b \f \n \r \t \v \\ \"`, `\0` + up to
/// three digits (an octal byte value when they are three octal digits of at
/// most 255, else the text without its `0`), and `\$` as `$$` (a literal `$`
/// to the interpolation). Any other backslash stays.
pub(super) fn expand_escapes(s: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(s.len()));
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let simple = match after.chars().next() {
            Some('a') => Some('\u{7}'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('v') => Some('\u{b}'),
            Some(c @ ('"' | '\\')) => Some(c),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            rest = &after[1..];
        } else if let Some(after_dollar) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = after_dollar;
        } else if let Some(digits_on) = after.strip_prefix('0') {
            let count = digits_on
                .bytes()
                .take(3)
                .take_while(u8::is_ascii_digit)
                .count();
            let digits = &digits_on[..count];
            match octal_byte(digits) {
                Some(c) => out.push(c),
                None => {
                    out.push('\\');
                    out.push_str(digits);
                }
            }
            rest = &digits_on[count..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Go's `UnquoteChar` on `\ddd`: three octal digits, at most 255, as the
/// code point of that number.
pub(super) fn octal_byte(digits: &str) -> Option<char> {
    if digits.len() != 3 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let value = u32::from_str_radix(digits, 8).ok()?;
    (value <= 255).then(|| char::from_u32(value)).flatten()
}
