//! Standard output and error that survive being closed (`xor-repro run … | head`).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE and `println!` panics,
//! losing the run. Here a failed write marks the stream closed and later writes to it are
//! dropped: the work goes on, the run folder is written whole, and at the end
//! [`exit_code`] turns success into 141, the status a Unix tool killed by SIGPIPE reports.
//! Print with [`outln!`](crate::outln), [`out!`](crate::out) and [`errln!`](crate::errln).

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// 128 + SIGPIPE: what a shell reports for a tool that wrote into a closed pipe.
pub const CLOSED_PIPE_STATUS: u8 = 141;

/// Writes `text` to standard output unless it has been closed.
pub fn write_stdout(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` to standard error unless it has been closed.
pub fn write_stderr(text: &str) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if std::io::stderr().lock().write_all(text.as_bytes()).is_err() {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Whether a write to standard output found it closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// The process's exit status: `code`, except that a successful command whose standard
/// output was closed under it exits 141, as `yes | head` does.
pub fn exit_code(code: ExitCode) -> ExitCode {
    if code == ExitCode::SUCCESS && stdout_closed() {
        ExitCode::from(CLOSED_PIPE_STATUS)
    } else {
        code
    }
}

/// `println!` that survives a closed standard output.
#[macro_export]
macro_rules! outln {
    () => { $crate::console::output::write_stdout("\n") };
    ($($arg:tt)*) => { $crate::console::output::write_stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed standard output.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::console::output::write_stdout(&format!($($arg)*)) };
}

/// `eprintln!` that survives a closed standard error.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::console::output::write_stderr(&format!("{}\n", format_args!($($arg)*))) };
}
