//! The satisfaction/energy Pareto frontier: the models no other model beats on
//! both axes at once (a higher BT score for less energy). It answers the
//! compar:IA page's question of how to balance perceived quality and energy
//! sobriety, which the scatter alone leaves to the eye.

/// For each `(bt_score, wh)` point, whether it is on the frontier. A point is
/// dominated when another point is at least as good on both axes and strictly
/// better on one; points missing either value are never on the frontier.
pub fn frontier(points: &[(Option<f64>, Option<f64>)]) -> Vec<bool> {
    let mut order: Vec<(usize, f64, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match *p {
            (Some(score), Some(wh)) if score.is_finite() && wh.is_finite() => Some((i, score, wh)),
            _ => None,
        })
        .collect();
    // Cheapest first; among equal energy, best score first.
    order.sort_by(|a, b| a.2.total_cmp(&b.2).then(b.1.total_cmp(&a.1)));
    let mut on_frontier = vec![false; points.len()];
    let mut best_score = f64::NEG_INFINITY;
    let mut best_wh = f64::NEG_INFINITY;
    for (i, score, wh) in order {
        // Every point seen so far uses at most this energy.
        let dominated = best_score > score || (best_score == score && best_wh < wh);
        if !dominated {
            on_frontier[i] = true;
        }
        if score > best_score {
            best_score = score;
            best_wh = wh;
        }
    }
    on_frontier
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, checked pair by pair.
    fn brute(points: &[(Option<f64>, Option<f64>)]) -> Vec<bool> {
        points
            .iter()
            .map(|p| match *p {
                (Some(s), Some(w)) => !points.iter().any(|q| match *q {
                    (Some(s2), Some(w2)) => s2 >= s && w2 <= w && (s2 > s || w2 < w),
                    _ => false,
                }),
                _ => false,
            })
            .collect()
    }

    #[test]
    fn small_example() {
        let points = [
            (Some(1100.0), Some(10.0)), // best score
            (Some(1000.0), Some(1.0)),  // cheapest
            (Some(990.0), Some(5.0)),   // dominated by the cheapest
            (Some(1050.0), Some(3.0)),  // in between
            (None, Some(0.1)),          // no score
            (Some(1200.0), None),       // no energy
            (Some(1050.0), Some(3.0)),  // a tie with a frontier point stays on it
        ];
        assert_eq!(
            frontier(&points),
            vec![true, true, false, true, false, false, true]
        );
    }

    proptest::proptest! {
        #[test]
        fn matches_the_definition(raw in proptest::collection::vec((0u8..20, 0u8..20, proptest::bool::ANY), 0..40)) {
            let points: Vec<_> = raw
                .iter()
                .map(|&(s, w, known)| (Some(900.0 + s as f64), if known { Some(w as f64) } else { None }))
                .collect();
            proptest::prop_assert_eq!(frontier(&points), brute(&points));
        }
    }
}
