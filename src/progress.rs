//! Progress on standard error for long runs: a bar when standard error is a terminal,
//! nothing at all (no control characters) when it is not.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar that draws only on a terminal.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
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
