//! Energy classes A–F: compar:IA's label of a model's estimated energy for
//! one million output tokens, so that a reader can compare models at a
//! glance the way an appliance's energy label is read.
//!
//! The class is read off the estimate a row already carries (under the
//! row's methodology profile, which the row names): A below 100 Wh per
//! million output tokens, B below 300, C below 1,000, D below 3,000, E below
//! 10,000 and F from 10,000 on; each bound belongs to the class above it.
//!
//! Source: compar:IA's `backend/llms/models.py` (`ENERGY_CLASSES_SCALE` and
//! `get_class`, strict `<`, on the unrounded `wh_per_million_token`), whose
//! estimate (`backend/llms/utils.py`) is EcoLogits 0.10.2 for 1,000,000
//! output tokens with no request latency, PUE 1.2, the world mix (`WOR`),
//! parameters halved for `q8` models, and the middle `(min + max) / 2` of
//! the energy range. arenawatt's `ecologits-0.11` profile with PUE 1.2 and
//! zone `WOR` (the defaults) makes the same estimate.

use serde::{Deserialize, Serialize};

/// An energy class, A (least energy) to F.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EnergyClass {
    A,
    B,
    C,
    D,
    E,
    F,
}

/// Upper bounds (exclusive) of classes A to E, in Wh per million output
/// tokens; F has none.
pub const CLASS_UPPER_BOUNDS_WH_PER_MILLION: [f64; 5] = [100.0, 300.0, 1_000.0, 3_000.0, 10_000.0];

impl EnergyClass {
    const ALL: [EnergyClass; 6] = [
        EnergyClass::A,
        EnergyClass::B,
        EnergyClass::C,
        EnergyClass::D,
        EnergyClass::E,
        EnergyClass::F,
    ];

    /// The class of an estimate in Wh per million output tokens; `None`
    /// for a figure that is not a finite, non-negative number.
    pub fn of_wh_per_million(wh: f64) -> Option<EnergyClass> {
        if !wh.is_finite() || wh < 0.0 {
            return None;
        }
        let below = CLASS_UPPER_BOUNDS_WH_PER_MILLION
            .iter()
            .position(|&upper| wh < upper)
            .unwrap_or(CLASS_UPPER_BOUNDS_WH_PER_MILLION.len());
        Some(Self::ALL[below])
    }

    /// The class of an estimate in Wh per thousand output tokens.
    pub fn of_wh_per_thousand(wh: f64) -> Option<EnergyClass> {
        Self::of_wh_per_million(wh * 1_000.0)
    }

    pub fn letter(self) -> &'static str {
        match self {
            EnergyClass::A => "A",
            EnergyClass::B => "B",
            EnergyClass::C => "C",
            EnergyClass::D => "D",
            EnergyClass::E => "E",
            EnergyClass::F => "F",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_belongs_to_the_class_above_it() {
        let class = |wh| EnergyClass::of_wh_per_million(wh).map(EnergyClass::letter);
        assert_eq!(class(0.0), Some("A"));
        assert_eq!(class(99.999), Some("A"));
        assert_eq!(class(100.0), Some("B"));
        assert_eq!(class(299.9), Some("B"));
        assert_eq!(class(300.0), Some("C"));
        assert_eq!(class(1_000.0), Some("D"));
        assert_eq!(class(2_999.0), Some("D"));
        assert_eq!(class(3_000.0), Some("E"));
        assert_eq!(class(9_999.0), Some("E"));
        assert_eq!(class(10_000.0), Some("F"));
        assert_eq!(class(1e9), Some("F"));
        assert_eq!(class(-1.0), None);
        assert_eq!(class(f64::NAN), None);
        assert_eq!(class(f64::INFINITY), None);
        assert_eq!(
            EnergyClass::of_wh_per_thousand(0.25).map(EnergyClass::letter),
            Some("B")
        );
    }
}
