//! The envsafe header of an encrypted file. Only the `#@envsafe` line is
//! meaningful; the banner above it is cosmetic.

use crate::crypto::PublicKey;
use crate::dotenv::Document;
use crate::error::{Error, Location, Result};

const MARK: &str = "#@envsafe";

/// What the header says.
#[derive(Debug, Clone)]
pub struct Header {
    pub public_key: PublicKey,
    pub env: Option<String>,
}

/// True for the `#@envsafe …` line.
fn is_header_line(line: &str) -> bool {
    line.trim_start_matches('\u{feff}')
        .trim_start()
        .strip_prefix(MARK)
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
}

/// Whether the file at `path` has a header, reading only its start
/// (choosing a target file must not parse 10,000 values). Opened as every
/// read is (`fsutil::open_regular`): a FIFO or device is no env file with
/// a header, and never blocks the command.
pub fn file_has_header(path: &std::path::Path) -> bool {
    use std::io::Read;
    let Ok(Some(crate::fsutil::Regular { file: f, .. })) = crate::fsutil::open_regular(path) else {
        return false;
    };
    let mut head = Vec::new();
    if f.take(64 * 1024).read_to_end(&mut head).is_err() {
        return false;
    }
    let valid = match std::str::from_utf8(&head) {
        Ok(_) => head.len(),
        Err(e) => e.valid_up_to(),
    };
    text_has_header(std::str::from_utf8(&head[..valid]).unwrap_or_default())
}

/// Whether `text` has a header among its leading comments.
pub fn text_has_header(text: &str) -> bool {
    let found = crate::dotenv::leading_comments(text).any(|(_, l)| is_header_line(l));
    found
}

/// Where the header line of `doc` is (its first line when it has none),
/// for errors and findings about the header.
pub fn location(doc: &Document) -> Location {
    let line = doc
        .leading_comments()
        .find(|(_, l)| is_header_line(l))
        .map_or(1, |(n, _)| n);
    Location {
        path: doc.path().to_path_buf(),
        line,
        col: 1,
    }
}

/// The `env=` of the header among `text`'s leading comments, if any
/// (without parsing the rest of the file or checking the key).
pub fn env_in_text(text: &str) -> Option<String> {
    let (_, line) = crate::dotenv::leading_comments(text).find(|(_, l)| is_header_line(l))?;
    line.trim_start()[MARK.len()..]
        .split_whitespace()
        .find_map(|f| f.strip_prefix("env="))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Finds and parses the header in the file's leading comment block.
pub fn find(doc: &Document) -> Result<Option<Header>> {
    let Some((line, text)) = doc.leading_comments().find(|(_, l)| is_header_line(l)) else {
        return Ok(None);
    };
    let at = |col| Location {
        path: doc.path().to_path_buf(),
        line,
        col,
    };
    let mut public_key = None;
    let mut env = None;
    for field in text.trim_start()[MARK.len()..].split_whitespace() {
        match field.split_once('=') {
            Some(("public-key", v)) => {
                let col = text.find(v).map_or(1, |c| c + 1);
                public_key =
                    Some(
                        v.parse::<PublicKey>()
                            .map_err(|reason| Error::InvalidPublicKey {
                                at: at(col),
                                reason: reason.into(),
                            })?,
                    );
            }
            Some(("env", v)) if !v.is_empty() => env = Some(v.to_owned()),
            _ => {} // unknown fields are for future versions
        }
    }
    match public_key {
        Some(public_key) => Ok(Some(Header { public_key, env })),
        None => Err(Error::InvalidPublicKey {
            at: at(1),
            reason: "the `public-key=` field is missing".into(),
        }),
    }
}

/// The header block for a new encrypted file (lines end in `\n`).
pub fn render(public_key: &PublicKey, env: &str) -> String {
    format!(
        "#/-------------------[envsafe encrypted file]-------------------/\n\
         #/ values are encrypted; the public key below can add new ones  /\n\
         #/--------------------------------------------------------------/\n\
         {MARK} public-key={public_key} env={env}\n"
    )
}

/// `text` with the header line's `public-key=` field set to `public`
/// (everything else on every line kept); None without a header.
pub fn with_public_key(text: &str, public: &PublicKey) -> Option<String> {
    let (_, line) = crate::dotenv::leading_comments(text).find(|(_, l)| is_header_line(l))?;
    // `line` is a slice of `text`: its offset is the distance between them.
    let start = line.as_ptr() as usize - text.as_ptr() as usize;
    let field = line.find("public-key=")? + "public-key=".len();
    let end = line[field..]
        .find(char::is_whitespace)
        .map_or(line.len(), |e| field + e);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start + field]);
    out.push_str(&public.to_string());
    out.push_str(&text[start + end..]);
    Some(out)
}
