//! A fluent builder for a temp project: write files, run envsafe, read back.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// An empty git repository.
    pub fn new() -> Self {
        let p = Self::bare_dir();
        p.git(&["init", "-q", "-b", "main", "."]);
        p
    }

    /// An empty directory (no git).
    pub fn bare_dir() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.file(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// `envsafe ARGS` in this directory, with a clean environment: no
    /// ENVSAFE_* from the caller, no colour, HOME inside the project.
    pub fn envsafe(&self, args: &[&str]) -> Command {
        Command::from_std(self.envsafe_std(args))
    }

    /// The same as a `std::process::Command` (for stdio redirection).
    pub fn envsafe_std(&self, args: &[&str]) -> StdCommand {
        let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("envsafe"));
        cmd.current_dir(self.path()).args(args);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("ENVSAFE_") {
                cmd.env_remove(&k);
            }
        }
        cmd.env("NO_COLOR", "1").env("HOME", self.path());
        cmd
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = StdCommand::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The private key `.env.keys` holds for `env`.
    pub fn private_key(&self, env: &str) -> String {
        let var = format!("ENVSAFE_PRIVATE_KEY_{}=", env.to_uppercase());
        self.read(".env.keys")
            .lines()
            .find_map(|l| l.strip_prefix(&var))
            .unwrap_or_else(|| panic!("no key for {env}"))
            .split(',')
            .next()
            .unwrap()
            .to_owned()
    }

    /// Every file's bytes, to check that a failing command changed nothing.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.path()).unwrap().flatten() {
            if entry.file_type().unwrap().is_file() {
                out.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
        out.sort();
        out
    }
}

/// stderr of a run that exits with `code`, as a string.
pub fn failure(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().stderr.clone();
    String::from_utf8(out).unwrap()
}

/// stdout of a successful run, as a string.
pub fn stdout(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

impl Project {
    /// Writes `name` sealed to `file`'s header key, bypassing envsafe's
    /// checks: a value as someone with only the public key (or an older
    /// envsafe) could have committed it.
    pub fn plant_sealed(&self, file: &str, name: &str, value: &str) {
        let path = self.file(file);
        let mut doc =
            envsafe::dotenv::Document::parse(&path, self.read(file)).expect("the file parses");
        let public = envsafe::header::find(&doc)
            .expect("a valid header")
            .expect("a header")
            .public_key;
        let sealed = envsafe::crypto::Sealer::new(&public)
            .expect("a usable key")
            .seal(name, value);
        doc.set_raw(name, &format!("\"{sealed}\""));
        std::fs::write(&path, doc.render()).unwrap();
    }
}

/// Fails when any of `secrets` appears in `output` (stdout and stderr of
/// an error test): not a byte of a value may be printed.
pub fn assert_no_secret(output: &std::process::Output, secrets: &[&str]) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for s in secrets {
        assert!(
            !text.contains(s),
            "a secret leaked into the output:\n{text}"
        );
    }
}

impl Project {
    /// The public key in `file`'s envsafe header.
    pub fn header_key(&self, file: &str) -> String {
        self.read(file)
            .lines()
            .find_map(|l| l.strip_prefix("#@envsafe public-key="))
            .unwrap_or_else(|| panic!("{file} has no header"))
            .split(' ')
            .next()
            .unwrap()
            .to_owned()
    }

    /// The 1-based line of `file`'s envsafe header.
    pub fn header_line(&self, file: &str) -> usize {
        self.read(file)
            .lines()
            .position(|l| l.starts_with("#@envsafe"))
            .unwrap_or_else(|| panic!("{file} has no header"))
            + 1
    }

    /// The sealed text (`envsafe:v1:…`) of `name` in `file`.
    pub fn sealed_value(&self, file: &str, name: &str) -> String {
        self.read(file)
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=\"")))
            .unwrap_or_else(|| panic!("{name} is not sealed in {file}"))
            .trim_end_matches('"')
            .to_owned()
    }

    /// Replaces `from` by `to` in `file` (an attacker's edit).
    pub fn replace_in(&self, file: &str, from: &str, to: &str) {
        let text = self.read(file);
        assert!(text.contains(from), "{file} does not contain {from:?}");
        self.write(file, &text.replace(from, to));
    }

    /// Appends `text` to `file`.
    pub fn append(&self, file: &str, text: &str) {
        self.write(file, &format!("{}{text}", self.read(file)));
    }

    /// An attacker's edit: `file`'s header now names a fresh public key.
    /// Returns (the key it had, the attacker's).
    pub fn swap_header_key(&self, file: &str) -> (String, String) {
        let old = self.header_key(file);
        let attacker = self.fresh_public_key();
        self.replace_in(file, &old, &attacker);
        (old, attacker)
    }

    /// A fresh public key from `envsafe keygen` (someone else's key).
    pub fn fresh_public_key(&self) -> String {
        stdout(&mut self.envsafe(&["keygen"]))
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# public key: ")
            .to_owned()
    }

    /// Writes a file that holds private keys (mode 0600).
    pub fn write_private(&self, rel: &str, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        self.write(rel, text);
        std::fs::set_permissions(self.file(rel), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `target/venv/bin/TOOL` in this repository, whatever CARGO_TARGET_DIR says:
/// the Python tools `bash tests/setup.sh` installs in a virtual environment
/// (PyNaCl + cryptography for `python3`, and `pre-commit`).
pub fn venv_tool(tool: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/venv/bin")
        .join(tool)
}
