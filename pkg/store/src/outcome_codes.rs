//! How the `votes.outcome` column writes an outcome: one small integer per
//! [`Outcome`], shared by the writers, the readers and the migrations.

use super::Outcome;

/// The code of an outcome in the `votes.outcome` column (writers in
/// `import`, readers in `read`).
pub(super) fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::A => 0,
        Outcome::B => 1,
        Outcome::Tie => 2,
        Outcome::BothBad => 3,
    }
}

/// The outcome a `votes.outcome` code stands for; `None` for a code no
/// version wrote.
pub(super) fn outcome_from_code(code: u8) -> Option<Outcome> {
    match code {
        0 => Some(Outcome::A),
        1 => Some(Outcome::B),
        2 => Some(Outcome::Tie),
        3 => Some(Outcome::BothBad),
        _ => None,
    }
}
