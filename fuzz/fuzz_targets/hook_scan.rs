//! Guards the pre-commit hook's scan of one staged blob (DESIGN §10).
//!
//! TODO(issue 7 §7): the library has no function that scans one blob without
//! a git repository. The key-material checks (`is_keys_file`, `has_age_key`,
//! `private_key_assignment` in src/git/scan.rs) are private and run only
//! inside `git::scan_staged`, which needs a repository and a `git` process.
//! When `envsafe::git::scan_blob(path: &str, bytes: &[u8]) -> Vec<Finding>`
//! lands, make `scan` below call it: `let _ = scan_blob(path, blob);`.
//! Until then `scan` runs the public steps the hook takes on a blob's text:
//! lossy UTF-8, the dotenv parse, the header, and the schema checker.
#![no_main]

mod feedback;

use std::path::PathBuf;

use envsafe::config::Config;
use envsafe::dotenv::Document;
use envsafe::header;
use envsafe::schema::{Checker, Secrets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The staged path, NUL, then the blob; without NUL, a `.env` blob.
    let (path, blob) = match data.iter().position(|b| *b == 0) {
        Some(i) => (String::from_utf8_lossy(&data[..i]), &data[i + 1..]),
        None => (".env".into(), data),
    };
    feedback::peak_heap(|| scan(PathBuf::from(path.as_ref()), blob));
});

fn scan(path: PathBuf, blob: &[u8]) {
    let text = String::from_utf8_lossy(blob).into_owned();
    if let Ok(doc) = Document::parse(&path, text.clone()) {
        let _ = header::find(&doc);
    }
    let config = Config::default();
    let no_keys = Secrets {
        keys: None,
        required: false,
    };
    Checker::new(&config)
        .check_sources("development", &[(path, Some(text))], no_keys, false)
        .expect("no keys, no I/O: checking cannot fail");
}
