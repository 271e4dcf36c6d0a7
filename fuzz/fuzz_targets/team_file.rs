//! Guards the team key file reader (DESIGN §3): a committed
//! `.envsafe/<env>.age` is untrusted input. Any bytes given as the file
//! unwrap with a fixed identity to an error or a plaintext, never a panic
//! or a hang (with the age crate, and with envsafe's own X25519 reader,
//! which must agree with it); and any text given as a recipients entry parses or is
//! refused (envsafe.toml's `recipients`).
#![no_main]

use std::sync::LazyLock;

use envsafe::crypto::{age_x25519, Identities, PrivateKey, Recipient};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::parse("AGE-SECRET-KEY-1RUNZ6DPMGFY4Q467V4K8X75P3Z8ED8DY4WETNSX8EM2AECL278UQ4DYTT3")
        .expect("the vector key parses")
});

static IDENTITIES: LazyLock<Identities> = LazyLock::new(|| {
    let mut ids = Identities::new(None);
    ids.add("fuzz", &KEY.encode(), None);
    ids
});

fuzz_target!(|data: &[u8]| {
    let order = ["age1anything".to_owned()];
    let by_crate = IDENTITIES.unwrap(data, &order);
    // envsafe's own X25519 reader (crypto::age_x25519) opens only what the
    // age crate opens, to the same plaintext.
    if let Ok((text, _)) = age_x25519::open(data, &[(KEY.clone(), Some(0))]) {
        let (crate_text, _) = by_crate.expect("the age crate opens what envsafe's reader opens");
        assert!(text.expose() == crate_text.expose(), "different plaintexts");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = Recipient::parse(text) {
            assert_eq!(Recipient::parse(&r.entry()).as_ref(), Ok(&r));
        }
    }
});
