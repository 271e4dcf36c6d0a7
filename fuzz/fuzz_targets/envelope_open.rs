//! Guards the v1 envelope decoder and the opener (DESIGN §4): any text
//! decodes, shape-checks and opens with a fixed key to an error or a value,
//! never a panic; and any (name, value) sealed to that key opens back equal.
#![no_main]

use std::sync::{LazyLock, Mutex};

use envsafe::crypto::{Opener, PrivateKey, PublicKey, Sealer};
use envsafe::envelope::{check_shape, Envelope};
use libfuzzer_sys::fuzz_target;

/// The key of tests/vectors/basic.json, so seeds built from the vectors open.
static KEY: LazyLock<(PrivateKey, PublicKey)> = LazyLock::new(|| {
    let key = PrivateKey::parse(
        "AGE-SECRET-KEY-1RUNZ6DPMGFY4Q467V4K8X75P3Z8ED8DY4WETNSX8EM2AECL278UQ4DYTT3",
    )
    .expect("the vector key parses");
    let public = key.public();
    (key, public)
});

/// The round trip's sealer and opener live across inputs (fixed ephemeral
/// key, so the opener's cache holds one entry): no X25519 per input.
static SEALER: LazyLock<Sealer> =
    LazyLock::new(|| Sealer::from_ephemeral_bytes([7; 32], &KEY.1).expect("not a low-order key"));
static ROUND_TRIP: LazyLock<Mutex<Opener>> =
    LazyLock::new(|| Mutex::new(Opener::with_public(KEY.0.clone(), KEY.1)));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `NAME=value` as in a file; without `=`, the whole text is the value.
    let (name, value) = text.split_once('=').unwrap_or(("A", text));
    let (key, public) = &*KEY;
    let mut opener = Opener::with_public(key.clone(), *public);

    let decoded = Envelope::decode(value);
    assert_eq!(decoded.is_ok(), check_shape(value).is_ok());
    if let Ok(envelope) = &decoded {
        assert!(
            envelope.encode() == value,
            "a non-canonical encoding decoded"
        );
    }
    let opened = opener.open(name, value);
    assert!(decoded.is_ok() || opened.is_err());

    // A fixed nonce too, so a failure reproduces.
    let sealed = SEALER.seal_with_nonce(name, value, [9; 24]);
    let back = ROUND_TRIP
        .lock()
        .expect("not poisoned")
        .open(name, &sealed)
        .expect("a value sealed to the key opens");
    assert!(back.expose() == value, "opened a different value");
});
