//! The compose models against upstream's corpus, the real binary's
//! behaviour found by hand, and round trips of the encoder.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::SecretValue;

fn no_lookup(_: &str) -> Option<String> {
    None
}

fn read(text: &str) -> Vec<(String, String)> {
    parse(text, &no_lookup).unwrap()
}

fn pairs_of(list: &[(&str, &str)]) -> Vec<(String, SecretValue)> {
    list.iter()
        .map(|(name, value)| ((*name).to_owned(), SecretValue::from(*value)))
        .collect()
}

fn encode_list(list: &[(&str, &str)], format: ComposeFormat) -> Result<Encoded, Refused> {
    let owned = pairs_of(list);
    let pairs: Vec<(&str, &SecretValue)> = owned.iter().map(|(n, v)| (n.as_str(), v)).collect();
    encode(&pairs, format)
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

// --- the model, on what docker compose 2.26.1 was seen to do -----------

#[test]
fn single_quotes_drop_the_backslash_of_an_escaped_quote() {
    assert_eq!(read(r"A='a\'b\n'"), owned(&[("A", r"a'b\n")]));
}

#[test]
fn double_quotes_end_after_an_escaped_backslash() {
    assert_eq!(read(r#"B="a\\""#), owned(&[("B", "a\\")]));
}

#[test]
fn host_environment_comes_before_the_file_in_interpolation() {
    let host = |name: &str| (name == "X").then(|| "host".to_owned());
    let got = parse("X=file\nY=${X}\nZ=$X", &host).unwrap();
    assert_eq!(got, owned(&[("X", "file"), ("Y", "host"), ("Z", "host")]));
}

#[test]
fn braced_default_ends_at_the_first_balanced_brace() {
    let got = read("Z=${A:-{x}y}\nO=${A:-x}}\nT=\"${A:-a}b}\"\nY=${A:-${B:-q}r}s");
    assert_eq!(
        got,
        owned(&[("Z", "{x}y"), ("O", "x}"), ("T", "ab}"), ("Y", "qrs")])
    );
}

#[test]
fn dollar_without_a_name_stays() {
    assert_eq!(
        read("V=$1a\nU=a$\nW=$$x"),
        owned(&[("V", "$1a"), ("U", "a$"), ("W", "$x")])
    );
}

#[test]
fn all_six_operators() {
    let got = read("K=1\nE=\nA=${K:+x}${K+y}${U:+z}${U+w}\nB=${E:-d}${E-e}\nC=${K?m}${E?m}");
    assert_eq!(
        got,
        owned(&[("K", "1"), ("E", ""), ("A", "xy"), ("B", "d"), ("C", "1")])
    );
}

#[test]
fn required_and_invalid_templates_are_errors() {
    for text in [
        "Q=${A:?boom}",
        "Q=${E:?boom}\nE=",
        "Q=${A?boom}",
        "Q=${A B}",
        "Q=${}",
        "Q=\"${A:-a\nb}\"",
    ] {
        assert!(parse(text, &no_lookup).is_err(), "{text:?}");
    }
    let error = parse("Q=${SECRET_NAME:?hunter2}", &no_lookup).unwrap_err();
    assert!(
        error.contains("SECRET_NAME") && !error.contains("hunter2"),
        "{error}"
    );
}

#[test]
fn escapes_and_octal_like_go() {
    let got = read(r#"R="\0377\0400\012\0|\x07\u12e4\$y\\$z""#);
    assert_eq!(got, owned(&[("R", "ÿ\\400\\12\\|\\x07\\u12e4$y\\")]));
}

#[test]
fn unquoted_values_cut_at_space_hash_and_trim() {
    let got = read("A=a\\tb #c\nB=a\t#c\nC=a #c\nD= x  \r\nE=1#2");
    assert_eq!(
        got,
        owned(&[
            ("A", "a\\tb"),
            ("B", "a\t#c"),
            ("C", "a"),
            ("D", "x"),
            ("E", "1#2")
        ])
    );
}

#[test]
fn long_s_and_kelvin_sign_are_name_letters() {
    let host = |name: &str| match name {
        "\u{17f}" => Some("long-s".to_owned()),
        "\u{212a}" => Some("kelvin".to_owned()),
        _ => None,
    };
    let got = parse("A=$\u{17f}|${\u{212a}}|$\u{fb00}", &host).unwrap();
    assert_eq!(got, owned(&[("A", "long-s|kelvin|$\u{fb00}")]));
}

#[test]
fn a_name_without_line_break_at_the_end_is_the_empty_names_value() {
    assert_eq!(read("A=x\nB"), owned(&[("A", "x"), ("", "B")]));
}

#[test]
fn raw_keeps_everything_between_the_outer_quotes() {
    let got =
        parse_raw("\u{feff}A='x$y \"q\" '\r\n  # c\nB=\"a'\nC=plain  \nD\nE='it's'\n").unwrap();
    assert_eq!(
        got,
        owned(&[
            ("A", "x$y \"q\" "),
            ("B", "\"a'"),
            ("C", "plain  "),
            ("E", "it's")
        ])
    );
    assert!(parse_raw("A B=1").is_err());
    assert!(parse_raw("=1").is_err());
    let long = format!("A='{}'", "x".repeat(RAW_LINE_MAX - 4));
    assert_eq!(long.len(), RAW_LINE_MAX);
    assert!(parse_raw(&long).is_ok());
    assert!(parse_raw(&format!("{long}x\n")).is_err());
}

// --- encode: what it writes ------------------------------------------

#[test]
fn quoted_escapes_backslash_quote_dollar_newline_cr() {
    let out = encode_list(
        &[("A", "p$w\"d\\\n\r#'{}"), ("EMPTY", ""), ("B.c-d", " x ")],
        ComposeFormat::Quoted,
    )
    .unwrap();
    assert_eq!(
        out.as_str(),
        "A=\"p\\$w\\\"d\\\\\\n\\r#'{}\"\nEMPTY=\"\"\nB.c-d=\" x \"\n"
    );
    assert_eq!(out.capacity(), out.len(), "sized once");
}

#[test]
fn raw_writes_single_quoted_lines() {
    let out = encode_list(&[("A", "p$w'd\r\"\\"), ("E", "")], ComposeFormat::Raw).unwrap();
    assert_eq!(out.as_str(), "A='p$w'd\r\"\\'\nE=''\n");
}

// --- encode: every refusal ---------------------------------------------

fn refusal(list: &[(&str, &str)], format: ComposeFormat) -> Refused {
    let refused = encode_list(list, format).unwrap_err();
    for (_, value) in list {
        assert!(
            value.len() < 3 || !refused.reason.contains(value),
            "{refused:?}"
        );
    }
    refused
}

#[test]
fn refuses_a_nul_byte() {
    for format in [ComposeFormat::Quoted, ComposeFormat::Raw] {
        let r = refusal(&[("OK", "x"), ("N", "se\0cret")], format);
        assert_eq!(r.name, "N");
        assert!(r.reason.contains("a NUL byte"), "{}", r.reason);
    }
}

#[test]
fn raw_refuses_a_newline() {
    let r = refusal(&[("M", "line one\nline two")], ComposeFormat::Raw);
    assert_eq!(r.name, "M");
    assert!(r
        .reason
        .contains("a newline (raw format is one line per value)"));
    assert!(encode_list(&[("M", "line one\nline two")], ComposeFormat::Quoted).is_ok());
}

#[test]
fn raw_refuses_a_line_of_64_kib() {
    let fits = "x".repeat(RAW_LINE_MAX - "L=''".len());
    assert!(encode_list(&[("L", &fits)], ComposeFormat::Raw).is_ok());
    let long = format!("{fits}x");
    let r = refusal(&[("L", &long)], ComposeFormat::Raw);
    assert!(r.reason.contains("64 KiB"), "{}", r.reason);
    assert!(encode_list(&[("L", &long)], ComposeFormat::Quoted).is_ok());
}

#[test]
fn refuses_names_compose_would_read_differently() {
    for name in ["", "A B", "A=B", "A$B", "A#", "a[1]", "ÁRVÍZ", "A\n"] {
        for format in [ComposeFormat::Quoted, ComposeFormat::Raw] {
            let r = refusal(&[(name, "v")], format);
            assert_eq!(r.name, name);
            assert!(r.reason.contains("would not read this name back"));
        }
    }
    assert!(encode_list(&[("1A", "v"), ("a.b-c_D", "v")], ComposeFormat::Quoted).is_ok());
}

#[test]
fn refuses_a_name_listed_twice() {
    let r = refusal(&[("A", "1"), ("B", "2"), ("A", "3")], ComposeFormat::Quoted);
    assert_eq!(r.name, "A");
    assert!(r.reason.contains("listed twice"));
}

#[test]
fn the_read_back_catches_what_the_writer_gets_wrong() {
    let owned = pairs_of(&[("A", "x"), ("B", "p$word")]);
    let pairs: Vec<(&str, &SecretValue)> = owned.iter().map(|(n, v)| (n.as_str(), v)).collect();
    // `$` not escaped: interpolated (the sentinel shows it).
    let r = read_back("A=\"x\"\nB=\"p$word\"\n", &pairs, ComposeFormat::Quoted).unwrap_err();
    assert_eq!(r.name, "B");
    assert!(r
        .reason
        .starts_with("compose would read a different value: "));
    assert!(!r.reason.contains("word"));
    // A variable missing, one extra, a file the parser stops on.
    let r = read_back("A=\"x\"\n", &pairs, ComposeFormat::Quoted).unwrap_err();
    assert_eq!((r.name.as_str(), r.reason.contains("missing")), ("B", true));
    let extra = "A=\"x\"\nB=\"p\\$word\"\nC=\"\"\n";
    assert_eq!(
        read_back(extra, &pairs, ComposeFormat::Quoted)
            .unwrap_err()
            .name,
        "C"
    );
    let broken = "A=\"x\"\nB=\"p\\$word\n";
    let r = read_back(broken, &pairs, ComposeFormat::Quoted).unwrap_err();
    assert!(r.reason.contains("stops with an error"), "{}", r.reason);
    // Raw: the quotes not written, so a value with outer quotes loses them.
    let owned = pairs_of(&[("Q", "'q'")]);
    let pairs: Vec<(&str, &SecretValue)> = owned.iter().map(|(n, v)| (n.as_str(), v)).collect();
    let r = read_back("Q='q'\n", &pairs, ComposeFormat::Raw).unwrap_err();
    assert_eq!(
        r.reason,
        "compose would read a different value: the raw reader changes it"
    );
}

// --- round trips --------------------------------------------------------

fn nasty_value() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '$', '#', '"', '\'', '\\', '\n', '\r', '{', '}', ' ', '\t', ':', '-', '?', '+', '=', 'a',
        'Z', '0', '7', 'é', '€', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', '\u{17f}', '\0',
    ]);
    prop::collection::vec(prop_oneof![4 => special, 1 => any::<char>()], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

fn nasty_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[A-Za-z_][A-Za-z0-9_.-]{0,6}", nasty_value(), 1..5)
        .prop_map(|map| map.into_iter().collect())
}

fn round_trip(list: &[(String, String)], format: ComposeFormat) -> Result<(), TestCaseError> {
    let owned: Vec<(String, SecretValue)> = list
        .iter()
        .map(|(n, v)| (n.clone(), SecretValue::from(v.as_str())))
        .collect();
    let pairs: Vec<(&str, &SecretValue)> = owned.iter().map(|(n, v)| (n.as_str(), v)).collect();
    let must_refuse = |value: &str| {
        value.contains('\0') || (format == ComposeFormat::Raw && value.contains('\n'))
    };
    match encode(&pairs, format) {
        Ok(out) => {
            prop_assert!(!list.iter().any(|(_, v)| must_refuse(v)));
            let back = match format {
                ComposeFormat::Quoted => parse(&out, &|_| Some(SENTINEL.to_owned())),
                ComposeFormat::Raw => parse_raw(&out),
            };
            prop_assert_eq!(back.as_ref(), Ok(&list.to_vec()));
        }
        Err(refused) => {
            let first = list.iter().find(|(_, v)| must_refuse(v));
            prop_assert_eq!(Some(&refused.name), first.map(|(n, _)| n));
            for (_, value) in list {
                prop_assert!(value.chars().count() < 3 || !refused.reason.contains(value.as_str()));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn quoted_reads_back_exactly_or_refuses(list in nasty_pairs()) {
        round_trip(&list, ComposeFormat::Quoted)?;
    }

    #[test]
    fn raw_reads_back_exactly_or_refuses(list in nasty_pairs()) {
        round_trip(&list, ComposeFormat::Raw)?;
    }

    #[test]
    fn the_models_never_panic(text in prop::collection::vec(
        prop_oneof![4 => prop::sample::select(vec![
            '$', '{', '}', ':', '-', '+', '?', '"', '\'', '\\', '#', '=', '\n', '\r', ' ',
            'A', 'x', '0', 'e', 'x', 'p', 'o', 'r', 't', '\u{feff}', '\u{85}', 'é',
        ]), 1 => any::<char>()],
        0..64,
    ).prop_map(|c| c.into_iter().collect::<String>())) {
        let host = |name: &str| (name.len() == 1).then(|| "${x:-}".to_owned());
        let _ = parse(&text, &host);
        let _ = parse_raw(&text);
    }
}

// --- upstream's own tests (the shared conformance corpus) --------------

/// compose-go's `Read`/`ReadWithLookup` (godotenv_test.go) drop names
/// that start with a digit; its parser and compose's `env_file` keep them.
fn read_filter(test: &str, vars: &mut Vec<(String, String)>) {
    if test.starts_with("dotenv/godotenv_test.go") {
        vars.retain(|(name, _)| !name.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    }
}

#[test]
fn compose_go_corpus() {
    let conformance = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance"
    ));
    // The corpus lives beside the repository, never in it; CI has it.
    assert!(
        conformance.is_dir(),
        "{} is missing: the compose-go corpus (../shared/conformance) is needed",
        conformance.display()
    );
    let base = conformance.join("compose-go");
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    let (mut checked, mut without_fixtures, mut failures) = (0, 0, Vec::new());
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let input = &case["input"];
        let mut texts: Vec<String> = Vec::new();
        if let Some(files) = input["files"].as_array() {
            let paths: Vec<_> = files
                .iter()
                .map(|f| base.join(f.as_str().unwrap()))
                .collect();
            if !paths.iter().all(|p| p.is_file()) {
                without_fixtures += 1;
                continue;
            }
            texts.extend(paths.iter().map(|p| std::fs::read_to_string(p).unwrap()));
        } else if let Some(contents) = input["contents"].as_array() {
            texts.extend(contents.iter().map(|c| c.as_str().unwrap().to_owned()));
        } else {
            texts.push(input["content"].as_str().unwrap().to_owned());
        }
        if let Some(drop) = input["strip_lines"].as_array() {
            let drop: Vec<u64> = drop.iter().map(|n| n.as_u64().unwrap()).collect();
            texts[0] = texts[0]
                .split('\n')
                .enumerate()
                .filter(|(i, _)| !drop.contains(&(*i as u64 + 1)))
                .map(|(_, line)| line)
                .collect::<Vec<_>>()
                .join("\n");
        }
        let env: BTreeMap<String, String> = case["env"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mode = case["mode"].as_str().unwrap_or("get");
        let got = match mode {
            // Upstream `Read`/`ReadWithLookup`/the parser: the test's
            // environment is the lookup; several files share one map.
            "get" => {
                let lookup = |name: &str| env.get(name).cloned();
                parse_files(&refs, &lookup).map(|mut vars| {
                    read_filter(case["source"]["test"].as_str().unwrap_or(""), &mut vars);
                    vars
                })
            }
            // Upstream `Load`: each file parsed without a lookup, then
            // set only where the environment has no such name yet.
            "run" => refs
                .iter()
                .try_fold(env.clone(), |mut set, text| {
                    for (name, value) in parse(text, &no_lookup)? {
                        set.entry(name).or_insert(value);
                    }
                    Ok::<_, String>(set)
                })
                .map(|set| set.into_iter().collect()),
            other => panic!("{id}: mode {other}"),
        };
        checked += 1;
        let expect = &case["expect"];
        let got = match (got, expect.as_str()) {
            (Err(_), Some("error")) => continue,
            (Ok(vars), Some("error")) => {
                failures.push(format!("{id}: parsed {vars:?}, upstream errors"));
                continue;
            }
            (Err(error), _) => {
                failures.push(format!("{id}: error {error}"));
                continue;
            }
            (Ok(vars), _) => vars.into_iter().collect::<BTreeMap<_, _>>(),
        };
        let expect = expect.as_object().unwrap();
        for (name, value) in expect {
            if got.get(name).map(String::as_str) != value.as_str() {
                failures.push(format!(
                    "{id}: {name} = {:?}, upstream {value}",
                    got.get(name)
                ));
            }
        }
        for name in case["expect_absent"].as_array().into_iter().flatten() {
            if got.contains_key(name.as_str().unwrap()) {
                failures.push(format!("{id}: {name} present, upstream absent"));
            }
        }
        if case["exact"].as_bool() == Some(true) && mode == "get" {
            for name in got.keys().filter(|name| !expect.contains_key(*name)) {
                failures.push(format!("{id}: extra {name}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(without_fixtures, 0);
    assert_eq!(checked, cases.len());
    assert!(checked >= 100, "only {checked} cases checked");
}

// --- the cross-check against a real docker compose, by hand ------------

/// Writes `t.env` (Quoted), `raw.env` (Raw) and `expected.json` into
/// `$ENVSAFE_COMPOSE_XCHECK`, for comparing with what
/// `docker compose config --format json` reads from them (it shows `$`
/// as `$$`). Run: `ENVSAFE_COMPOSE_XCHECK=/tmp/x cargo test --lib
/// compose::tests::cross_check_files -- --ignored`.
#[test]
#[ignore = "writes files for a manual check against docker compose"]
fn cross_check_files() {
    let dir = std::env::var("ENVSAFE_COMPOSE_XCHECK").unwrap();
    let list = [
        ("DOLLAR", "pa$word $HOME ${HOME} $$ $"),
        ("BRACES", "${X:-y} ${X:?e} {}"),
        ("HASH", "a #b #c"),
        ("QUOTES", "\"dq\" 'sq' \\\"mixed\\'"),
        ("BACKSLASHES", "\\ \\\\ \\n \\$ \\0123 \\"),
        ("NEWLINES", "line1\nline2\r\nline3\n"),
        ("CR", "a\rb\r"),
        ("SPACES", "  lead and trail  "),
        ("TABS", "\tt\t"),
        ("EMPTY", ""),
        ("UNICODE", "é€\u{85}\u{a0}\u{2028}\u{feff}ſ"),
        ("CONTROL", "\u{1}\u{7}\u{1b}[0m\u{7f}"),
        ("EXPORTISH", "export X=1"),
        ("1DIGIT", "v"),
        ("DOT.DASH-NAME", "v"),
    ];
    let quoted = encode_list(&list, ComposeFormat::Quoted).unwrap();
    std::fs::write(Path::new(&dir).join("t.env"), quoted.as_bytes()).unwrap();
    let raw_list: Vec<_> = list
        .iter()
        .copied()
        .filter(|(_, v)| !v.contains('\n'))
        .collect();
    let raw = encode_list(&raw_list, ComposeFormat::Raw).unwrap();
    std::fs::write(Path::new(&dir).join("raw.env"), raw.as_bytes()).unwrap();
    let expected: serde_json::Map<String, Value> = list
        .iter()
        .map(|(n, v)| ((*n).to_owned(), Value::from(*v)))
        .collect();
    std::fs::write(
        Path::new(&dir).join("expected.json"),
        serde_json::to_string(&expected).unwrap(),
    )
    .unwrap();
}
