//! Running a platform's command line (flyctl, gh, kubectl): found through
//! `ENVSAFE_FLYCTL` / `ENVSAFE_GH` / `ENVSAFE_KUBECTL`, else on PATH; values
//! only ever on its stdin, never in its argv or environment; the child never
//! sees envsafe's key variables. Its stdout goes where the front end says
//! ([`Output`]: the CLI gives its stderr, so `--json` output stays clean).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env_vars;
use crate::error::{Error, Result};

/// Where a platform CLI's stdout goes (a fresh handle per child).
pub type Output<'a> = &'a dyn Fn() -> Stdio;

/// A platform command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Flyctl,
    Gh,
    Kubectl,
}

impl Tool {
    fn variable(self) -> &'static str {
        match self {
            Tool::Flyctl => env_vars::ENVSAFE_FLYCTL,
            Tool::Gh => env_vars::ENVSAFE_GH,
            Tool::Kubectl => env_vars::ENVSAFE_KUBECTL,
        }
    }

    /// Names looked up on PATH, in order.
    fn names(self) -> &'static [&'static str] {
        match self {
            Tool::Flyctl => &["flyctl", "fly"],
            Tool::Gh => &["gh"],
            Tool::Kubectl => &["kubectl"],
        }
    }

    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// The program: the variable's value, else the first name on PATH.
    pub fn find(self) -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(self.variable()).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let path = std::env::var_os("PATH")?;
        self.names().iter().find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|c| is_executable(c))
        })
    }

    /// The program, or an error saying how to get one.
    pub fn require(self, target: &str) -> Result<PathBuf> {
        self.find().ok_or_else(|| Error::PlatformCli {
            target: target.to_owned(),
            message: format!("{} not found on PATH", self.names().join(" or ")),
            help: format!(
                "install it, or set {} to its path (`push --dry-run` needs none)",
                self.variable()
            ),
        })
    }
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `program args…` with envsafe's key variables removed.
fn command(program: &Path, args: &[OsString]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(env_vars::is_key_var) {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn shown(program: &Path, args: &[OsString]) -> String {
    let mut s = program.display().to_string();
    for a in args {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn failed(target: &str, program: &Path, args: &[OsString], why: String) -> Error {
    Error::PlatformCli {
        target: target.to_owned(),
        message: format!("`{}` {why}", shown(program, args)),
        help: "its own message is above; the push ledger records only what was done \
               (`envsafe diff TARGET` lists the rest)"
            .into(),
    }
}

/// A platform CLI process, and how errors name it.
struct Process {
    target: String,
    program: PathBuf,
    args: Vec<OsString>,
    child: std::process::Child,
}

impl Process {
    fn spawn(
        target: &str,
        program: &Path,
        args: &[OsString],
        stdin: Stdio,
        stdout: Stdio,
    ) -> Result<Self> {
        let child = command(program, args)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| failed(target, program, args, format!("could not start: {e}")))?;
        Ok(Self {
            target: target.to_owned(),
            program: program.to_path_buf(),
            args: args.to_vec(),
            child,
        })
    }

    fn fail(&self, why: String) -> Error {
        failed(&self.target, &self.program, &self.args, why)
    }
}

/// A platform CLI started with its stdin open, waiting for the values.
/// Dropped before [`finish`](Self::finish), it is killed: it never reads an
/// end of input, so it never acts on a partial or empty one.
pub struct Started(Option<Process>);

impl Started {
    /// Starts `program args…`; its stdout goes to `output`.
    pub fn start(
        target: &str,
        program: &Path,
        args: &[OsString],
        output: Output<'_>,
    ) -> Result<Self> {
        let process = Process::spawn(target, program, args, Stdio::piped(), output())?;
        // Let the child run now: it is started early so that its start-up
        // overlaps envsafe's decrypting, but a new child tends to wait on
        // its parent's core until the parent sleeps (the k8s push 0.49 ms
        // faster per run with this; after `flyctl version`'s start it made
        // the fly push slower: BENCHMARKS.md).
        std::thread::yield_now();
        Ok(Self(Some(process)))
    }

    /// Gives it `input` (the values), closes its stdin and waits; fails
    /// unless it exits 0.
    pub fn finish(mut self, input: &[u8]) -> Result<()> {
        let mut p = self.0.take().expect("finished once");
        let mut stdin = p.child.stdin.take().expect("stdin is piped");
        let written = stdin.write_all(input);
        drop(stdin);
        let status = p.child.wait().map_err(|e| p.fail(format!("failed: {e}")))?;
        if !status.success() {
            return Err(p.fail(format!("failed ({status})")));
        }
        written.map_err(|e| p.fail(format!("did not read its input: {e}")))
    }
}

impl Drop for Asked {
    fn drop(&mut self) {
        if let Some(mut p) = self.0.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(mut p) = self.0.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

/// Runs `program args…` with `input` on its stdin (the values); its stdout
/// goes to `output`. Fails unless it exits 0.
pub fn send(
    target: &str,
    program: &Path,
    args: &[OsString],
    input: &[u8],
    output: Output<'_>,
) -> Result<()> {
    Started::start(target, program, args, output)?.finish(input)
}

/// A platform CLI started to answer a question (no values involved),
/// read later: `flyctl version` runs while envsafe decrypts.
/// Dropped unanswered (a push refused), it is killed and reaped.
pub struct Asked(Option<Process>);

impl Asked {
    pub fn start(target: &str, program: &Path, args: &[OsString]) -> Result<Self> {
        Process::spawn(target, program, args, Stdio::null(), Stdio::piped()).map(|p| Self(Some(p)))
    }

    /// Its stdout, once it exited 0.
    pub fn answer(mut self) -> Result<String> {
        let Process {
            target,
            program,
            args,
            child,
        } = self.0.take().expect("answered once");
        let fail = |why: String| failed(&target, &program, &args, why);
        let out = child
            .wait_with_output()
            .map_err(|e| fail(format!("failed: {e}")))?;
        if !out.status.success() {
            return Err(fail(format!("failed ({})", out.status)));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| fail("printed something that is not UTF-8".into()))
    }
}

/// Runs `program args…` (no values involved) and returns its stdout.
pub fn output(target: &str, program: &Path, args: &[OsString]) -> Result<String> {
    Asked::start(target, program, args)?.answer()
}

/// Runs `program args…` (no values involved; its stdout to `output`);
/// fails unless it exits 0.
pub fn run(target: &str, program: &Path, args: &[OsString], output: Output<'_>) -> Result<()> {
    let fail = |why: String| failed(target, program, args, why);
    let status = command(program, args)
        .stdin(Stdio::null())
        .stdout(output())
        .status()
        .map_err(|e| fail(format!("could not start: {e}")))?;
    if !status.success() {
        return Err(fail(format!("failed ({status})")));
    }
    Ok(())
}

/// The names in a platform's JSON list of secrets (`flyctl secrets list
/// --json`: `[{"Name": …}]`; `gh secret list --json name`: `[{"name": …}]`).
pub fn names_in_list(target: &str, json: &str) -> Result<Vec<String>> {
    let parsed: serde_json::Value = serde_json::from_str(json).map_err(|e| Error::PlatformCli {
        target: target.to_owned(),
        message: format!("the platform's list of secrets is not JSON: {e}"),
        help: "check the CLI's version (`--json` output is expected)".into(),
    })?;
    let items = parsed.as_array().cloned().unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|i| i.get("Name").or_else(|| i.get("name")))
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect())
}
