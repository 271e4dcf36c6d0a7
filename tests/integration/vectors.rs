//! Known-answer vectors in tests/vectors/: every `*.json` must open to its
//! plaintext and re-seal (same ephemeral key and nonce) to the same bytes;
//! every `fail_*.json` must fail with the named error. They are committed
//! once and kept forever: every future version must pass them.

use std::path::PathBuf;

use envsafe::crypto::{OpenError, Opener, PrivateKey, PublicKey, Sealer};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    hex(s).try_into().unwrap()
}

fn load() -> Vec<(String, Value)> {
    let mut out: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            (name, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn known_answer_vectors_open_and_reseal() {
    let vectors = load();
    let ok: Vec<_> = vectors
        .iter()
        .filter(|(n, _)| !n.starts_with("fail_"))
        .collect();
    assert!(ok.len() >= 5, "vectors missing");
    for (file, v) in ok {
        let key = PrivateKey::parse(v["private_key"].as_str().unwrap()).unwrap();
        let public: PublicKey = v["public_key"].as_str().unwrap().parse().unwrap();
        assert_eq!(key.public(), public, "{file}");
        assert_eq!(
            key.encode().expose(),
            v["private_key"],
            "{file}: key text changed"
        );
        assert_eq!(
            public.to_string(),
            v["public_key"],
            "{file}: key text changed"
        );
        let name = v["name"].as_str().unwrap();
        let sealed = v["sealed"].as_str().unwrap();
        let plain = v["plaintext"].as_str().unwrap();
        let opened = Opener::new(key)
            .open(name, sealed)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(opened.expose(), plain, "{file}");
        let sealer =
            Sealer::from_ephemeral_bytes(arr(v["ephemeral_secret"].as_str().unwrap()), &public)
                .unwrap();
        let again = sealer.seal_with_nonce(name, plain, arr(v["nonce"].as_str().unwrap()));
        assert_eq!(again, sealed, "{file}: sealing changed");
    }
}

#[test]
fn fail_vectors_fail_with_the_named_error() {
    let vectors = load();
    let fails: Vec<_> = vectors
        .iter()
        .filter(|(n, _)| n.starts_with("fail_"))
        .collect();
    assert!(fails.len() >= 6, "fail vectors missing");
    for (file, v) in fails {
        let key = PrivateKey::parse(v["private_key"].as_str().unwrap()).unwrap();
        let err = Opener::new(key)
            .open(v["name"].as_str().unwrap(), v["sealed"].as_str().unwrap())
            .expect_err(file);
        let kind = match err {
            OpenError::Malformed(_) => "malformed",
            OpenError::UnknownVersion(_) => "unknown-version",
            OpenError::Authentication => "authentication",
            OpenError::NotUtf8 => "not-utf8",
        };
        assert_eq!(kind, v["error"].as_str().unwrap(), "{file}");
    }
}

/// Writes the vectors. Run once, by hand: `cargo test -- --ignored write_vectors`.
/// It refuses to overwrite: vectors are kept forever.
#[test]
#[ignore = "generator: the vectors are committed"]
fn write_vectors() {
    let bytes = |seed: u8| -> [u8; 32] {
        std::array::from_fn(|i| {
            seed.wrapping_mul(31)
                .wrapping_add((i as u8).wrapping_mul(7))
        })
    };
    let nonce =
        |seed: u8| -> [u8; 24] { std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(13)) };
    let key_of = |seed: u8| fixed_key_text(bytes(seed));
    let write = |name: &str, v: Value| {
        let path = dir().join(name);
        assert!(!path.exists(), "{name} exists: vectors are never rewritten");
        std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
    };
    let cases = [
        (
            "basic",
            "DATABASE_URL",
            "postgres://app:s3cret@db:5432/app".to_string(),
        ),
        ("empty", "EMPTY", String::new()),
        (
            "multiline_unicode",
            "PEM",
            "línea 1\nline 2 ✓\n-----END-----".to_string(),
        ),
        ("long", "BLOB", "x".repeat(1000)),
        ("dotted_name", "app.db-url", "v".to_string()),
    ];
    let mut sealed_basic = String::new();
    for (i, (file, name, plain)) in cases.iter().enumerate() {
        let seed = i as u8 + 1;
        let sk = key_of(seed);
        let key = PrivateKey::parse(&sk).unwrap();
        let eph = bytes(seed + 100);
        let n = nonce(seed);
        let sealed = Sealer::from_ephemeral_bytes(eph, &key.public())
            .unwrap()
            .seal_with_nonce(name, plain, n);
        if *file == "basic" {
            sealed_basic = sealed.clone();
        }
        write(
            &format!("{file}.json"),
            json!({
                "private_key": sk, "public_key": key.public().to_string(), "name": name,
                "plaintext": plain, "ephemeral_secret": to_hex(&eph), "nonce": to_hex(&n), "sealed": sealed,
            }),
        );
    }
    let sk = key_of(1);
    let body = sealed_basic.strip_prefix("envsafe:v1:").unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let raw = b64.decode(body).unwrap();
    let mut flipped = raw.clone();
    flipped[60] ^= 0x01;
    let truncated = &raw[..raw.len() - 1];
    let mut zero_eph = raw.clone();
    zero_eph[..32].fill(0);
    let fails = [
        (
            "fail_wrong_name",
            "OTHER_URL",
            sealed_basic.clone(),
            &sk,
            "authentication",
        ),
        (
            "fail_bit_flip",
            "DATABASE_URL",
            format!("envsafe:v1:{}", b64.encode(&flipped)),
            &sk,
            "authentication",
        ),
        (
            "fail_truncated",
            "DATABASE_URL",
            format!("envsafe:v1:{}", b64.encode(truncated)),
            &sk,
            "authentication",
        ),
        (
            "fail_bad_base64",
            "DATABASE_URL",
            sealed_basic
                .replacen('A', "!", 1)
                .replacen("envsafe:v1:", "envsafe:v1:!", 1),
            &sk,
            "malformed",
        ),
        (
            "fail_unknown_version",
            "DATABASE_URL",
            sealed_basic.replace("envsafe:v1:", "envsafe:v2:"),
            &sk,
            "unknown-version",
        ),
        (
            "fail_too_short",
            "DATABASE_URL",
            format!("envsafe:v1:{}", b64.encode(&raw[..60])),
            &sk,
            "malformed",
        ),
        (
            "fail_low_order_ephemeral",
            "DATABASE_URL",
            format!("envsafe:v1:{}", b64.encode(&zero_eph)),
            &sk,
            "malformed",
        ),
    ];
    for (file, name, sealed, key, error) in fails {
        write(
            &format!("{file}.json"),
            json!({ "private_key": key, "name": name, "sealed": sealed, "error": error }),
        );
    }
    let wrong = key_of(9);
    write(
        "fail_wrong_key.json",
        json!({ "private_key": wrong, "name": "DATABASE_URL", "sealed": sealed_basic, "error": "authentication" }),
    );
}

/// The age text of a raw 32-byte scalar.
fn fixed_key_text(raw: [u8; 32]) -> String {
    bech32::encode_upper::<bech32::Bech32>(bech32::Hrp::parse("age-secret-key-").unwrap(), &raw)
        .unwrap()
}

/// The vectors also open with an implementation written from SECURITY.md
/// alone (Python: PyNaCl + cryptography), so they pin the construction, not
/// just this crate's behaviour.
#[test]
fn an_independent_implementation_agrees() {
    let out = std::process::Command::new(crate::support::venv_tool("python3"))
        .arg(dir().join("verify.py"))
        .output()
        .expect("target/venv/bin/python3 runs (bash tests/setup.sh)");
    assert!(
        out.status.success(),
        "verify.py failed (run `bash tests/setup.sh` for pynacl/cryptography):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let n = std::fs::read_dir(dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(said.trim(), format!("{n} vectors checked independently"));
}
