//! The dotenv parser: source text → items with byte spans. It decides syntax
//! only (where a key, a value and a comment are); what a value *means* is in
//! `value.rs`. Malformed lines are errors with line and column.

use std::ops::Range;

/// How a value was quoted in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
    Backtick,
}

/// One `KEY=value` line (which may span several physical lines when quoted).
#[derive(Debug, Clone)]
pub struct Assignment {
    pub key: Range<usize>,
    pub export: bool,
    /// The value including its quotes.
    pub value: Range<usize>,
    /// The value's text inside the quotes.
    pub inner: Range<usize>,
    pub quote: Quote,
    /// 1-based line and column of the value.
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone)]
pub enum ItemKind {
    /// Blank line or comment: kept verbatim.
    Trivia,
    Assignment(Assignment),
}

/// One logical line: `span` covers it and its line ending.
#[derive(Debug, Clone)]
pub struct RawItem {
    pub span: Range<usize>,
    pub kind: ItemKind,
}

/// A syntax error: position and message; the caller adds the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    /// Byte offset where the offending line starts.
    pub line_start: usize,
    /// Byte offset where the logical line (the assignment) starts: when it
    /// differs from `line_start`, the error is on a continuation line of a
    /// multi-line value.
    pub item_start: usize,
    pub message: String,
}

pub fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

struct Cursor<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn col_of(&self, pos: usize) -> usize {
        self.text[self.line_start..pos].chars().count() + 1
    }

    fn error(&self, pos: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            line: self.line,
            col: self.col_of(pos),
            line_start: self.line_start,
            item_start: self.line_start,
            message: message.into(),
        }
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn at_eol(&self) -> bool {
        matches!(self.peek(), None | Some(b'\n' | b'\r'))
    }

    /// Consumes one line ending if present; counts the line.
    fn eat_eol(&mut self) {
        match self.peek() {
            Some(b'\r') => {
                self.pos += 1;
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            Some(b'\n') => self.pos += 1,
            _ => return,
        }
        self.line += 1;
        self.line_start = self.pos;
    }

    fn skip_to_eol(&mut self) {
        while !self.at_eol() {
            self.pos += 1;
        }
    }

    /// Scans a quoted value from the opening quote; multi-line allowed.
    /// Returns the end of the inner text (position of the closing quote).
    /// Jumps between special bytes with memchr: sealed values are long.
    fn quoted(&mut self, quote: u8, escapes: bool) -> Result<usize, SyntaxError> {
        let open = self.pos;
        let (open_line, open_line_start) = (self.line, self.line_start);
        self.pos += 1;
        loop {
            let rest = &self.src[self.pos..];
            let next = if escapes {
                memchr::memchr3(quote, b'\\', b'\n', rest)
            } else {
                memchr::memchr2(quote, b'\n', rest)
            };
            let seg = next.unwrap_or(rest.len());
            // A lone `\r` (old Mac line ending) inside the value is a line break.
            for cr in memchr::memchr_iter(b'\r', &rest[..seg]) {
                if rest.get(cr + 1) != Some(&b'\n') {
                    self.line += 1;
                    self.line_start = self.pos + cr + 1;
                }
            }
            self.pos += seg;
            match self.peek() {
                None => {
                    self.line = open_line;
                    self.line_start = open_line_start;
                    let kind = match quote {
                        b'\'' => "single",
                        b'"' => "double",
                        _ => "backtick",
                    };
                    return Err(self.error(open, format!("unterminated {kind}-quoted value")));
                }
                Some(b) if b == quote => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(end);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    if !self.at_eol() {
                        self.pos += 1;
                    }
                }
                Some(_) => self.eat_eol(), // `\n`
            }
        }
    }

    fn item(&mut self) -> Result<ItemKind, SyntaxError> {
        self.skip_blanks();
        if self.at_eol() || self.peek() == Some(b'#') {
            self.skip_to_eol();
            self.eat_eol();
            return Ok(ItemKind::Trivia);
        }
        let mut export = false;
        if self.src[self.pos..].starts_with(b"export")
            && matches!(self.src.get(self.pos + 6), Some(b' ' | b'\t'))
        {
            let save = self.pos;
            self.pos += 6;
            self.skip_blanks();
            // `export NAME=…`; a bare `export=…` or `export =…` is a key named export.
            if self.peek().is_some_and(is_key_byte) {
                export = true;
            } else {
                self.pos = save;
            }
        }
        let key_start = self.pos;
        while self.peek().is_some_and(is_key_byte) {
            self.pos += 1;
        }
        let key = key_start..self.pos;
        if key.is_empty() {
            return Err(self.error(self.pos, "expected a variable name"));
        }
        self.skip_blanks();
        match self.peek() {
            Some(b'=') => self.pos += 1,
            None | Some(b'\n' | b'\r') => {
                return Err(self.error(self.pos, "not a `NAME=value` line (no `=`)"));
            }
            Some(_) => {
                // Name the character only when it is in the name part (a
                // `=` follows on the line): past that it may be a value's.
                let line = &self.src[self.pos..];
                let eol = memchr::memchr2(b'\n', b'\r', line).unwrap_or(line.len());
                let has_eq = memchr::memchr(b'=', &line[..eol]).is_some();
                let c = self.text[self.pos..].chars().next().unwrap_or('?');
                let msg = if self.pos == key.end && has_eq {
                    format!("invalid character `{c}` in variable name")
                } else if has_eq {
                    "expected `=` after the variable name".to_string()
                } else {
                    "not a `NAME=value` line (no `=`)".to_string()
                };
                return Err(self.error(self.pos, msg));
            }
        }
        let after_eq = self.pos;
        self.skip_blanks();
        let value_start = self.pos;
        let (line, col) = (self.line, self.col_of(value_start));
        let (quote, inner, value) = match self.peek() {
            Some(q @ (b'\'' | b'"' | b'`')) => {
                let end = self.quoted(q, q != b'\'')?;
                let quote = match q {
                    b'\'' => Quote::Single,
                    b'"' => Quote::Double,
                    _ => Quote::Backtick,
                };
                let value = value_start..self.pos;
                self.skip_blanks();
                if self.peek() == Some(b'#') {
                    self.skip_to_eol();
                } else if !self.at_eol() {
                    return Err(self.error(self.pos, "unexpected text after the closing quote"));
                }
                (quote, value_start + 1..end, value)
            }
            // `KEY= # note`: the `#` follows whitespace, so it starts a comment.
            Some(b'#') if value_start > after_eq => {
                self.skip_to_eol();
                (
                    Quote::None,
                    value_start..value_start,
                    value_start..value_start,
                )
            }
            _ => {
                let mut end = self.pos;
                while !self.at_eol() {
                    let b = self.src[self.pos];
                    if b == b'#' && matches!(self.src[self.pos - 1], b' ' | b'\t') {
                        break;
                    }
                    self.pos += 1;
                    if !matches!(b, b' ' | b'\t') {
                        end = self.pos;
                    }
                }
                self.skip_to_eol();
                (Quote::None, value_start..end, value_start..end)
            }
        };
        self.eat_eol();
        Ok(ItemKind::Assignment(Assignment {
            key,
            export,
            value,
            inner,
            quote,
            line,
            col,
        }))
    }
}

/// Parses `text` (starting after any BOM at `start`) into items.
pub fn parse(text: &str, start: usize) -> Result<Vec<RawItem>, SyntaxError> {
    let mut cur = Cursor {
        src: text.as_bytes(),
        text,
        pos: start,
        line: 1,
        line_start: start,
    };
    let mut items = Vec::with_capacity(text.len() / 32 + 1);
    while cur.pos < text.len() {
        let begin = cur.pos;
        let kind = cur.item().map_err(|e| SyntaxError {
            item_start: begin,
            ..e
        })?;
        items.push(RawItem {
            span: begin..cur.pos,
            kind,
        });
    }
    Ok(items)
}
