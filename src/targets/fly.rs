//! The Fly target (DESIGN §7): the text one `flyctl secrets import` batch
//! reads on stdin, and a model of flyctl's parser that the encoder re-parses
//! its output with before anything is sent.
//!
//! What flyctl does, read in `superfly/flyctl`
//! `internal/command/secrets/parser.go`, `parseSecrets` (called by `runImport`
//! in `import.go`), and its history:
//!
//! - Lines come from a `bufio.Scanner` with the default 64 KiB token limit;
//!   `scanner.Err()` is never checked, so a line of 64 KiB or more ends the
//!   input silently and every later secret is dropped. `ScanLines` drops one
//!   CR before each LF (and at the end of the input).
//! - Outside a block, a line starting with `#` or blank after trimming is
//!   skipped; any other line without `=` is an error. `NAME=VALUE` splits at
//!   the first `=`. No escapes, ever; duplicate names: the last one wins.
//! - A value starting with `"""` opens a multi-line block: the rest of that
//!   line, then whole lines, each followed by LF, until a line ending with
//!   `"""` (whose text before it ends the value). A block still open at the
//!   end is dropped.
//! - A value wrapped in `"` loses them (PR #2476, June 2023); a lone `"`
//!   panics (`value[1:0]`).
//! - PR #4294 (April 2025, after v0.3.97): the name is trimmed, spaces (only
//!   U+0020) before the value are trimmed, and a `#` cuts the value (and the
//!   spaces before it) when the `"` before it are balanced.
//! - v0.3.226 (issue #4509): `NAME="""v"""` on one line is understood.
//! - v0.4.14 (PR #4744): a value wrapped in `'` loses them; a lone `'` panics.
//!
//! The dates of the first two changes are known, their release numbers are
//! not: a version in a doubtful range must read the encoding back exactly
//! under both readings ([`Era::possible`]).

use std::collections::HashSet;
use std::fmt;

use zeroize::{Zeroize, Zeroizing};

use super::{Encoded, Pairs, Refused};

/// `bufio.MaxScanTokenSize`: a line (CR included, LF not) this long or
/// longer stops flyctl's scanner.
const MAX_LINE: usize = 64 * 1024;
const TRIPLE: &str = "\"\"\"";

/// A flyctl release, from `fly version`. A pre-release (`-pre-N`, `-dev`,
/// calver channels) sorts before its release, so it is not assumed to have
/// what the release has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FlyVersion {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) patch: u32,
    /// False for a pre-release of this number.
    pub(crate) stable: bool,
}

impl FlyVersion {
    /// The first release that reads `NAME="""v"""` on one line.
    pub(crate) const SINGLE_LINE_TRIPLE: Self = Self::new(0, 3, 226);
    /// The first release that strips `'…'`.
    pub(crate) const SINGLE_QUOTES: Self = Self::new(0, 4, 14);

    pub(crate) const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
            stable: true,
        }
    }

    /// Reads `fly version` (`flyctl v0.3.226 linux/amd64 Commit: … BuildDate:
    /// …`, the name being the binary's) or `fly version --json`
    /// (`{"Name":"flyctl","Version":"0.3.226",…}`).
    pub(crate) fn parse(version_output: &str) -> Option<FlyVersion> {
        let text = version_output.trim();
        if text.starts_with('{') {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            return Self::parse_number(json.get("Version")?.as_str()?);
        }
        text.split_whitespace()
            .filter_map(|word| word.strip_prefix('v'))
            .find_map(Self::parse_number)
    }

    /// `0.3.226`, `0.3.226-pre-1`, `2025.10.1-beta.2+meta` (flyctl's
    /// `internal/version.Parse`).
    fn parse_number(number: &str) -> Option<FlyVersion> {
        let (core, suffix) = match number.find(['-', '+']) {
            Some(at) => number.split_at(at),
            None => (number, ""),
        };
        let mut parts = core.split('.').map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        });
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            major,
            minor,
            patch,
            stable: !suffix.starts_with('-'),
        })
    }
}

impl fmt::Display for FlyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.stable {
            f.write_str(" (pre-release)")?;
        }
        Ok(())
    }
}

/// The parser's generations, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Era {
    /// `NAME=VALUE` taken as is, `"""` blocks.
    Raw,
    /// `"…"` stripped (PR #2476).
    DoubleQuotes,
    /// Name and leading spaces trimmed, `#` comments (PR #4294).
    Comments,
    /// `NAME="""v"""` on one line (v0.3.226).
    SingleLineTriple,
    /// `'…'` stripped (v0.4.14, PR #4744).
    SingleQuotes,
}

impl Era {
    /// PR #2476 was merged on 2023-06-26, in a 0.1.x release (estimated).
    const DOUBLE_QUOTES: FlyVersion = FlyVersion::new(0, 1, 40);
    /// PR #4294 was merged on 2025-04-08; v0.3.97 is of 2025-04-03.
    const COMMENTS: FlyVersion = FlyVersion::new(0, 3, 98);

    /// The best estimate of what `version` runs (the model's reading).
    fn of(version: FlyVersion) -> Era {
        match version {
            v if v >= FlyVersion::SINGLE_QUOTES => Era::SingleQuotes,
            v if v >= FlyVersion::SINGLE_LINE_TRIPLE => Era::SingleLineTriple,
            v if v >= Self::COMMENTS => Era::Comments,
            v if v >= Self::DOUBLE_QUOTES => Era::DoubleQuotes,
            _ => Era::Raw,
        }
    }

    /// Every era `version` may run: where a change's release number is
    /// estimated, both sides. The encoder must satisfy all of them.
    fn possible(version: FlyVersion) -> &'static [Era] {
        match version {
            // Before 0.2.0: before or after PR #2476.
            v if v < FlyVersion::new(0, 2, 0) => &[Era::Raw, Era::DoubleQuotes],
            // Issue #4509 (v0.3.164, 2025-07-30) quotes the `#` code.
            v if v >= Self::COMMENTS && v < FlyVersion::new(0, 3, 165) => {
                &[Era::DoubleQuotes, Era::Comments]
            }
            v => match Era::of(v) {
                Era::Raw => &[Era::Raw],
                Era::DoubleQuotes => &[Era::DoubleQuotes],
                Era::Comments => &[Era::Comments],
                Era::SingleLineTriple => &[Era::SingleLineTriple],
                Era::SingleQuotes => &[Era::SingleQuotes],
            },
        }
    }
}

/// What `flyctl secrets import` of `version` would set from `text`, in the
/// order names first appear (a later duplicate replaces the value). `Err`
/// where flyctl fails or panics; the reason never holds a value. (The
/// encoder checks against every era a version may be, `parse_as`.)
#[cfg(test)]
pub(crate) fn parse(text: &str, version: FlyVersion) -> Result<Vec<(String, String)>, String> {
    parse_as(text, Era::of(version))
}

fn parse_as(text: &str, era: Era) -> Result<Vec<(String, String)>, String> {
    let mut secrets: Vec<(String, String)> = Vec::new();
    let mut set = |key: String, value: String| match secrets.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => secrets.push((key, value)),
    };
    // An open `"""` block: its name and the value so far.
    let mut block: Option<(String, String)> = None;
    for (number, line) in scanned_lines(text).enumerate() {
        if let Some((key, mut value)) = block.take() {
            match line.strip_suffix(TRIPLE) {
                Some(last) => {
                    value.push_str(last);
                    set(key, value);
                }
                None => {
                    value.push_str(line);
                    value.push('\n');
                    block = Some((key, value));
                }
            }
            continue;
        }
        // Go's strings.TrimSpace and Rust's trim both trim Unicode White_Space.
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {} is not NAME=VALUE", number + 1));
        };
        let (key, value) = if era >= Era::Comments {
            (key.trim(), cut_comment(value.trim_start_matches(' ')))
        } else {
            (key, value)
        };
        if era >= Era::SingleLineTriple
            && value.len() >= 2 * TRIPLE.len()
            && value.starts_with(TRIPLE)
            && value.ends_with(TRIPLE)
        {
            set(key.to_owned(), value[3..value.len() - 3].to_owned());
        } else if let Some(first) = value.strip_prefix(TRIPLE) {
            block = Some((key.to_owned(), format!("{first}\n")));
        } else {
            let value = match era {
                Era::Raw => value,
                _ if value.starts_with('"') && value.ends_with('"') => unwrap(value, number)?,
                Era::SingleQuotes if value.starts_with('\'') && value.ends_with('\'') => {
                    unwrap(value, number)?
                }
                _ => value,
            };
            set(key.to_owned(), value.to_owned());
        }
    }
    Ok(secrets)
}

/// `value[1:len-1]`, which panics in Go for a one-byte value.
fn unwrap(value: &str, number: usize) -> Result<&str, String> {
    if value.len() < 2 {
        return Err(format!("line {}: a lone quote crashes flyctl", number + 1));
    }
    Ok(&value[1..value.len() - 1])
}

/// PR #4294: a `#` with an even number of `"` before it starts a comment.
fn cut_comment(value: &str) -> &str {
    match value.split_once('#') {
        Some((before, _)) if before.matches('"').count() % 2 == 0 => before.trim_end_matches(' '),
        _ => value,
    }
}

/// `bufio.Scanner` with `ScanLines`: LF-terminated lines (the last one may
/// lack it) without one trailing CR, up to the first one too long to scan.
fn scanned_lines(text: &str) -> impl Iterator<Item = &str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines = (!text.is_empty()).then(|| body.split('\n'));
    lines
        .into_iter()
        .flatten()
        .take_while(|line| line.len() < MAX_LINE)
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

/// One text for one `secrets import` batch of `pairs`, in the plainest form
/// that `version` (and every release it may be, [`Era::possible`]) reads
/// back exactly; the whole text is parsed back before it is returned. An
/// empty batch gives an empty text: flyctl refuses that, so send nothing.
pub(crate) fn encode(pairs: &Pairs<'_>, version: FlyVersion) -> Result<Encoded, Refused> {
    let eras = Era::possible(version);
    let mut text = Zeroizing::new(String::new());
    let mut seen = HashSet::new();
    for &(name, value) in pairs {
        let refuse = |reason: String| Refused {
            name: name.to_owned(),
            reason,
        };
        if !is_fly_name(name) {
            return Err(refuse(
                "Fly takes names of letters, digits and `_`, not starting with a digit".into(),
            ));
        }
        if !seen.insert(name) {
            return Err(refuse(
                "is set twice in one batch (flyctl keeps the last)".into(),
            ));
        }
        let entry = entry(name, value.expose(), version, eras).map_err(refuse)?;
        text.push_str(&entry);
        text.push('\n');
    }
    for &era in eras {
        let back = Wiped(parse_as(&text, era).map_err(|reason| Refused {
            name: pairs.first().map_or_else(String::new, |p| p.0.to_owned()),
            reason,
        })?);
        let differs = pairs.iter().enumerate().position(|(i, &(name, value))| {
            back.0
                .get(i)
                .is_none_or(|(n, v)| n != name || v != value.expose())
        });
        let extra = (back.0.len() > pairs.len()).then(|| pairs.len() - 1);
        if let Some(at) = differs.or(extra) {
            return Err(Refused {
                name: pairs[at].0.to_owned(),
                reason: "flyctl would read a different value".into(),
            });
        }
    }
    Ok(text)
}

/// What flyctl and the Fly API accept as a secret's name: a shell
/// variable's name (the API says "Name only allows letters, numbers, and
/// underscores"; one starting with a digit could not be read as a variable).
fn is_fly_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The model's answer, wiped when dropped (it holds values).
struct Wiped(Vec<(String, String)>);

impl Drop for Wiped {
    fn drop(&mut self) {
        for (name, value) in &mut self.0 {
            name.zeroize();
            value.zeroize();
        }
    }
}

/// The line(s) for one variable, or why none can carry it.
fn entry(
    name: &str,
    value: &str,
    version: FlyVersion,
    eras: &[Era],
) -> Result<Zeroizing<String>, String> {
    if value.contains('\r') {
        return Err("contains a carriage return, which flyctl drops at a line end".into());
    }
    let longest = value.split('\n').map(str::len).max().unwrap_or(0);
    if name.len() + 1 + longest >= MAX_LINE {
        return Err(long_line());
    }
    let found = forms(name, value)
        .into_iter()
        .find(|form| reads_back(form, name, value, eras));
    if let Some(form) = found {
        if form.split('\n').any(|line| line.len() >= MAX_LINE) {
            return Err(long_line());
        }
        return Ok(form);
    }
    let why = unreadable(value, eras);
    let newer = [FlyVersion::SINGLE_LINE_TRIPLE, FlyVersion::SINGLE_QUOTES]
        .into_iter()
        .filter(|&v| v > version)
        .find(|&v| {
            forms(name, value)
                .iter()
                .any(|form| reads_back(form, name, value, Era::possible(v)))
        });
    Err(match newer {
        Some(needed) => format!("{why}; it needs flyctl {needed} or newer, this one is {version}"),
        None => why,
    })
}

fn long_line() -> String {
    format!(
        "makes a line of {} KiB or more, where flyctl stops reading and silently drops the rest",
        MAX_LINE / 1024
    )
}

/// The forms, plainest first: `NAME=v`, `NAME="v"`, `NAME="""v"""` for one
/// line; a `"""` block for several.
fn forms(name: &str, value: &str) -> Vec<Zeroizing<String>> {
    if value.contains('\n') {
        return vec![Zeroizing::new(format!("{name}={TRIPLE}{value}{TRIPLE}"))];
    }
    vec![
        Zeroizing::new(format!("{name}={value}")),
        Zeroizing::new(format!("{name}=\"{value}\"")),
        Zeroizing::new(format!("{name}={TRIPLE}{value}{TRIPLE}")),
    ]
}

fn reads_back(form: &str, name: &str, value: &str, eras: &[Era]) -> bool {
    eras.iter().all(|&era| {
        let back = parse_as(form, era).map(Wiped);
        matches!(&back, Ok(Wiped(pairs)) if pairs.len() == 1 && pairs[0].0 == name && pairs[0].1 == value)
    })
}

/// Why no form carries `value` for `eras`: the first trait of it that
/// flyctl mangles.
fn unreadable(value: &str, eras: &[Era]) -> String {
    let newest = eras.iter().copied().max().unwrap_or(Era::Raw);
    if let Some((first, rest)) = value.split_once('\n') {
        let mut lines = rest.split('\n');
        lines.next_back();
        let closes_first = first.ends_with(TRIPLE) && newest >= Era::SingleLineTriple;
        if closes_first || lines.any(|line| line.ends_with(TRIPLE)) {
            return "has a line ending with `\"\"\"`, which ends flyctl's multi-line block early"
                .into();
        }
        if first.contains('#') && newest >= Era::Comments {
            return "has a `#` in its first line, which flyctl takes for a comment".into();
        }
    } else if value == "\"" || value == "'" {
        return "is a lone quote, which crashes flyctl".into();
    } else if value.starts_with(TRIPLE) {
        return "starts with `\"\"\"`, which opens a multi-line block in flyctl".into();
    } else if value.starts_with(' ') && newest >= Era::Comments {
        return "starts with a space, which flyctl trims".into();
    } else if value.contains('#') {
        return "has a `#` that flyctl takes for a comment".into();
    } else if value.starts_with('"') && value.ends_with('"') {
        return "is wrapped in `\"`, which flyctl strips".into();
    }
    "flyctl would read a different value".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretValue;
    use proptest::prelude::*;

    const CURRENT: FlyVersion = FlyVersion::new(0, 4, 14);
    const OLD: FlyVersion = FlyVersion::new(0, 3, 0);

    fn encode_one(name: &str, value: &str, version: FlyVersion) -> Result<String, Refused> {
        let value = SecretValue::from(value);
        encode(&[(name, &value)], version).map(|text| text.to_string())
    }

    fn reason(value: &str, version: FlyVersion) -> String {
        encode_one("K", value, version).expect_err("refused").reason
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|&(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn version_is_read_from_text_and_json() {
        let text = "flyctl v0.3.226 linux/amd64 Commit: f767253a BuildDate: 2025-07-30T12:20:14Z";
        assert_eq!(FlyVersion::parse(text), Some(FlyVersion::new(0, 3, 226)));
        let fly = "fly v0.4.14 darwin/arm64 Commit: 0f76e62f BuildDate: 2026-02-18T09:15:57Z\n";
        assert_eq!(FlyVersion::parse(fly), Some(CURRENT));
        let json = r#"{"Name":"flyctl","Version":"0.4.14","Commit":"x","BranchName":"","BuildDate":"2026-02-18T09:15:57Z","OS":"linux","Architecture":"amd64","Environment":"production"}"#;
        assert_eq!(FlyVersion::parse(json), Some(CURRENT));
        let pre = FlyVersion::parse("flyctl v0.3.226-pre-1 linux/amd64").unwrap();
        assert!(!pre.stable && pre < FlyVersion::SINGLE_LINE_TRIPLE);
        assert!(FlyVersion::parse("flyctl v2025.10.1-beta.2 linux/amd64").unwrap() > CURRENT);
        assert_eq!(FlyVersion::parse("command not found"), None);
        assert_eq!(FlyVersion::parse("flyctl v0.4 linux"), None);
    }

    // parser_test.go: Test_parse_basic, _windows, _mulltiline, _with_spaces.
    #[test]
    fn model_reads_comments_crlf_blocks_and_spaces() {
        let text = "\n# A comment\n\nFOO=BAR\r\nMULTI=\"\"\"SOMETHING\nANOTHER LINE\n\nENDSHERE\"\"\"\nQ = NAH\n";
        let want = pairs(&[
            ("FOO", "BAR"),
            ("MULTI", "SOMETHING\nANOTHER LINE\n\nENDSHERE"),
            ("Q", "NAH"),
        ]);
        assert_eq!(parse(text, CURRENT).unwrap(), want);
        // Before PR #4294 the name kept its space and the value its space.
        assert_eq!(
            parse("Q = NAH", FlyVersion::new(0, 3, 50)).unwrap(),
            pairs(&[("Q ", " NAH")])
        );
    }

    // parseSecrets: `#` cuts only when the `"` before it are balanced (PR #4294).
    #[test]
    fn model_cuts_comments_after_balanced_quotes() {
        assert_eq!(
            parse("A=\"B C\" # c", CURRENT).unwrap(),
            pairs(&[("A", "B C")])
        );
        assert_eq!(parse("A=x#y", CURRENT).unwrap(), pairs(&[("A", "x")]));
        assert_eq!(parse("A=\"x#y\"", CURRENT).unwrap(), pairs(&[("A", "x#y")]));
        assert_eq!(parse("A=x#y", OLD).unwrap(), pairs(&[("A", "x#y")]));
    }

    // parseSecrets: quotes stripped once; `'…'` only from v0.4.14 (PR #4744).
    #[test]
    fn model_strips_quotes_by_version() {
        assert_eq!(parse("A='v'", CURRENT).unwrap(), pairs(&[("A", "v")]));
        assert_eq!(
            parse("A='v'", FlyVersion::new(0, 4, 13)).unwrap(),
            pairs(&[("A", "'v'")])
        );
        assert_eq!(parse("A=\"'v'\"", CURRENT).unwrap(), pairs(&[("A", "'v'")]));
        assert_eq!(
            parse("A=\"v\"", FlyVersion::new(0, 0, 400)).unwrap(),
            pairs(&[("A", "\"v\"")])
        );
        assert_eq!(parse("A=", CURRENT).unwrap(), pairs(&[("A", "")]));
        assert_eq!(parse("A=1\nA=2", CURRENT).unwrap(), pairs(&[("A", "2")]));
    }

    // parseSecrets: `value[1:len(value)-1]` panics on a lone quote.
    #[test]
    fn model_crashes_on_a_lone_quote() {
        assert!(parse("A=\"", OLD).is_err());
        assert!(parse("A='", CURRENT).is_err());
        assert!(parse("A='", FlyVersion::new(0, 4, 13)).is_ok());
        assert!(parse("just words", CURRENT).is_err());
    }

    // Issue #4509: before v0.3.226 `"""v"""` opens a block that swallows what follows.
    #[test]
    fn model_reads_single_line_triple_quotes_from_v0_3_226() {
        let text = "A=\"\"\"one\"\"\"\nB=\"\"\"two\"\"\"\n";
        assert_eq!(
            parse(text, FlyVersion::SINGLE_LINE_TRIPLE).unwrap(),
            pairs(&[("A", "one"), ("B", "two")])
        );
        let old = parse(text, FlyVersion::new(0, 3, 164)).unwrap();
        assert_eq!(old, pairs(&[("A", "one\"\"\"\nB=\"\"\"two")]));
        // A block still open at the end is dropped.
        assert_eq!(
            parse("A=1\nB=\"\"\"open\nstill", CURRENT).unwrap(),
            pairs(&[("A", "1")])
        );
    }

    // bufio.Scanner: a token of 64 KiB or more is ErrTooLong, which parseSecrets never checks.
    #[test]
    fn model_stops_silently_at_a_long_line() {
        let fits = format!("A=1\nB={}\nC=3\n", "x".repeat(MAX_LINE - 3));
        assert_eq!(parse(&fits, CURRENT).unwrap().len(), 3);
        let long = format!("A=1\nB={}\nC=3\n", "x".repeat(MAX_LINE - 2));
        assert_eq!(parse(&long, CURRENT).unwrap(), pairs(&[("A", "1")]));
    }

    #[test]
    fn encoder_uses_the_plainest_form() {
        assert_eq!(
            encode_one("K", "plain v@l=ue", CURRENT).unwrap(),
            "K=plain v@l=ue\n"
        );
        assert_eq!(encode_one("K", "", CURRENT).unwrap(), "K=\n");
        assert_eq!(encode_one("K", " lead", CURRENT).unwrap(), "K=\" lead\"\n");
        assert_eq!(encode_one("K", "a # b", CURRENT).unwrap(), "K=\"a # b\"\n");
        assert_eq!(
            encode_one("K", "a\"b # c", CURRENT).unwrap(),
            "K=a\"b # c\n"
        );
        assert_eq!(
            encode_one("K", "\"\"x\"", CURRENT).unwrap(),
            "K=\"\"\"\"\"x\"\"\"\"\n"
        );
        assert_eq!(
            encode_one("K", "\"", CURRENT).unwrap(),
            "K=\"\"\"\"\"\"\"\n"
        );
        assert_eq!(encode_one("K", "'", CURRENT).unwrap(), "K=\"'\"\n");
        assert_eq!(
            encode_one("K", "l1\nl2\n", OLD).unwrap(),
            "K=\"\"\"l1\nl2\n\"\"\"\n"
        );
        assert_eq!(
            encode_one("K", "x#y", FlyVersion::new(0, 0, 300)).unwrap(),
            "K=x#y\n"
        );
    }

    #[test]
    fn encoder_refuses_with_a_reason() {
        assert!(reason("a\r\nb", CURRENT).contains("carriage return"));
        assert!(reason(&"x".repeat(MAX_LINE), CURRENT).contains("64 KiB"));
        assert!(reason("\"", OLD).contains("lone quote"));
        assert!(reason("\"", OLD).contains("needs flyctl v0.3.226"));
        assert!(reason("\"\"\"x", OLD).contains("opens a multi-line block"));
        let comments = FlyVersion::new(0, 3, 200);
        assert!(reason(" a\"#", comments).contains("starts with a space"));
        assert!(reason("\"\"a#b", comments).contains("`#`"));
        assert!(reason("\"\"a#b", comments).contains("needs flyctl v0.3.226"));
        // The `"` that keep a `#` in a plain value cut it in a quoted one.
        assert!(reason("\"#\"", CURRENT).contains("`#`"));
        assert!(reason("\"x\"", FlyVersion::new(0, 1, 10)).contains("wrapped in"));
        assert!(reason("a\nb\"\"\"\nc", CURRENT).contains("ending with `\"\"\"`"));
        assert!(reason("a\"b#\nc", CURRENT).contains("first line"));
        let bad = |name: &str| encode_one(name, "v", CURRENT).expect_err("bad name").reason;
        for name in ["", "1A", "A-B", "A B", "É"] {
            assert!(bad(name).contains("letters, digits"), "{name:?}");
        }
        let v = SecretValue::from("v");
        let twice = encode(&[("A", &v), ("A", &v)], CURRENT).expect_err("twice");
        assert!(twice.reason.contains("twice"));
    }

    #[test]
    fn refusals_never_hold_the_value() {
        for value in ["s3cr3t\r", "\"\"\"s3cr3t", "s3cr3t\nx\"\"\"\ny"] {
            let refused = encode_one("K", value, OLD).expect_err("refused");
            assert!(!refused.reason.contains("s3cr3t"));
        }
    }

    #[test]
    fn encoded_batches_keep_order() {
        let (a, b) = (SecretValue::from("1"), SecretValue::from("two\nlines"));
        let text = encode(&[("B", &a), ("A", &b)], CURRENT).unwrap();
        assert_eq!(
            parse(&text, CURRENT).unwrap(),
            pairs(&[("B", "1"), ("A", "two\nlines")])
        );
    }

    fn nasty() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "\"", "'", "\"\"\"", "#", " ", "\t", "\n", "\r", "=", "\\", "a", "é", "\u{a0}", "x y",
        ]);
        prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn encode_refuses_or_reads_back(
            values in prop::collection::vec(nasty(), 1..4),
            version in prop::sample::select(vec![
                CURRENT, FlyVersion::new(0, 5, 0), FlyVersion::SINGLE_LINE_TRIPLE,
                FlyVersion::new(0, 3, 100), OLD, FlyVersion::new(0, 1, 2),
            ]),
        ) {
            let names: Vec<String> = (0..values.len()).map(|i| format!("V_{i}")).collect();
            let secrets: Vec<SecretValue> = values.iter().map(|v| SecretValue::from(v.as_str())).collect();
            let batch: Vec<(&str, &SecretValue)> = names.iter().map(String::as_str).zip(&secrets).collect();
            if let Ok(text) = encode(&batch, version) {
                let want: Vec<(String, String)> = names.into_iter().zip(values).collect();
                for &era in Era::possible(version) {
                    prop_assert_eq!(parse_as(&text, era).unwrap(), want.clone());
                }
            }
        }
    }

    #[test]
    fn current_flyctl_carries_every_single_line_value_without_cr() {
        for value in [
            "\"",
            "'",
            "\"\"\"",
            "\"a\"",
            "'a'",
            " a ",
            "#",
            "a#\"b",
            "\"\"\"x\"\"\"",
        ] {
            assert!(encode_one("K", value, CURRENT).is_ok(), "{value:?}");
        }
    }
}
