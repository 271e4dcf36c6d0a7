//! Micro-benchmarks of the hot paths: parse, seal, open (100 and 10,000
//! values), and a whole resolution of an encrypted file. `cargo bench`.
// Benches may print: clippy.toml's ban on printing is about the product.
#![allow(clippy::disallowed_macros, clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;

use divan::Bencher;
use envsafe::crypto::{Opener, PrivateKey, Sealer};
use envsafe::dotenv::Document;

fn main() {
    divan::main();
}

const SIZES: [usize; 2] = [100, 10_000];

fn plain_file(n: usize) -> String {
    (0..n)
        .map(|i| format!("VAR_{i}=value-number-{i}\n"))
        .collect()
}

fn sealed_file(n: usize, key: &PrivateKey) -> String {
    let sealer = Sealer::new(&key.public()).unwrap();
    let mut out = format!("#@envsafe public-key={} env=development\n", key.public());
    for i in 0..n {
        out.push_str(&format!(
            "VAR_{i}=\"{}\"\n",
            sealer.seal(&format!("VAR_{i}"), &format!("value-number-{i}"))
        ));
    }
    out
}

#[divan::bench(args = SIZES)]
fn parse(bencher: Bencher, n: usize) {
    let src = sealed_file(n, &PrivateKey::generate());
    bencher.bench(|| Document::parse(Path::new(".env"), divan::black_box(src.clone())).unwrap());
}

#[divan::bench(args = SIZES)]
fn seal(bencher: Bencher, n: usize) {
    let key = PrivateKey::generate().public();
    let names: Vec<String> = (0..n).map(|i| format!("VAR_{i}")).collect();
    bencher.bench(|| {
        let sealer = Sealer::new(&key).unwrap();
        names.iter().fold(0, |len, name| {
            len + sealer.seal(name, "value-number-1").len()
        })
    });
}

#[divan::bench(args = SIZES)]
fn open(bencher: Bencher, n: usize) {
    let key = PrivateKey::generate();
    let sealer = Sealer::new(&key.public()).unwrap();
    let values: Vec<(String, String)> = (0..n)
        .map(|i| {
            let name = format!("VAR_{i}");
            let sealed = sealer.seal(&name, "value-number-1");
            (name, sealed)
        })
        .collect();
    bencher.bench(|| {
        let mut opener = Opener::new(key.clone());
        values.iter().fold(0, |len, (n, v)| {
            len + opener.open(n, v).unwrap().expose().len()
        })
    });
}

#[divan::bench(args = SIZES)]
fn resolve_encrypted_file(bencher: Bencher, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate();
    let path = dir.path().join(".env");
    std::fs::write(&path, sealed_file(n, &key)).unwrap();
    std::fs::write(
        dir.path().join(".env.keys"),
        format!(
            "ENVSAFE_PRIVATE_KEY_DEVELOPMENT={}\n",
            key.encode().expose()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.path().join(".env.keys"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let keys = envsafe::keys::KeyLookup {
        keys_file: None,
        project_root: dir.path().to_path_buf(),
        ..Default::default()
    };
    let files = [path];
    let config = envsafe::config::Config::default();
    let opts = envsafe::resolve::Options::run(&keys, false, true, false);
    bencher.bench(|| {
        envsafe::resolve::resolve(&config, dir.path(), "development", &files, &opts).unwrap()
    });
}

#[divan::bench]
fn parse_plain_10000(bencher: Bencher) {
    let src = plain_file(10_000);
    bencher.bench(|| Document::parse(Path::new(".env"), divan::black_box(src.clone())).unwrap());
}
