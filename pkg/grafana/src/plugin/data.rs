//! QueryData: each query of a request is parsed, run and framed on its own,
//! so a bad query fails only its own refId (with a 400-class status) and the
//! others still answer.
//!
//! The SDK's query type is `serde_json::Value`: the SDK would otherwise
//! deserialise every query up front and fail them all when one does not fit.
//! Each query is then read by the engine's lenient parser
//! ([`arenawatt_engine::parse_query`]). The query type comes from the JSON's
//! `queryType`, or from the protocol's `query_type` when the JSON has none.
//! Grafana's time range is always passed to the engine, which applies it when
//! the query asks (`window: "range"`, `$__from`/`$__to`, trends).
//!
//! Alert evaluation arrives the same way (header `FromAlert: true`), with no
//! frontend involved; nothing here depends on the frontend.

use std::time::Instant;

use futures_util::stream::FuturesOrdered;
use grafana_plugin_sdk::backend::{self, DataQueryStatus};
use serde_json::Value;

use super::instance::InstanceError;
use super::protocol::INVALID_QUERY_JSON_KEY;
use super::ArenawattPlugin;
use crate::frames::{self, FrameContext};
use arenawatt_engine::limits::{self, CancelFlag};
use arenawatt_engine::{self as query, Query, QueryError, QueryType, TimeRange};

/// How a failed query is reported to Grafana.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The query is wrong (bad JSON, unknown type or model): 400.
    BadQuery,
    /// The data source settings are wrong: 400, the admin must fix them.
    BadSettings,
    /// The store or the engine failed: 500.
    Internal,
}

/// One query's error, aligned with its refId.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct QueryFailure {
    pub ref_id: String,
    pub kind: FailureKind,
    pub message: String,
}

impl backend::DataQueryError for QueryFailure {
    fn ref_id(self) -> String {
        self.ref_id
    }
    fn status(&self) -> DataQueryStatus {
        match self.kind {
            FailureKind::BadQuery => DataQueryStatus::BadRequest,
            FailureKind::BadSettings => DataQueryStatus::ValidationFailed,
            FailureKind::Internal => DataQueryStatus::Internal,
        }
    }
}

/// Turns one query's JSON (and the protocol's `query_type`) into a [`Query`].
pub fn read_query(json: &Value, protocol_query_type: &str) -> Result<Query, String> {
    if let Some(reason) = json.get(INVALID_QUERY_JSON_KEY) {
        return Err(reason
            .as_str()
            .unwrap_or("query JSON is not valid")
            .to_string());
    }
    check_list_sizes(json)?;
    let mut json = match json {
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    };
    if let Value::Object(object) = &mut json {
        let missing = match object.get("queryType") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if missing && !protocol_query_type.is_empty() {
            object.insert("queryType".into(), Value::from(protocol_query_type));
        }
        if let Some(Value::String(t)) = object.get("queryType") {
            if QueryType::ALL.iter().all(|known| known.name() != t) {
                let known: Vec<&str> = QueryType::ALL.iter().map(|k| k.name()).collect();
                return Err(format!(
                    "unknown query type {t:?} (expected one of {})",
                    known.join(", ")
                ));
            }
        }
    }
    query::parse_query(&json).map_err(|e| format!("bad query: {e}"))
}

fn failure_kind(error: &QueryError) -> FailureKind {
    match error {
        QueryError::Store(_) | QueryError::Cancelled(_) => FailureKind::Internal,
        _ => FailureKind::BadQuery,
    }
}

/// Most items a list-valued key (`models`, `sources`, …) may hold, as a JSON
/// array or a comma-separated string: the bundled catalog has a few hundred
/// models.
pub const MAX_LIST_ITEMS: usize = 10_000;

/// Refuses a query whose lists are absurdly long before any work is done:
/// any JSON array, and the comma-separated strings of the list keys of the
/// query model's registry.
fn check_list_sizes(json: &Value) -> Result<(), String> {
    let Value::Object(object) = json else {
        return Ok(());
    };
    let is_list_key = |key: &str| {
        query::keys::find(key).is_some_and(|k| matches!(k.kind, query::keys::KeyKind::List))
    };
    for (key, value) in object {
        let items = match value {
            Value::Array(items) => items.len(),
            Value::String(text) if is_list_key(key) => {
                text.bytes().filter(|&b| b == b',').count() + 1
            }
            _ => continue,
        };
        if items > MAX_LIST_ITEMS {
            return Err(format!(
                "{key}: {items} items exceed the cap of {MAX_LIST_ITEMS}; list fewer values (an empty list means all)"
            ));
        }
    }
    Ok(())
}

fn instance_failure_kind(error: &InstanceError) -> FailureKind {
    match error {
        InstanceError::Settings(_) => FailureKind::BadSettings,
        _ => FailureKind::Internal,
    }
}

#[backend::async_trait]
impl backend::DataService for ArenawattPlugin {
    type Query = Value;
    type QueryError = QueryFailure;
    type Stream = backend::BoxDataResponseStream<Self::QueryError>;

    async fn query_data(
        &self,
        request: backend::QueryDataRequest<Self::Query, Self>,
    ) -> Self::Stream {
        let from_alert = request
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("FromAlert") && v == "true");
        let settings = request.plugin_context.instance_settings;
        let instance = self.instance(settings).await;
        Box::pin(
            request
                .queries
                .into_iter()
                .map(|q| {
                    let metrics = std::sync::Arc::clone(&self.metrics);
                    let instance = instance
                        .as_ref()
                        .map(std::sync::Arc::clone)
                        .map_err(|e| (instance_failure_kind(e), format!("data source: {e}")));
                    async move { run_query(q, instance, from_alert, &metrics).await }
                })
                .collect::<FuturesOrdered<_>>(),
        )
    }
}

async fn run_query(
    q: backend::DataQuery<Value>,
    instance: Result<std::sync::Arc<super::instance::Instance>, (FailureKind, String)>,
    from_alert: bool,
    metrics: &super::metrics::Metrics,
) -> Result<backend::DataResponse, QueryFailure> {
    let started = Instant::now();
    let ref_id = q.ref_id.clone();
    let fail = |kind: FailureKind, message: String| QueryFailure {
        ref_id: ref_id.clone(),
        kind,
        message,
    };
    let mut query =
        read_query(&q.query, &q.query_type).map_err(|m| fail(FailureKind::BadQuery, m))?;
    if query.interval_ms.is_none() && !q.interval.is_zero() {
        query.interval_ms = Some(q.interval.as_millis() as u64);
    }
    let instance = instance.map_err(|(kind, message)| fail(kind, message))?;
    let time_range = TimeRange {
        from_ms: q.time_range.from.timestamp_millis(),
        to_ms: q.time_range.to.timestamp_millis(),
    };
    let query_type = query.query_type;
    let executed_query = serde_json::to_string(&query).ok();
    // Dropping this future (deadline passed, client gone) raises the flag,
    // and the engine's step loops stop at their next checkpoint.
    let cancel = CancelFlag::new();
    let raise_on_drop = cancel.raise_on_drop();
    let result = {
        let instance = std::sync::Arc::clone(&instance);
        let cancel = cancel.clone();
        let ref_id = ref_id.clone();
        tokio::task::spawn_blocking(move || {
            let result = limits::run_cancellable(&cancel, || {
                instance.engine.execute(&query, Some(time_range))
            });
            if let Err(QueryError::Cancelled(reason)) = &result {
                tracing::info!(ref_id = %ref_id, reason = %reason, "query cancelled");
            }
            result
        })
        .await
        .map_err(|e| fail(FailureKind::Internal, format!("query worker failed: {e}")))?
    };
    raise_on_drop.disarm();
    let outcome = result.map_err(|e| fail(failure_kind(&e), e.to_string()));
    metrics.query(query_type.name(), outcome.is_ok(), started.elapsed());
    tracing::debug!(
        ref_id = %ref_id,
        query_type = query_type.name(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        from_alert,
        ok = outcome.is_ok(),
        "query"
    );
    let result = outcome?;
    let context = FrameContext {
        query_type: Some(query_type),
        executed_query,
    };
    let frames = frames::to_frames(&result, &context);
    let checked = frames
        .iter()
        .map(frames::check)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(FailureKind::Internal, e.to_string()))?;
    Ok(backend::DataResponse::new(ref_id, checked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_type_comes_from_json_or_protocol() {
        let q = read_query(&json!({"of": "zones"}), "variable").unwrap();
        assert_eq!(q.query_type, QueryType::Variable);
        let q = read_query(&json!({"queryType": "leaderboard"}), "variable").unwrap();
        assert_eq!(q.query_type, QueryType::Leaderboard);
        let q = read_query(&json!({"queryType": ""}), "model").unwrap();
        assert_eq!(q.query_type, QueryType::Model);
        let q = read_query(&Value::Null, "").unwrap();
        assert_eq!(q.query_type, QueryType::Scatter);
    }

    #[test]
    fn unknown_types_and_bad_json_are_named() {
        let e = read_query(&json!({"queryType": "pie"}), "").unwrap_err();
        assert!(e.contains("\"pie\"") && e.contains("scatter"), "{e}");
        let e = read_query(&json!({"queryType": "scatter", "minVotes": "lots"}), "").unwrap_err();
        assert!(e.contains("minVotes"), "{e}");
        let e = read_query(
            &json!({INVALID_QUERY_JSON_KEY: "query JSON is not valid: eof"}),
            "",
        )
        .unwrap_err();
        assert!(e.contains("not valid"), "{e}");
    }

    #[test]
    fn absurdly_long_lists_are_refused_before_any_work() {
        let many = vec!["a"; MAX_LIST_ITEMS + 1].join(",");
        let e = read_query(&json!({"queryType": "scatter", "models": many}), "").unwrap_err();
        assert!(e.starts_with("models: 10001 items exceed the cap"), "{e}");
        let e = read_query(&json!({"sources": vec!["s"; MAX_LIST_ITEMS + 1]}), "").unwrap_err();
        assert!(e.starts_with("sources: 10001 items"), "{e}");
        assert!(read_query(&json!({"models": "a,b"}), "").is_ok());
        // A long string of a key that is no list is not counted as one.
        let anchor = format!("{many}=1000");
        let e = read_query(&json!({"anchor": anchor}), "");
        assert!(!e.is_err_and(|e| e.contains("items exceed")));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let q = read_query(
            &json!({"queryType": "scatter", "refId": "A", "datasource": {"uid": "arenawatt"}, "hide": false}),
            "",
        )
        .unwrap();
        assert_eq!(q.query_type, QueryType::Scatter);
    }
}
