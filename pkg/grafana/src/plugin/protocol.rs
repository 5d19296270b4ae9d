//! The gRPC side of the plugin: the go-plugin handshake, the server, and a
//! thin layer that repairs requests the SDK would reject as a whole.
//!
//! grafana-plugin-sdk 0.5 converts each protobuf request into its own types
//! before calling our services, and fails the *whole* request when one part
//! does not convert:
//!
//! - a user whose role is not `Admin`, `Editor` or `Viewer` (Grafana's `None`
//!   basic role, or a custom one) fails every data, health and resource call;
//! - one query whose JSON does not parse fails all queries of the request;
//! - a query without a time range, or jsonData that is not JSON, likewise.
//!
//! So the services are wrapped in [`Repaired`], which fixes the protobuf
//! request first and then hands it to the SDK unchanged otherwise:
//!
//! - an unknown role becomes `Viewer` (the least privileged role the SDK
//!   knows, and the one that matches what `None` may do here: read, not
//!   write); the original is kept in the [`ORIGINAL_ROLE_HEADER`] header so
//!   error messages can name it;
//! - a query whose JSON is invalid gets `{INVALID_QUERY_JSON_KEY: reason}`,
//!   which the data service answers with a 400 on that refId only;
//! - a missing time range becomes "all time up to now";
//! - invalid jsonData becomes `{INVALID_JSON_DATA_KEY: reason}`, which the
//!   settings report;
//! - resource headers that are not valid HTTP are dropped, and a resource URL
//!   that is not a valid URI is answered 400 directly.
//!
//! Since the wrapped services cannot go through the SDK's `Plugin` builder
//! (it only accepts SDK services), [`serve`] builds the same tonic server
//! itself: handshake via [`backend::initialize`], gRPC health, and the
//! diagnostics, data and resource services. It also sets TCP_NODELAY on each
//! connection, which the SDK's server does not: without it every call waits
//! about 40 ms for a delayed ACK.

use std::sync::Arc;

use futures_util::StreamExt;
use grafana_plugin_sdk::backend;
use grafana_plugin_sdk::pluginv2::{
    self, data_server::DataServer, diagnostics_server::DiagnosticsServer,
    resource_server::ResourceServer,
};
use serde_json::{json, Value};

use super::settings::INVALID_JSON_DATA_KEY;

/// Request header carrying a user role the SDK does not know (e.g. `None`).
pub const ORIGINAL_ROLE_HEADER: &str = "x-arenawatt-original-role";
/// Key of the stand-in JSON for a query the repair layer refused (JSON that
/// does not parse, a time range the SDK cannot convert, an oversized query);
/// its value is the reason, reported on that refId only.
pub const INVALID_QUERY_JSON_KEY: &str = "__arenawatt_invalid_query_json";
/// Largest gRPC message accepted (resource bodies are limited further).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Largest query JSON accepted: a dashboard query is a few hundred bytes.
pub const MAX_QUERY_JSON_BYTES: usize = 1024 * 1024;
/// Largest encoded frames one refId may answer with.
pub const MAX_RESPONSE_BYTES_PER_QUERY: usize = 32 * 1024 * 1024;
/// Largest encoded frames of a whole QueryData answer: under
/// [`MAX_MESSAGE_BYTES`], which gRPC would refuse as a whole (OUT_OF_RANGE).
pub const MAX_RESPONSE_BYTES: usize = 60 * 1024 * 1024;
/// Earliest and latest epoch milliseconds a time range may name:
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. The SDK panics on
/// values chrono cannot represent (JavaScript's minimum date is one).
pub const TIME_RANGE_MS: (i64, i64) = (-62_135_596_800_000, 253_402_300_799_999);
/// Longest resource URL echoed back in an error.
const MAX_ECHOED_URL_CHARS: usize = 200;

const KNOWN_ROLES: [&str; 3] = ["Admin", "Editor", "Viewer"];

/// A service whose requests are repaired before the SDK sees them.
pub struct Repaired<T>(pub Arc<T>);

/// Repairs the user and settings of a plugin context; returns the original
/// role when it had to be replaced.
fn repair_context(context: &mut Option<pluginv2::PluginContext>) -> Option<String> {
    let context = context.as_mut()?;
    if let Some(settings) = context.data_source_instance_settings.as_mut() {
        repair_json_data(&mut settings.json_data);
    }
    if let Some(settings) = context.app_instance_settings.as_mut() {
        repair_json_data(&mut settings.json_data);
    }
    let user = context.user.as_mut()?;
    if KNOWN_ROLES.contains(&user.role.as_str()) {
        return None;
    }
    let original = std::mem::replace(&mut user.role, "Viewer".to_string());
    Some(if original.is_empty() {
        "None".to_string()
    } else {
        original
    })
}

fn repair_json_data(bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    if let Err(e) = serde_json::from_slice::<Value>(bytes) {
        *bytes = json!({ INVALID_JSON_DATA_KEY: format!("jsonData is not valid JSON: {e}") })
            .to_string()
            .into_bytes();
    }
}

fn repair_query(query: &mut pluginv2::DataQuery) {
    let all_time = || pluginv2::TimeRange {
        from_epoch_ms: 0,
        to_epoch_ms: chrono::Utc::now().timestamp_millis(),
    };
    let mut refused = None;
    match &query.time_range {
        None => query.time_range = Some(all_time()),
        Some(range) => {
            if let Some(reason) = time_range_problem(range) {
                // The SDK would panic converting it, losing every refId.
                query.time_range = Some(all_time());
                refused = Some(reason);
            }
        }
    }
    if refused.is_none() && query.json.len() > MAX_QUERY_JSON_BYTES {
        refused = Some(format!(
            "query JSON is {} bytes, over the cap of {} bytes; list fewer models or values",
            query.json.len(),
            MAX_QUERY_JSON_BYTES
        ));
    }
    if refused.is_none() && !query.json.is_empty() {
        if let Err(e) = serde_json::from_slice::<Value>(&query.json) {
            refused = Some(format!("query JSON is not valid: {e}"));
        }
    }
    if let Some(reason) = refused {
        query.json = json!({ INVALID_QUERY_JSON_KEY: reason })
            .to_string()
            .into_bytes();
    }
}

/// Why a time range cannot be served, if it cannot.
fn time_range_problem(range: &pluginv2::TimeRange) -> Option<String> {
    let (earliest, latest) = TIME_RANGE_MS;
    let outside = |ms: i64| !(earliest..=latest).contains(&ms);
    for (name, ms) in [
        ("fromEpochMS", range.from_epoch_ms),
        ("toEpochMS", range.to_epoch_ms),
    ] {
        if outside(ms) {
            return Some(format!(
                "time range: {name} {ms} is outside 0001-01-01..9999-12-31 ({earliest}..{latest} ms)"
            ));
        }
    }
    if range.from_epoch_ms > range.to_epoch_ms {
        return Some(format!(
            "time range: fromEpochMS {} is after toEpochMS {}",
            range.from_epoch_ms, range.to_epoch_ms
        ));
    }
    None
}

/// Replaces the frames of refIds whose encoded frames pass
/// [`MAX_RESPONSE_BYTES_PER_QUERY`] by an error naming the cap, then the
/// largest answers while the whole passes [`MAX_RESPONSE_BYTES`]: gRPC
/// would otherwise refuse the whole answer, good queries included.
fn cap_response_sizes(response: &mut pluginv2::QueryDataResponse) {
    let size = |r: &pluginv2::DataResponse| r.frames.iter().map(Vec::len).sum::<usize>();
    let refuse = |r: &mut pluginv2::DataResponse, message: String| {
        r.frames = Vec::new();
        r.json_meta = Vec::new();
        r.error = message;
        r.status = 400;
    };
    for r in response.responses.values_mut() {
        let bytes = size(r);
        if bytes > MAX_RESPONSE_BYTES_PER_QUERY {
            refuse(
                r,
                format!(
                    "the answer is {bytes} bytes of frames, over the cap of {MAX_RESPONSE_BYTES_PER_QUERY} bytes per query; narrow the time range, use a larger step, or choose fewer models"
                ),
            );
        }
    }
    let mut total: usize = response.responses.values().map(size).sum();
    while total > MAX_RESPONSE_BYTES {
        let Some((_, largest)) = response
            .responses
            .iter_mut()
            .max_by_key(|(ref_id, r)| (size(r), std::cmp::Reverse((*ref_id).clone())))
        else {
            break;
        };
        let bytes = size(largest);
        total -= bytes;
        refuse(
            largest,
            format!(
                "the answer is {bytes} bytes of frames; with the other queries of this request it would pass the cap of {MAX_RESPONSE_BYTES} bytes per request; send it in its own request or narrow it"
            ),
        );
    }
}

/// A URL short enough to echo in an error: at most
/// [`MAX_ECHOED_URL_CHARS`] characters, then "…".
pub(crate) fn echoable_url(url: &str) -> String {
    match url.char_indices().nth(MAX_ECHOED_URL_CHARS) {
        None => url.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes)", &url[..cut], url.len()),
    }
}

#[tonic::async_trait]
impl<T> pluginv2::data_server::Data for Repaired<T>
where
    T: pluginv2::data_server::Data,
{
    async fn query_data(
        &self,
        mut request: tonic::Request<pluginv2::QueryDataRequest>,
    ) -> Result<tonic::Response<pluginv2::QueryDataResponse>, tonic::Status> {
        let inner = request.get_mut();
        if let Some(role) = repair_context(&mut inner.plugin_context) {
            inner.headers.insert(ORIGINAL_ROLE_HEADER.to_string(), role);
        }
        inner.queries.iter_mut().for_each(repair_query);
        let mut response = self.0.query_data(request).await?;
        cap_response_sizes(response.get_mut());
        Ok(response)
    }
}

#[tonic::async_trait]
impl<T> pluginv2::diagnostics_server::Diagnostics for Repaired<T>
where
    T: pluginv2::diagnostics_server::Diagnostics,
{
    async fn check_health(
        &self,
        mut request: tonic::Request<pluginv2::CheckHealthRequest>,
    ) -> Result<tonic::Response<pluginv2::CheckHealthResponse>, tonic::Status> {
        let inner = request.get_mut();
        if let Some(role) = repair_context(&mut inner.plugin_context) {
            inner.headers.insert(ORIGINAL_ROLE_HEADER.to_string(), role);
        }
        self.0.check_health(request).await
    }

    async fn collect_metrics(
        &self,
        mut request: tonic::Request<pluginv2::CollectMetricsRequest>,
    ) -> Result<tonic::Response<pluginv2::CollectMetricsResponse>, tonic::Status> {
        repair_context(&mut request.get_mut().plugin_context);
        self.0.collect_metrics(request).await
    }
}

type ResourceStream = std::pin::Pin<
    Box<
        dyn futures_util::Stream<Item = Result<pluginv2::CallResourceResponse, tonic::Status>>
            + Send,
    >,
>;

#[tonic::async_trait]
impl<T> pluginv2::resource_server::Resource for Repaired<T>
where
    T: pluginv2::resource_server::Resource,
{
    type CallResourceStream = ResourceStream;

    async fn call_resource(
        &self,
        mut request: tonic::Request<pluginv2::CallResourceRequest>,
    ) -> Result<tonic::Response<Self::CallResourceStream>, tonic::Status> {
        let inner = request.get_mut();
        if let Some(role) = repair_context(&mut inner.plugin_context) {
            inner.headers.insert(
                ORIGINAL_ROLE_HEADER.to_string(),
                pluginv2::StringList { values: vec![role] },
            );
        }
        inner.headers.retain(|name, values| {
            http::HeaderName::try_from(name.as_str()).is_ok()
                && values
                    .values
                    .iter()
                    .all(|v| http::HeaderValue::try_from(v.as_str()).is_ok())
        });
        let uri = format!("/{}", inner.url);
        if let Err(e) = http::Uri::try_from(uri.as_str()) {
            return Ok(direct_response(
                400,
                &format!("invalid resource URL {:?}: {e}", echoable_url(&inner.url)),
            ));
        }
        if http::Method::try_from(inner.method.as_str()).is_err() {
            return Ok(direct_response(
                400,
                &format!("invalid HTTP method {:?}", inner.method),
            ));
        }
        let response = self.0.call_resource(request).await?;
        let stream: ResourceStream = Box::pin(response.into_inner());
        Ok(tonic::Response::new(stream))
    }
}

fn direct_response(code: i32, message: &str) -> tonic::Response<ResourceStream> {
    let mut headers = std::collections::HashMap::new();
    headers.insert(
        "content-type".to_string(),
        pluginv2::StringList {
            values: vec!["application/json".to_string()],
        },
    );
    let body = json!({ "error": message }).to_string();
    let response = pluginv2::CallResourceResponse {
        code,
        headers,
        body: body.into(),
    };
    let stream: ResourceStream = Box::pin(futures_util::stream::iter([Ok(response)]));
    tonic::Response::new(stream)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot open the plugin's gRPC port: {0}")]
    Listen(#[from] std::io::Error),
    #[error("gRPC server: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// Prints the go-plugin handshake and serves until Grafana stops the plugin
/// (SIGTERM, SIGINT, or the process being killed).
pub async fn serve<S>(service: S) -> Result<(), ServeError>
where
    S: pluginv2::data_server::Data
        + pluginv2::diagnostics_server::Diagnostics
        + pluginv2::resource_server::Resource,
{
    let listener = backend::initialize().await?;
    let service = Arc::new(service);
    let (mut health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<DiagnosticsServer<Repaired<S>>>().await;
    health.set_serving::<DataServer<Repaired<S>>>().await;
    health.set_serving::<ResourceServer<Repaired<S>>>().await;
    // go-plugin's client pings the service named "plugin".
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    tracing::debug!(address = %listener.local_addr()?, "serving plugin [diagnostics data resource]");
    // Without TCP_NODELAY, a response written in several small frames waits
    // for the client's delayed ACK: about 40 ms added to every call.
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).map(|stream| {
        let stream = stream?;
        stream.set_nodelay(true)?;
        Ok::<_, std::io::Error>(stream)
    });
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(
            DiagnosticsServer::new(Repaired(Arc::clone(&service)))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            DataServer::new(Repaired(Arc::clone(&service)))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ResourceServer::new(Repaired(service)).max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .serve_with_incoming_shutdown(incoming, shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(role: &str, json_data: &[u8]) -> Option<pluginv2::PluginContext> {
        Some(pluginv2::PluginContext {
            user: Some(pluginv2::User {
                role: role.into(),
                ..Default::default()
            }),
            data_source_instance_settings: Some(pluginv2::DataSourceInstanceSettings {
                json_data: json_data.to_vec(),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    #[test]
    fn unknown_roles_become_viewer_and_are_remembered() {
        let mut c = context("None", b"{}");
        assert_eq!(repair_context(&mut c).as_deref(), Some("None"));
        assert_eq!(c.unwrap().user.unwrap().role, "Viewer");
        let mut c = context("", b"{}");
        assert_eq!(repair_context(&mut c).as_deref(), Some("None"));
        for role in KNOWN_ROLES {
            let mut c = context(role, b"{}");
            assert_eq!(repair_context(&mut c), None);
            assert_eq!(c.unwrap().user.unwrap().role, role);
        }
    }

    #[test]
    fn invalid_json_is_replaced_by_a_reason() {
        let mut c = context("Admin", b"{not json");
        repair_context(&mut c);
        let json: Value =
            serde_json::from_slice(&c.unwrap().data_source_instance_settings.unwrap().json_data)
                .unwrap();
        assert!(json[INVALID_JSON_DATA_KEY]
            .as_str()
            .unwrap()
            .contains("not valid JSON"));

        let mut q = pluginv2::DataQuery {
            json: b"{\"queryType\": ".to_vec(),
            ..Default::default()
        };
        repair_query(&mut q);
        let json: Value = serde_json::from_slice(&q.json).unwrap();
        assert!(json[INVALID_QUERY_JSON_KEY]
            .as_str()
            .unwrap()
            .contains("not valid"));
        assert!(q.time_range.is_some());

        let mut q = pluginv2::DataQuery {
            json: b"{\"queryType\": \"scatter\"}".to_vec(),
            ..Default::default()
        };
        repair_query(&mut q);
        assert_eq!(q.json, b"{\"queryType\": \"scatter\"}");
    }

    fn refusal(q: &pluginv2::DataQuery) -> String {
        let json: Value = serde_json::from_slice(&q.json).unwrap();
        json[INVALID_QUERY_JSON_KEY]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn time_ranges_the_sdk_cannot_convert_are_refused_and_replaced() {
        let (earliest, latest) = TIME_RANGE_MS;
        for (from, to, expected) in [
            (
                -8_640_000_000_000_000,
                0,
                "fromEpochMS -8640000000000000 is outside",
            ),
            (0, i64::MAX, "toEpochMS 9223372036854775807 is outside"),
            (5, 4, "fromEpochMS 5 is after toEpochMS 4"),
        ] {
            let mut q = pluginv2::DataQuery {
                json: b"{}".to_vec(),
                time_range: Some(pluginv2::TimeRange {
                    from_epoch_ms: from,
                    to_epoch_ms: to,
                }),
                ..Default::default()
            };
            repair_query(&mut q);
            assert!(refusal(&q).contains(expected), "{}", refusal(&q));
            let range = q.time_range.unwrap();
            assert!(
                time_range_problem(&range).is_none(),
                "the SDK gets a range it converts"
            );
        }
        // The extremes themselves are converted by chrono, so they pass.
        let ok = pluginv2::TimeRange {
            from_epoch_ms: earliest,
            to_epoch_ms: latest,
        };
        assert!(time_range_problem(&ok).is_none());
        assert!(chrono::DateTime::from_timestamp_millis(earliest).is_some());
        assert!(chrono::DateTime::from_timestamp_millis(latest).is_some());
    }

    #[test]
    fn oversized_query_json_is_refused_before_parsing() {
        let mut q = pluginv2::DataQuery {
            json: vec![b' '; MAX_QUERY_JSON_BYTES + 1],
            ..Default::default()
        };
        repair_query(&mut q);
        assert!(
            refusal(&q).contains("over the cap of 1048576 bytes"),
            "{}",
            refusal(&q)
        );
    }

    fn answer(frames: &[usize]) -> pluginv2::DataResponse {
        pluginv2::DataResponse {
            frames: frames.iter().map(|&n| vec![0u8; n]).collect(),
            status: 200,
            ..Default::default()
        }
    }

    #[test]
    fn answers_over_the_byte_caps_fail_alone() {
        let mut response = pluginv2::QueryDataResponse::default();
        let big = MAX_RESPONSE_BYTES_PER_QUERY / 2 + 1;
        response
            .responses
            .insert("HUGE".into(), answer(&[big, big]));
        response.responses.insert("SMALL".into(), answer(&[100]));
        cap_response_sizes(&mut response);
        let huge = &response.responses["HUGE"];
        assert!(huge.frames.is_empty() && huge.status == 400);
        assert!(
            huge.error
                .contains("over the cap of 33554432 bytes per query"),
            "{}",
            huge.error
        );
        assert_eq!(response.responses["SMALL"].frames.len(), 1);

        // Three answers under the per-query cap that together pass the
        // request's: the largest goes, the others stay.
        let mut response = pluginv2::QueryDataResponse::default();
        let third = MAX_RESPONSE_BYTES / 3 + 1;
        response.responses.insert("A".into(), answer(&[third]));
        response.responses.insert("B".into(), answer(&[third + 10]));
        response.responses.insert("C".into(), answer(&[third]));
        cap_response_sizes(&mut response);
        assert!(response.responses["B"].error.contains("per request"));
        assert!(response.responses["A"].error.is_empty());
        assert!(response.responses["C"].error.is_empty());
    }

    #[test]
    fn long_urls_are_cut_when_echoed() {
        assert_eq!(echoable_url("models?zone=FRA"), "models?zone=FRA");
        let long = format!("models?{}", "é".repeat(1 << 20));
        let shown = echoable_url(&long);
        assert!(shown.chars().count() < MAX_ECHOED_URL_CHARS + 40, "{shown}");
        assert!(shown.contains("… (2097159 bytes)"), "{shown}");
    }
}
