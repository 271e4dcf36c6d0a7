//! `age-plugin-envsafetest`: a tiny age plugin for envsafe's tests.
//!
//! **For tests only, not a secure plugin.** It is symmetric: the recipient
//! and the identity hold the same 32-byte key K, so anyone who can read a
//! recipient can decrypt. It exists so that tests can drive age's plugin
//! protocol (a real `age-plugin-*` binary on `PATH`) without hardware.
//!
//! - Binary `age-plugin-envsafetest`; recipients `age1envsafetest1…`
//!   (Bech32, HRP `age1envsafetest`, data K); identities
//!   `AGE-PLUGIN-ENVSAFETEST-1…` (HRP `AGE-PLUGIN-ENVSAFETEST-`, data K).
//! - Wrap: one stanza per key and file key,
//!   `-> envsafetest <key id> <nonce>` with body
//!   ChaCha20-Poly1305(K, nonce, file key) (16 + 16 bytes). The key id is
//!   the first 4 bytes of SHA-256(K) and the nonce 12 random bytes, both
//!   base64 (standard alphabet, no padding).
//! - Unwrap: a stanza tagged `envsafetest` whose key id is one of the
//!   identities' is decrypted with that key; a failed decryption or a
//!   malformed stanza is an error for that stanza. A file with no stanza for
//!   these identities gets no answer (age then reports that no identity
//!   matched).
//!
//! ```text
//! cargo build --example age-plugin-envsafetest
//! PATH=target/x86_64-unknown-linux-gnu/debug/examples:$PATH
//! age-plugin-envsafetest --generate   # line 1: identity, line 2: recipient
//! ```
//!
//! Otherwise age starts it as `age-plugin-envsafetest --age-plugin=recipient-v1`
//! (or `identity-v1`), and it runs age-plugin's state machine.

// A command-line tool: it prints its keys and its usage (clippy.toml keeps
// printing in src/cli/ui.rs for the product).
#![allow(clippy::disallowed_macros, clippy::print_stdout, clippy::print_stderr)]

use std::collections::{HashMap, HashSet};
use std::io;
use std::process::ExitCode;

use age_core::format::{FileKey, Stanza};
use age_core::secrecy::ExposeSecret;
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{run_state_machine, Callbacks, PluginHandler};
use base64::prelude::{Engine, BASE64_STANDARD_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The plugin's name: binary, HRPs and stanza tag.
const NAME: &str = "envsafetest";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const FILE_KEY_LEN: usize = 16;
const TAG_LEN: usize = 16;

type Key = Zeroizing<[u8; KEY_LEN]>;

/// The key from a recipient's or identity's data, if it is one.
fn key_from(bytes: &[u8]) -> Option<Key> {
    let array: [u8; KEY_LEN] = bytes.try_into().ok()?;
    Some(Zeroizing::new(array))
}

/// Adds the key in `bytes` to `keys` when it is one of this plugin's; false
/// otherwise (each caller reports it in its own error type).
fn accept(keys: &mut Vec<Key>, plugin_name: &str, bytes: &[u8]) -> bool {
    match key_from(bytes) {
        Some(key) if plugin_name == NAME => {
            keys.push(key);
            true
        }
        _ => false,
    }
}

/// The first 4 bytes of SHA-256(K), base64: which key a stanza is for.
fn key_id(key: &Key) -> String {
    BASE64_STANDARD_NO_PAD.encode(&Sha256::digest(key.as_slice())[..4])
}

fn wrap(key: &Key, file_key: &FileKey) -> Stanza {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let body = ChaCha20Poly1305::new(key.as_slice().into())
        .encrypt(
            Nonce::from_slice(&nonce),
            file_key.expose_secret().as_slice(),
        )
        .expect("ChaCha20-Poly1305 seals 16 bytes");
    Stanza {
        tag: NAME.to_owned(),
        args: vec![key_id(key), BASE64_STANDARD_NO_PAD.encode(nonce)],
        body,
    }
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = RecipientPlugin;
    type IdentityV1 = IdentityPlugin;

    fn recipient_v1(self) -> io::Result<Self::RecipientV1> {
        Ok(RecipientPlugin { keys: Vec::new() })
    }

    fn identity_v1(self) -> io::Result<Self::IdentityV1> {
        Ok(IdentityPlugin { keys: Vec::new() })
    }
}

/// `recipient-v1`: wraps to recipients and (as age allows) identities.
struct RecipientPlugin {
    keys: Vec<Key>,
}

impl RecipientPluginV1 for RecipientPlugin {
    fn add_recipient(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        if accept(&mut self.keys, plugin_name, bytes) {
            Ok(())
        } else {
            Err(recipient::Error::Recipient {
                index,
                message: format!("not an {NAME} recipient"),
            })
        }
    }

    fn add_identity(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        if accept(&mut self.keys, plugin_name, bytes) {
            Ok(())
        } else {
            Err(recipient::Error::Identity {
                index,
                message: format!("not an {NAME} identity"),
            })
        }
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _callbacks: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        Ok(Ok(file_keys
            .iter()
            .map(|file_key| self.keys.iter().map(|key| wrap(key, file_key)).collect())
            .collect()))
    }
}

/// `identity-v1`: unwraps the stanzas addressed to its keys.
struct IdentityPlugin {
    keys: Vec<Key>,
}

impl IdentityPlugin {
    /// `Ok(None)`: not for these identities. `Err`: an `envsafetest` stanza
    /// that is malformed or does not decrypt.
    fn unwrap_stanza(&self, stanza: &Stanza) -> Result<Option<FileKey>, String> {
        let [id, nonce] = &stanza.args[..] else {
            return Err(format!(
                "{NAME} stanza: 2 arguments expected, {} found",
                stanza.args.len()
            ));
        };
        let nonce = BASE64_STANDARD_NO_PAD
            .decode(nonce)
            .ok()
            .filter(|n| n.len() == NONCE_LEN)
            .ok_or_else(|| format!("{NAME} stanza: invalid nonce"))?;
        if stanza.body.len() != FILE_KEY_LEN + TAG_LEN {
            return Err(format!("{NAME} stanza: invalid body length"));
        }
        let Some(key) = self.keys.iter().find(|key| key_id(key) == *id) else {
            return Ok(None);
        };
        let plain = Zeroizing::new(
            ChaCha20Poly1305::new(key.as_slice().into())
                .decrypt(Nonce::from_slice(&nonce), stanza.body.as_slice())
                .map_err(|_| format!("{NAME} stanza: decryption failed"))?,
        );
        Ok(Some(FileKey::init_with_mut(|file_key| {
            file_key.copy_from_slice(&plain)
        })))
    }
}

impl IdentityPluginV1 for IdentityPlugin {
    fn add_identity(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), identity::Error> {
        if accept(&mut self.keys, plugin_name, bytes) {
            Ok(())
        } else {
            Err(identity::Error::Identity {
                index,
                message: format!("not an {NAME} identity"),
            })
        }
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        _callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        let mut answers = HashMap::new();
        for (file_index, stanzas) in files.iter().enumerate() {
            let mut errors = Vec::new();
            let mut found = None;
            for (stanza_index, stanza) in stanzas.iter().enumerate() {
                if stanza.tag != NAME {
                    continue; // another recipient type: not ours to judge
                }
                match self.unwrap_stanza(stanza) {
                    Ok(Some(file_key)) => {
                        found = Some(file_key);
                        break;
                    }
                    Ok(None) => {}
                    Err(message) => errors.push(identity::Error::Stanza {
                        file_index,
                        stanza_index,
                        message,
                    }),
                }
            }
            match found {
                Some(file_key) => {
                    answers.insert(file_index, Ok(file_key));
                }
                None if !errors.is_empty() => {
                    answers.insert(file_index, Err(errors));
                }
                None => {} // no stanza for these identities
            }
        }
        Ok(answers)
    }
}

/// Prints a new identity, then its recipient.
fn generate() {
    let mut key: Key = Zeroizing::new([0; KEY_LEN]);
    OsRng.fill_bytes(key.as_mut_slice());
    let encode = |hrp: &str| {
        let hrp = bech32::Hrp::parse(hrp).expect("a valid HRP");
        bech32::encode::<bech32::Bech32>(hrp, key.as_slice()).expect("short enough for Bech32")
    };
    let mut identity = Zeroizing::new(encode(&format!("AGE-PLUGIN-{}-", NAME.to_uppercase())));
    identity.make_ascii_uppercase(); // in place: no unwiped copy
    println!("{}", identity.as_str());
    println!("{}", encode(&format!("age1{NAME}")));
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let state_machine = match args[..] {
        ["--generate"] => {
            generate();
            return ExitCode::SUCCESS;
        }
        [arg] if arg.starts_with("--age-plugin=") => &arg["--age-plugin=".len()..],
        ["--age-plugin", machine] => machine,
        _ => {
            eprintln!(
                "usage: age-plugin-{NAME} --generate\n       \
                 age-plugin-{NAME} --age-plugin=recipient-v1|identity-v1\n\
                 (a test plugin for envsafe: not secure)"
            );
            return ExitCode::from(2);
        }
    };
    match run_state_machine(state_machine, Handler) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("age-plugin-{NAME}: {e}");
            ExitCode::FAILURE
        }
    }
}
