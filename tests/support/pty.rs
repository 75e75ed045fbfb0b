//! The binary with its stderr on a pseudo-terminal, as a person at a terminal sees it:
//! everything drawn there collected, escape codes and all.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};

/// What a run on a terminal left: its exit status, its stdout (piped), and every byte
/// written to the terminal.
pub struct TerminalRun {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub screen: Vec<u8>,
    /// The terminal's width.
    pub columns: u16,
}

impl TerminalRun {
    /// Every line drawn on the terminal, in order: its text cut at each escape code (the
    /// cursor moves and clears between lines and frames), carriage return and newline,
    /// and where it wraps at the terminal's width; trimmed, the empty pieces left out.
    pub fn frames(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.screen);
        let mut pieces = vec![String::new()];
        let mut column = 0;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    skip_escape(&mut chars);
                    pieces.push(String::new());
                }
                '\r' | '\n' => {
                    column = 0;
                    pieces.push(String::new());
                }
                c => {
                    if column == usize::from(self.columns) {
                        column = 0;
                        pieces.push(String::new());
                    }
                    column += 1;
                    pieces.last_mut().unwrap().push(c);
                }
            }
        }
        (pieces.into_iter())
            .map(|piece| piece.trim().to_string())
            .filter(|piece| !piece.is_empty())
            .collect()
    }
}

/// The terminal's width.
pub const COLUMNS: u16 = 160;

/// Runs `command` with stderr on a new 160x40 pseudo-terminal (stdin empty, stdout piped),
/// collecting what it draws until it exits.
pub fn run_on_terminal(command: Command) -> TerminalRun {
    run_on_terminal_sized(command, COLUMNS)
}

/// `run_on_terminal` on a terminal `columns` wide.
pub fn run_on_terminal_sized(mut command: Command, columns: u16) -> TerminalRun {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let size = rustix::termios::Winsize {
        ws_row: 40,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&terminal, size).unwrap();
    command
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(terminal));
    let child = command.spawn().unwrap();
    // The command holds our end of the terminal: dropped, the child's is the last one,
    // and reading stops when the child exits.
    drop(command);
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let mut chunk = [0u8; 4096];
        // Linux answers EIO once the last writer has gone.
        while let Ok(read @ 1..) = master.read(&mut chunk) {
            screen.extend_from_slice(&chunk[..read]);
        }
        screen
    });
    let output = child.wait_with_output().unwrap();
    TerminalRun {
        status: output.status,
        stdout: output.stdout,
        screen: reader.join().unwrap(),
        columns,
    }
}

/// `text` without ANSI escape sequences (CSI `ESC [ ... final`, and two-byte `ESC x`).
pub fn strip_escapes(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            c => plain.push(c),
        }
    }
    plain
}

/// Skips the rest of an escape sequence whose `ESC` was just read.
fn skip_escape(chars: &mut std::str::Chars<'_>) {
    if chars.next() == Some('[') {
        for c in chars.by_ref() {
            if ('\x40'..='\x7e').contains(&c) {
                break;
            }
        }
    }
}
