//! Progress on stderr: one spinner per phase, only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use suppress_analyze::Progress;

/// Draws a spinner for the running phase and leaves a line with its time when it ends.
pub struct Spinners {
    current: Mutex<Option<ProgressBar>>,
}

impl Spinners {
    /// Spinners when stderr is a terminal and not `quiet`; otherwise nothing at all.
    pub fn for_stderr(quiet: bool) -> Option<Spinners> {
        (!quiet && std::io::stderr().is_terminal()).then(|| Spinners { current: Mutex::new(None) })
    }
}

impl Progress for Spinners {
    fn started(&self, phase: &str, detail: &str) {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed_precise}").expect("valid template"));
        bar.set_message(format!("{phase:<16} {detail}"));
        bar.enable_steady_tick(Duration::from_millis(100));
        *self.current.lock().expect("not poisoned") = Some(bar);
    }

    fn finished(&self, _phase: &str) {
        if let Some(bar) = self.current.lock().expect("not poisoned").take() {
            bar.set_style(ProgressStyle::with_template("✓ {msg} {elapsed_precise}").expect("valid template"));
            bar.finish();
        }
    }
}
