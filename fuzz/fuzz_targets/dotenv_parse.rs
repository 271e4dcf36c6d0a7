//! Guards the dotenv parser and value decoder (DESIGN §5): any bytes parse or
//! fail cleanly, a parsed document renders back byte for byte, and every value
//! decodes and expands against the earlier values, as loading does.
#![no_main]

mod feedback;

use std::collections::HashMap;
use std::path::Path;

use envsafe::dotenv::Document;
use libfuzzer_sys::fuzz_target;

/// DESIGN §5: an expanded value over 1 MiB is an error, never a value.
const MAX_VALUE: usize = 1 << 20;
/// DESIGN §5 stops `${…}` nesting at 32 levels: about 20 KiB of stack here
/// (some 600 bytes a level under ASan). A decoder this deep has no bound,
/// and deeper input overflows the stack.
const MAX_STACK: usize = 128 << 10;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = Document::parse(Path::new(".env"), text.to_owned()) else {
        return;
    };
    assert!(doc.render() == text, "render() changed the input bytes");
    let base = feedback::stack_pointer();
    let mut values: HashMap<String, String> = HashMap::new();
    feedback::peak_heap(|| {
        for entry in doc.entries() {
            if entry.sealed().is_some() {
                continue; // loading opens these (envelope_open); no expansion
            }
            // Called once per `${…}` level: how deep the decoder has recursed.
            let lookup = |name: &str| {
                let depth = base.saturating_sub(feedback::stack_pointer());
                feedback::magnitude::<0>(depth);
                assert!(
                    depth < MAX_STACK,
                    "expansion recursed through 128 KiB of stack"
                );
                values.get(name).cloned()
            };
            if let Some(value) = entry.decode(&lookup).ok() {
                assert!(value.len() <= MAX_VALUE, "expanded value over 1 MiB");
                values.insert(entry.name.to_owned(), value);
            }
        }
    });
});
