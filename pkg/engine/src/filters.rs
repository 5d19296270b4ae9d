//! Row filters: which models a result shows. They never change which votes
//! the Bradley–Terry fit uses (that is every model's votes in the time range and
//! sources), otherwise scores would shift with the filters.

use arenawatt_core::catalog::Catalog;

use super::resolve::RowFilter;

fn matches(wanted: &[String], value: &str) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(value))
}

/// Whether a model (by its rated name and vote count) passes the filter.
/// Models missing from the catalog only pass filters on catalog facts when
/// those filters are empty.
pub fn keep(model: &str, votes: u64, catalog: &Catalog, filter: &RowFilter) -> bool {
    if votes < filter.min_votes {
        return false;
    }
    let facts = catalog.resolve(model);
    let id = facts.map(|f| f.id.as_str()).unwrap_or(model);
    if !matches(&filter.models, id) {
        return false;
    }
    let catalog_filters_set = !(filter.organizations.is_empty()
        && filter.licenses.is_empty()
        && filter.architectures.is_empty()
        && filter.sizes.is_empty());
    let Some(facts) = facts else {
        return !catalog_filters_set;
    };
    matches(&filter.organizations, &facts.organization)
        && matches(&filter.licenses, facts.license.kind())
        && matches(&filter.architectures, facts.architecture.name())
        && (filter.sizes.is_empty()
            || facts
                .size_class()
                .is_some_and(|s| matches(&filter.sizes, s.name())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arenawatt_core::catalog::{Architecture, CatalogModel, License};
    use arenawatt_core::energy::ParamCount;

    fn model(
        id: &str,
        org: &str,
        license: License,
        arch: Architecture,
        params: Option<f64>,
    ) -> CatalogModel {
        CatalogModel {
            id: id.into(),
            display_name: id.into(),
            organization: org.into(),
            license,
            architecture: arch,
            total_params: params.map(ParamCount::Exact),
            active_params: None,
            quantization: None,
            release_date: None,
            tps: None,
            ttft: None,
            params_estimated: false,
            aliases: vec![format!("{id}-alias")],
            params_source: None,
            comparia_estimate: None,
        }
    }

    #[test]
    fn each_filter_narrows_on_its_fact() {
        let catalog = Catalog::from_models(vec![
            model(
                "small",
                "Mistral AI",
                License::Open("Apache 2.0".into()),
                Architecture::Dense,
                Some(7.0),
            ),
            model(
                "big",
                "Meta",
                License::Open("Llama".into()),
                Architecture::Moe,
                Some(405.0),
            ),
            model(
                "closed",
                "OpenAI",
                License::Proprietary,
                Architecture::Unknown,
                None,
            ),
        ]);
        let all = ["small", "big", "closed", "stranger"];
        let kept = |filter: RowFilter| -> Vec<&str> {
            all.iter()
                .copied()
                .filter(|m| keep(m, 100, &catalog, &filter))
                .collect()
        };
        assert_eq!(kept(RowFilter::default()), all.to_vec());
        assert_eq!(
            kept(RowFilter {
                licenses: vec!["open".into()],
                ..Default::default()
            }),
            ["small", "big"]
        );
        assert_eq!(
            kept(RowFilter {
                licenses: vec!["proprietary".into()],
                ..Default::default()
            }),
            ["closed"]
        );
        assert_eq!(
            kept(RowFilter {
                organizations: vec!["mistral ai".into()],
                ..Default::default()
            }),
            ["small"]
        );
        assert_eq!(
            kept(RowFilter {
                architectures: vec!["moe".into()],
                ..Default::default()
            }),
            ["big"]
        );
        assert_eq!(
            kept(RowFilter {
                sizes: vec!["XS".into(), "XL".into()],
                ..Default::default()
            }),
            ["small", "big"]
        );
        assert_eq!(
            kept(RowFilter {
                models: vec!["big".into(), "stranger".into()],
                ..Default::default()
            }),
            ["big", "stranger"]
        );
        assert_eq!(
            kept(RowFilter {
                min_votes: 101,
                ..Default::default()
            }),
            Vec::<&str>::new()
        );
    }
}
