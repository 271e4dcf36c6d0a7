//! Guards the team key file reader (DESIGN §3): a committed
//! `.envsafe/<env>.age` is untrusted input. Any bytes given as the file
//! unwrap with a fixed identity to an error or a plaintext, never a panic
//! or a hang; and any text given as a recipients entry parses or is
//! refused (envsafe.toml's `recipients`).
#![no_main]

use std::sync::LazyLock;

use envsafe::crypto::{Identities, PrivateKey, Recipient};
use libfuzzer_sys::fuzz_target;

static IDENTITIES: LazyLock<Identities> = LazyLock::new(|| {
    let key = PrivateKey::parse(
        "AGE-SECRET-KEY-1RUNZ6DPMGFY4Q467V4K8X75P3Z8ED8DY4WETNSX8EM2AECL278UQ4DYTT3",
    )
    .expect("the vector key parses");
    let mut ids = Identities::new(None);
    ids.add("fuzz", &key.encode(), None);
    ids
});

fuzz_target!(|data: &[u8]| {
    let order = ["age1anything".to_owned()];
    let _ = IDENTITIES.unwrap(data, &order);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = Recipient::parse(text) {
            assert_eq!(Recipient::parse(&r.entry()).as_ref(), Ok(&r));
        }
    }
});
