//! The module boundaries, read from the source. clippy.toml and `[lints]`
//! hold them at build time; this test names the files, and runs where
//! clippy does not (fuzz targets). The same by hand, with ripgrep:
//!
//! ```text
//! rg -n '\b(chacha20poly1305|chacha20|poly1305|aead|x25519_dalek|curve25519_dalek|hkdf|sha2|hmac|digest|rand_core|rand|getrandom|bech32|age)::' \
//!    src benches fuzz/fuzz_targets tests -g '!src/crypto/**'
//! rg -n '\b(e?print(ln)?|dbg)!|\b(io|anstream)::std(out|err)\(' src -g '!src/cli/ui.rs'
//! rg -n 'crypto::' src/envelope.rs
//! ```
//!
//! Each must find nothing (but bech32 in tests/integration/vectors.rs,
//! which builds the fixed keys of the known-answer vectors).

use std::path::{Path, PathBuf};

/// Cipher, RNG, HMAC and key-encoding crates: only `src/crypto` imports them.
const CRYPTO_CRATES: &[&str] = &[
    "chacha20poly1305",
    "chacha20",
    "poly1305",
    "aead",
    "x25519_dalek",
    "curve25519_dalek",
    "hkdf",
    "sha2",
    "hmac",
    "digest",
    "rand_core",
    "rand",
    "getrandom",
    "bech32",
    "age",
    "age_core",
    "age_plugin",
];

/// Files allowed one of those crates outside `src/crypto`, and why.
const CRYPTO_EXCEPTIONS: &[(&str, &str)] = &[
    // An encoder independent of the library's, to write fixed keys.
    ("tests/integration/vectors.rs", "bech32"),
    // The test age plugin: a separate binary built for the tests (not the
    // product), with its own small symmetric wrap.
    ("examples/age-plugin-envsafetest.rs", "chacha20poly1305"),
    ("examples/age-plugin-envsafetest.rs", "rand_core"),
    ("examples/age-plugin-envsafetest.rs", "sha2"),
    ("examples/age-plugin-envsafetest.rs", "bech32"),
    ("examples/age-plugin-envsafetest.rs", "age_core"),
    ("examples/age-plugin-envsafetest.rs", "age_plugin"),
];

/// Macros that print: only `src/cli/ui.rs` uses them.
const PRINT_MACROS: &[&str] = &["print", "println", "eprint", "eprintln", "dbg"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (relative to the repository, `/`-separated).
fn rust_files(dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &root().join(dir), &mut out);
    out.sort();
    out
}

/// `(line number, line)` of a file's code: comment lines left out.
fn code_lines(rel: &str) -> Vec<(usize, String)> {
    std::fs::read_to_string(root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `line` has `word` as a whole identifier, followed by `next` and
/// not preceded by any of `not_after` (besides an identifier character).
fn has_word(line: &str, word: &str, next: &str, not_after: &[char]) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let rest = &line[at + word.len()..];
        !before.is_some_and(|c| is_ident(c) || not_after.contains(&c)) && rest.starts_with(next)
    })
}

/// Whether `line` names crate `name` as the root of a path or in a `use`.
fn uses_crate(line: &str, name: &str) -> bool {
    let t = line.trim_start();
    let declared = [format!("use {name}"), format!("extern crate {name}")]
        .iter()
        .any(|head| {
            t.strip_prefix(head.as_str())
                .is_some_and(|rest| !rest.starts_with(is_ident))
        });
    // `a::sha2::X` is a module of this crate, not the crate.
    declared || has_word(line, name, "::", &[':'])
}

#[test]
fn only_crypto_imports_cipher_rng_and_hmac_crates() {
    let mut found = Vec::new();
    for dir in ["src", "benches", "fuzz/fuzz_targets", "tests", "examples"] {
        for file in rust_files(dir) {
            if file.starts_with("src/crypto/") || file == "tests/integration/boundaries.rs" {
                continue;
            }
            for (n, line) in code_lines(&file) {
                for name in CRYPTO_CRATES {
                    if uses_crate(&line, name)
                        && !CRYPTO_EXCEPTIONS.contains(&(file.as_str(), name))
                    {
                        found.push(format!("{file}:{n}: {name}: {}", line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "cipher, RNG or HMAC crates outside src/crypto (use crate::crypto):\n{}",
        found.join("\n")
    );
    assert!(
        rust_files("src").len() > 20 && !rust_files("fuzz/fuzz_targets").is_empty(),
        "the walk found no sources"
    );
}

#[test]
fn only_the_ui_module_prints() {
    let mut found = Vec::new();
    for file in rust_files("src") {
        if file == "src/cli/ui.rs" {
            continue;
        }
        for (n, line) in code_lines(&file) {
            let prints = PRINT_MACROS.iter().any(|m| has_word(&line, m, "!", &[]));
            // `io::stdout()` or a `use`d `stdout()`, not `.stdout(…)` on a
            // `Command` nor `finish_stdout()`.
            let streams = ["stdout", "stderr"]
                .iter()
                .any(|s| has_word(&line, s, "(", &['.']));
            if prints || streams {
                found.push(format!("{file}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "printing outside src/cli/ui.rs (print through `Ui`):\n{}",
        found.join("\n")
    );
}

#[test]
fn envelope_does_not_depend_on_crypto() {
    let found: Vec<_> = code_lines("src/envelope.rs")
        .into_iter()
        .filter(|(_, l)| has_word(l, "crypto", "", &[]))
        .map(|(n, l)| format!("src/envelope.rs:{n}: {}", l.trim()))
        .collect();
    assert!(
        found.is_empty(),
        "envelope uses crypto (crypto builds on envelope, never back):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_matchers_find_what_they_look_for() {
    assert!(uses_crate("use sha2::Sha256;", "sha2"));
    assert!(uses_crate("    let k = Hkdf::<sha2::Sha256>::new(", "sha2"));
    assert!(uses_crate("extern crate rand;", "rand"));
    assert!(!uses_crate("use crate::crypto::random;", "rand"));
    assert!(!uses_crate("    random::bytes(n)", "rand"));
    assert!(!uses_crate("use super::hmac::X;", "hmac"));
    assert!(!uses_crate("let page = 1;", "age"));
    assert!(has_word("    println!(\"{x}\");", "println", "!", &[]));
    assert!(has_word("anstream::eprintln!(\"x\")", "eprintln", "!", &[]));
    assert!(!has_word("    ui.print_line(x);", "print", "!", &[]));
    assert!(has_word(
        "let o = std::io::stdout();",
        "stdout",
        "(",
        &['.']
    ));
    assert!(!has_word(
        "cmd.stdout(Stdio::piped())",
        "stdout",
        "(",
        &['.']
    ));
    assert!(!has_word(
        ".and_then(|()| ui::finish_stdout())",
        "stdout",
        "(",
        &['.']
    ));
}
