//! Draws the satisfaction–energy figure with `plotters` on its SVG backend.
//! Kept apart from the command ([`super`]) so that the layout — chart, key and
//! caption — is one concern and the query and the words are another.
//!
//! What a reader (or a test) can rely on in the SVG:
//! - every model is one filled `circle` with `opacity="0.8"`, its fill the
//!   colour of its architecture, its radius that of its size class; models are
//!   drawn in the order of [`Figure::points`] sorted by size class, largest
//!   first (a stable sort), so small points stay visible on top of big ones;
//! - the key's swatches are filled circles at full opacity, each followed by
//!   its name (`dense`, `MoE`, `MatFormer`, `unknown`) on the same line;
//! - the Pareto frontier is the one `polyline` stroked in [`PARETO_COLOUR`],
//!   one vertex per frontier model, by increasing energy;
//! - a selected model has an unfilled circle in [`SELECTED_COLOUR`] centred on
//!   its point, and its name beside it;
//! - each score's confidence interval is a faint vertical `polyline` through
//!   the point (unless whiskers are off);
//! - the caption lines are `text` elements under the chart.

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colour of the Pareto frontier line, as `#RRGGBB` in the SVG.
pub const PARETO_COLOUR: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Colour of the ring around a selected model.
pub const SELECTED_COLOUR: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Opacity of the model points (the key's swatches are opaque).
pub const POINT_OPACITY: f64 = 0.8;

const FONT: &str = "sans-serif";
const KEY_WIDTH: u32 = 210;
const CAPTION_LINE: u32 = 19;

/// Architectures by the rows' `arch_code`: name in the key and colour.
/// compar:IA's graph keys dense, MoE and MatFormer models apart.
const ARCHITECTURES: [(u8, &str, RGBColor); 4] = [
    (1, "dense", RGBColor(0x1F, 0x77, 0xB4)),
    (2, "MoE", RGBColor(0xFF, 0x7F, 0x0E)),
    (3, "MatFormer", RGBColor(0x2C, 0xA0, 0x2C)),
    (0, "unknown", RGBColor(0x8C, 0x8C, 0x8C)),
];

/// Size classes by the rows' `size_rank` (total parameters): key text and radius.
const SIZES: [(u8, &str, u32); 5] = [
    (1, "XS  < 15B", 4),
    (2, "S  15-60B", 6),
    (3, "M  60-100B", 8),
    (4, "L  100-400B", 11),
    (5, "XL  >= 400B", 14),
];
/// Radius of a model whose size class is not known.
const UNKNOWN_SIZE_RADIUS: u32 = 3;

/// How the energy axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum XScale {
    /// Logarithmic, as compar:IA draws it (energies span three decades).
    #[default]
    Log,
    /// Linear from zero.
    Linear,
}

impl XScale {
    pub fn name(self) -> &'static str {
        match self {
            XScale::Log => "log scale",
            XScale::Linear => "linear scale",
        }
    }
}

/// One model to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub wh_per_1k_tokens: f64,
    pub bt_score: f64,
    /// The score's confidence interval, when the query has one.
    pub ci: Option<(f64, f64)>,
    pub arch_code: u8,
    pub size_rank: Option<u8>,
    pub pareto: bool,
    pub selected: bool,
}

/// Everything on the picture, already in words.
#[derive(Debug, Clone)]
pub struct Figure {
    pub width: u32,
    pub height: u32,
    pub title: String,
    pub x_title: String,
    pub y_title: String,
    pub caption: Vec<String>,
    pub x_scale: XScale,
    /// Draw each score's confidence interval as a vertical whisker.
    pub whiskers: bool,
    /// The intervals' confidence level, for the key (0.95 → "95% CI").
    pub ci_level: f64,
    pub points: Vec<Point>,
}

#[derive(Debug, thiserror::Error)]
#[error("drawing the graph: {0}")]
pub struct DrawError(String);

fn drawing<E: std::fmt::Display>(error: E) -> DrawError {
    DrawError(error.to_string())
}

/// The colour of an architecture code (unknown codes are grey).
pub fn architecture_colour(arch_code: u8) -> RGBColor {
    ARCHITECTURES
        .iter()
        .find(|(code, _, _)| *code == arch_code)
        .map(|(_, _, colour)| *colour)
        .unwrap_or(ARCHITECTURES[3].2)
}

/// The radius of a size class.
pub fn size_radius(size_rank: Option<u8>) -> u32 {
    size_rank
        .and_then(|rank| SIZES.iter().find(|(r, _, _)| *r == rank))
        .map(|(_, _, radius)| *radius)
        .unwrap_or(UNKNOWN_SIZE_RADIUS)
}

/// Tick labels of the energy axis: no more digits than the tick needs.
fn format_wh(value: &f64) -> String {
    let value = *value;
    let text = if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Tick values 1, 2, 5 × 10ⁿ and grid lines at every whole multiple of 10ⁿ
/// within `low..high`: compar:IA's axis spans about three decades, so
/// decades alone leave it nearly unlabelled.
fn log_ticks(low: f64, high: f64) -> (Vec<f64>, Vec<f64>) {
    let mut ticks = Vec::new();
    let mut grid = Vec::new();
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    for exponent in first..=last {
        for multiple in 1..=9 {
            // Dividing by an exact power of ten keeps 0.2 and 0.5 exact.
            let value = if exponent < 0 {
                f64::from(multiple) / 10f64.powi(-exponent)
            } else {
                f64::from(multiple) * 10f64.powi(exponent)
            };
            if value < low || value > high {
                continue;
            }
            if matches!(multiple, 1 | 2 | 5) {
                ticks.push(value);
            } else {
                grid.push(value);
            }
        }
    }
    (ticks, grid)
}

/// The narrowest score axis, in BT points: a few models with close scores
/// still get whole-number ticks.
const MIN_SCORE_SPAN: f64 = 20.0;
/// The narrowest energy axis on a log scale, as a ratio: one decade.
const MIN_LOG_RATIO: f64 = 10.0;

/// Pads a range by `share` of its width on each side, widened around its
/// middle to at least `min_width`.
fn padded(low: f64, high: f64, share: f64, min_width: f64) -> Range<f64> {
    let width = high - low;
    let (low, high) = (low - width * share, high + width * share);
    if high - low >= min_width {
        return low..high;
    }
    let middle = (low + high) / 2.0;
    (middle - min_width / 2.0)..(middle + min_width / 2.0)
}

/// The log energy axis: 1.3× room on each side, and at least a decade.
fn log_range(low: f64, high: f64) -> (f64, f64) {
    let (low, high) = (low / 1.3, high * 1.3);
    if high / low >= MIN_LOG_RATIO {
        return (low, high);
    }
    let middle = (low * high).sqrt();
    let half = MIN_LOG_RATIO.sqrt();
    (middle / half, middle * half)
}

/// Renders the figure as SVG text.
pub fn render_svg(figure: &Figure) -> Result<String, DrawError> {
    if figure.points.is_empty() {
        return Err(DrawError("no model to draw".into()));
    }
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (figure.width, figure.height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let body = root
            .titled(&figure.title, (FONT, 28).into_font().style(FontStyle::Bold))
            .map_err(drawing)?;
        let (_, body_height) = body.dim_in_pixel();
        let caption_height = CAPTION_LINE * figure.caption.len() as u32 + 12;
        let (main, caption) = body.split_vertically(body_height.saturating_sub(caption_height));
        let (main_width, _) = main.dim_in_pixel();
        let (chart_area, key_area) = main.split_horizontally(main_width.saturating_sub(KEY_WIDTH));

        let energies = figure.points.iter().map(|p| p.wh_per_1k_tokens);
        let (wh_low, wh_high) = energies.fold((f64::INFINITY, 0.0f64), |(lo, hi), wh| {
            (lo.min(wh), hi.max(wh))
        });
        let (score_low, score_high) =
            figure
                .points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    let (low, high) = match (figure.whiskers, p.ci) {
                        (true, Some((low, high))) => (low, high),
                        _ => (p.bt_score, p.bt_score),
                    };
                    (lo.min(low), hi.max(high))
                });
        let scores = padded(score_low, score_high, 0.08, MIN_SCORE_SPAN);
        match figure.x_scale {
            XScale::Log => {
                let (low, high) = log_range(wh_low, wh_high);
                let (ticks, grid) = log_ticks(low, high);
                let energy = (low..high)
                    .log_scale()
                    .with_key_points(ticks)
                    .with_light_points(grid);
                draw_chart(&chart_area, figure, energy, scores)?;
            }
            XScale::Linear => {
                let energy = 0.0..(wh_high * 1.06);
                draw_chart(&chart_area, figure, energy, scores)?;
            }
        }
        draw_key(&key_area, figure)?;
        draw_caption(&caption, figure)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn draw_chart<X>(
    area: &Area<'_>,
    figure: &Figure,
    energy: X,
    scores: Range<f64>,
) -> Result<(), DrawError>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(62)
        .build_cartesian_2d(energy, scores)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc(figure.x_title.as_str())
        .y_desc(figure.y_title.as_str())
        .x_labels(12)
        .y_labels(10)
        .max_light_lines(1)
        .x_label_formatter(&format_wh)
        .y_label_formatter(&|score| format!("{score:.0}"))
        .axis_desc_style((FONT, 19))
        .label_style((FONT, 16))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .draw()
        .map_err(drawing)?;

    if figure.whiskers {
        chart
            .draw_series(figure.points.iter().filter_map(|p| {
                let (low, high) = p.ci?;
                let colour = architecture_colour(p.arch_code).mix(0.45);
                Some(PathElement::new(
                    vec![(p.wh_per_1k_tokens, low), (p.wh_per_1k_tokens, high)],
                    colour.stroke_width(1),
                ))
            }))
            .map_err(drawing)?;
    }

    let mut frontier: Vec<(f64, f64)> = figure
        .points
        .iter()
        .filter(|p| p.pareto)
        .map(|p| (p.wh_per_1k_tokens, p.bt_score))
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    if !frontier.is_empty() {
        chart
            .draw_series(LineSeries::new(frontier, PARETO_COLOUR.stroke_width(2)))
            .map_err(drawing)?;
    }

    let mut by_size: Vec<&Point> = figure.points.iter().collect();
    by_size.sort_by_key(|p| std::cmp::Reverse(p.size_rank.unwrap_or(0)));
    // Each point, then its thin white edge, which keeps overlapping points
    // of one colour apart.
    chart
        .draw_series(by_size.iter().map(|p| {
            let radius = size_radius(p.size_rank);
            let fill = architecture_colour(p.arch_code).mix(POINT_OPACITY).filled();
            EmptyElement::at((p.wh_per_1k_tokens, p.bt_score))
                + Circle::new((0, 0), radius, fill)
                + Circle::new((0, 0), radius, WHITE.stroke_width(1))
        }))
        .map_err(drawing)?;
    chart
        .draw_series(figure.points.iter().filter(|p| p.selected).map(|p| {
            Circle::new(
                (p.wh_per_1k_tokens, p.bt_score),
                size_radius(p.size_rank) + 5,
                SELECTED_COLOUR.stroke_width(2),
            )
        }))
        .map_err(drawing)?;

    draw_labels(&chart, figure)
}

/// Names the selected models always, and the frontier models where a name
/// fits without covering another name or point (a greedy placement: right
/// of the point, then above or below right, left, above, below).
fn draw_labels<X>(
    chart: &ChartContext<
        '_,
        SVGBackend<'_>,
        Cartesian2d<X, plotters::coord::types::RangedCoordf64>,
    >,
    figure: &Figure,
) -> Result<(), DrawError>
where
    X: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area();
    let (x_pixels, y_pixels) = area.get_pixel_range();
    // Names may not cover other names, nor (except a selected model's) points.
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let points: Vec<(i32, i32, i32, i32)> = figure
        .points
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.wh_per_1k_tokens, p.bt_score));
            let r = size_radius(p.size_rank) as i32;
            (x - r, y - r, x + r, y + r)
        })
        .collect();
    let mut labelled: Vec<&Point> = figure.points.iter().filter(|p| p.selected).collect();
    labelled.extend(figure.points.iter().filter(|p| p.pareto && !p.selected));
    for point in labelled {
        let (x, y) = chart.backend_coord(&(point.wh_per_1k_tokens, point.bt_score));
        let size = if point.selected { 18 } else { 15 };
        let width = (f64::from(size) * 0.56 * point.label.chars().count() as f64) as i32;
        let height = size as i32;
        let gap = size_radius(point.size_rank) as i32 + 7;
        let candidates = [
            (x + gap, y - height / 2, HPos::Left),
            (x + gap, y - height - 2, HPos::Left),
            (x + gap, y + 2, HPos::Left),
            (x - gap - width, y - height / 2, HPos::Left),
            (x - width / 2, y - gap - height, HPos::Left),
            (x - width / 2, y + gap, HPos::Left),
        ];
        let fits = |(left, top): (i32, i32)| {
            let inside = left >= x_pixels.start
                && left + width <= x_pixels.end
                && top >= y_pixels.start
                && top + height <= y_pixels.end;
            let apart = |&(l, t, r, b): &(i32, i32, i32, i32)| {
                left + width < l || left > r || top + height < t || top > b
            };
            let free = placed.iter().all(apart) && (point.selected || points.iter().all(apart));
            inside && free
        };
        let choice = candidates
            .iter()
            .find(|(left, top, _)| fits((*left, *top)))
            .copied()
            .or_else(|| point.selected.then_some(candidates[0]));
        let Some((left, top, anchor)) = choice else {
            continue;
        };
        placed.push((left, top, left + width, top + height));
        let colour = if point.selected {
            SELECTED_COLOUR
        } else {
            RGBColor(0x33, 0x33, 0x33)
        };
        let style = (FONT, size)
            .into_font()
            .color(&colour)
            .pos(Pos::new(anchor, VPos::Top));
        let base = area.get_base_pixel();
        area.strip_coord_spec()
            .draw(&Text::new(
                point.label.clone(),
                (left - base.0, top - base.1),
                style,
            ))
            .map_err(drawing)?;
    }
    Ok(())
}

/// The key, right of the chart: architecture colours, size classes, the
/// frontier line, the selected ring and (with whiskers) the interval.
fn draw_key(area: &Area<'_>, figure: &Figure) -> Result<(), DrawError> {
    let heading = (FONT, 18).into_font().style(FontStyle::Bold).color(&BLACK);
    let entry = (FONT, 17)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let swatch_x = 24;
    let text_x = 46;
    let mut y = 40;
    area.draw(&Text::new("Architecture", (10, y - 10), heading.clone()))
        .map_err(drawing)?;
    y += 16;
    for (code, name, colour) in ARCHITECTURES {
        if !figure.points.iter().any(|p| p.arch_code == code) {
            continue;
        }
        area.draw(&Circle::new((swatch_x, y), 7, colour.filled()))
            .map_err(drawing)?;
        area.draw(&Text::new(name, (text_x, y), entry.clone()))
            .map_err(drawing)?;
        y += 24;
    }
    y += 14;
    area.draw(&Text::new(
        "Size (total params)",
        (10, y - 10),
        heading.clone(),
    ))
    .map_err(drawing)?;
    y += 18;
    let grey = RGBColor(0x66, 0x66, 0x66);
    for (_, name, radius) in SIZES {
        area.draw(&Circle::new((swatch_x, y), radius, grey.stroke_width(1)))
            .map_err(drawing)?;
        area.draw(&Text::new(name, (text_x, y), entry.clone()))
            .map_err(drawing)?;
        y += radius as i32 + 18;
    }
    y += 14;
    area.draw(&Rectangle::new(
        [(swatch_x - 12, y - 1), (swatch_x + 12, y + 1)],
        PARETO_COLOUR.filled(),
    ))
    .map_err(drawing)?;
    area.draw(&Text::new("Pareto frontier", (text_x, y), entry.clone()))
        .map_err(drawing)?;
    y += 26;
    area.draw(&Circle::new(
        (swatch_x, y),
        9,
        SELECTED_COLOUR.stroke_width(2),
    ))
    .map_err(drawing)?;
    area.draw(&Text::new("selected model", (text_x, y), entry.clone()))
        .map_err(drawing)?;
    if figure.whiskers && figure.points.iter().any(|p| p.ci.is_some()) {
        y += 26;
        area.draw(&Rectangle::new(
            [(swatch_x, y - 10), (swatch_x + 1, y + 10)],
            grey.filled(),
        ))
        .map_err(drawing)?;
        let percent = (figure.ci_level * 1000.0).round() / 10.0;
        let label = format!("{percent}% CI of the score");
        area.draw(&Text::new(label, (text_x, y), entry))
            .map_err(drawing)?;
    }
    Ok(())
}

fn draw_caption(area: &Area<'_>, figure: &Figure) -> Result<(), DrawError> {
    let style = (FONT, 16).into_font().color(&RGBColor(0x33, 0x33, 0x33));
    for (line, text) in figure.caption.iter().enumerate() {
        let y = 4 + (CAPTION_LINE as i32) * line as i32;
        area.draw(&Text::new(text.as_str(), (14, y), style.clone()))
            .map_err(drawing)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_ticks_keep_only_the_digits_they_need() {
        assert_eq!(format_wh(&100.0), "100");
        assert_eq!(format_wh(&2.0), "2");
        assert_eq!(format_wh(&2.5), "2.5");
        assert_eq!(format_wh(&0.05), "0.05");
        assert_eq!(format_wh(&0.125), "0.125");
    }

    #[test]
    fn log_ticks_label_one_two_five_in_each_decade() {
        let (ticks, grid) = log_ticks(0.055, 12.0);
        assert_eq!(ticks, [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]);
        assert!(grid.iter().all(|v| (0.055..=12.0).contains(v)));
        // 0.06..0.09, then 3, 4, 6, 7, 8, 9 in the decades of 0.1 and 1.
        assert_eq!(grid.len(), 4 + 6 + 6, "{grid:?}");
    }

    #[test]
    fn narrow_data_still_gets_readable_axes() {
        let scores = padded(1079.5, 1080.5, 0.08, MIN_SCORE_SPAN);
        assert!(
            (scores.end - scores.start - MIN_SCORE_SPAN).abs() < 1e-9,
            "{scores:?}"
        );
        assert!((scores.start + scores.end) / 2.0 - 1080.0 < 1e-9);
        let wide = padded(700.0, 1100.0, 0.1, MIN_SCORE_SPAN);
        assert_eq!(wide, 660.0..1140.0);
        let (low, high) = log_range(1.8, 1.8);
        assert!((high / low - MIN_LOG_RATIO).abs() < 1e-9 && low < 1.8 && high > 1.8);
        let (low, high) = log_range(0.08, 9.0);
        assert!((low - 0.08 / 1.3).abs() < 1e-12 && (high - 9.0 * 1.3).abs() < 1e-12);
    }

    #[test]
    fn every_size_class_is_bigger_than_the_one_before() {
        let radii: Vec<u32> = (1..=5).map(|rank| size_radius(Some(rank))).collect();
        assert!(radii.windows(2).all(|w| w[0] < w[1]), "{radii:?}");
        assert!(size_radius(None) < radii[0]);
    }
}
