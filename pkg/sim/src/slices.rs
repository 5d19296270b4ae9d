//! Slices in simulated votes: categories, languages and countries drawn per
//! vote, and per-category strength shifts, so that slice views have something
//! true to find.
//!
//! The rule (documented in `docs/methodology.md`, "Slices in the demo"):
//! - a vote's first category is drawn uniformly from the category list; with
//!   probability `multi_label_share` it also gets a second distinct one, and
//!   with that probability again a third;
//! - a model's true score in category `c` is its overall true score plus
//!   `shift(model, c)`: `shift_points × u`, where `u` in [−1, 1] comes from a
//!   fixed hash of the model and category names, minus the model's mean of
//!   those over the categories (so shifts average zero per model);
//! - a vote in several categories uses the mean of its categories' shifts;
//! - language and country are drawn from weighted lists, with no effect on
//!   the outcome.
//!
//! The draws use their own random stream (seeded from the simulation seed),
//! so the timestamps, pairings and tokens of a stream are the same with or
//! without slices.

use rand::{Rng, SeedableRng};

/// How a simulation draws slices.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceSimulation {
    pub categories: Vec<String>,
    /// (language, weight).
    pub languages: Vec<(String, f64)>,
    /// (country, weight).
    pub countries: Vec<(String, f64)>,
    pub multi_label_share: f64,
    /// Largest per-category shift, BT points (before centring).
    pub shift_points: f64,
}

/// The slices one simulated vote was drawn in (indices into the lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoteSlices {
    /// Up to three category indices; `u8::MAX` marks an empty place.
    pub categories: [u8; 3],
    pub language: u8,
    pub country: u8,
}

impl VoteSlices {
    pub fn category_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.categories
            .iter()
            .filter(|&&c| c != u8::MAX)
            .map(|&c| c as usize)
    }
}

/// compar:IA's category names (its conversations' `categories`), the demo's
/// and the benchmark's first categories.
pub const COMPARIA_CATEGORIES: [&str; 20] = [
    "Arts",
    "Business & Economics & Finance",
    "Culture & Cultural geography",
    "Daily Life & Home & Lifestyle",
    "Education",
    "Entertainment & Travel & Hobby",
    "Environment",
    "Food & Drink & Cooking",
    "Health & Wellness & Medicine",
    "History",
    "Law & Justice",
    "Natural Science & Formal Science & Technology",
    "Personal Development & Human Resources & Career",
    "Politics & Government",
    "Society & Social Issues & Human Rights",
    "Sports",
    "Code",
    "Mathematics",
    "Writing & Communication",
    "Other",
];

impl SliceSimulation {
    /// The demo's slices: 8 categories, 4 languages, 4 countries.
    pub fn demo() -> SliceSimulation {
        SliceSimulation {
            categories: COMPARIA_CATEGORIES[..8]
                .iter()
                .map(|c| c.to_string())
                .collect(),
            languages: weighted(&[("fr", 6.0), ("en", 2.5), ("it", 1.0), ("da", 0.5)]),
            countries: weighted(&[("fr", 6.0), ("be", 1.5), ("it", 1.0), ("dk", 0.5)]),
            multi_label_share: 0.25,
            shift_points: 60.0,
        }
    }
    /// The benchmark's slices: 20 categories, 30 languages, 10 countries.
    pub fn benchmark() -> SliceSimulation {
        let languages: Vec<(String, f64)> = (0..30)
            .map(|i| (format!("lang-{i:02}"), 1.0 / (1.0 + i as f64)))
            .collect();
        let countries: Vec<(String, f64)> = (0..10)
            .map(|i| (format!("country-{i:02}"), 1.0 / (1.0 + i as f64)))
            .collect();
        SliceSimulation {
            categories: COMPARIA_CATEGORIES.iter().map(|c| c.to_string()).collect(),
            languages,
            countries,
            multi_label_share: 0.25,
            shift_points: 60.0,
        }
    }
    pub fn check(&self) -> Result<(), String> {
        if self.categories.is_empty() || self.categories.len() > 250 {
            return Err("slices need between 1 and 250 categories".into());
        }
        if self.languages.is_empty() || self.countries.is_empty() {
            return Err("slices need at least one language and one country".into());
        }
        if !(0.0..1.0).contains(&self.multi_label_share) {
            return Err("the multi-label share must be in [0, 1)".into());
        }
        Ok(())
    }
    /// The centred shift of `model` in category `category` (an index).
    pub fn shift(&self, model: &str, category: usize) -> f64 {
        let raw = |c: &str| self.shift_points * unit_hash(model, c);
        let mean =
            self.categories.iter().map(|c| raw(c)).sum::<f64>() / self.categories.len() as f64;
        raw(&self.categories[category]) - mean
    }
    /// Per model (indexed like `models`), per category: the centred shifts.
    pub fn shift_table(&self, models: &[String]) -> Vec<Vec<f64>> {
        models
            .iter()
            .map(|m| {
                (0..self.categories.len())
                    .map(|c| self.shift(m, c))
                    .collect()
            })
            .collect()
    }
}

fn weighted(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(n, w)| (n.to_string(), *w)).collect()
}

/// A number in [−1, 1] from the names (FNV-1a, then a finaliser).
fn unit_hash(model: &str, category: &str) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in model.bytes().chain([0]).chain(category.bytes()) {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    (hash >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Draws the slices of successive votes.
pub struct SliceDraws<'s> {
    slices: &'s SliceSimulation,
    rng: rand::rngs::StdRng,
    language_total: f64,
    country_total: f64,
}

impl<'s> SliceDraws<'s> {
    pub fn new(slices: &'s SliceSimulation, seed: u64) -> SliceDraws<'s> {
        SliceDraws {
            slices,
            rng: rand::rngs::StdRng::seed_from_u64(seed ^ 0x5c1c_e5ee_d000_0001),
            language_total: slices.languages.iter().map(|(_, w)| w).sum(),
            country_total: slices.countries.iter().map(|(_, w)| w).sum(),
        }
    }
    fn pick(rng: &mut rand::rngs::StdRng, items: &[(String, f64)], total: f64) -> u8 {
        let mut u = rng.random::<f64>() * total;
        for (i, (_, w)) in items.iter().enumerate() {
            if u < *w {
                return i as u8;
            }
            u -= w;
        }
        (items.len() - 1) as u8
    }
    pub fn draw(&mut self) -> VoteSlices {
        let n = self.slices.categories.len();
        let mut categories = [u8::MAX; 3];
        categories[0] = self.rng.random_range(0..n) as u8;
        for place in 1..3 {
            if n <= place || self.rng.random::<f64>() >= self.slices.multi_label_share {
                break;
            }
            let next = loop {
                let c = self.rng.random_range(0..n) as u8;
                if !categories[..place].contains(&c) {
                    break c;
                }
            };
            categories[place] = next;
        }
        VoteSlices {
            categories,
            language: Self::pick(&mut self.rng, &self.slices.languages, self.language_total),
            country: Self::pick(&mut self.rng, &self.slices.countries, self.country_total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_are_centred_per_model_and_bounded() {
        let slices = SliceSimulation::demo();
        for model in ["glm-4.5", "gemma-3-27b", "mistral-small-3.2"] {
            let shifts: Vec<f64> = (0..slices.categories.len())
                .map(|c| slices.shift(model, c))
                .collect();
            let mean = shifts.iter().sum::<f64>() / shifts.len() as f64;
            assert!(mean.abs() < 1e-9, "{model}: mean shift {mean}");
            assert!(shifts.iter().all(|s| s.abs() <= 2.0 * slices.shift_points));
            assert!(
                shifts.iter().any(|s| s.abs() > 5.0),
                "{model}: shifts {shifts:?}"
            );
        }
    }

    #[test]
    fn draws_give_distinct_categories_and_the_multi_label_share() {
        let slices = SliceSimulation::demo();
        let mut draws = SliceDraws::new(&slices, 7);
        let mut multi = 0;
        for _ in 0..20_000 {
            let v = draws.draw();
            let cats: Vec<usize> = v.category_indices().collect();
            let mut unique = cats.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), cats.len());
            multi += (cats.len() > 1) as u32;
        }
        let share = multi as f64 / 20_000.0;
        assert!((share - 0.25).abs() < 0.02, "multi-label share {share}");
    }
}
