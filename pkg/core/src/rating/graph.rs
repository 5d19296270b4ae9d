//! The comparison graph: which models can be given a finite score at all.
//!
//! A BT maximum-likelihood estimate exists and is unique exactly when the
//! directed "beat" graph (an edge i → j when i got credit against j: a win, or
//! a tie under a policy that keeps ties) is strongly connected (Zermelo, Ford).
//! So, before fitting:
//!
//! 1. the undirected graph of pairs with votes is split into connected
//!    components; only the largest one (the "main" one) is rated, the others get
//!    [`RatingStatus::Disconnected`] with their component index, because scores
//!    in different components share no scale;
//! 2. inside the main component, the strongly connected components of the
//!    beat graph are found; the largest is fitted. Models that beat their way
//!    into it but never lost to it (ancestors in the condensation) have an
//!    MLE of +∞ and get [`RatingStatus::NeverLost`]; those it beat without ever
//!    beating back get [`RatingStatus::NeverWon`]; the rare rest, with no
//!    direction at all relative to it, get [`RatingStatus::Unbounded`].
//!
//! A model that lost every vote is the common case of `NeverWon`; the
//! definition above also covers groups, which a per-model check would miss and
//! which would make Newton's method run off to infinity.

use super::{PairCount, RatingStatus, TiePolicy};

/// The outcome of the graph analysis.
#[derive(Debug, Clone)]
pub struct GraphAnalysis {
    /// Status of every model of the table (by table index).
    pub status: Vec<RatingStatus>,
    /// Table indices of the models to fit, ascending.
    pub fitted: Vec<usize>,
    /// Connected components (table indices), largest first.
    pub components: Vec<Vec<usize>>,
}

/// Effective credits of each side of a pair under a tie policy: (lo beat hi, hi beat lo).
fn credits(p: &PairCount, ties: TiePolicy) -> (bool, bool) {
    let tied = p.ties + p.ties_both_bad > 0;
    match ties {
        TiePolicy::Drop => (p.wins_lo > 0, p.wins_hi > 0),
        TiePolicy::Half | TiePolicy::Davidson => (p.wins_lo > 0 || tied, p.wins_hi > 0 || tied),
    }
}

/// Orders groups of model indices largest first, ties broken by the smallest
/// model name, so that the choice does not depend on how models are numbered.
fn order_groups(groups: &mut [Vec<usize>], names: &[String]) {
    for g in groups.iter_mut() {
        g.sort_unstable();
    }
    let key = |g: &Vec<usize>| g.iter().map(|&i| names[i].as_str()).min().unwrap_or("");
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| key(a).cmp(key(b))));
}

/// Analyses the graph of `pairs` (validated, `lo < hi < names.len()`).
pub fn analyse(names: &[String], pairs: &[PairCount], ties: TiePolicy) -> GraphAnalysis {
    let n = names.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut in_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut undirected: Vec<Vec<usize>> = vec![Vec::new(); n];
    for p in pairs {
        let (lo_beat, hi_beat) = credits(p, ties);
        if !(lo_beat || hi_beat) {
            continue;
        }
        undirected[p.lo].push(p.hi);
        undirected[p.hi].push(p.lo);
        if lo_beat {
            out_edges[p.lo].push(p.hi);
            in_edges[p.hi].push(p.lo);
        }
        if hi_beat {
            out_edges[p.hi].push(p.lo);
            in_edges[p.lo].push(p.hi);
        }
    }

    let mut status = vec![RatingStatus::NoVotes; n];
    let mut components = connected_components(&undirected);
    order_groups(&mut components, names);
    for (c, members) in components.iter().enumerate().skip(1) {
        for &m in members {
            status[m] = RatingStatus::Disconnected { component: c };
        }
    }
    let Some(main) = components.first() else {
        return GraphAnalysis {
            status,
            fitted: Vec::new(),
            components,
        };
    };

    let mut sccs = strongly_connected(main, &out_edges, &in_edges, n);
    order_groups(&mut sccs, names);
    let core: Vec<usize> = match sccs.first() {
        Some(s) if s.len() >= 2 => s.clone(),
        _ => Vec::new(),
    };
    if core.is_empty() {
        // No two models bound each other: nothing has a finite MLE.
        for &m in main {
            let has_out = !out_edges[m].is_empty();
            let has_in = !in_edges[m].is_empty();
            status[m] = match (has_out, has_in) {
                (true, false) => RatingStatus::NeverLost,
                (false, true) => RatingStatus::NeverWon,
                _ => RatingStatus::Unbounded,
            };
        }
        return GraphAnalysis {
            status,
            fitted: Vec::new(),
            components,
        };
    }
    let reaches_core = reach(&core, &in_edges, n); // can reach the core: beat it transitively
    let reached_from_core = reach(&core, &out_edges, n);
    for &m in main {
        status[m] = match (reaches_core[m], reached_from_core[m]) {
            (true, true) => RatingStatus::Ok,
            (true, false) => RatingStatus::NeverLost,
            (false, true) => RatingStatus::NeverWon,
            (false, false) => RatingStatus::Unbounded,
        };
    }
    GraphAnalysis {
        status,
        fitted: core,
        components,
    }
}

fn connected_components(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacency.len();
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for start in 0..n {
        if seen[start] || adjacency[start].is_empty() {
            continue;
        }
        let mut members = vec![start];
        seen[start] = true;
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            for &w in &adjacency[v] {
                if !seen[w] {
                    seen[w] = true;
                    members.push(w);
                    stack.push(w);
                }
            }
        }
        out.push(members);
    }
    out
}

/// Nodes from which `targets` can be reached following `edges` backwards,
/// i.e. a breadth-first search from `targets` over `edges`.
fn reach(targets: &[usize], edges: &[Vec<usize>], n: usize) -> Vec<bool> {
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = targets.to_vec();
    for &t in targets {
        seen[t] = true;
    }
    while let Some(v) = stack.pop() {
        for &w in &edges[v] {
            if !seen[w] {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    seen
}

/// Kosaraju's algorithm restricted to `nodes`, iterative (no recursion depth limit).
fn strongly_connected(
    nodes: &[usize],
    out_edges: &[Vec<usize>],
    in_edges: &[Vec<usize>],
    n: usize,
) -> Vec<Vec<usize>> {
    let mut visited = vec![false; n];
    let mut finish_order = Vec::with_capacity(nodes.len());
    for &start in nodes {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = out_edges[v].get(*next) {
                *next += 1;
                if !visited[w] {
                    visited[w] = true;
                    stack.push((w, 0));
                }
            } else {
                finish_order.push(v);
                stack.pop();
            }
        }
    }
    let mut assigned = vec![false; n];
    let mut sccs = Vec::new();
    for &root in finish_order.iter().rev() {
        if assigned[root] {
            continue;
        }
        assigned[root] = true;
        let mut members = vec![root];
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            for &w in &in_edges[v] {
                if !assigned[w] {
                    assigned[w] = true;
                    members.push(w);
                    stack.push(w);
                }
            }
        }
        sccs.push(members);
    }
    sccs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pc(lo: usize, hi: usize, wins_lo: u64, wins_hi: u64, ties: u64) -> PairCount {
        PairCount {
            lo,
            hi,
            wins_lo,
            wins_hi,
            ties,
            ties_both_bad: 0,
        }
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("m{i}")).collect()
    }

    #[test]
    fn never_won_and_never_lost_are_found() {
        // 0,1,2 beat each other; 3 beat everyone; 4 lost to everyone.
        let pairs = vec![
            pc(0, 1, 3, 2, 0),
            pc(1, 2, 3, 2, 0),
            pc(0, 2, 3, 2, 0),
            pc(0, 3, 0, 4, 0),
            pc(1, 3, 0, 1, 0),
            pc(0, 4, 5, 0, 0),
            pc(2, 4, 1, 0, 0),
        ];
        let g = analyse(&names(5), &pairs, TiePolicy::Half);
        assert_eq!(g.fitted, vec![0, 1, 2]);
        assert_eq!(g.status[3], RatingStatus::NeverLost);
        assert_eq!(g.status[4], RatingStatus::NeverWon);
        assert_eq!(g.status[0], RatingStatus::Ok);
    }

    #[test]
    fn a_tie_rescues_a_model_under_half_but_not_under_drop() {
        let pairs = vec![pc(0, 1, 3, 2, 0), pc(0, 2, 3, 0, 1), pc(1, 2, 1, 0, 0)];
        let half = analyse(&names(3), &pairs, TiePolicy::Half);
        assert_eq!(half.status[2], RatingStatus::Ok);
        let drop = analyse(&names(3), &pairs, TiePolicy::Drop);
        assert_eq!(drop.status[2], RatingStatus::NeverWon);
        assert_eq!(drop.fitted, vec![0, 1]);
    }

    #[test]
    fn disconnected_components_are_reported_largest_first() {
        let pairs = vec![pc(0, 1, 1, 1, 0), pc(1, 2, 1, 1, 0), pc(3, 4, 2, 1, 0)];
        let g = analyse(&names(6), &pairs, TiePolicy::Half);
        assert_eq!(g.components, vec![vec![0, 1, 2], vec![3, 4]]);
        assert_eq!(g.status[3], RatingStatus::Disconnected { component: 1 });
        assert_eq!(g.status[5], RatingStatus::NoVotes);
        assert_eq!(g.fitted, vec![0, 1, 2]);
    }

    #[test]
    fn a_strict_chain_has_no_finite_scores() {
        let pairs = vec![pc(0, 1, 2, 0, 0), pc(1, 2, 2, 0, 0)];
        let g = analyse(&names(3), &pairs, TiePolicy::Half);
        assert!(g.fitted.is_empty());
        assert_eq!(
            g.status,
            vec![
                RatingStatus::NeverLost,
                RatingStatus::Unbounded,
                RatingStatus::NeverWon
            ]
        );
    }
}
