//! What a syntax error may show of the offending line (DESIGN §5): the
//! name part and the structure around it, never a byte of a value. The
//! masked text keeps one `*` per character, so a caret still lines up.

/// How much of a line an error may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// An ordinary env file: the name part of the line.
    NamePart,
    /// A file that holds private keys: nothing at all.
    Nothing,
}

const MAX_SHOWN: usize = 160;

fn blanks(b: &[u8]) -> usize {
    b.iter().take_while(|c| matches!(c, b' ' | b'\t')).count()
}

/// Length of `[blanks][export blanks]` at the start of `b`.
fn lead(b: &[u8]) -> usize {
    let mut i = blanks(b);
    if b[i..].starts_with(b"export") && matches!(b.get(i + 6), Some(b' ' | b'\t')) {
        i += 6;
        i += blanks(&b[i..]);
    }
    i
}

/// Where the name of `[blanks][export blanks]NAME…` is in `line`: its
/// start and end (empty when the line does not start with a name). The
/// hook reads names of lines it does not parse with the same rule.
pub(crate) fn name_span(line: &str) -> (usize, usize) {
    let b = line.as_bytes();
    let start = lead(b);
    let name = b[start..]
        .iter()
        .take_while(|c| super::is_key_byte(**c))
        .count();
    (start, start + name)
}

/// How many leading bytes of `line` (the first line of an assignment) are
/// its name part and may be shown.
fn shown_prefix(line: &str) -> usize {
    let b = line.as_bytes();
    let (start, after_name) = name_span(line);
    if after_name == start {
        return 0;
    }
    let mut i = after_name + blanks(&b[after_name..]);
    if b.get(i) == Some(&b'=') {
        // `NAME =`: the name, the `=`, blanks and an opening quote.
        i += 1;
        i += blanks(&b[i..]);
        if matches!(b.get(i), Some(b'"' | b'\'' | b'`')) {
            i += 1;
        }
        return i;
    }
    if b[after_name..].contains(&b'=') {
        return 0; // `MY KEY=…`, `abc+def==`: not a name before the `=`
    }
    // No `=` on the line: show a name only when it looks like one written
    // as a key (`API_KEY: v`, `SECRET_TOKEN v`), never a pasted token
    // (`ghp_…`, `AKIA…` alone on the line).
    let word = &b[start..after_name];
    let env_style = word.contains(&b'_')
        && word
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && !word[0].is_ascii_digit();
    let separated = matches!(b.get(after_name), Some(b':' | b' ' | b'\t'));
    if env_style && separated {
        after_name
    } else {
        0
    }
}

/// The line as an error may show it; `continuation` is true for a later
/// line of a multi-line value.
pub fn masked(line: &str, continuation: bool, shown: Shown) -> Option<String> {
    if shown == Shown::Nothing {
        return None;
    }
    let keep = if continuation { 0 } else { shown_prefix(line) };
    let mut out = String::with_capacity(line.len().min(MAX_SHOWN));
    out.push_str(&line[..keep]);
    out.extend(line[keep..].chars().map(|_| '*'));
    Some(out.chars().take(MAX_SHOWN).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(line: &str) -> String {
        masked(line, false, Shown::NamePart).unwrap()
    }

    #[test]
    fn shows_the_name_part_only() {
        assert_eq!(m("PASSWORD=\"hunter2"), "PASSWORD=\"*******");
        assert_eq!(m("export A = 'x y' z"), "export A = '******");
        assert_eq!(m("API_KEY: sk_live_1"), "API_KEY***********");
        assert_eq!(m("SECRET_TOKEN value"), "SECRET_TOKEN******");
        assert_eq!(m("ghp_abcdefgh"), "************");
        assert_eq!(m("AKIAIOSFODNN7EXAMPLE"), "********************");
        assert_eq!(m("abc+def=="), "*********");
        assert_eq!(m("MY KEY=v"), "********");
        assert_eq!(
            masked("tail\" x", true, Shown::NamePart).unwrap(),
            "*******"
        );
        assert_eq!(masked("A=1", false, Shown::Nothing), None);
    }
}
