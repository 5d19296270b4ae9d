//! Score classes (tiers): groups of models whose scores the votes cannot
//! tell apart from the best model of the group, as compar:IA shows them
//! since August 2026 instead of bare ranks.
//!
//! Rule, over the rated models with an interval, best score first: the
//! first model opens class 1 and its lower bound is the class's anchor; each
//! following model joins the current class while its upper bound reaches
//! the anchor (`upper ≥ anchor`); the first model whose upper bound is below
//! it opens the next class, with its own lower bound as the new anchor.
//! There are at most [`MAX_TIERS`] classes: the last one takes every model
//! after it. The anchor stays fixed for the life of a class, so a chain of
//! overlapping intervals cannot merge everything into one class.
//!
//! Source: compar:IA's `frontend/src/lib/models.ts` (`assignRankClasses`: a
//! new class opens when `score_p97_5 < anchor` and fewer than
//! `RANK_CLASS_COUNT` = 8 classes exist, `frontend/src/lib/theme.ts`).

/// The largest number of classes.
pub const MAX_TIERS: u32 = 8;

/// The class (1 = best) of each model, given `(lower, upper)` interval
/// bounds in rank order, best first.
pub fn tiers(bounds: &[(f64, f64)]) -> Vec<u32> {
    let mut out = Vec::with_capacity(bounds.len());
    let mut current: Option<(u32, f64)> = None;
    for &(lower, upper) in bounds {
        let tier = match current {
            Some((tier, anchor)) if upper >= anchor || tier == MAX_TIERS => tier,
            Some((tier, _)) => {
                current = Some((tier + 1, lower));
                tier + 1
            }
            None => {
                current = Some((1, lower));
                1
            }
        };
        out.push(tier);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_runs_while_upper_bounds_reach_its_anchor() {
        // Anchor 10 (first lower bound): 12 and 10 reach it, 9.5 does not
        // and anchors class 2 at 8; 8 reaches that, 7 does not.
        let bounds = [
            (10.0, 14.0),
            (9.0, 12.0),
            (8.5, 10.0),
            (8.0, 9.5),
            (6.0, 8.0),
            (5.0, 7.0),
        ];
        assert_eq!(tiers(&bounds), vec![1, 1, 1, 2, 2, 3]);
        assert!(tiers(&[]).is_empty());
    }

    #[test]
    fn the_eighth_class_takes_the_rest() {
        // Disjoint intervals: each model would open a class of its own.
        let bounds: Vec<(f64, f64)> = (0..12)
            .map(|i| (100.0 - 10.0 * i as f64, 104.0 - 10.0 * i as f64))
            .collect();
        assert_eq!(tiers(&bounds), vec![1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]);
    }
}
