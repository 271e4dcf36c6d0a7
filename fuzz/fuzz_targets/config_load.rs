//! Guards envsafe.toml loading (DESIGN §6): any text parses (TOML, then the
//! schema checks, which compile every `pattern`) or fails cleanly, and a
//! loaded schema checks any value against every variable.
#![no_main]

mod feedback;

use std::path::{Path, PathBuf};

use envsafe::config::Config;
use envsafe::diag::Code;
use envsafe::dotenv::{is_valid_name, value::quote};
use envsafe::resolve::{self, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The config text, then optionally NUL and a value to check.
    let (config, value) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let (Ok(config), Ok(value)) = (std::str::from_utf8(config), std::str::from_utf8(value)) else {
        return;
    };
    feedback::peak_heap(|| check(config, value));
});

fn check(config: &str, value: &str) {
    let Ok(config) = Config::parse(Path::new("envsafe.toml"), config) else {
        return;
    };
    // One env file setting every variable to `value`: the resolution
    // validates each with the compiled patterns (the path every `run` takes).
    let mut env_file = String::new();
    for name in config.vars.keys().filter(|n| is_valid_name(n)) {
        env_file.push_str(&format!("{name}={}\n", quote(value)));
    }
    let sources = vec![(PathBuf::from(".env"), Some(env_file))];
    let res = resolve::resolve_sources(
        &config,
        Path::new(""),
        "development",
        sources,
        &Options::staged(true),
    )
    .expect("no keys, no I/O: checking cannot fail");
    assert!(
        res.findings.iter().all(|f| f.code != Code::Syntax),
        "a quoted value did not parse back"
    );
}
