//! Progress bars for long work on the command line (embedding a help
//! center, `eval`, `bench`, `chat-bench`): drawn on stderr when it is a
//! terminal, silent otherwise (logs, CI, tests, a server under systemd).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar; it clears itself when dropped, so an early return (an error)
/// leaves no half-drawn line behind.
pub struct Progress(ProgressBar);

impl Progress {
    /// A bar of `len` steps, labelled with what is being done.
    pub fn new(len: u64, label: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(len), target());
        let style = ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} ({eta} left)")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(label.to_string());
        if !bar.is_hidden() {
            // Redrawn as time passes, so a slow step still shows life.
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Progress(bar)
    }

    pub fn inc(&self, steps: u64) {
        self.0.inc(steps);
    }

    pub fn set(&self, position: u64) {
        self.0.set_position(position);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}
