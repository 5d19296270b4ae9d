//! `variable`: the text/value pairs of a Grafana template variable, so a
//! dashboard's drop-downs list what the store and catalog actually hold.

use std::collections::BTreeMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::energy::{self, Methodology};
use arenawatt_store::Store;

use super::filters;
use super::resolve::ResolvedQuery;
use super::{QueryError, QueryResult, VariableOf, VariableValue};

fn pairs(map: BTreeMap<String, String>) -> Vec<VariableValue> {
    map.into_iter()
        .map(|(value, text)| VariableValue { text, value })
        .collect()
}

pub fn values(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    if let Some(dimension) = super::slices::dimension_of(query.of) {
        return super::slices::variable(store, query, dimension);
    }
    let mut map = BTreeMap::new();
    match query.of {
        VariableOf::Sources => {
            for source in store.stats()?.sources {
                map.insert(source.clone(), source);
            }
        }
        VariableOf::Methodologies => {
            for m in Methodology::ALL {
                map.insert(m.name().to_string(), m.name().to_string());
            }
        }
        VariableOf::Zones => {
            for zone in energy::zones(query.energy.methodology) {
                map.insert(zone.clone(), zone);
            }
        }
        of => {
            let table = store.pair_table(&query.counts)?;
            let mut votes = vec![0u64; table.models.len()];
            for p in &table.pairs {
                let n = p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad;
                votes[p.lo] += n;
                votes[p.hi] += n;
            }
            for (name, &n) in table.models.iter().zip(&votes) {
                if !filters::keep(name, n, catalog, &query.rows) {
                    continue;
                }
                let facts = catalog.resolve(name);
                let (value, text) = match (of, facts) {
                    (VariableOf::Models, Some(f)) => (f.id.clone(), f.display_name.clone()),
                    (VariableOf::Models, None) => (name.clone(), name.clone()),
                    (VariableOf::Organizations, Some(f)) => {
                        (f.organization.clone(), f.organization.clone())
                    }
                    (VariableOf::Licenses, Some(f)) => {
                        let kind = f.license.kind();
                        (
                            kind.to_string(),
                            if kind == "open" {
                                "open weights".into()
                            } else {
                                kind.to_string()
                            },
                        )
                    }
                    (VariableOf::Architectures, Some(f)) => (
                        f.architecture.name().to_string(),
                        f.architecture.name().to_string(),
                    ),
                    (VariableOf::Sizes, Some(f)) => match f.size_class() {
                        Some(s) => (s.name().to_string(), s.name().to_string()),
                        None => continue,
                    },
                    _ => continue,
                };
                map.insert(value, text);
            }
        }
    }
    Ok(QueryResult::Variable { values: pairs(map) })
}
