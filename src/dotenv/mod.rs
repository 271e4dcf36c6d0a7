//! The lossless dotenv document: parse with spans, edit single assignments,
//! render every untouched byte unchanged. One parser for the whole product.

mod mask;
mod parse;
pub mod value;

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
pub(crate) use mask::name_span;
pub use mask::Shown;
pub use parse::{is_key_byte, Assignment, Quote};
use parse::{ItemKind, RawItem};

const BOM: &str = "\u{feff}";

/// One piece of the rendered file: original bytes, or a replacement.
#[derive(Debug, Clone)]
enum Text {
    Source,
    Owned(String),
}

#[derive(Debug, Clone)]
struct Item {
    raw: RawItem,
    text: Text,
}

/// A parsed dotenv file. Rendering an unedited document gives back the exact
/// input bytes.
#[derive(Debug, Clone)]
pub struct Document {
    path: PathBuf,
    source: String,
    body_start: usize,
    items: Vec<Item>,
    prefix: String,
}

/// A view of one assignment, for callers that read values.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub name: &'a str,
    /// Text inside the quotes, before escapes and expansion.
    pub raw: &'a str,
    pub quote: Quote,
    pub export: bool,
    pub line: usize,
    pub col: usize,
    /// The file, for error locations.
    pub path: &'a Path,
}

impl Entry<'_> {
    /// The value with escapes applied and variables expanded via `lookup`.
    /// Expansion limits and `${NAME:?message}` are errors at the value's
    /// place.
    pub fn decode(&self, lookup: value::Lookup<'_>) -> Result<String> {
        value::decode(self.raw, self.quote, lookup).map_err(|e| self.expand_error(e))
    }

    /// [`decode`](Self::decode), counting what expansion added against
    /// `budget` (bytes left of [`value::MAX_GROWTH_TOTAL`] for an
    /// environment).
    pub fn decode_within(&self, lookup: value::Lookup<'_>, budget: &mut usize) -> Result<String> {
        let v = self.decode(lookup)?;
        let growth = v.len().saturating_sub(self.raw.len());
        if growth > *budget {
            return Err(Error::Expand {
                at: Location {
                    path: self.path.to_path_buf(),
                    line: self.line,
                    col: self.col,
                },
                name: self.name.to_owned(),
                kind: value::ExpandErrorKind::TotalTooLarge,
            });
        }
        *budget -= growth;
        Ok(v)
    }

    /// The value with escapes applied and nothing expanded (`$` stays
    /// `$`): keys files, and values `encrypt` seals.
    pub fn literal(&self) -> String {
        value::decode_unexpanded(self.raw, self.quote)
    }

    fn expand_error(&self, e: value::ExpandError) -> Error {
        let before = &self.raw[..e.offset.min(self.raw.len())];
        let open = usize::from(self.quote != Quote::None);
        let breaks = before.matches('\n').count() + before.matches('\r').count()
            - before.matches("\r\n").count();
        let col = match before.rfind(['\n', '\r']) {
            Some(i) => before[i + 1..].chars().count() + 1,
            None => self.col + open + before.chars().count(),
        };
        Error::Expand {
            at: Location {
                path: self.path.to_path_buf(),
                line: self.line + breaks,
                col,
            },
            name: self.name.to_owned(),
            kind: e.kind,
        }
    }

    /// The sealed-value text if this value is an `envsafe:` envelope.
    pub fn sealed(&self) -> Option<&str> {
        (self.quote != Quote::Single && self.raw.starts_with(crate::envelope::PREFIX))
            .then_some(self.raw)
    }
}

/// True for a valid variable name.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_key_byte)
}

/// The comment lines of `text` before its first other line, blank lines
/// skipped, in any line-ending style: where a header may be.
pub fn leading_comments(text: &str) -> impl Iterator<Item = (usize, &str)> {
    physical_lines(text.strip_prefix(BOM).unwrap_or(text))
        .take_while(|(_, l)| {
            let t = l.trim_start();
            t.is_empty() || t.starts_with('#')
        })
        .filter(|(_, l)| !l.trim_start().is_empty())
}

/// Splits `text` into lines at `\r\n`, `\r` or `\n` (1-based numbers).
pub(crate) fn physical_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\n', '\r']) {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]).filter(|r| !r.is_empty());
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
    .enumerate()
    .map(|(i, l)| (i + 1, l))
}

impl Document {
    /// Parses `source`; `path` is used in error messages, which show only
    /// the name part of a malformed line.
    pub fn parse(path: &Path, source: String) -> Result<Self> {
        Self::parse_with(path, source, Shown::NamePart)
    }

    /// Parses a file that holds private keys: errors show no line at all.
    pub fn parse_keys(path: &Path, source: String) -> Result<Self> {
        Self::parse_with(path, source, Shown::Nothing)
    }

    fn parse_with(path: &Path, source: String, shown: Shown) -> Result<Self> {
        let body_start = if source.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        match parse::parse(&source, body_start) {
            Ok(raw) => Ok(Self {
                path: path.to_path_buf(),
                items: raw
                    .into_iter()
                    .map(|raw| Item {
                        raw,
                        text: Text::Source,
                    })
                    .collect(),
                source,
                body_start,
                prefix: String::new(),
            }),
            Err(e) => {
                let rest = &source[e.line_start..];
                let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
                let continuation = e.line_start != e.item_start;
                let help = match shown {
                    Shown::Nothing => {
                        "a keys file holds `ENVSAFE_PRIVATE_KEY_<ENV>=AGE-SECRET-KEY-1…` lines, \
                         or is age-keygen output"
                    }
                    Shown::NamePart if e.message.starts_with("not a `NAME=value`") => {
                        "write `NAME=value`; a line starting with `#` is a comment"
                    }
                    Shown::NamePart => {
                        "fix the line, or quote the value (single quotes keep it literal)"
                    }
                };
                Err(Error::Parse {
                    help,
                    at: Location {
                        path: path.to_path_buf(),
                        line: e.line,
                        col: e.col,
                    },
                    message: e.message,
                    snippet: mask::masked(&rest[..end], continuation, shown),
                })
            }
        }
    }

    /// Reads and parses an env file (a regular file, UTF-8; DESIGN §9).
    pub fn read(path: &Path) -> Result<Self> {
        Self::parse(path, crate::fsutil::read_to_string(path)?)
    }

    /// An empty document for a file that does not exist yet.
    pub fn empty(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            source: String::new(),
            body_start: 0,
            items: Vec::new(),
            prefix: String::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The source text of the file as read (without BOM).
    pub fn source(&self) -> &str {
        &self.source[self.body_start..]
    }

    /// The line ending this file mostly uses, for lines we add.
    pub fn newline(&self) -> &'static str {
        match self.source.find(['\n', '\r']) {
            Some(i) if self.source[i..].starts_with("\r\n") => "\r\n",
            Some(i) if self.source.as_bytes()[i] == b'\r' => "\r",
            _ => "\n",
        }
    }

    /// Every live assignment, in file order (duplicates included).
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.items
            .iter()
            .filter_map(move |item| match (&item.raw.kind, &item.text) {
                (ItemKind::Assignment(a), Text::Source) => Some(self.entry(a)),
                _ => None,
            })
    }

    fn entry<'a>(&'a self, a: &Assignment) -> Entry<'a> {
        Entry {
            name: &self.source[a.key.clone()],
            raw: &self.source[a.inner.clone()],
            quote: a.quote,
            export: a.export,
            line: a.line,
            col: a.col,
            path: &self.path,
        }
    }

    /// The last assignment of `name` (the one that wins).
    pub fn get(&self, name: &str) -> Option<Entry<'_>> {
        self.entries().filter(|e| e.name == name).last()
    }

    /// The comment lines before the first assignment, blank lines skipped,
    /// in any line-ending style (where the header is).
    pub fn leading_comments(&self) -> impl Iterator<Item = (usize, &str)> {
        leading_comments(&self.source[self.body_start..])
    }

    /// Sets `name` to the already-quoted `value_text`: rewrites the value of
    /// its last assignment (keeping `export`, spacing and an inline comment),
    /// or appends a new line. Returns true when it replaced a line.
    pub fn set_raw(&mut self, name: &str, value_text: &str) -> bool {
        let found = self.items.iter().rposition(|item| {
            matches!((&item.raw.kind, &item.text), (ItemKind::Assignment(a), Text::Source)
                if &self.source[a.key.clone()] == name)
        });
        if let Some(i) = found {
            self.replace_value(i, value_text);
            return true;
        }
        let nl = self.newline();
        let rendered_end = self.render_len_hint();
        let mut line = String::new();
        if rendered_end > 0 && !self.ends_with_newline() {
            line.push_str(nl);
        }
        line.push_str(name);
        line.push('=');
        line.push_str(value_text);
        line.push_str(nl);
        let end = self.source.len();
        self.items.push(Item {
            raw: RawItem {
                span: end..end,
                kind: ItemKind::Trivia,
            },
            text: Text::Owned(line),
        });
        false
    }

    /// Replaces the value of item `i` (an assignment), keeping its `export`,
    /// spacing, inline comment and line ending.
    fn replace_value(&mut self, i: usize, value_text: &str) {
        let item = &self.items[i];
        if let ItemKind::Assignment(a) = &item.raw.kind {
            let mut line = String::with_capacity(item.raw.span.len() + value_text.len());
            line.push_str(&self.source[item.raw.span.start..a.value.start]);
            line.push_str(value_text);
            line.push_str(&self.source[a.value.end..item.raw.span.end]);
            self.items[i].text = Text::Owned(line);
        }
    }

    /// Calls `f` on every assignment; where it returns new (quoted) value
    /// text, that value is replaced. Returns how many changed. If `f` fails,
    /// the document is unchanged.
    pub fn map_values(
        &mut self,
        mut f: impl FnMut(Entry<'_>) -> Result<Option<String>>,
    ) -> Result<usize> {
        let mut changes = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            if let (ItemKind::Assignment(a), Text::Source) = (&item.raw.kind, &item.text) {
                if let Some(text) = f(self.entry(a))? {
                    changes.push((i, text));
                }
            }
        }
        let n = changes.len();
        for (i, text) in changes {
            self.replace_value(i, &text);
        }
        Ok(n)
    }

    fn ends_with_newline(&self) -> bool {
        match self.items.iter().rev().find_map(|i| match &i.text {
            Text::Owned(s) if s.is_empty() => None,
            Text::Owned(s) => Some(s.as_str()),
            Text::Source if i.raw.span.is_empty() => None,
            Text::Source => Some(&self.source[i.raw.span.clone()]),
        }) {
            Some(s) => s.ends_with(['\n', '\r']),
            None => true,
        }
    }

    fn render_len_hint(&self) -> usize {
        self.items
            .iter()
            .map(|i| match &i.text {
                Text::Source => i.raw.span.len(),
                Text::Owned(s) => s.len(),
            })
            .sum()
    }

    /// Removes every assignment of `name`; returns how many lines went.
    pub fn remove(&mut self, name: &str) -> usize {
        let mut n = 0;
        for item in &mut self.items {
            if let (ItemKind::Assignment(a), Text::Source) = (&item.raw.kind, &item.text) {
                if &self.source[a.key.clone()] == name {
                    item.text = Text::Owned(String::new());
                    n += 1;
                }
            }
        }
        n
    }

    /// Puts `text` (whole lines, each ending in `\n`) before the first line,
    /// converted to the file's line ending.
    pub fn prepend(&mut self, text: &str) {
        let nl = self.newline();
        self.prefix = if nl == "\n" {
            text.to_owned()
        } else {
            text.replace('\n', nl)
        };
    }

    /// The file's bytes: untouched items exactly as read.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.source.len() + self.prefix.len() + 128);
        out.push_str(&self.source[..self.body_start]);
        out.push_str(&self.prefix);
        for item in &self.items {
            match &item.text {
                Text::Source => out.push_str(&self.source[item.raw.span.clone()]),
                Text::Owned(s) => out.push_str(s),
            }
        }
        out
    }
}

/// A document may hold private keys (a keys file) or plaintext (during
/// `decrypt`): its text is wiped when it goes.
impl Drop for Document {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.source.zeroize();
        self.prefix.zeroize();
        for item in &mut self.items {
            if let Text::Owned(s) = &mut item.text {
                s.zeroize();
            }
        }
    }
}

#[cfg(test)]
mod tests;
