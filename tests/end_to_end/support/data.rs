//! The bundled data the tests read: fixtures under `tests/fixtures`, the
//! demo's true strengths, and CSV output as rows of named cells.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every row of a parquet file as column name → field, read with parquet's
/// row API (not the importers' reader), for tests that check imports
/// against the raw rows.
pub fn parquet_rows(path: &Path) -> Vec<HashMap<String, parquet::record::Field>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(n, f)| (n.clone(), f.clone()))
                .collect()
        })
        .collect()
}

/// CSV text as (header, rows as maps).
pub fn read_csv(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("csv header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("csv row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

pub fn number(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    row.get(key)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{key}={v} in {row:?}")))
}

/// The bundled true strengths: model → (score, published CI low, high, license).
pub fn bundled_strengths() -> HashMap<String, (f64, f64, f64, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg/data/demo/comparia_strengths_20260211.csv"),
    )
    .expect("bundled strengths");
    let (_, rows) = read_csv(&text);
    rows.into_iter()
        .map(|r| {
            (
                r["model"].clone(),
                (
                    number(&r, "bt_score").unwrap(),
                    number(&r, "bt_ci_low").unwrap(),
                    number(&r, "bt_ci_high").unwrap(),
                    r["license"].clone(),
                ),
            )
        })
        .collect()
}
