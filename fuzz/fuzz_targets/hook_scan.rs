//! Guards the pre-commit hook's scan of one staged blob (DESIGN §10):
//! `envsafe::git::blob::scan_blob`, the checks the hook makes on every
//! staged file without git or keys (keys and temporary files by name, key
//! material in any text, env-like files wherever they live, read strictly
//! when an environment lists them and leniently otherwise), and the check
//! of a value sealed in `HEAD` and plain now. Any bytes, any path: a
//! finding or nothing, never a panic, a hang or unbounded memory.
#![no_main]

mod feedback;

use std::path::Path;
use std::sync::OnceLock;

use envsafe::config::Config;
use envsafe::git::blob;
use libfuzzer_sys::fuzz_target;

/// A project with a schema, a pin and an allow list, so the env-file
/// checks have rules to apply.
fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::parse(
            Path::new("envsafe.toml"),
            "[environments.development]\nfiles = [\"env.public\", \".env\"]\n\
             public_key = \"age1hwxavey5re0v9nhcl6v5z2f783xxh4vuxx23j6lhev58vza66q2qk4xfhn\"\n\
             [vars.PORT]\ntype = \"port\"\nsecret = false\n\
             [vars.API_TOKEN]\nmin_length = 16\npattern = \"tok_[a-z0-9]+\"\n\
             [hook]\nallow = [\"examples/**\"]\n",
        )
        .expect("the fixed config parses")
    })
}

fuzz_target!(|data: &[u8]| {
    // The staged path, NUL, the blob, and optionally NUL and its HEAD
    // version; without NUL, a `.env` blob.
    let mut parts = data.splitn(3, |b| *b == 0);
    let (path, blob, head) = match (parts.next(), parts.next(), parts.next()) {
        (Some(p), Some(b), h) => (String::from_utf8_lossy(p).into_owned(), b, h),
        (Some(b), None, _) => (".env".to_owned(), b, None),
        _ => return,
    };
    feedback::peak_heap(|| {
        for listed in [false, true] {
            let _ = blob::scan_blob(&path, blob, config(), listed);
        }
        if let Some(head) = head {
            let text = String::from_utf8_lossy(blob);
            let head = String::from_utf8_lossy(head);
            let _ = blob::unsealed_since_head(Path::new(&path), &head, &text);
        }
    });
});
