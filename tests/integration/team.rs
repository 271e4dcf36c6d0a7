//! Team access (DESIGN §3): members with their own identities (age, ssh-ed25519,
//! ssh-rsa, an age plugin), the team key file opened by stock `age`,
//! `recipients remove` rotating, `rotate` killed at any point, and the
//! kernel keyring behind `keys store`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::support::{failure, stdout, Project};

const DB: &str = "s3cret-db-password";
const API: &str = "api-key-value-123456";

/// The test age plugin (examples/age-plugin-envsafetest.rs), built if
/// this test binary was built without it; its directory goes on PATH.
fn plugin_dir() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap().join("examples");
    if !dir.join("age-plugin-envsafetest").exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = StdCommand::new(cargo)
            .args(["build", "--quiet", "--example", "age-plugin-envsafetest"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "building the test age plugin");
    }
    dir
}

fn path_with(dir: &Path) -> String {
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap())
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = StdCommand::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One member: a home directory, and the extra environment their
/// identity needs.
struct Member {
    home: tempfile::TempDir,
    identity_file: PathBuf,
    identity_var: Option<PathBuf>,
    recipient: String,
}

impl Member {
    fn run(&self, p: &Project, path: &str, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = p.envsafe(args);
        cmd.env("HOME", self.home.path()).env("PATH", path);
        if let Some(id) = &self.identity_var {
            cmd.env("ENVSAFE_IDENTITY", id);
        }
        cmd
    }
}

fn age_member(p: &Project, path: &str) -> Member {
    let home = tempfile::tempdir().unwrap();
    let recipient = stdout(
        p.envsafe(&["identity", "new"])
            .env("HOME", home.path())
            .env("PATH", path),
    )
    .trim()
    .to_owned();
    let identity_file = home.path().join(".config/envsafe/identity.txt");
    let mode = std::fs::metadata(&identity_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    Member {
        home,
        identity_file,
        identity_var: None,
        recipient,
    }
}

fn ssh_member(kind: &str, name: &str) -> Member {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
    let key = home.path().join(".ssh").join(format!("id_{kind}"));
    let mut args = vec!["-q", "-t", kind, "-N", "", "-C", name, "-f"];
    let key_s = key.display().to_string();
    args.push(&key_s);
    if kind == "rsa" {
        args.extend(["-b", "2048"]);
    }
    run("ssh-keygen", &args);
    let recipient = std::fs::read_to_string(format!("{key_s}.pub"))
        .unwrap()
        .trim()
        .to_owned();
    Member {
        home,
        identity_file: key,
        identity_var: None,
        recipient,
    }
}

fn plugin_member(plugin: &Path) -> Member {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        plugin.join("age-plugin-envsafetest").to_str().unwrap(),
        &["--generate"],
    );
    let mut lines = out.lines();
    let (identity, recipient) = (lines.next().unwrap(), lines.next().unwrap());
    let file = home.path().join("plugin-identity.txt");
    std::fs::write(&file, format!("{identity}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    Member {
        home,
        identity_file: file.clone(),
        identity_var: Some(file),
        recipient: format!("{recipient} dave"),
    }
}

struct Team {
    p: Project,
    path: String,
    members: Vec<Member>,
    env_key: String,
}

/// A project whose `development` key is wrapped to an age member, an
/// ssh-ed25519 member, an ssh-rsa member and a plugin member; the admin's
/// `.env.keys` is gone afterwards.
fn team() -> Team {
    let plugin = plugin_dir();
    let path = path_with(&plugin);
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.append(
        "envsafe.toml",
        "\n[vars.DB_PASSWORD]\nrotation = \"manual\"\n\n[vars.API_KEY]\n",
    );
    p.envsafe(&["set", "DB_PASSWORD"])
        .write_stdin(DB)
        .assert()
        .success();
    p.envsafe(&["set", "API_KEY"])
        .write_stdin(API)
        .assert()
        .success();
    let members = vec![
        age_member(&p, &path),
        ssh_member("ed25519", "bob"),
        ssh_member("rsa", "carol"),
        plugin_member(&plugin),
    ];
    for (m, name) in members.iter().zip(["alice", "bob", "carol", "dave"]) {
        let mut args = vec!["recipients", "add", m.recipient.as_str()];
        if name == "alice" {
            args.extend(["--name", "alice"]);
        }
        p.envsafe(&args).env("PATH", &path).assert().success();
    }
    let env_key = p.private_key("development");
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    p.git(&["add", "-A"]);
    p.git(&["commit", "-qm", "team"]);
    Team {
        p,
        path,
        members,
        env_key,
    }
}

fn runs_with_db(t: &Team, m: &Member) -> bool {
    let out = m
        .run(
            &t.p,
            &t.path,
            &["run", "--", "sh", "-c", "printf %s \"$DB_PASSWORD\""],
        )
        .output()
        .unwrap();
    out.status.success() && out.stdout == DB.as_bytes()
}

#[test]
fn each_member_runs_with_only_their_own_identity_and_stock_age_opens_the_team_file() {
    let t = team();
    let listed = stdout(&mut t.p.envsafe(&["recipients", "list"]));
    for want in [
        "alice\tage\tage1",
        "bob\tssh-ed25519",
        "carol\tssh-rsa",
        "dave\tplugin envsafetest",
    ] {
        assert!(listed.contains(want), "{want} in {listed}");
    }
    for m in &t.members {
        assert!(runs_with_db(&t, m), "{}", m.recipient);
        let out = StdCommand::new("age")
            .args(["-d", "-i"])
            .arg(&m.identity_file)
            .arg(t.p.file(".envsafe/development.age"))
            .env("PATH", &t.path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.lines().any(|l| l == t.env_key),
            "age -d prints the key"
        );
    }
    // Someone with no identity listed gets exit 4 and the places tried.
    let stranger = tempfile::tempdir().unwrap();
    let out =
        t.p.envsafe(&["run", "--", "true"])
            .env("HOME", stranger.path())
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("team key file .envsafe/development.age"),
        "{err}"
    );
    assert!(err.contains(".ssh/id_ed25519 (not found)"), "{err}");
    assert!(!err.contains(&t.env_key));
}

#[test]
fn removing_a_member_rotates_locks_them_out_and_names_the_exposed_secrets() {
    let t = team();
    let (alice, carol) = (&t.members[0], &t.members[2]);
    let old_header = t.p.header_key(".env");
    let out = alice
        .run(&t.p, &t.path, &["recipients", "remove", "carol"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        listed,
        "DB_PASSWORD (rotation = manual)\nAPI_KEY (rotation = auto)\n"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("git history keeps their old ciphertexts"),
        "{err}"
    );
    assert!(!err.contains(DB) && !err.contains(API));

    let new_header = t.p.header_key(".env");
    assert_ne!(new_header, old_header, "the environment key changed");
    assert!(t.p.read("envsafe.toml").contains(&new_header), "pinned");
    assert!(!t.p.read("envsafe.toml").contains("carol"));
    assert!(!runs_with_db(&t, carol), "carol is locked out");
    for m in [&t.members[0], &t.members[1], &t.members[3]] {
        assert!(runs_with_db(&t, m), "{}", m.recipient);
    }
    // The old key (which carol may have kept) opens nothing current.
    let out =
        t.p.envsafe(&["get", "DB_PASSWORD"])
            .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &t.env_key)
            .env("HOME", tempfile::tempdir().unwrap().path())
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn an_unusable_identity_is_skipped_and_named_never_fatal() {
    let t = team();
    let bob = &t.members[1];
    // A junk ENVSAFE_IDENTITY and a malformed identity.txt before bob's ssh key.
    std::fs::create_dir_all(bob.home.path().join(".config/envsafe")).unwrap();
    let junk = bob.home.path().join(".config/envsafe/identity.txt");
    std::fs::write(&junk, "not an identity\n").unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(runs_with_db(&t, bob));
    // A passphrase-protected ssh key without a terminal: skipped, named.
    let erin = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(erin.path().join(".ssh")).unwrap();
    let key = erin.path().join(".ssh/id_ed25519");
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "pass phrase",
            "-f",
            key.to_str().unwrap(),
        ],
    );
    let out =
        t.p.envsafe(&["run", "--", "true"])
            .env("HOME", erin.path())
            .env("ENVSAFE_IDENTITY", &junk)
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("not an identity file: on line 1"), "{err}");
    assert!(
        !err.contains("not an identity\n"),
        "the line is never shown"
    );
}

#[test]
fn a_recipient_entry_that_is_not_a_key_is_a_located_config_error() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.append(
        "envsafe.toml",
        "recipients = [\"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\"]\n",
    );
    let err = failure(&mut p.envsafe(&["ls"]), 1);
    assert!(err.contains("envsafe.toml:"), "{err}");
    assert!(err.contains("recipients: `AGE-SECRET-KEY-1…`"), "{err}");
    assert!(
        !err.contains("QQQQQQQQ"),
        "a pasted private key is not echoed"
    );
}

#[test]
fn keys_store_moves_the_key_into_the_kernel_keyring_and_export_gives_it_back() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_KEY"])
        .write_stdin(API)
        .assert()
        .success();
    let key = p.private_key("development");
    // The kernel keyring forgets at reboot: with no team file holding the
    // key too, moving it there needs --force.
    let out = p.envsafe(&["keys", "store"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lasting copy"));
    assert!(p.read(".env.keys").contains(&key), "still in the file");
    p.envsafe(&["keys", "store", "--force"]).assert().success();
    assert!(!p.read(".env.keys").contains(&key), "moved out of the file");
    let got = stdout(&mut p.envsafe(&["run", "--", "sh", "-c", "printf %s \"$API_KEY\""]));
    assert_eq!(got, API);
    let exported = stdout(&mut p.envsafe(&["keys", "export"]));
    assert_eq!(exported, format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT={key}\n"));
    // It is in the kernel's store (the user's persistent keyring, as
    // keyutils' own CLI sees it), not in a file envsafe wrote.
    let listing = run(
        "keyctl",
        &[
            "session",
            "-",
            "sh",
            "-c",
            "keyctl get_persistent @s >/dev/null; keyctl show @s",
        ],
    );
    let public = p.header_key(".env");
    assert!(
        listing.contains(&format!("keyring-rs:{public}@envsafe")),
        "{listing}"
    );
}

/// Every file of the environment has the header key pinned in
/// envsafe.toml, and every value opens to what was written.
fn assert_one_key(p: &Project, files: &[String], expected: &serde_json::Value) {
    p.envsafe(&["ls"]).assert().success(); // finishes an interrupted rotate
    let keys: Vec<String> = files.iter().map(|f| p.header_key(f)).collect();
    assert!(
        keys.windows(2).all(|w| w[0] == w[1]),
        "mixed keys: {keys:?}"
    );
    assert!(p.read("envsafe.toml").contains(&keys[0]), "pin follows");
    let got: serde_json::Value = serde_json::from_str(&stdout(
        &mut p.envsafe(&["get", "-e", "x", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(&got, expected);
}

#[test]
fn rotate_killed_at_any_point_leaves_files_one_key_opens() {
    let p = Project::new();
    let files: Vec<String> = (0..4).map(|i| format!("f{i}.env")).collect();
    let list = files
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    p.write(
        "envsafe.toml",
        &format!("[environments.x]\nfiles = [{list}]\n"),
    );
    let mut expected = serde_json::Map::new();
    for (i, f) in files.iter().enumerate() {
        let mut text = String::new();
        for j in 0..150 {
            let (name, value) = (format!("S{i}_{j}"), format!("value-{i}-{j}"));
            text.push_str(&format!("{name}={value}\n"));
            expected.insert(name, value.into());
        }
        p.write(f, &text);
        p.envsafe(&["encrypt", "-e", "x", "-f", f])
            .assert()
            .success();
    }
    let expected = serde_json::Value::Object(expected);
    assert_one_key(&p, &files, &expected);

    // Each crash point of the commit, then of nothing: the next command
    // rolls forward or back.
    let mut killed_at = Vec::new();
    for n in 1..40 {
        let out = p
            .envsafe(&["rotate", "-e", "x"])
            .env("ENVSAFE_TEST_CRASH_AT", format!("commit:{n}"))
            .output()
            .unwrap();
        assert_one_key(&p, &files, &expected);
        if out.status.success() {
            break;
        }
        killed_at.push(n);
    }
    assert!(
        killed_at.len() >= 9,
        "4 files, pin and keys file: {killed_at:?}"
    );

    // SIGKILL after N ms, across the whole run.
    let start = std::time::Instant::now();
    p.envsafe(&["rotate", "-e", "x"]).assert().success();
    let full = start.elapsed();
    for i in 0..24u32 {
        let mut child = p
            .envsafe_std(&["rotate", "-e", "x"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * i / 20);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_one_key(&p, &files, &expected);
    }
}

#[test]
fn identity_new_in_the_keyring_unlocks_the_team_file_and_is_never_replaced() {
    let t = team();
    let home = tempfile::tempdir().unwrap();
    let recipient = stdout(
        t.p.envsafe(&["identity", "new", "--keyring"])
            .env("HOME", home.path()),
    )
    .trim()
    .to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    assert!(!home.path().join(".config").exists(), "no file written");
    let shown = stdout(t.p.envsafe(&["identity", "show"]).env("HOME", home.path()));
    assert_eq!(shown.trim(), recipient);
    let again =
        t.p.envsafe(&["identity", "new", "--keyring"])
            .env("HOME", home.path())
            .output()
            .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // An admin (alice) adds it; the keyring identity then opens the team file.
    let alice = &t.members[0];
    alice
        .run(
            &t.p,
            &t.path,
            &["recipients", "add", &recipient, "--name", "kim"],
        )
        .assert()
        .success();
    let got = stdout(
        t.p.envsafe(&["run", "--", "sh", "-c", "printf %s \"$API_KEY\""])
            .env("HOME", home.path()),
    );
    assert_eq!(got, API);
}

/// Runs `envsafe ARGS` on a pseudo-terminal (python's pty), answering the
/// first passphrase prompt with `answer`: (exit code, what the terminal
/// showed).
fn on_terminal(p: &Project, home: &Path, args: &[&str], answer: &str) -> (i32, String) {
    const DRIVER: &str = r#"
import os, pty, select, signal, sys, time
answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, answered = b"", False
while True:
    if not select.select([fd], [], [], 60)[0]:  # a second prompt: never hang
        os.kill(pid, signal.SIGKILL)
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not answered and b"passphrase for" in seen:
        time.sleep(0.1)
        os.write(fd, answer)
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let bin = assert_cmd::cargo::cargo_bin("envsafe");
    let mut cmd = StdCommand::new("python3");
    cmd.arg("-c").arg(DRIVER).arg(answer).arg(bin).args(args);
    cmd.current_dir(p.path())
        .env("HOME", home)
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ENVSAFE_") {
            cmd.env_remove(&k);
        }
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_passphrase_protected_ssh_key_asks_on_the_terminal_once() {
    let plugin = plugin_dir();
    let path = path_with(&plugin);
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_KEY"])
        .write_stdin(API)
        .assert()
        .success();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
    let key = home.path().join(".ssh/id_ed25519");
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "correct horse",
            "-f",
            key.to_str().unwrap(),
        ],
    );
    let public = std::fs::read_to_string(home.path().join(".ssh/id_ed25519.pub")).unwrap();
    // Another ssh recipient first: its stanza must not trigger a prompt.
    let other = ssh_member("ed25519", "other");
    for r in [other.recipient.as_str(), public.trim()] {
        p.envsafe(&["recipients", "add", r])
            .env("PATH", &path)
            .assert()
            .success();
    }
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let args = ["run", "--", "sh", "-c", "printf '[%s]' \"$API_KEY\""];
    let (code, screen) = on_terminal(&p, home.path(), &args, "correct horse");
    assert_eq!(code, 0, "{screen}");
    assert_eq!(screen.matches("passphrase for").count(), 1, "{screen}");
    assert!(screen.contains(&format!("[{API}]")), "{screen}");
    assert!(
        !screen.contains("correct horse"),
        "the passphrase is not echoed"
    );
    // A wrong passphrase: skipped and named, exit 4.
    let (code, screen) = on_terminal(&p, home.path(), &args, "wrong");
    assert_eq!(code, 4, "{screen}");
    assert!(screen.contains("passphrase not given or wrong"), "{screen}");
}

#[test]
fn a_recipient_added_to_envsafe_toml_by_hand_never_receives_the_key() {
    let t = team();
    let alice = &t.members[0];
    // Mallory, with commit access but no key, lists herself.
    let mallory = stdout(&mut t.p.envsafe(&["keygen"]));
    let mallory = mallory
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("# public key: ");
    let config = t.p.read("envsafe.toml");
    let config = config.replacen(
        "recipients = [",
        &format!("recipients = [\n    \"{mallory} ops-bot\","),
        1,
    );
    t.p.write("envsafe.toml", &config);
    let before = t.p.snapshot();
    let newcomer = stdout(&mut t.p.envsafe(&["keygen"]));
    let newcomer = newcomer
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("# public key: ");
    for args in [
        vec!["recipients", "add", newcomer],
        vec!["rotate"],
        vec!["recipients", "remove", "bob"],
    ] {
        let err = failure(&mut alice.run(&t.p, &t.path, &args), 2);
        assert!(err.contains(&format!("{mallory} ops-bot")), "{err}");
        assert!(err.contains("git log -p envsafe.toml"), "{err}");
        assert_eq!(t.p.snapshot(), before, "{args:?} changed nothing");
    }
    // Removing the hand-added line's recipient works, and rotates.
    alice
        .run(&t.p, &t.path, &["recipients", "remove", "ops-bot"])
        .assert()
        .success();
    assert!(!t.p.read("envsafe.toml").contains(mallory));
    // A team file replaced by one the environment key does not open.
    let exported = stdout(&mut alice.run(&t.p, &t.path, &["keys", "export"]));
    let key_now = exported.trim().split_once('=').unwrap().1.to_owned();
    let other = Project::new();
    other.envsafe(&["init"]).assert().success();
    other
        .envsafe(&["recipients", "add", mallory])
        .assert()
        .success();
    std::fs::copy(
        other.file(".envsafe/development.age"),
        t.p.file(".envsafe/development.age"),
    )
    .unwrap();
    let err = failure(
        alice
            .run(&t.p, &t.path, &["recipients", "add", newcomer])
            .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &key_now),
        2,
    );
    assert!(
        err.contains("damaged or was not written for this key"),
        "{err}"
    );
    assert!(err.contains("--confirm-recipients"), "{err}");
}

#[test]
fn rotate_shows_progress_on_a_terminal_for_many_values() {
    let p = Project::new();
    p.write("envsafe.toml", "[environments.x]\nfiles = [\"big.env\"]\n");
    let text: String = (0..2500).map(|i| format!("S_{i}=value-{i}\n")).collect();
    p.write("big.env", &text);
    p.envsafe(&["encrypt", "-e", "x", "-f", "big.env"])
        .assert()
        .success();
    let (code, screen) = on_terminal(&p, p.path(), &["rotate", "-e", "x"], "");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("/2500 values re-encrypted"), "{screen}");
    assert!(screen.contains("rotated `x`: 2500 value(s)"), "{screen}");
    // Not on a pipe, where it would be noise in a log.
    let out = p.envsafe(&["rotate", "-e", "x"]).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("re-encrypted\r"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("/2500"));
}

#[test]
fn rotate_refuses_a_subset_of_a_declared_environment() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.x]\nfiles = [\"a.env\", \"b.env\"]\n",
    );
    for f in ["a.env", "b.env"] {
        p.write(f, "TOKEN=value-123456\n");
        p.envsafe(&["encrypt", "-e", "x", "-f", f])
            .assert()
            .success();
    }
    let before = p.snapshot();
    let out = p
        .envsafe(&["rotate", "-e", "x", "-f", "a.env"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(p.snapshot(), before);
}

/// The age public key of a fresh keypair.
fn fresh_recipient(p: &Project) -> String {
    let out = stdout(&mut p.envsafe(&["keygen"]));
    out.lines()
        .next()
        .unwrap()
        .trim_start_matches("# public key: ")
        .to_owned()
}

#[test]
fn a_forged_or_missing_team_file_cannot_vouch_for_a_hand_added_recipient() {
    let t = team();
    let alice = &t.members[0];
    let eve = fresh_recipient(&t.p);
    let pin = t.p.header_key(".env");
    let listed: Vec<String> =
        t.p.read("envsafe.toml")
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .filter_map(|l| l.strip_suffix("\","))
            .map(str::to_owned)
            .collect();
    assert_eq!(listed.len(), 4, "{listed:?}");
    let config = t.p.read("envsafe.toml").replacen(
        "recipients = [",
        &format!("recipients = [\n    \"{eve} alice-laptop\","),
        1,
    );
    t.p.write("envsafe.toml", &config);
    // Eve writes a team file to the public key, recording herself.
    let mut forged = format!("# recipient: {eve} alice-laptop\n");
    for e in &listed {
        forged.push_str(&format!("# recipient: {e}\n"));
    }
    forged.push_str("# recipients-seal: AAAA\n");
    t.p.write("forged.txt", &forged);
    run(
        "age",
        &[
            "-a",
            "-r",
            &pin,
            "-o",
            t.p.file(".envsafe/development.age").to_str().unwrap(),
            t.p.file("forged.txt").to_str().unwrap(),
        ],
    );
    let newcomer = fresh_recipient(&t.p);
    let before = t.p.snapshot();
    for args in [vec!["recipients", "add", &newcomer], vec!["rotate"]] {
        let err = failure(
            alice
                .run(&t.p, &t.path, &args)
                .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &t.env_key),
            2,
        );
        assert!(err.contains("not sealed by the key"), "{err}");
        assert_eq!(t.p.snapshot(), before);
    }
    // No team file at all: nothing vouches either.
    std::fs::remove_file(t.p.file(".envsafe/development.age")).unwrap();
    let out = alice
        .run(&t.p, &t.path, &["rotate"])
        .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &t.env_key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no team key file to vouch"));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&eve));
    // The admin reviews the list and confirms it.
    alice
        .run(&t.p, &t.path, &["rotate", "--confirm-recipients"])
        .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &t.env_key)
        .assert()
        .success();
    assert!(runs_with_db(&t, &t.members[1]));
}

#[test]
fn display_names_are_unique_and_a_name_removes_exactly_one_recipient() {
    let t = team();
    let alice = &t.members[0];
    let eve = fresh_recipient(&t.p);
    let out = alice
        .run(
            &t.p,
            &t.path,
            &["recipients", "add", &eve, "--name", "alice"],
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already named `alice`"));
    // Two entries named alike by hand: `remove NAME` refuses to guess.
    let config = t.p.read("envsafe.toml").replace(" bob\"", " alice\"");
    t.p.write("envsafe.toml", &config);
    let err = failure(
        &mut alice.run(
            &t.p,
            &t.path,
            &["recipients", "remove", "alice", "--no-rotate"],
        ),
        2,
    );
    assert!(err.contains("names 2 recipients"), "{err}");
    // Flags after the action, and names with a newline or a key refused.
    let listed = stdout(
        &mut t
            .p
            .envsafe(&["recipients", "list", "-e", "development", "--json"]),
    );
    assert!(listed.contains("\"recipients\""), "{listed}");
    for bad in ["kim\nroot\tage\tage1x", "AGE-SECRET-KEY-1QQQQQQQQQQQQ"] {
        let out = alice
            .run(&t.p, &t.path, &["recipients", "add", &eve, "--name", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("QQQQ"));
    }
}

#[test]
fn an_identity_variable_holding_a_key_is_never_echoed() {
    let t = team();
    let home = tempfile::tempdir().unwrap();
    for value in [
        format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT={}", t.env_key),
        t.env_key.to_lowercase(),
        format!("\"{}\"", t.env_key),
    ] {
        let out =
            t.p.envsafe(&["run", "--", "true"])
                .env("HOME", home.path())
                .env("ENVSAFE_IDENTITY", &value)
                .output()
                .unwrap();
        // (The lower-case key is a valid age identity, and the environment
        // key is a recipient of its own team file: that one may open it.)
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.to_uppercase().contains(&t.env_key[16..]), "{err}");
    }
    // A private key given where a recipient goes: refused, not shown.
    let out =
        t.p.envsafe(&["recipients", "add", &t.env_key])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&t.env_key[16..24]));
}

#[test]
fn the_environment_key_itself_and_hand_removals_are_refused() {
    let t = team();
    let alice = &t.members[0];
    let own = t.p.header_key(".env");
    let out = alice
        .run(&t.p, &t.path, &["recipients", "add", &own, "--name", "ci"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the environment's own public key"));
    // Someone empties the list by hand: rotating would lock the team out.
    let config = t.p.read("envsafe.toml");
    let start = config.find("recipients = [").unwrap();
    let end = start + config[start..].find(']').unwrap() + 1;
    t.p.write(
        "envsafe.toml",
        &format!("{}{}", &config[..start], &config[end..]),
    );
    let before = t.p.snapshot();
    let newcomer = fresh_recipient(&t.p);
    for args in [vec!["rotate"], vec!["recipients", "add", &newcomer]] {
        let err = failure(&mut alice.run(&t.p, &t.path, &args), 2);
        assert!(err.contains("no longer lists recipients"), "{err}");
        assert_eq!(t.p.snapshot(), before);
    }
}

#[test]
fn pasted_private_keys_and_invisible_names_are_refused_unseen() {
    let t = team();
    let alice = &t.members[0];
    let bob = &t.members[1];
    let ssh_key = std::fs::read_to_string(&bob.identity_file).unwrap();
    let body: String = ssh_key.lines().skip(1).take(1).collect();
    for args in [
        vec!["recipients", "add", ssh_key.as_str()],
        vec!["recipients", "remove", ssh_key.as_str()],
    ] {
        let err = failure(&mut alice.run(&t.p, &t.path, &args), 2);
        assert!(!err.contains(&body), "{err}");
    }
    let out =
        t.p.envsafe(&["run", "--", "true"])
            .env("HOME", tempfile::tempdir().unwrap().path())
            .env("ENVSAFE_IDENTITY", &body)
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&body));
    let eve = fresh_recipient(&t.p);
    for name in ["bo\u{200b}b", "\u{202e}bob", "age1abc"] {
        let out = alice
            .run(&t.p, &t.path, &["recipients", "add", &eve, "--name", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name:?}");
    }
}

#[test]
fn envsafe_opens_team_files_for_age_identities_without_its_helper() {
    let t = team();
    // envsafe alone, without envsafe-team beside it or on PATH.
    let alone = tempfile::tempdir().unwrap();
    let bin = alone.path().join("envsafe");
    std::fs::copy(assert_cmd::cargo::cargo_bin("envsafe"), &bin).unwrap();
    let run_as = |m: &Member| {
        let mut cmd = StdCommand::new(&bin);
        cmd.args(["run", "--", "sh", "-c", "printf %s \"$DB_PASSWORD\""])
            .current_dir(t.p.path())
            .env("HOME", m.home.path())
            .env("PATH", "/usr/bin:/bin")
            .env_remove("ENVSAFE_IDENTITY");
        cmd.output().unwrap()
    };
    let alice = run_as(&t.members[0]);
    assert!(
        alice.status.success(),
        "{}",
        String::from_utf8_lossy(&alice.stderr)
    );
    assert_eq!(alice.stdout, DB.as_bytes());
    // An ssh identity needs the helper (it links age): named, exit 4.
    let bob = run_as(&t.members[1]);
    assert_eq!(bob.status.code(), Some(4));
    let err = String::from_utf8_lossy(&bob.stderr);
    assert!(err.contains("envsafe-team is not installed"), "{err}");
    // A team command without the helper: a clear error.
    let out = StdCommand::new(&bin)
        .args(["recipients", "list"])
        .current_dir(t.p.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not start envsafe-team"));
}
