//! Places in envsafe.toml: byte offsets as line and column, a config error
//! at a span (the line shown), and the span of a key found by its path in
//! the TOML tree — never by searching the text.

use std::path::Path;

use crate::error::{Error, Location};

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A config error at byte `offset` of `text`, with that line shown — unless
/// the line holds private key material (pasted where a recipient or a
/// public key goes), which no error echoes.
pub fn error_at(path: &Path, text: &str, offset: usize, message: String) -> Error {
    let (line, col) = line_col(text, offset);
    let shown = text.lines().nth(line - 1).unwrap_or("");
    Error::Config {
        at: Location {
            path: path.to_path_buf(),
            line,
            col,
        },
        message,
        snippet: (!crate::keys::mentions_private_key(shown.as_bytes()))
            .then(|| shown.chars().take(160).collect()),
    }
}

/// The byte offset of the key at `keys` (e.g. `["vars", "API_KEY",
/// "default"]`) in the TOML `text`, or of the deepest table on the way that
/// exists; 0 when the text does not parse.
pub fn key_offset(text: &str, keys: &[&str]) -> usize {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else {
        return 0;
    };
    let mut table = root.get_ref();
    let mut offset = 0;
    for key in keys {
        let Some((k, v)) = table.get_key_value(*key) else {
            break;
        };
        offset = k.span().start;
        match v.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_dotted_and_bracketed_tables() {
        let text = "[vars.A]\ntype = \"int\"\n\n[vars.B]\nmin_length = 3\n";
        assert_eq!(
            line_col(text, key_offset(text, &["vars", "B", "min_length"])),
            (5, 1)
        );
        assert_eq!(line_col(text, key_offset(text, &["vars", "B"])).0, 4);
        let dotted = "vars.C.default = 1\n";
        assert_eq!(key_offset(dotted, &["vars", "C", "default"]), 7);
        assert_eq!(key_offset("not toml [", &["vars"]), 0);
    }
}
