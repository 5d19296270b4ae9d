//! Bounds on one query's work: caps that refuse a query before it starts
//! work it could never finish, and cancellation that stops work nobody waits
//! for any more.
//!
//! A trend walks one step per day (or week) of its range, and each step is a
//! Bradley–Terry fit; an absurd range (1970 to 9999 is 2,932,897 daily steps)
//! would run for hours and hold every row in memory. So every loop whose
//! length the query chooses has a cap here, checked before the loop starts,
//! and its error names the cap and how to narrow the query.
//!
//! Cancellation: the plugin runs each query on a blocking worker thread. When
//! Grafana's deadline passes or the client goes away, tonic drops the
//! request's future, but a blocking thread cannot be dropped. The plugin
//! therefore runs the engine inside [`run_cancellable`] with a
//! [`CancelFlag`] that its async side raises on drop; the step loops call
//! [`checkpoint`], which then fails the query with [`QueryError::Cancelled`].
//! The flag travels in a thread-local, so the engine's signatures (shared by
//! the CLI, which is never cancelled) stay as they are.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::QueryError;

/// Most steps (fits) one trend may walk: 13 years of daily steps, 95 years
/// of weekly ones. Grafana draws at most a few thousand points per series.
pub const MAX_TREND_STEPS: u64 = 5_000;
/// Most points (steps × models) one trend may return.
pub const MAX_TREND_POINTS: usize = 1_000_000;
/// Most bootstrap replicates one trend may fit (steps × rounds).
pub const MAX_TREND_BOOTSTRAP_FITS: u64 = 200_000;
/// Most bootstrap rounds one fit may use: 10× the rounds that give stable
/// 95% intervals, about 1.5 s on the bundled Chatbot Arena table.
pub const MAX_BOOTSTRAP_ROUNDS: u32 = 10_000;

/// `1234567` → `"1,234,567"`, for counts in messages.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The number of steps of `step_days` days from `first` to `last` (inclusive).
pub fn step_count(first: i64, last: i64, step_days: i64) -> u64 {
    if last < first {
        return 0;
    }
    let span = (last as i128 - first as i128) / step_days.max(1) as i128 + 1;
    u64::try_from(span).unwrap_or(u64::MAX)
}

/// Refuses a trend of more than [`MAX_TREND_STEPS`] steps, or whose
/// bootstrap intervals would fit more than [`MAX_TREND_BOOTSTRAP_FITS`]
/// replicates. `what` names the query type.
pub fn check_trend_steps(
    what: &str,
    steps: u64,
    step_days: u32,
    bootstrap_rounds: Option<u32>,
) -> Result<(), QueryError> {
    let unit = match step_days {
        1 => "daily".to_string(),
        7 => "weekly".to_string(),
        n => format!("{n}-day"),
    };
    if steps > MAX_TREND_STEPS {
        return Err(QueryError::BadQuery(format!(
            "{what}: {} {unit} steps exceed the cap of {}; narrow the time range (from/to) or use a larger step (step: \"week\" or \"auto\")",
            thousands(steps),
            thousands(MAX_TREND_STEPS)
        )));
    }
    if let Some(rounds) = bootstrap_rounds {
        let fits = steps.saturating_mul(u64::from(rounds));
        if fits > MAX_TREND_BOOTSTRAP_FITS {
            return Err(QueryError::BadQuery(format!(
                "{what}: {} {unit} steps × {} bootstrap rounds = {} fits exceed the cap of {}; narrow the time range, use a larger step, fewer rounds, or ci \"sandwich\"",
                thousands(steps),
                thousands(u64::from(rounds)),
                thousands(fits),
                thousands(MAX_TREND_BOOTSTRAP_FITS)
            )));
        }
    }
    Ok(())
}

/// Refuses a trend whose rows passed [`MAX_TREND_POINTS`].
pub fn check_trend_points(what: &str, points: usize) -> Result<(), QueryError> {
    if points > MAX_TREND_POINTS {
        return Err(QueryError::BadQuery(format!(
            "{what}: more than {} points (steps × models) exceed the cap; narrow the time range, use a larger step, or choose fewer models (models, organizations, minVotes)",
            thousands(MAX_TREND_POINTS as u64)
        )));
    }
    Ok(())
}

/// Refuses more than [`MAX_BOOTSTRAP_ROUNDS`] bootstrap rounds.
pub fn check_rounds(rounds: u32) -> Result<(), QueryError> {
    if rounds > MAX_BOOTSTRAP_ROUNDS {
        return Err(QueryError::BadQuery(format!(
            "rounds: {} bootstrap rounds exceed the cap of {} (1000 rounds give stable 95% intervals)",
            thousands(u64::from(rounds)),
            thousands(u64::from(MAX_BOOTSTRAP_ROUNDS))
        )));
    }
    Ok(())
}

/// Raised when nobody waits for a query's answer any more.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that raises the flag when dropped, unless disarmed: held by
    /// the async side, it is dropped with the request's future.
    pub fn raise_on_drop(&self) -> RaiseOnDrop {
        RaiseOnDrop {
            flag: self.clone(),
            armed: true,
        }
    }
}

/// Raises its [`CancelFlag`] on drop unless [`RaiseOnDrop::disarm`]ed.
pub struct RaiseOnDrop {
    flag: CancelFlag,
    armed: bool,
}

impl RaiseOnDrop {
    /// The work finished: dropping the guard no longer cancels anything.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.flag.cancel();
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<CancelFlag>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread with `flag` as the flag [`checkpoint`] reads.
pub fn run_cancellable<T>(flag: &CancelFlag, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<CancelFlag>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(flag.clone()));
    let _restore = Restore(previous);
    work()
}

/// Fails with [`QueryError::Cancelled`] when the running query's flag is
/// raised; `what` names the loop for the log. Cheap: one relaxed load.
pub fn checkpoint(what: &str) -> Result<(), QueryError> {
    let cancelled = CURRENT.with(|c| c.borrow().as_ref().is_some_and(CancelFlag::is_cancelled));
    if cancelled {
        return Err(QueryError::Cancelled(format!(
            "{what}: cancelled (the client went away or its deadline passed)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2_932_897), "2,932,897");
    }

    #[test]
    fn the_absurd_range_is_counted_and_refused() {
        // 1970-01-01 (day 0) to 9999-12-31 (day 2,932,896).
        let steps = step_count(0, 2_932_896, 1);
        assert_eq!(steps, 2_932_897);
        let e = check_trend_steps("trend", steps, 1, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2,932,897 daily steps exceed the cap of 5,000"),
            "{e}"
        );
        assert!(check_trend_steps("trend", 180, 1, Some(200)).is_ok());
        let e = check_trend_steps("trend", 4000, 1, Some(200))
            .unwrap_err()
            .to_string();
        assert!(e.contains("800,000 fits"), "{e}");
        assert_eq!(step_count(i64::MIN, i64::MAX, 1), u64::MAX);
        assert_eq!(step_count(5, 4, 1), 0);
    }

    #[test]
    fn checkpoints_fail_only_inside_a_cancelled_scope() {
        assert!(checkpoint("loop").is_ok());
        let flag = CancelFlag::new();
        assert!(run_cancellable(&flag, || checkpoint("loop")).is_ok());
        drop(flag.raise_on_drop());
        let e = run_cancellable(&flag, || checkpoint("trend")).unwrap_err();
        assert!(matches!(e, QueryError::Cancelled(_)), "{e}");
        assert!(checkpoint("loop").is_ok(), "the scope ends with the call");
        let other = CancelFlag::new();
        other.raise_on_drop().disarm();
        assert!(!other.is_cancelled());
    }
}
