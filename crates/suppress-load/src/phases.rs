//! Phases of a run (`analyze`'s loads, classify and write; `quarantine`'s reads, replay and
//! write): their wall times for `summary.json`, and who hears about them (the CLI's spinners).

use std::time::Instant;

/// Hears about phases as they start and finish (the CLI draws progress bars with it).
pub trait Progress: Sync {
    /// `detail` says what the phase works on, such as a row count.
    fn started(&self, _phase: &str, _detail: &str) {}
    fn finished(&self, _phase: &str) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Records the wall time of each phase and tells `progress` about it.
pub struct Clock<'a> {
    start: Instant,
    phases: Vec<(String, u64)>,
    progress: &'a dyn Progress,
}

impl<'a> Clock<'a> {
    pub fn new(progress: &'a dyn Progress) -> Clock<'a> {
        Clock { start: Instant::now(), phases: Vec::new(), progress }
    }

    /// Runs phase `name`, timed.
    pub fn time<T>(&mut self, name: &str, detail: &str, f: impl FnOnce() -> T) -> T {
        let (value, ms) = timed(self.progress, name, detail, f);
        self.phases.push((name.into(), ms));
        value
    }

    /// Runs two phases at the same time on the pool, each timed on its own: their times
    /// overlap, so phases can add up to more than `total`.
    pub fn time_both<A: Send, B: Send>(
        &mut self,
        (a_name, a_detail, a): (&str, &str, impl FnOnce() -> A + Send),
        (b_name, b_detail, b): (&str, &str, impl FnOnce() -> B + Send),
    ) -> (A, B) {
        let progress = self.progress;
        let ((a, a_ms), (b, b_ms)) =
            rayon::join(|| timed(progress, a_name, a_detail, a), || timed(progress, b_name, b_detail, b));
        self.phases.push((a_name.into(), a_ms));
        self.phases.push((b_name.into(), b_ms));
        (a, b)
    }

    /// Every phase so far, then `total`.
    pub fn timings(&self) -> Vec<(String, u64)> {
        let mut timings = self.phases.clone();
        timings.push(("total".into(), self.start.elapsed().as_millis() as u64));
        timings
    }
}

/// Runs phase `name`, telling `progress`; returns its value and wall time in milliseconds.
fn timed<T>(progress: &dyn Progress, name: &str, detail: &str, f: impl FnOnce() -> T) -> (T, u64) {
    progress.started(name, detail);
    let start = Instant::now();
    let value = f();
    let ms = start.elapsed().as_millis() as u64;
    progress.finished(name);
    (value, ms)
}

/// A phase's detail: `n rows`.
pub fn rows(n: u64) -> String {
    format!("{n} rows")
}
