//! A reader of age files for X25519 identities only, with the primitives
//! `envsafe` already has (the age crate lives in `envsafe-team`, whose
//! relocations would cost every start-up: BENCHMARKS.md). It opens a team
//! key file for a member with an age identity in process; anything else
//! (ssh, plugins, a file it does not understand) is left to the age crate
//! in `envsafe-team`. The format: c2sp.org/age (header, X25519 stanza,
//! header MAC, STREAM payload) and its ASCII armor.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::PrivateKey;
use crate::SecretValue;

const VERSION_LINE: &str = "age-encryption.org/v1";
const X25519_LABEL: &[u8] = b"age-encryption.org/v1/X25519";
const CHUNK: usize = 64 * 1024;

/// One recipient stanza: tag, arguments, body.
struct Stanza<'a> {
    tag: &'a str,
    args: Vec<&'a str>,
    body: Vec<u8>,
}

const BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
const END: &str = "-----END AGE ENCRYPTED FILE-----";

/// The binary age file inside `text`: armored as age writes it (lines of
/// exactly 64 characters but the last, canonical base64, `\n` or `\r\n`,
/// nothing before or after), or binary. Anything looser is
/// left to the age crate, which refuses it.
fn dearmor(text: &[u8]) -> Option<Vec<u8>> {
    if !text.starts_with(BEGIN.as_bytes()) {
        // Binary, unless it is armor with something before it (refused).
        return (!text.trim_ascii_start().starts_with(BEGIN.as_bytes())).then(|| text.to_vec());
    }
    let t = std::str::from_utf8(text).ok()?;
    // Exactly one line ending after END, as age writes it.
    let t = t
        .strip_suffix("\r\n")
        .or_else(|| t.strip_suffix('\n'))
        .unwrap_or(t);
    let mut lines: Vec<&str> = t
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if lines.first() != Some(&BEGIN) || lines.last() != Some(&END) || lines.len() < 3 {
        return None;
    }
    lines.remove(0);
    lines.pop();
    let (last, full) = lines.split_last()?;
    if full.iter().any(|l| l.len() != 64) || last.is_empty() || last.len() > 64 {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(lines.concat())
        .ok()
}

/// A stanza's tag or argument: one or more visible ASCII characters.
fn is_vchar_word(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(s)
        .ok()
}

/// The stanzas, the header bytes the MAC covers, the MAC, the payload.
#[allow(clippy::type_complexity)]
fn parse(file: &[u8]) -> Option<(Vec<Stanza<'_>>, &[u8], Vec<u8>, &[u8])> {
    fn line<'f>(file: &'f [u8], at: &mut usize) -> Option<&'f [u8]> {
        let end = file.get(*at..)?.iter().position(|&b| b == b'\n')? + *at;
        let l = &file[*at..end];
        *at = end + 1;
        Some(l)
    }
    let mut at = 0;
    if line(file, &mut at)? != VERSION_LINE.as_bytes() {
        return None;
    }
    let mut stanzas = Vec::new();
    loop {
        let start = at;
        let l = std::str::from_utf8(line(file, &mut at)?).ok()?;
        if let Some(mac) = l.strip_prefix("--- ") {
            let covered = &file[..start + 3];
            let mac = b64(mac).filter(|m| m.len() == 32)?;
            return Some((stanzas, covered, mac, &file[at..]));
        }
        let mut words = l.strip_prefix("-> ")?.split(' ');
        let tag = words.next()?;
        let args: Vec<&str> = words.collect();
        if !is_vchar_word(tag) || !args.iter().all(|a| is_vchar_word(a)) {
            return None;
        }
        let mut body = Vec::new();
        loop {
            let b = std::str::from_utf8(line(file, &mut at)?).ok()?;
            if b.len() > 64 {
                return None;
            }
            body.extend(b64(b)?);
            if b.len() < 64 {
                break;
            }
        }
        stanzas.push(Stanza { tag, args, body });
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out.as_mut())
        .expect("32 bytes is a valid HKDF length");
    out
}

/// The file key, if `stanza` is an X25519 stanza for `key`.
fn unwrap_x25519(
    stanza: &Stanza<'_>,
    key: &PrivateKey,
    public: &[u8; 32],
) -> Option<Zeroizing<Vec<u8>>> {
    if stanza.tag != "X25519" || stanza.args.len() != 1 || stanza.body.len() != 32 {
        return None;
    }
    let epk: [u8; 32] = b64(stanza.args[0])?.try_into().ok()?;
    let shared = key.0.diffie_hellman(&x25519_dalek::PublicKey::from(epk));
    if !shared.was_contributory() {
        return None;
    }
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(&epk);
    salt[32..].copy_from_slice(public);
    let wrap = hkdf(&salt, shared.as_bytes(), X25519_LABEL);
    let cipher = ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&wrap[..]));
    let file_key = cipher
        .decrypt(&[0u8; 12].into(), stanza.body.as_slice())
        .ok()?;
    (file_key.len() == 16).then(|| Zeroizing::new(file_key))
}

/// Why [`open`] could not give a plaintext.
#[derive(Debug, PartialEq, Eq)]
pub enum Unopened {
    /// Not an age file this reader understands (left to the age crate).
    Unsupported,
    /// No X25519 stanza is for any of the keys.
    NotARecipient,
}

/// Opens the age file `text` with the first of `keys` that has a stanza,
/// trying stanza `first[i]` first for key `i` (its position, when known).
pub fn open(
    text: &[u8],
    keys: &[(PrivateKey, Option<usize>)],
) -> Result<(SecretValue, usize), Unopened> {
    let file = dearmor(text).ok_or(Unopened::Unsupported)?;
    let (stanzas, covered, mac, payload) = parse(&file).ok_or(Unopened::Unsupported)?;
    // age refuses a file with a malformed X25519 stanza, wherever it is.
    let malformed = |s: &Stanza<'_>| {
        s.tag == "X25519"
            && (s.args.len() != 1
                || s.body.len() != 32
                || b64(s.args[0]).is_none_or(|e| e.len() != 32))
    };
    if stanzas.iter().any(|s| s.tag == "scrypt" || malformed(s)) {
        return Err(Unopened::Unsupported);
    }
    for (k, (key, first)) in keys.iter().enumerate() {
        let public = key.public().0;
        let order = first
            .iter()
            .copied()
            .chain((0..stanzas.len()).filter(|i| Some(*i) != *first));
        for i in order {
            let Some(stanza) = stanzas.get(i) else {
                continue;
            };
            let Some(file_key) = unwrap_x25519(stanza, key, &public) else {
                continue;
            };
            // A stanza opened: the header MAC and the payload must hold,
            // else the file is damaged (left to the age crate's error).
            let mac_key = hkdf(&[], &file_key, b"header");
            let mut check =
                <Hmac<Sha256> as Mac>::new_from_slice(&mac_key[..]).expect("any key length");
            check.update(covered);
            check
                .verify_slice(&mac)
                .map_err(|_| Unopened::Unsupported)?;
            let plain = payload_open(&file_key, payload).ok_or(Unopened::Unsupported)?;
            let text = String::from_utf8(plain.to_vec()).map_err(|_| Unopened::Unsupported)?;
            return Ok((SecretValue::new(text), k));
        }
    }
    Err(Unopened::NotARecipient)
}

/// The STREAM payload (16-byte nonce, then 64 KiB chunks), up to 1 MiB.
fn payload_open(file_key: &[u8], payload: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (nonce, mut rest) = (payload.get(..16)?, payload.get(16..)?);
    let key = hkdf(nonce, file_key, b"payload");
    let cipher = ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
    let mut out = Zeroizing::new(Vec::new());
    let mut counter: u64 = 0;
    loop {
        let take = rest.len().min(CHUNK + 16);
        let (chunk, next) = rest.split_at(take);
        let last = next.is_empty();
        let mut n = [0u8; 12];
        n[3..11].copy_from_slice(&counter.to_be_bytes());
        n[11] = u8::from(last);
        let plain = cipher
            .decrypt(
                &n.into(),
                Payload {
                    msg: chunk,
                    aad: b"",
                },
            )
            .ok()?;
        if last && plain.is_empty() && counter > 0 {
            return None; // an empty last chunk is only valid alone
        }
        out.extend_from_slice(&plain);
        if last || out.len() > 1 << 20 {
            return last.then_some(out);
        }
        rest = next;
        counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{wrap, Recipient};

    fn recipient(key: &PrivateKey) -> Recipient {
        Recipient::parse(&key.public().to_string()).unwrap()
    }

    #[test]
    fn opens_what_the_age_crate_wraps_and_nothing_else() {
        let (a, b, c) = (
            PrivateKey::generate(),
            PrivateKey::generate(),
            PrivateKey::generate(),
        );
        let armored = wrap(
            b"AGE-SECRET-KEY-1X\n",
            &[recipient(&a), recipient(&b)],
            None,
        )
        .unwrap();
        for (key, hint) in [
            (&a, Some(0)),
            (&b, Some(1)),
            (&b, None),
            (&b, Some(0)),
            (&a, Some(7)),
        ] {
            let (text, i) = open(armored.as_bytes(), &[(key.clone(), hint)]).unwrap();
            assert_eq!((text.expose(), i), ("AGE-SECRET-KEY-1X\n", 0));
        }
        assert_eq!(
            open(armored.as_bytes(), &[(c.clone(), None)]).unwrap_err(),
            Unopened::NotARecipient
        );
        let (_, i) = open(armored.as_bytes(), &[(c, None), (b, None)]).unwrap();
        assert_eq!(i, 1, "the key that opened it");
    }

    /// Found by the fuzzer: armor re-wrapped at another width (and with
    /// blank lines) decoded here, while the age crate refuses it.
    #[test]
    fn armor_is_read_only_as_strictly_as_age_reads_it() {
        let a = PrivateKey::generate();
        let armored = wrap(b"k\n", &[recipient(&a)], None).unwrap();
        assert!(open(armored.as_bytes(), &[(a.clone(), None)]).is_ok());
        let crlf = armored.replace('\n', "\r\n");
        assert!(open(crlf.as_bytes(), &[(a.clone(), None)]).is_ok());
        let mut by_crate = crate::crypto::Identities::new(None);
        by_crate.add("t", &a.encode(), None);
        assert!(
            by_crate.unwrap(crlf.as_bytes(), &[]).is_ok(),
            "age reads CRLF armor too"
        );
        let body: String = armored
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let narrow: Vec<String> = body
            .as_bytes()
            .chunks(50)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let rewrapped = format!("{BEGIN}\n{}\n{END}\n", narrow.join("\n"));
        assert_eq!(
            open(rewrapped.as_bytes(), &[(a.clone(), None)]).unwrap_err(),
            Unopened::Unsupported
        );
        let blank = armored.replacen('\n', "\n\n", 2);
        assert!(open(blank.as_bytes(), &[(a.clone(), None)]).is_err());
        for around in [
            format!("\n{armored}"),
            format!("{armored}x\n"),
            format!(" {armored}"),
        ] {
            assert!(
                open(around.as_bytes(), &[(a.clone(), None)]).is_err(),
                "{around:?}"
            );
        }
    }

    /// Found by review: age refuses a header with a malformed X25519
    /// stanza (wherever it is) or a body line over 64 characters.
    #[test]
    fn a_malformed_stanza_anywhere_is_refused() {
        let a = PrivateKey::generate();
        let armored = wrap(b"k\n", &[recipient(&a)], None).unwrap();
        let file = dearmor(armored.as_bytes()).unwrap();
        let text_end = file.windows(4).position(|w| w == b"--- ").unwrap();
        let (head, rest) = file.split_at(text_end);
        let head = std::str::from_utf8(head).unwrap();
        let bad_first = head.replacen(
            "age-encryption.org/v1\n",
            "age-encryption.org/v1\n-> X25519 AAAA AAAA\nAAAA\n",
            1,
        );
        let long_body = head.replacen("-> X25519 ", "-> other 1\n", 1);
        for h in [
            bad_first,
            long_body.replacen(
                "\n-> other 1\n",
                &format!("\n-> other 1\n{}\n-> X25519 ", "A".repeat(100)),
                1,
            ),
        ] {
            let mut f = h.into_bytes();
            f.extend_from_slice(rest);
            assert!(open(&f, &[(a.clone(), None)]).is_err());
        }
    }

    #[test]
    fn a_changed_header_or_payload_is_refused() {
        let a = PrivateKey::generate();
        let armored = wrap(b"secret\n", &[recipient(&a)], None).unwrap();
        let mut file = dearmor(armored.as_bytes()).unwrap();
        let last = file.len() - 1;
        file[last] ^= 1;
        assert_eq!(
            open(&file, &[(a.clone(), None)]).unwrap_err(),
            Unopened::Unsupported
        );
        let mut file = dearmor(armored.as_bytes()).unwrap();
        let header_end = file.windows(4).position(|w| w == b"--- ").unwrap();
        file[header_end - 2] ^= 1; // inside the stanza body
        assert!(open(&file, &[(a.clone(), None)]).is_err());
        assert!(open(b"not an age file", &[(a, None)]).is_err());
    }
}
