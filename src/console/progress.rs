//! Progress on standard error for long runs: a bar when standard error is a terminal,
//! nothing at all (no control characters) when it is not.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar that draws only on a terminal.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress {
    /// A bar over `len` steps labelled `label`; hidden unless standard error is a terminal.
    pub fn new(len: u64, label: &str) -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} {elapsed}/{eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(label.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// A spinner with elapsed time for work of unknown length (waiting on Python); hidden
    /// unless standard error is a terminal.
    pub fn spinner(label: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
        );
        bar.set_message(label.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress { bar }
    }

    /// Replaces the bar's label (e.g. a sweep's running tally).
    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    /// Prints a line on standard output without tearing the bar.
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| crate::outln!("{}", line.as_ref()));
    }

    /// A progress that never draws (tests, batch jobs).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Marks `done` steps finished; cheap enough to call every few hundred steps.
    pub fn set(&self, done: usize) {
        self.bar.set_position(done as u64);
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
