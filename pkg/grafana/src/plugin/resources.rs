//! CallResource: JSON lists for the query and config editors, and vote uploads.
//!
//! | method and path | answer |
//! |---|---|
//! | `GET models`, `organizations`, `sources`, `licenses`, `architectures`, `sizes`, `zones`, `methodologies` | `[{"value", "label"}]`, from the same `variable` query the dashboards use; query-string keys are query keys (`zones?methodology=ecologits-0.8`, `models?sources=simulated`) |
//! | `POST votes` | JSON lines in the csv import schema, model names resolved through the bundled and the store's custom catalog, written in one transaction; `{"inserted", "duplicates", "dataVersion"}` |
//! | anything else | 404 (405 for a known path with another method) |
//!
//! Writing needs the Editor or Admin role (a Viewer, a `None` role or a
//! request without a user gets 403), a body of at most [`MAX_UPLOAD_BYTES`]
//! (413 beyond), and every line valid: one malformed line rejects the whole
//! batch with 400, naming the line, and nothing is written.

use bytes::Bytes;
use grafana_plugin_sdk::backend::{self, Role};
use http::{Method, Response, StatusCode};
use serde_json::{json, Map, Value};

use super::instance::InstanceError;
use super::protocol::ORIGINAL_ROLE_HEADER;
use super::votes;
use super::ArenawattPlugin;
use arenawatt_engine::{self as query, QueryResult, QueryType, VariableOf};
use arenawatt_store::import_service::ImportError;

/// Largest accepted `POST votes` body.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// The list resources and the variable each one lists.
pub const LIST_RESOURCES: [(&str, VariableOf); 11] = [
    ("models", VariableOf::Models),
    ("organizations", VariableOf::Organizations),
    ("sources", VariableOf::Sources),
    ("licenses", VariableOf::Licenses),
    ("architectures", VariableOf::Architectures),
    ("sizes", VariableOf::Sizes),
    ("zones", VariableOf::Zones),
    ("methodologies", VariableOf::Methodologies),
    ("categories", VariableOf::Categories),
    ("languages", VariableOf::Languages),
    ("countries", VariableOf::Countries),
];

/// A resource call that did not succeed, with its HTTP status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ResourceError {
    pub status: StatusCode,
    pub message: String,
}

impl ResourceError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ResourceError {
            status,
            message: message.into(),
        }
    }
}

impl backend::ErrIntoHttpResponse for ResourceError {
    fn into_http_response(self) -> Result<Response<Bytes>, Box<dyn std::error::Error>> {
        Ok(json_response(
            self.status,
            &json!({ "error": self.message }),
        )?)
    }
}

fn json_response(status: StatusCode, body: &Value) -> Result<Response<Bytes>, http::Error> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body.to_string()))
}

/// The query-string parameters as a query JSON object (repeated keys and
/// comma lists become arrays; the engine's lenient parser does the rest).
fn query_string_json(query: Option<&str>) -> Map<String, Value> {
    let mut object = Map::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key);
        let value = Value::from(percent_decode(value));
        match object.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                object.insert(key, value);
            }
        }
    }
    object
}

fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes[i] {
            b'%' if i + 2 < bytes.len() => hex(bytes[i + 1])
                .zip(hex(bytes[i + 2]))
                .map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (decoded, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn can_write(request: &backend::CallResourceRequest<ArenawattPlugin>) -> Result<(), ResourceError> {
    let original = request
        .request
        .headers()
        .get(ORIGINAL_ROLE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let role = match (
        &original,
        request.plugin_context.user.as_ref().map(|u| u.role),
    ) {
        (Some(original), _) => original.clone(),
        (None, Some(Role::Admin)) | (None, Some(Role::Editor)) => return Ok(()),
        (None, Some(Role::Viewer)) => "Viewer".to_string(),
        (None, Some(other)) => format!("{other:?}"),
        (None, None) => "none (no signed-in user)".to_string(),
    };
    Err(ResourceError::new(
        StatusCode::FORBIDDEN,
        format!("writing votes needs the Editor or Admin role; this user's role is {role}"),
    ))
}

#[backend::async_trait]
impl backend::ResourceService for ArenawattPlugin {
    type Error = ResourceError;
    type InitialResponse = Response<Bytes>;
    type Stream = backend::BoxResourceStream<Self::Error>;

    async fn call_resource(
        &self,
        request: backend::CallResourceRequest<Self>,
    ) -> Result<(Self::InitialResponse, Self::Stream), Self::Error> {
        let path = request.request.uri().path().trim_matches('/').to_string();
        let method = request.request.method().clone();
        let started = std::time::Instant::now();
        let outcome = self.route(&path, &method, request).await;
        let status = match &outcome {
            Ok(response) => response.status().as_u16(),
            Err(e) => e.status.as_u16(),
        };
        let known = LIST_RESOURCES.iter().any(|(n, _)| *n == path) || path == "votes";
        self.metrics
            .resource(if known { &path } else { "other" }, status);
        tracing::debug!(
            path = %path,
            method = %method,
            status,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "resource"
        );
        let response = outcome?;
        Ok((response, Box::pin(futures_util::stream::empty())))
    }
}

impl ArenawattPlugin {
    async fn route(
        &self,
        path: &str,
        method: &Method,
        request: backend::CallResourceRequest<Self>,
    ) -> Result<Response<Bytes>, ResourceError> {
        let list = LIST_RESOURCES
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, of)| *of);
        match (path, list) {
            (_, Some(of)) if method == Method::GET => self.list(of, request).await,
            ("votes", _) if method == Method::POST => self.post_votes(request).await,
            (_, Some(_)) | ("votes", _) => Err(ResourceError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{method} is not allowed on {path:?}"),
            )),
            _ => {
                let known: Vec<&str> = LIST_RESOURCES.iter().map(|(n, _)| *n).collect();
                Err(ResourceError::new(
                    StatusCode::NOT_FOUND,
                    format!(
                        "unknown resource {:?}; expected GET {} or POST votes",
                        super::protocol::echoable_url(path),
                        known.join(", ")
                    ),
                ))
            }
        }
    }

    async fn list(
        &self,
        of: VariableOf,
        request: backend::CallResourceRequest<Self>,
    ) -> Result<Response<Bytes>, ResourceError> {
        let mut object = query_string_json(request.request.uri().query());
        object.insert("queryType".into(), Value::from(QueryType::Variable.name()));
        object.insert("of".into(), serde_json::to_value(of).unwrap_or(Value::Null));
        let query = query::parse_query(&Value::Object(object)).map_err(|e| {
            ResourceError::new(StatusCode::BAD_REQUEST, format!("bad parameter {e}"))
        })?;
        let instance = self
            .instance(request.plugin_context.instance_settings)
            .await
            .map_err(|e| {
                ResourceError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("data source: {e}"),
                )
            })?;
        let result = tokio::task::spawn_blocking(move || instance.engine.execute(&query, None))
            .await
            .map_err(|e| ResourceError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let values = match result {
            Ok(QueryResult::Variable { values }) => values,
            Ok(_) => {
                return Err(ResourceError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the engine answered a variable query with another shape",
                ))
            }
            Err(e @ query::QueryError::Store(_)) => {
                return Err(ResourceError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                ))
            }
            Err(e) => return Err(ResourceError::new(StatusCode::BAD_REQUEST, e.to_string())),
        };
        let body: Vec<Value> = values
            .into_iter()
            .map(|v| json!({ "value": v.value, "label": v.text }))
            .collect();
        json_response(StatusCode::OK, &Value::Array(body))
            .map_err(|e| ResourceError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }

    async fn post_votes(
        &self,
        request: backend::CallResourceRequest<Self>,
    ) -> Result<Response<Bytes>, ResourceError> {
        can_write(&request)?;
        let body = request.request.body();
        if body.len() > MAX_UPLOAD_BYTES {
            return Err(ResourceError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body has {} bytes; POST votes accepts at most {MAX_UPLOAD_BYTES} bytes: \
                     split the upload, or import large files with `arenawatt import`",
                    body.len()
                ),
            ));
        }
        let body = body.clone();
        let instance = self
            .instance(request.plugin_context.instance_settings)
            .await
            .map_err(|e| {
                // A store that is gone is not recreated by an upload.
                let status = match &e {
                    InstanceError::StoreFile { .. }
                    | InstanceError::Store {
                        source: arenawatt_store::StoreError::Missing { .. },
                        ..
                    } => StatusCode::CONFLICT,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                ResourceError::new(status, format!("data source: {e}"))
            })?;
        if instance.demo {
            return Err(ResourceError::new(
                StatusCode::CONFLICT,
                "this data source serves the bundled demo data, which is read-only; \
                 set `path` to a store to upload votes",
            ));
        }
        let summary = tokio::task::spawn_blocking(move || {
            // Names resolve as queries see them: bundled plus custom models
            // at the store's current data version.
            let catalog = instance.engine.catalog().map_err(|e| {
                ResourceError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "reading the catalog of {}: {e}",
                        instance.store_path.display()
                    ),
                )
            })?;
            votes::import_json_lines(&instance.store_path, &body, &catalog).map_err(|e| match e {
                ImportError::JsonLines(_)
                | ImportError::Store(arenawatt_store::StoreError::InvalidVote(_)) => {
                    ResourceError::new(StatusCode::BAD_REQUEST, e.to_string())
                }
                ImportError::Store(arenawatt_store::StoreError::CannotOpen { .. }) => {
                    ResourceError::new(StatusCode::CONFLICT, e.to_string())
                }
                _ => ResourceError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            })
        })
        .await
        .map_err(|e| ResourceError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
        tracing::info!(
            inserted = summary.votes_inserted,
            duplicates = summary.votes_duplicate,
            data_version = summary.data_version,
            "votes uploaded"
        );
        json_response(
            StatusCode::OK,
            &json!({
                "inserted": summary.votes_inserted,
                "duplicates": summary.votes_duplicate,
                "dataVersion": summary.data_version,
            }),
        )
        .map_err(|e| ResourceError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_become_query_keys() {
        let o = query_string_json(Some("methodology=ecologits-0.8&sources=a&sources=b%20c&x"));
        assert_eq!(o["methodology"], "ecologits-0.8");
        assert_eq!(o["sources"], json!(["a", "b c"]));
        assert_eq!(o["x"], "");
        assert!(query_string_json(None).is_empty());
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%2Cb"), "a,b");
    }
}
