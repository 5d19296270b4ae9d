//! Electricity mixes: the impact factors of one kWh in each zone, per
//! EcoLogits release, and the suggestions shown for a zone code that does not
//! exist.
//!
//! The mixes are compiled into the binary (`pkg/data/ecologits/`) and parsed
//! once. Zone codes are ISO 3166 alpha-3, plus `WOR` (world) and `EEE`
//! (Europe); lookups are case-insensitive.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{EnergyError, Methodology};

/// Impact factors of one kWh of electricity drawn in a zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElectricityMix {
    /// kgCO2eq per kWh.
    pub gwp: f64,
    /// kgSbeq per kWh.
    pub adpe: f64,
    /// MJ per kWh.
    pub pe: f64,
    /// L of water per kWh consumed off-site by electricity generation
    /// (`None` in releases without a water model).
    pub wue: Option<f64>,
}

/// The mixes of one EcoLogits release, by upper-case zone code.
pub type MixTable = BTreeMap<String, ElectricityMix>;

const MIXES_0_11: &str = include_str!("../../../data/ecologits/electricity_mixes.json");
const MIXES_0_8: &str = include_str!("../../../data/ecologits/v0.8.2/electricity_mixes.csv");

#[derive(Deserialize)]
struct MixFile {
    electricity_mixes: Vec<MixRecord>,
}

#[derive(Deserialize)]
struct MixRecord {
    name: String,
    gwp: f64,
    adpe: f64,
    pe: f64,
    wue: f64,
}

fn parse_mixes_0_11(text: &str) -> Result<MixTable, String> {
    let file: MixFile =
        serde_json::from_str(text).map_err(|e| format!("electricity_mixes.json (0.11.3): {e}"))?;
    Ok(file
        .electricity_mixes
        .into_iter()
        .map(|r| {
            let mix = ElectricityMix {
                gwp: r.gwp,
                adpe: r.adpe,
                pe: r.pe,
                wue: Some(r.wue),
            };
            (r.name.to_uppercase(), mix)
        })
        .collect())
}

/// The 0.8.2 mixes: a CSV with the columns `name,adpe,pe,gwp`.
fn parse_mixes_0_8(text: &str) -> Result<MixTable, String> {
    let mut table = MixTable::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == "name,adpe,pe,gwp" => {}
        other => {
            return Err(format!(
                "electricity_mixes.csv (0.8.2): unexpected header {:?}",
                other.map(|(_, h)| h)
            ))
        }
    }
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row = index + 1;
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 4 {
            return Err(format!(
                "electricity_mixes.csv (0.8.2):{row}: expected 4 columns, found {}",
                fields.len()
            ));
        }
        let number = |column: usize, name: &str| -> Result<f64, String> {
            fields[column].trim().parse::<f64>().map_err(|_| {
                format!(
                    "electricity_mixes.csv (0.8.2):{row}: column {name}: not a number: {:?}",
                    fields[column]
                )
            })
        };
        let mix = ElectricityMix {
            adpe: number(1, "adpe")?,
            pe: number(2, "pe")?,
            gwp: number(3, "gwp")?,
            wue: None,
        };
        table.insert(fields[0].trim().to_uppercase(), mix);
    }
    Ok(table)
}

/// The mixes a methodology uses, parsed on first use.
pub fn mixes(methodology: Methodology) -> Result<&'static MixTable, EnergyError> {
    static TABLE_0_11: OnceLock<Result<MixTable, String>> = OnceLock::new();
    static TABLE_0_8: OnceLock<Result<MixTable, String>> = OnceLock::new();
    let parsed = match methodology {
        Methodology::Ecologits011 => TABLE_0_11.get_or_init(|| parse_mixes_0_11(MIXES_0_11)),
        Methodology::Ecologits08 | Methodology::Comparia202602 => {
            TABLE_0_8.get_or_init(|| parse_mixes_0_8(MIXES_0_8))
        }
    };
    parsed
        .as_ref()
        .map_err(|reason| EnergyError::BundledData(reason.clone()))
}

/// Looks a zone up (case-insensitively) in a methodology's mixes; an unknown
/// code is an error listing the closest valid codes.
pub fn lookup(methodology: Methodology, zone: &str) -> Result<ElectricityMix, EnergyError> {
    let table = mixes(methodology)?;
    let code = zone.trim().to_uppercase();
    table.get(&code).copied().ok_or_else(|| {
        let suggestions = closest_codes(table.keys().map(String::as_str), &code, 5);
        EnergyError::UnknownZone {
            zone: zone.to_string(),
            suggestions: format!(
                "{} ({} knows {} zones: ISO 3166 alpha-3 codes, WOR for the world, EEE for Europe)",
                suggestions.join(", "),
                methodology.name(),
                table.len()
            ),
        }
    })
}

/// The `limit` codes closest to `wanted`: codes sharing its first letters
/// first, then by edit distance, then alphabetically.
pub fn closest_codes<'a>(
    codes: impl Iterator<Item = &'a str>,
    wanted: &str,
    limit: usize,
) -> Vec<String> {
    let wanted = wanted.to_uppercase();
    let mut scored: Vec<(usize, usize, &str)> = codes
        .map(|code| {
            let shared_prefix = code
                .chars()
                .zip(wanted.chars())
                .take_while(|(a, b)| a == b)
                .count();
            // More shared leading letters is better, so negate via a bound.
            let prefix_rank = 3usize.saturating_sub(shared_prefix.min(3));
            (edit_distance(code, &wanted), prefix_rank, code)
        })
        .collect();
    scored.sort_by(|a, b| (a.0 + a.1, a.1, a.2).cmp(&(b.0 + b.1, b.1, b.2)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, _, code)| code.to_string())
        .collect()
}

/// Levenshtein distance over characters (also used for model-name
/// suggestions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_mixes_have_the_documented_zone_counts() {
        assert_eq!(mixes(Methodology::Ecologits011).map(|t| t.len()), Ok(215));
        assert_eq!(mixes(Methodology::Ecologits08).map(|t| t.len()), Ok(138));
    }

    #[test]
    fn world_mix_of_0_11_has_water() {
        let world = lookup(Methodology::Ecologits011, "wor").unwrap();
        assert_eq!(world.gwp, 0.45829);
        assert_eq!(world.wue, Some(3.908));
        let world_08 = lookup(Methodology::Ecologits08, "WOR").unwrap();
        assert_eq!(world_08.gwp, 0.590478);
        assert_eq!(world_08.wue, None);
    }

    #[test]
    fn unknown_zone_suggests_close_codes() {
        let error = lookup(Methodology::Ecologits011, "FRN").unwrap_err();
        let EnergyError::UnknownZone { zone, suggestions } = &error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(zone, "FRN");
        assert!(suggestions.starts_with("FRA"), "{suggestions}");
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("FRA", "FRA"), 0);
        assert_eq!(edit_distance("FRA", "FR"), 1);
        assert_eq!(edit_distance("FRA", "FRO"), 1);
        assert_eq!(edit_distance("USA", "ASU"), 2);
    }
}
