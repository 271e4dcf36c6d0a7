//! The journal's format: which target gets which temporary file, with what
//! mode, and whether the commit point was passed. Paths only, never a
//! value.
//!
//! ```text
//! envsafe-journal 1
//! write 644 .envsafe-tmp-1f2e-3a4b-0 /abs/project/.env
//! write 600 .envsafe-tmp-1f2e-3a4b-1 /abs/project/.env.keys
//! end
//! commit
//! ```
//!
//! `write MODE TEMP TARGET`: MODE in octal, TEMP a file name in TARGET's
//! directory, TARGET an absolute path (the rest of the line). Everything up
//! to `end` is written in one go before any temporary file exists; `commit`
//! is appended once every temporary file is durable. A crash can cut either
//! write short: a journal that stops early is an unfinished prepare (roll
//! back), anything else that does not parse is an error.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::fsutil::TEMP_PREFIX;

const MAGIC: &[u8] = b"envsafe-journal 1";
const END: &[u8] = b"end";
const COMMIT: &[u8] = b"commit";
const WRITE: &[u8] = b"write ";

/// The line appended at the commit point.
pub(crate) const COMMIT_LINE: &[u8] = b"commit\n";

/// One file of a transaction: `temp` (a name in `target`'s directory)
/// replaces `target`, which then gets `mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Absolute, symlinks resolved.
    pub target: PathBuf,
    pub temp_name: PathBuf,
    pub mode: u32,
}

impl Entry {
    pub fn dir(&self) -> &Path {
        self.target.parent().unwrap_or(Path::new("/"))
    }

    pub fn temp(&self) -> PathBuf {
        self.dir().join(&self.temp_name)
    }
}

/// A parsed journal.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Journal {
    pub entries: Vec<Entry>,
    /// The commit point was passed: roll forward. Otherwise roll back.
    pub committed: bool,
}

/// The journal up to `end` (the prepare step), in one buffer. Target
/// paths must not hold a line break (the transaction refuses them).
pub(crate) fn render(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + entries.len() * 128);
    out.extend_from_slice(MAGIC);
    out.push(b'\n');
    for e in entries {
        out.extend_from_slice(format!("write {:o} ", e.mode).as_bytes());
        out.extend_from_slice(e.temp_name.as_os_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(e.target.as_os_str().as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(END);
    out.push(b'\n');
    out
}

#[derive(PartialEq, PartialOrd)]
enum State {
    Start,
    Writes,
    Ended,
    Committed,
}

/// Parses a journal; the error says what is wrong (and where), never
/// more of the file than a line number.
pub(crate) fn parse(bytes: &[u8]) -> Result<Journal, String> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // What follows the last line break: a write cut short, or nothing.
    let tail = lines.pop().unwrap_or_default();
    let mut state = State::Start;
    let mut entries = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let bad = |what: &str| format!("line {}: {what}", i + 1);
        state = match state {
            State::Start if *line == MAGIC => State::Writes,
            State::Start => return Err(bad("not an envsafe journal")),
            State::Writes if *line == END => State::Ended,
            State::Writes => match line.strip_prefix(WRITE) {
                Some(rest) => {
                    entries.push(parse_entry(rest).map_err(bad)?);
                    State::Writes
                }
                None => return Err(bad("expected `write …` or `end`")),
            },
            State::Ended if *line == COMMIT => State::Committed,
            State::Ended | State::Committed => return Err(bad("unexpected line")),
        };
    }
    let cut_short = match state {
        _ if tail.is_empty() => true,
        State::Start => MAGIC.starts_with(tail),
        State::Writes => {
            tail.starts_with(WRITE) || WRITE.starts_with(tail) || END.starts_with(tail)
        }
        State::Ended => COMMIT.starts_with(tail),
        State::Committed => false,
    };
    if !cut_short {
        return Err(format!("line {}: unexpected text", lines.len() + 1));
    }
    Ok(Journal {
        entries,
        committed: state == State::Committed,
    })
}

fn parse_entry(rest: &[u8]) -> Result<Entry, &'static str> {
    let mut parts = rest.splitn(3, |b| *b == b' ');
    let (Some(mode), Some(temp), Some(target)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected `write MODE TEMP TARGET`");
    };
    let octal = (1..=4).contains(&mode.len()) && mode.iter().all(|b| (b'0'..=b'7').contains(b));
    let mode = std::str::from_utf8(mode)
        .ok()
        .filter(|_| octal)
        .and_then(|m| u32::from_str_radix(m, 8).ok())
        .ok_or("the mode is not an octal file mode")?;
    let valid_temp =
        temp.starts_with(TEMP_PREFIX.as_bytes()) && !temp.contains(&b'/') && !temp.contains(&0);
    if !valid_temp {
        return Err("the temporary file is not an envsafe temporary file name");
    }
    let target = Path::new(OsStr::from_bytes(target));
    let valid_target = target.is_absolute()
        && !target.as_os_str().as_bytes().contains(&0)
        && target.file_name().is_some()
        && target.parent().is_some();
    if !valid_target {
        return Err("the target is not an absolute file path");
    }
    Ok(Entry {
        target: target.to_path_buf(),
        temp_name: PathBuf::from(OsStr::from_bytes(temp)),
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn any_entries_round_trip(
            files in proptest::collection::vec(("/[^\n\x00]{1,40}", "[A-Za-z0-9-]{1,20}", 0u32..0o7777), 0..5)
        ) {
            let entries: Vec<Entry> = (files.iter())
                .filter(|(target, _, _)| Path::new(target).file_name().is_some())
                .map(|(target, temp, mode)| Entry {
                    target: PathBuf::from(target),
                    temp_name: PathBuf::from(format!("{TEMP_PREFIX}{temp}")),
                    mode: *mode,
                })
                .collect();
            let mut text = render(&entries);
            prop_assert_eq!(&parse(&text).unwrap().entries, &entries);
            text.extend_from_slice(COMMIT_LINE);
            prop_assert!(parse(&text).unwrap().committed);
        }
    }

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                target: PathBuf::from("/p/my project/.env"),
                temp_name: PathBuf::from(".envsafe-tmp-1-2-0"),
                mode: 0o644,
            },
            Entry {
                target: PathBuf::from(OsStr::from_bytes(b"/p/sub/\xffodd name.env")),
                temp_name: PathBuf::from(".envsafe-tmp-1-2-1"),
                mode: 0o600,
            },
        ]
    }

    #[test]
    fn a_journal_round_trips_prepared_and_committed() {
        let prepared = render(&entries());
        let j = parse(&prepared).unwrap();
        assert_eq!(j.entries, entries());
        assert!(!j.committed);
        let mut committed = prepared.clone();
        committed.extend_from_slice(COMMIT_LINE);
        let j = parse(&committed).unwrap();
        assert_eq!(j.entries, entries());
        assert!(j.committed);
        assert_eq!(
            entries()[0].temp(),
            Path::new("/p/my project/.envsafe-tmp-1-2-0")
        );
    }

    #[test]
    fn a_journal_cut_short_anywhere_is_rolled_back_never_an_error() {
        let mut full = render(&entries());
        full.extend_from_slice(COMMIT_LINE);
        for len in 0..full.len() {
            let j = parse(&full[..len]).unwrap_or_else(|e| panic!("cut at {len}: {e}"));
            assert!(!j.committed, "cut at {len} is not committed");
        }
    }

    #[test]
    fn garbage_is_an_error_with_a_line_number() {
        let bad = |text: &[u8]| parse(text).unwrap_err();
        assert_eq!(bad(b"hello\n"), "line 1: not an envsafe journal");
        assert_eq!(bad(b"{\"json\": true}"), "line 1: unexpected text");
        assert_eq!(
            bad(b"envsafe-journal 1\nwrite 9 .envsafe-tmp-a /x/.env\n"),
            "line 2: the mode is not an octal file mode"
        );
        assert_eq!(
            bad(b"envsafe-journal 1\nwrite 644 ../../etc/x /x/.env\n"),
            "line 2: the temporary file is not an envsafe temporary file name"
        );
        assert_eq!(
            bad(b"envsafe-journal 1\nwrite 644 .envsafe-tmp-a .env\n"),
            "line 2: the target is not an absolute file path"
        );
        assert_eq!(
            bad(b"envsafe-journal 1\nwrite 644 .envsafe-tmp-a\n"),
            "line 2: expected `write MODE TEMP TARGET`"
        );
        assert_eq!(
            bad(b"envsafe-journal 1\nend\ncommit\nmore\n"),
            "line 4: unexpected line"
        );
        assert_eq!(
            bad(b"envsafe-journal 1\nend\nrollback"),
            "line 3: unexpected text"
        );
    }
}
