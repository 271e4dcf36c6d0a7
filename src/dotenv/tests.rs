//! Unit tests of the lossless document: values, errors, edits, round trips.

use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

fn doc(src: &str) -> Document {
    Document::parse(Path::new(".env"), src.to_owned()).expect("parses")
}

fn values(src: &str) -> HashMap<String, String> {
    let d = doc(src);
    let mut vars: HashMap<String, String> = HashMap::new();
    let names: Vec<_> = d.entries().map(|e| (e.name.to_owned(), e)).collect();
    for (name, e) in names {
        let v = e.decode(&|n| vars.get(n).cloned()).expect("expands");
        vars.insert(name, v);
    }
    vars
}

fn v(src: &str, name: &str) -> String {
    values(src)
        .remove(name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn err(src: &str) -> (usize, usize, String, String) {
    match Document::parse(Path::new(".env"), src.to_owned()) {
        Err(Error::Parse {
            at,
            message,
            snippet,
            ..
        }) => (at.line, at.col, message, snippet.expect("a snippet")),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn renders_unchanged_input_byte_identical() {
    for src in [
        "",
        "A=1",
        "\u{feff}A=1\r\nB='x'\r\n",
        "# c\n\nexport A = \"multi\nline\" # note\nB=`x`\r\rC=3",
        "  A=1  \n\t#x\n",
    ] {
        assert_eq!(doc(src).render(), src);
    }
}

#[test]
fn unquoted_values_are_trimmed_and_hash_needs_whitespace() {
    assert_eq!(v("A=  abc  ", "A"), "abc");
    assert_eq!(v("A=abc#123", "A"), "abc#123");
    assert_eq!(v("A=abc #123", "A"), "abc");
    assert_eq!(v("A=#abc", "A"), "#abc");
    assert_eq!(v("A= #abc", "A"), "");
    assert_eq!(v("A=", "A"), "");
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(v(r#"A='a\nb $X'"#, "A"), r"a\nb $X");
    assert_eq!(v(r#"A="a\nb\t\"q\" \\ \$X""#, "A"), "a\nb\t\"q\" \\ $X");
    assert_eq!(v("A=\"l1\nl2\"", "A"), "l1\nl2");
    assert_eq!(v("A=\"l1\r\nl2\"\r\n", "A"), "l1\nl2");
    assert_eq!(v("A=`it's \"x\"`", "A"), "it's \"x\"");
    assert_eq!(v(r#"A="\q""#, "A"), r"\q");
    assert_eq!(v("A='x' # c", "A"), "x");
}

#[test]
fn export_prefix_and_spaces_around_equals() {
    let d = doc("export A = 1\nexport=2\n");
    let e = d.get("A").unwrap();
    assert!(e.export);
    assert_eq!(v("export A = 1\nexport=2\n", "export"), "2");
}

#[test]
fn expansion_forms() {
    let src = "A=1\nB=${A}-$A\nC=${NOPE:-d}\nD=${A:+alt}\nE=${NOPE-x}\nF=${E:-${NOPE:-nested}}\n\
               G=\\$A\nH='$A'\nI=$(whoami)\nK=\"${A}x\"\nL=$\nEMPTY=\nM=${EMPTY:-e}${EMPTY-f}${UNSET-g}\n";
    let vals = values(src);
    assert_eq!(vals["B"], "1-1");
    assert_eq!(vals["C"], "d");
    assert_eq!(vals["D"], "alt");
    assert_eq!(vals["E"], "x");
    assert_eq!(vals["F"], "x");
    assert_eq!(vals["G"], "$A");
    assert_eq!(vals["H"], "$A");
    assert_eq!(vals["I"], "$(whoami)");
    assert_eq!(vals["K"], "1x");
    assert_eq!(vals["L"], "$");
    assert_eq!(vals["M"], "eg");
}

/// The error an expansion gives: (line, col, message).
fn expand_err(src: &str) -> (usize, usize, String) {
    let d = doc(src);
    let mut vars: HashMap<String, String> = HashMap::new();
    for e in d.entries() {
        match e.decode(&|n| vars.get(n).cloned()) {
            Ok(v) => {
                vars.insert(e.name.to_owned(), v);
            }
            Err(Error::Expand { at, kind, .. }) => return (at.line, at.col, kind.to_string()),
            Err(other) => panic!("{other:?}"),
        }
    }
    panic!("no expansion error in {src:?}");
}

#[test]
fn command_substitution_is_literal_contents_included() {
    assert_eq!(
        v("A=1\nB=$(echo '$A' \"${A}\")x$A", "B"),
        "$(echo '$A' \"${A}\")x1"
    );
    assert_eq!(v("B=$(echo $(echo x))", "B"), "$(echo $(echo x))");
    assert_eq!(v("B=$(unclosed $A", "B"), "$(unclosed $A");
}

#[test]
fn dotenvx_ciphertext_is_never_expanded() {
    assert_eq!(v("A=1\nB=encrypted:x${A}y", "B"), "encrypted:x${A}y");
    assert_eq!(v("A=1\nB=\"encrypted:$A\"", "B"), "encrypted:$A");
}

#[test]
fn required_variables_and_unterminated_braces() {
    assert_eq!(v("A=1\nB=${A:?need A}", "B"), "1");
    assert_eq!(v("E=\nB=${E?x}", "B"), "");
    assert_eq!(
        expand_err("X=1\nB=${NOPE:?set NOPE first}"),
        (2, 3, "`NOPE` is unset or empty: set NOPE first".into())
    );
    assert_eq!(
        expand_err("E=\nB=${E:?}"),
        (2, 3, "`E` is required but unset or empty".into())
    );
    assert_eq!(
        expand_err("B=\"ab${NOPE?}\""),
        (1, 6, "`NOPE` is required but unset".into())
    );
    assert_eq!(expand_err("B=>${baz{<"), (1, 4, "unterminated `${`".into()));
}

#[test]
fn expansion_limits_are_located_errors() {
    let mut deep = "B=".to_string();
    for _ in 0..30_000 {
        deep.push_str("${A:-");
    }
    deep.push('x');
    deep.push_str(&"}".repeat(30_000));
    let (line, col, msg) = expand_err(&deep);
    assert_eq!(
        (line, msg.as_str()),
        (1, "`${…}` nested deeper than 32 levels")
    );
    assert!(col > 100, "the column points at the 33rd level: {col}");
    let mut bomb = String::from("A=xxxxxxxxxxxxxxxxxxxx\n");
    let mut prev = 'A';
    for (i, name) in ('B'..='K').enumerate() {
        bomb.push_str(&format!("{name}={}\n", format!("${prev}").repeat(10)));
        prev = name;
        let _ = i;
    }
    let (line, _, msg) = expand_err(&bomb);
    assert_eq!(
        (line, msg.as_str()),
        (6, "the expanded value is larger than 1 MiB")
    );
}

#[test]
fn last_assignment_wins() {
    assert_eq!(v("A=1\nA=2\n", "A"), "2");
}

#[test]
fn malformed_lines_are_errors_with_position() {
    assert_eq!(err("A=1\nnot a line\n").0, 2);
    let (line, col, msg, _) = err("OK=1\nA=\"open\nB=2\n");
    assert_eq!(
        (line, col, msg.as_str()),
        (2, 3, "unterminated double-quoted value")
    );
    let (_, col, msg, _) = err("A='x' y");
    assert_eq!(
        (col, msg.as_str()),
        (7, "unexpected text after the closing quote")
    );
    let (_, col, msg, _) = err("BAD KEY=1");
    assert_eq!(
        (col, msg.as_str()),
        (5, "expected `=` after the variable name")
    );
    let (_, col, msg, _) = err("A$B=1");
    assert_eq!(
        (col, msg.as_str()),
        (2, "invalid character `$` in variable name")
    );
    assert_eq!(err("NOEQUALS").2, "not a `NAME=value` line (no `=`)");
    assert_eq!(err("API_KEY: v").2, "not a `NAME=value` line (no `=`)");
    assert_eq!(err("=1").2, "expected a variable name");
}

#[test]
fn error_snippet_masks_the_value() {
    let (_, _, _, snippet) = err("PASSWORD=\"hunter2");
    assert_eq!(snippet, "PASSWORD=\"*******");
}

#[test]
fn set_raw_replaces_only_the_value_and_keeps_the_rest() {
    let mut d = doc("# top\nexport A = old # note\r\nB=2");
    assert!(d.set_raw("A", "new"));
    assert!(!d.set_raw("C", "3"));
    assert_eq!(
        d.render(),
        "# top\nexport A = new # note\r\nB=2\n3".replace("\n3", "\nC=3\n")
    );
}

#[test]
fn set_raw_replaces_the_last_of_duplicates() {
    let mut d = doc("A=1\nA=2\n");
    d.set_raw("A", "3");
    assert_eq!(d.render(), "A=1\nA=3\n");
}

#[test]
fn remove_drops_every_assignment_of_the_name() {
    let mut d = doc("A=1\nB=2\nA=\"x\ny\"\n");
    assert_eq!(d.remove("A"), 2);
    assert_eq!(d.render(), "B=2\n");
}

#[test]
fn appending_uses_the_files_line_ending() {
    let mut d = doc("A=1\r\n");
    d.set_raw("B", "2");
    assert_eq!(d.render(), "A=1\r\nB=2\r\n");
    let mut empty = Document::empty(Path::new(".env"));
    empty.set_raw("A", "1");
    assert_eq!(empty.render(), "A=1\n");
}

#[test]
fn prepend_keeps_bom_first() {
    let mut d = doc("\u{feff}A=1\n");
    d.prepend("#h\n");
    assert_eq!(d.render(), "\u{feff}#h\nA=1\n");
}

proptest! {
    #[test]
    fn quoting_round_trips(value in "\\PC*|[ -~\\n\\r\\t]*") {
        let mut d = Document::empty(Path::new(".env"));
        d.set_raw("K", &value::quote(&value));
        let again = doc(&d.render());
        let e = again.get("K").unwrap();
        // Expansion must never apply to a quoted literal.
        prop_assert_eq!(e.decode(&|_| Some("EXPANDED".into())).unwrap(), value);
    }

    #[test]
    fn any_input_either_parses_and_renders_identically_or_errors(src in "[ -~\\n\\r\\t]{0,200}|\\PC{0,80}|(\u{feff})?[A-Z=\"'`#$ \\\\\\n\\r{}:-]{0,60}") {
        if let Ok(d) = Document::parse(Path::new(".env"), src.clone()) {
            prop_assert_eq!(d.render(), src);
        }
    }
}
