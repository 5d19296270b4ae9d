//! `arenawatt plot` on the demo store: the SVG, read with an XML parser, draws
//! one point per row of `arenawatt query --type scatter` for the same flags (59
//! open models of the simulated compar:IA source), where the data puts them
//! (log or linear energy, BT score), coloured as its key says, sized by size
//! class, with the Pareto frontier through the frontier rows, the selected
//! model ringed and named, and a caption that says the votes are simulated.
//! Bad input fails with an error that names it, and writes nothing.
//!
//! Elements are found by what they are, as `pkg/cli/plot/draw.rs` documents:
//! model points are the filled circles with `opacity="0.8"`, the key's
//! swatches the opaque filled circles level with their name, the frontier the
//! polyline whose every vertex is a model's centre, a ring an unfilled circle
//! around a model's centre, larger than the point.

use std::collections::HashMap;
use std::path::Path;

use crate::support::{cli::*, store::*};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
struct Circle {
    cx: f64,
    cy: f64,
    r: f64,
    fill: String,
    stroke: String,
    opacity: String,
}

#[derive(Debug, Clone)]
struct Label {
    x: f64,
    y: f64,
    text: String,
}

/// The elements of a plot that the tests look at.
#[derive(Debug, Default)]
struct Svg {
    circles: Vec<Circle>,
    polylines: Vec<Vec<(f64, f64)>>,
    texts: Vec<Label>,
}

impl Svg {
    fn parse(text: &str) -> Svg {
        let document = roxmltree::Document::parse(text).expect("the plot is well-formed XML");
        let number = |node: &roxmltree::Node, name: &str| -> f64 {
            node.attribute(name)
                .unwrap_or_else(|| panic!("{} without {name}", node.tag_name().name()))
                .parse()
                .unwrap_or_else(|_| {
                    panic!("{name} of a {} is not a number", node.tag_name().name())
                })
        };
        let text_of =
            |node: &roxmltree::Node, name: &str| node.attribute(name).unwrap_or("").to_string();
        let mut svg = Svg::default();
        assert_eq!(document.root_element().tag_name().name(), "svg");
        for node in document.descendants().filter(|n| n.is_element()) {
            match node.tag_name().name() {
                "circle" => svg.circles.push(Circle {
                    cx: number(&node, "cx"),
                    cy: number(&node, "cy"),
                    r: number(&node, "r"),
                    fill: text_of(&node, "fill"),
                    stroke: text_of(&node, "stroke"),
                    opacity: text_of(&node, "opacity"),
                }),
                "polyline" => svg.polylines.push(
                    text_of(&node, "points")
                        .split_whitespace()
                        .map(|pair| {
                            let (x, y) = pair.split_once(',').expect("x,y");
                            (x.parse().expect("x"), y.parse().expect("y"))
                        })
                        .collect(),
                ),
                "text" => svg.texts.push(Label {
                    x: number(&node, "x"),
                    y: number(&node, "y"),
                    text: node.text().unwrap_or("").trim().to_string(),
                }),
                _ => {}
            }
        }
        svg
    }

    fn points(&self) -> Vec<&Circle> {
        self.circles
            .iter()
            .filter(|c| c.fill != "none" && c.opacity == "0.8")
            .collect()
    }

    /// The key: architecture name (lowercase) → the colour of its swatch.
    fn key_colours(&self) -> HashMap<String, String> {
        let mut key = HashMap::new();
        for name in ["dense", "MoE", "MatFormer", "unknown"] {
            let Some(label) = self.texts.iter().find(|t| t.text == name) else {
                continue;
            };
            let swatch = self
                .circles
                .iter()
                .find(|c| c.fill != "none" && c.opacity == "1" && c.cy == label.y && c.cx < label.x)
                .unwrap_or_else(|| panic!("no swatch level with the key entry {name}"));
            key.insert(name.to_lowercase(), swatch.fill.clone());
        }
        key
    }

    fn all_text(&self) -> String {
        self.texts
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The scatter rows the engine returns for these flags, in the order the
/// plot draws them: the engine's order, stably sorted by size class, largest
/// first.
fn scatter_rows(store: &Path, flags: &[&str]) -> Vec<Value> {
    let dir = store.parent().unwrap();
    let mut args = vec![
        "--db",
        store.to_str().unwrap(),
        "query",
        "--type",
        "scatter",
        "--format",
        "json",
    ];
    args.extend_from_slice(flags);
    let json: Value = serde_json::from_str(&run_ok(dir, &args)).expect("query json");
    let mut rows: Vec<Value> = json["rows"].as_array().expect("rows").clone();
    rows.retain(|r| r["bt_score"].is_number() && r["wh_per_1k_tokens"].is_number());
    rows.sort_by_key(|r| std::cmp::Reverse(r["size_rank"].as_u64().unwrap_or(0)));
    rows
}

fn plot(store: &Path, name: &str, flags: &[&str]) -> (Svg, String) {
    let dir = scratch(name);
    let out = dir.join("graph.svg");
    let mut args = vec![
        "--db",
        store.to_str().unwrap(),
        "plot",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let output = arenawatt(&dir, &args);
    assert!(output.status.success(), "{output}");
    let text = std::fs::read_to_string(&out).expect("the plot was written");
    (Svg::parse(&text), output.stderr)
}

fn f(row: &Value, key: &str) -> f64 {
    row[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in {row}"))
}

/// Least squares of y on x: (intercept, slope, largest residual).
fn fit_line(pairs: &[(f64, f64)]) -> (f64, f64, f64) {
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let worst = pairs
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).abs())
        .fold(0.0, f64::max);
    (intercept, slope, worst)
}

/// `a` grows with `b` (or shrinks, when `decreasing`) over every pair of points.
fn assert_monotone(what: &str, pairs: &[(f64, f64)], decreasing: bool) {
    for a in pairs {
        for b in pairs {
            if a.0 < b.0 {
                let ok = if decreasing { a.1 >= b.1 } else { a.1 <= b.1 };
                assert!(ok, "{what}: {a:?} and {b:?} are out of order");
            }
        }
    }
}

#[test]
fn the_log_plot_draws_the_59_open_models_where_the_data_puts_them() {
    let (store, _) = demo_store();
    let flags = ["--sources", "simulated", "--selected", "glm-4.5"];
    let rows = scatter_rows(store, &flags);
    assert_eq!(rows.len(), 59, "open models of the compar:IA source");
    let (svg, stderr) = plot(store, "log", &flags);
    let points = svg.points();
    assert_eq!(points.len(), rows.len(), "one point per scatter row");
    assert!(
        stderr.contains("wrote") && stderr.contains("59 models"),
        "{stderr}"
    );

    // x: a straight line in log10(Wh), so also monotone in Wh.
    let x: Vec<(f64, f64)> = rows
        .iter()
        .zip(&points)
        .map(|(row, p)| (f(row, "wh_per_1k_tokens").log10(), p.cx))
        .collect();
    assert_monotone("x against log10 Wh", &x, false);
    let (_, slope, worst) = fit_line(&x);
    assert!(slope > 100.0, "pixels per decade: {slope}");
    assert!(
        worst <= 1.0,
        "pixel x is off the log-linear line by {worst} px"
    );
    let raw: Vec<(f64, f64)> = rows
        .iter()
        .zip(&points)
        .map(|(r, p)| (f(r, "wh_per_1k_tokens"), p.cx))
        .collect();
    let (_, _, worst_linear) = fit_line(&raw);
    assert!(
        worst_linear > 20.0,
        "a linear fit should not explain a log axis ({worst_linear} px)"
    );

    // y: higher score, higher on the page (smaller cy), linearly.
    let y: Vec<(f64, f64)> = rows
        .iter()
        .zip(&points)
        .map(|(r, p)| (f(r, "bt_score"), p.cy))
        .collect();
    assert_monotone("y against BT score", &y, true);
    let (_, slope, worst) = fit_line(&y);
    assert!(
        slope < 0.0 && worst <= 1.0,
        "y fit: slope {slope}, worst {worst} px"
    );

    // Size: one radius per size class, bigger for bigger classes.
    let sizes: Vec<(f64, f64)> = rows
        .iter()
        .zip(&points)
        .map(|(r, p)| (r["size_rank"].as_f64().unwrap_or(0.0), p.r))
        .collect();
    for a in &sizes {
        for b in &sizes {
            assert!(
                a.0 != b.0 || a.1 == b.1,
                "one radius per size class: {a:?} {b:?}"
            );
            assert!(
                a.0 >= b.0 || a.1 < b.1,
                "bigger class, bigger point: {a:?} {b:?}"
            );
        }
    }

    // Colour: as the key says, one colour per architecture.
    let key = svg.key_colours();
    let mut architectures: Vec<&str> = rows
        .iter()
        .map(|r| r["architecture"].as_str().unwrap())
        .collect();
    architectures.sort_unstable();
    architectures.dedup();
    assert!(architectures.len() >= 2, "{architectures:?}");
    for architecture in &architectures {
        assert!(
            key.contains_key(*architecture),
            "the key names {architecture}: {key:?}"
        );
    }
    let mut colours: Vec<&String> = key.values().collect();
    colours.sort_unstable();
    colours.dedup();
    assert_eq!(colours.len(), key.len(), "distinct colours: {key:?}");
    for (row, point) in rows.iter().zip(&points) {
        let architecture = row["architecture"].as_str().unwrap();
        assert_eq!(
            point.fill, key[architecture],
            "{} is {architecture}",
            row["model"]
        );
    }

    // The selected model: ringed, and named by its display name.
    let selected: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i]["selected"] == true)
        .collect();
    assert_eq!(selected.len(), 1);
    let glm = points[selected[0]];
    assert_eq!(rows[selected[0]]["model"], "glm-4.5");
    let rings: Vec<&Circle> = svg
        .circles
        .iter()
        .filter(|c| {
            c.fill == "none"
                && points
                    .iter()
                    .any(|p| p.cx == c.cx && p.cy == c.cy && c.r > p.r)
        })
        .collect();
    assert_eq!(rings.len(), 1, "one ring: {rings:?}");
    assert_eq!((rings[0].cx, rings[0].cy), (glm.cx, glm.cy));
    assert_ne!(rings[0].stroke, "none");
    let name = rows[selected[0]]["display_name"].as_str().unwrap();
    assert!(svg.texts.iter().any(|t| t.text == name), "the label {name}");

    // The Pareto frontier: one vertex per frontier row, by increasing energy.
    let mut frontier: Vec<(f64, (f64, f64))> = rows
        .iter()
        .zip(&points)
        .filter(|(r, _)| r["pareto"] == true)
        .map(|(r, p)| (f(r, "wh_per_1k_tokens"), (p.cx, p.cy)))
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lines: Vec<&Vec<(f64, f64)>> = svg
        .polylines
        .iter()
        .filter(|line| {
            line.len() >= 2
                && line
                    .iter()
                    .all(|v| points.iter().any(|p| (p.cx, p.cy) == *v))
        })
        .collect();
    assert_eq!(lines.len(), 1, "one frontier line");
    assert!(frontier.len() >= 2, "{frontier:?}");
    assert_eq!(
        lines[0].len(),
        frontier.len(),
        "one vertex per frontier row"
    );
    let expected: Vec<(f64, f64)> = frontier.iter().map(|(_, xy)| *xy).collect();
    assert_eq!(*lines[0], expected, "frontier rows by increasing energy");

    // Words: axes with units and methodology, and which votes these are.
    let text = svg.all_text();
    assert!(
        text.contains("Energy: Wh per 1000 output tokens (ecologits-0.11, log scale)"),
        "{text}"
    );
    assert!(text.contains("Satisfaction: Bradley–Terry score"), "{text}");
    assert!(
        text.contains("source simulated: 200,000 SIMULATED"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("not real votes"), "{text}");
    assert!(
        text.contains("59 open models") && text.contains("zone WOR"),
        "{text}"
    );
}

#[test]
fn the_linear_plot_places_energy_in_proportion_and_follows_the_query_flags() {
    let (store, _) = demo_store();
    let flags = [
        "--sources",
        "simulated",
        "--architectures",
        "moe",
        "--methodology",
        "comparia-2026-02",
    ];
    let rows = scatter_rows(store, &flags);
    assert!(
        rows.len() >= 5 && rows.iter().all(|r| r["architecture"] == "moe"),
        "{rows:?}"
    );
    let (svg, _) = plot(
        store,
        "linear",
        &[&flags[..], &["--x-scale", "linear"]].concat(),
    );
    let points = svg.points();
    assert_eq!(points.len(), rows.len());
    let x: Vec<(f64, f64)> = rows
        .iter()
        .zip(&points)
        .map(|(r, p)| (f(r, "wh_per_1k_tokens"), p.cx))
        .collect();
    assert_monotone("x against Wh", &x, false);
    let (_, slope, worst) = fit_line(&x);
    assert!(
        slope > 0.0 && worst <= 1.0,
        "linear x fit: slope {slope}, worst {worst} px"
    );
    let logged: Vec<(f64, f64)> = x.iter().map(|(wh, px)| (wh.log10(), *px)).collect();
    let (_, _, worst_log) = fit_line(&logged);
    assert!(
        worst_log > 20.0,
        "a log fit should not explain a linear axis ({worst_log} px)"
    );
    let text = svg.all_text();
    assert!(text.contains("(comparia-2026-02, linear scale)"), "{text}");
    let key = svg.key_colours();
    assert_eq!(
        key.keys().collect::<Vec<_>>(),
        ["moe"],
        "only the architectures shown"
    );
}

#[test]
fn the_arena_source_is_captioned_as_real_votes() {
    let (store, _) = demo_store();
    let (svg, _) = plot(store, "arena", &["--sources", "chatbot-arena-2024-08-14"]);
    let text = svg.all_text();
    assert!(
        text.contains("1,670,250 real Chatbot Arena battles"),
        "{text}"
    );
    assert!(!text.contains("SIMULATED"), "{text}");
    let rows = scatter_rows(store, &["--sources", "chatbot-arena-2024-08-14"]);
    assert_eq!(svg.points().len(), rows.len());
}

#[test]
fn bad_input_names_the_problem_and_writes_nothing() {
    let (store, _) = demo_store();
    let dir = scratch("bad");
    let db = store.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["plot", "--out", "graph.png"],
            "--out graph.png: plot writes SVG only",
        ),
        (
            &[
                "plot",
                "--out",
                "no-such-folder/graph.svg",
                "--sources",
                "simulated",
            ],
            "--out no-such-folder/graph.svg: cannot write",
        ),
        (&["plot", "--out", "graph.svg", "--x-scale", "sqrt"], "sqrt"),
        (
            &["plot", "--out", "graph.svg", "--type", "trend"],
            "--type: plot draws the scatter only",
        ),
        (
            &["plot", "--out", "graph.svg", "--min-votes", "many"],
            "--min-votes",
        ),
        (
            &["plot", "--out", "graph.svg", "--sources", "no-such-source"],
            "nothing to plot",
        ),
        (
            &[
                "plot",
                "--out",
                "graph.svg",
                "--sources",
                "simulated",
                "--min-votes",
                "100000000",
            ],
            "nothing to plot",
        ),
        (&["plot", "--sources", "simulated"], "--out"),
    ];
    for (args, expected) in cases {
        let mut argv = vec!["--db", db];
        argv.extend_from_slice(args);
        let (_, stderr) = run_err(&dir, &argv);
        assert!(
            stderr.contains(expected),
            "{argv:?}: expected {expected:?} in\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{argv:?}:\n{stderr}");
        assert!(!dir.join("graph.svg").exists(), "{argv:?} wrote a file");
    }
    let (_, stderr) = run_err(&dir, &["--db", "missing.db", "plot", "--out", "graph.svg"]);
    assert!(
        stderr.contains("missing.db") && stderr.contains("not found"),
        "{stderr}"
    );
}
