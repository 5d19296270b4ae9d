//! One Bradley–Terry fit of the votes a resolved query selects (its sources,
//! dates and slices): shared by the model queries and the slice queries.

use arenawatt_core::rating::{self, Ratings};
use arenawatt_store::Store;

use super::resolve::ResolvedQuery;
use super::QueryError;

/// Fits every model in the query's votes. `None`: no votes.
pub fn fit(store: &Store, query: &ResolvedQuery) -> Result<Option<Ratings>, QueryError> {
    let table = store.pair_table(&query.counts)?;
    if table.pairs.is_empty() {
        return Ok(None);
    }
    Ok(Some(rating::rate(&table, &query.rating.options())?))
}
