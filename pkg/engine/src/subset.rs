//! Row subsets of a `scatter` or `leaderboard` answer (the `subset` key).
//!
//! Grafana's xychart binds each series to a frame by its index, and
//! transformations with a `filter` reorder the frames they skip, so a panel
//! that filters one query's rows into "frontier" and "selected" frames ends up
//! drawing the wrong rows. Instead, a panel sends one query per series and the
//! engine returns each series' rows already chosen: the frontier (cheapest
//! first, the order its line is drawn in), the selected models, or one
//! architecture (one colour of the legend).
//!
//! A subset is applied *after* the result cache: every subset of the same
//! query shares one fit, and the ranks, Pareto flags and scores of a row are
//! the same whichever subset it is returned in.

use super::{ModelRow, QueryResult, Subset};

/// The rows of `result` that `subset` keeps; other results are unchanged.
pub fn apply(result: QueryResult, subset: Subset) -> QueryResult {
    if subset == Subset::All {
        return result;
    }
    match result {
        QueryResult::Models {
            rows,
            methodology,
            zone,
            mut notices,
            style,
        } => {
            let total = rows.len();
            let rows = choose(rows, subset);
            if rows.is_empty() && total > 0 {
                notices.push(format!(
                    "none of the {total} models shown by the filters is in the subset {}",
                    name(subset)
                ));
            }
            QueryResult::Models {
                rows,
                methodology,
                zone,
                notices,
                style,
            }
        }
        other => other,
    }
}

fn name(subset: Subset) -> &'static str {
    match subset {
        Subset::All => "all",
        Subset::Pareto => "pareto",
        Subset::Selected => "selected",
        Subset::Dense => "dense",
        Subset::Moe => "moe",
        Subset::Matformer => "matformer",
        Subset::Unknown => "unknown",
    }
}

fn choose(rows: Vec<ModelRow>, subset: Subset) -> Vec<ModelRow> {
    let architecture = match subset {
        Subset::All => return rows,
        Subset::Pareto => {
            let mut frontier: Vec<ModelRow> = rows.into_iter().filter(|r| r.pareto).collect();
            frontier.sort_by(|a, b| {
                let wh = |r: &ModelRow| r.wh_per_1k_tokens.unwrap_or(f64::INFINITY);
                wh(a).total_cmp(&wh(b)).then_with(|| {
                    let score = |r: &ModelRow| r.bt_score.unwrap_or(f64::NEG_INFINITY);
                    score(b).total_cmp(&score(a))
                })
            });
            return frontier;
        }
        Subset::Selected => return rows.into_iter().filter(|r| r.selected).collect(),
        Subset::Dense => "dense",
        Subset::Moe => "moe",
        Subset::Matformer => "matformer",
        Subset::Unknown => "unknown",
    };
    rows.into_iter()
        .filter(|r| r.architecture == architecture)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, architecture: &str, score: f64, wh: f64, pareto: bool) -> ModelRow {
        ModelRow {
            model: model.into(),
            display_name: model.into(),
            organization: String::new(),
            license: "MIT".into(),
            architecture: architecture.into(),
            size_class: Some("S".into()),
            size_rank: Some(2),
            arch_code: 1,
            total_params_b: Some(20.0),
            active_params_b: Some(20.0),
            votes: 10,
            bt_score: Some(score),
            bt_ci_low: None,
            bt_ci_high: None,
            rank: Some(1),
            rank_low: Some(1),
            rank_high: Some(1),
            rank_overall: None,
            rank_delta: None,
            rank_ub: Some(1),
            tier: Some(1),
            wh_per_1k_tokens: Some(wh),
            wh_min: None,
            wh_max: None,
            gco2e_per_1k_tokens: None,
            energy_class: None,
            energy_methodology: "ecologits-0.11".into(),
            energy_note: String::new(),
            pareto,
            selected: model == "b",
            bt_score_controlled: None,
            bt_score_raw: None,
        }
    }

    fn models(result: &QueryResult) -> Vec<String> {
        match result {
            QueryResult::Models { rows, .. } => rows.iter().map(|r| r.model.clone()).collect(),
            _ => panic!("not a models result"),
        }
    }

    fn result() -> QueryResult {
        QueryResult::Models {
            rows: vec![
                row("a", "dense", 1100.0, 9.0, true),
                row("b", "moe", 1050.0, 2.0, true),
                row("c", "dense", 1000.0, 5.0, false),
                row("d", "matformer", 990.0, 0.5, true),
            ],
            methodology: "ecologits-0.11".into(),
            zone: "WOR".into(),
            notices: vec![],
            style: None,
        }
    }

    #[test]
    fn the_frontier_comes_cheapest_first() {
        assert_eq!(models(&apply(result(), Subset::Pareto)), ["d", "b", "a"]);
    }

    #[test]
    fn selected_and_architectures_keep_their_rows_in_score_order() {
        assert_eq!(models(&apply(result(), Subset::Selected)), ["b"]);
        assert_eq!(models(&apply(result(), Subset::Dense)), ["a", "c"]);
        assert_eq!(models(&apply(result(), Subset::Moe)), ["b"]);
        assert_eq!(models(&apply(result(), Subset::All)), ["a", "b", "c", "d"]);
    }

    #[test]
    fn an_empty_subset_says_why() {
        let QueryResult::Models { rows, notices, .. } = apply(result(), Subset::Unknown) else {
            panic!("not a models result");
        };
        assert!(rows.is_empty());
        assert!(notices[0].contains("subset unknown"), "{notices:?}");
    }
}
