//! One run of the binary under a time limit (killed after it: a hang) and, where `prlimit`
//! exists, a 4 GiB address-space cap, with its peak resident memory sampled from `/proc`.

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Workdir;

/// What one run did.
pub struct Ran {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stderr: String,
    pub elapsed: Duration,
    pub peak_rss_kib: u64,
    pub hung: bool,
}

/// Peak resident memory so far (VmHWM), in KiB, while the process is alive.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the binary under a time limit, sampling its peak memory until it exits. Where
/// `prlimit` exists, address space is also capped at 4 GiB, so a runaway fails fast rather
/// than taking the machine with it.
pub fn run_limited(work: &Workdir, args: &[String], limit: Duration) -> Ran {
    let mut command = work.command();
    if Path::new("/usr/bin/prlimit").exists() {
        let program = command.get_program().to_owned();
        let mut wrapped = Command::new("/usr/bin/prlimit");
        wrapped.arg("--as=4294967296").arg(program);
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(key, value),
                None => wrapped.env_remove(key),
            };
        }
        wrapped.current_dir(work.path());
        command = wrapped;
    }
    let stderr_path = work.join("stderr.txt");
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(work.join("stdout.txt")).unwrap())
        .stderr(File::create(&stderr_path).unwrap());
    let start = Instant::now();
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    let mut peak = 0;
    let mut hung = false;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            hung = true;
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code: status.code(),
        signal: status.signal(),
        stderr: String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap()).into_owned(),
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
        hung,
    }
}
