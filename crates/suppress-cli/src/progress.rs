//! Progress on stderr: one spinner per running phase, only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use suppress_analyze::Progress;

/// Draws a spinner for each running phase (two can run at once) and leaves a line with its
/// time when it ends.
pub struct Spinners {
    lines: MultiProgress,
    running: Mutex<Vec<(String, ProgressBar)>>,
}

impl Spinners {
    /// Spinners when stderr is a terminal and not `quiet`; otherwise nothing at all.
    pub fn for_stderr(quiet: bool) -> Option<Spinners> {
        (!quiet && std::io::stderr().is_terminal())
            .then(|| Spinners { lines: MultiProgress::new(), running: Mutex::new(Vec::new()) })
    }
}

impl Progress for Spinners {
    fn started(&self, phase: &str, detail: &str) {
        let bar = self.lines.add(ProgressBar::new_spinner());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed_precise}").expect("valid template"));
        bar.set_message(format!("{phase:<16} {detail}"));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.running.lock().expect("not poisoned").push((phase.to_string(), bar));
    }

    fn finished(&self, phase: &str) {
        let mut running = self.running.lock().expect("not poisoned");
        if let Some(k) = running.iter().position(|(name, _)| name == phase) {
            let (_, bar) = running.remove(k);
            bar.set_style(ProgressStyle::with_template("✓ {msg} {elapsed_precise}").expect("valid template"));
            bar.finish();
        }
    }
}

/// Tells the allocator's error path which phase runs (`alloc::set_phase`), and the spinners
/// when there are any.
pub struct Tracked<'a>(pub Option<&'a Spinners>);

impl Progress for Tracked<'_> {
    fn started(&self, phase: &str, detail: &str) {
        crate::alloc::set_phase(phase);
        if let Some(spinners) = self.0 {
            spinners.started(phase, detail);
        }
    }

    fn finished(&self, phase: &str) {
        if let Some(spinners) = self.0 {
            spinners.finished(phase);
        }
    }
}
