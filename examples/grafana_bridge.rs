//! A stand-in for the Grafana server, so that Node (jest, the headless
//! browser test) can talk to the real `gpx_arenawatt` and see exactly what
//! Grafana's frontend would receive from `/api/ds/query`, the resource
//! endpoints and the health check.
//!
//! It spawns the plugin with the environment Grafana gives a backend plugin,
//! reads the go-plugin handshake, connects the pluginv2 gRPC clients, and then
//! serves JSON lines: one request per line on stdin, one answer per line on
//! stdout, carrying the request's `id`. Requests run concurrently, so answers
//! may come out of order. The first line on stdout, before any answer, is
//! `{"ready":true,"handshake":"1|2|tcp|ADDR|grpc"}`.
//!
//! ```text
//! {"id":1,"method":"query","queries":[{"refId":"A","queryType":"scatter"}],
//!  "range":{"from":<ms>,"to":<ms>},"jsonData":{},"role":"Viewer"}
//!   → {"id":1,"results":{"A":{"status":200,"frames":[<frame JSON>]}}}
//! {"id":2,"method":"resource","path":"models","query":"licenses=open","httpMethod":"GET","body":null}
//!   → {"id":2,"status":200,"headers":{"content-type":["application/json"]},"body":<JSON or text>}
//! {"id":3,"method":"health"}
//!   → {"id":3,"status":"OK","message":"...","jsonDetails":<JSON or null>}
//! anything malformed → {"id":<id or null>,"error":"..."}
//! ```
//!
//! Defaults follow Grafana: `maxDataPoints` 1000 and `intervalMs` 1000 unless a
//! query sets them; the range defaults to the last 400 days (the demo data's
//! span); `jsonData` defaults to `{}` (the bundled demo data); the user's role
//! to `Admin`. Frames are converted by `frame_json` (see there for the shape).
//! When stdin closes, in-flight requests finish and the plugin is killed.

#[path = "grafana_bridge/frame_json.rs"]
mod frame_json;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;
use grafana_plugin_sdk::pluginv2::{
    self, data_client::DataClient, diagnostics_client::DiagnosticsClient,
    resource_client::ResourceClient,
};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tonic::transport::Channel;

/// The data source uid Grafana would send (matches the provisioning).
const DATASOURCE_UID: &str = "arenawatt";
/// The default time range when a request names none: the demo data's span.
const DEFAULT_RANGE_DAYS: i64 = 400;
const MESSAGE_LIMIT: usize = 64 << 20;

#[derive(Parser)]
#[command(
    about = "Plays the Grafana server's part for gpx_arenawatt over JSON lines on stdin/stdout"
)]
struct Args {
    /// The plugin binary to run (target/debug/gpx_arenawatt).
    #[arg(long, value_name = "PATH")]
    plugin: PathBuf,
    /// Default data source settings (jsonData) for requests that give none.
    #[arg(long, value_name = "JSON", default_value = "{}")]
    json_data: String,
    /// The demo store the plugin builds on first use (ARENAWATT_DEMO_STORE;
    /// default: the plugin's own `<temp>/arenawatt-<version>/demo-<day>.sqlite`).
    #[arg(long, value_name = "PATH")]
    demo_store: Option<PathBuf>,
}

/// The gRPC clients of one running plugin (clones share the connection).
#[derive(Clone)]
struct Clients {
    data: DataClient<Channel>,
    diagnostics: DiagnosticsClient<Channel>,
    resources: ResourceClient<Channel>,
    default_json_data: Value,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let default_json_data: Value = match serde_json::from_str(&args.json_data) {
        Ok(value @ Value::Object(_)) => value,
        Ok(other) => {
            eprintln!("grafana_bridge: --json-data must be a json object, got {other}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("grafana_bridge: --json-data is not json: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Spawned from the main thread, which lives as long as the process, so
    // the parent-death signal fires only when the bridge itself dies.
    let (mut child, handshake) = match start_plugin(&args) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("grafana_bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("grafana_bridge: starting the async runtime: {e}");
            let _ = child.kill();
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(serve(handshake, default_json_data));
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grafana_bridge: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Spawns the plugin with Grafana's environment and reads its handshake line.
fn start_plugin(args: &Args) -> Result<(Child, String), String> {
    let mut command = Command::new(&args.plugin);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // What go-plugin and Grafana set for a backend plugin.
        .env("grafana_plugin_type", "datasource")
        .env("PLUGIN_PROTOCOL_VERSIONS", "2")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env("GF_VERSION", "11.3.0")
        .env("GF_EDITION", "oss")
        .env("GF_PLUGIN_APP_URL", "http://localhost:3000/")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // The plugin's log goes to the bridge's stderr, for the caller to show.
        .stderr(Stdio::inherit());
    // Without --demo-store the plugin picks its own per-day file under the
    // system temp folder, as in a real Grafana.
    if let Some(demo_store) = &args.demo_store {
        command.env("ARENAWATT_DEMO_STORE", demo_store);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs before exec.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("spawning the plugin {}: {e}", args.plugin.display()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| "the plugin's stdout was not captured".to_string())?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = sender.send(lines.next());
        // Keep draining so the plugin never blocks on a full pipe.
        for _ in lines {}
    });
    let handshake = match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(Ok(line))) => line.trim().to_string(),
        Ok(_) => {
            let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
            return Err(format!("the plugin exited before its handshake ({status})"));
        }
        Err(_) => {
            let _ = child.kill();
            return Err("no handshake from the plugin within 60 s".into());
        }
    };
    let parts: Vec<&str> = handshake.split('|').collect();
    if parts.len() != 5 || parts[0] != "1" || parts[1] != "2" || parts[4] != "grpc" {
        let _ = child.kill();
        return Err(format!(
            "unexpected handshake {handshake:?}; expected 1|2|tcp|ADDR|grpc"
        ));
    }
    Ok((child, handshake))
}

/// Connects to the plugin and answers stdin's requests until stdin closes.
async fn serve(handshake: String, default_json_data: Value) -> Result<(), String> {
    let address = handshake.split('|').nth(3).unwrap_or_default().to_string();
    let channel = Channel::from_shared(format!("http://{address}"))
        .map_err(|e| format!("plugin address {address:?}: {e}"))?
        .connect()
        .await
        .map_err(|e| format!("connecting to the plugin at {address}: {e}"))?;
    let clients = Clients {
        data: DataClient::new(channel.clone())
            .max_decoding_message_size(MESSAGE_LIMIT)
            .max_encoding_message_size(MESSAGE_LIMIT),
        diagnostics: DiagnosticsClient::new(channel.clone()),
        resources: ResourceClient::new(channel)
            .max_decoding_message_size(MESSAGE_LIMIT)
            .max_encoding_message_size(MESSAGE_LIMIT),
        default_json_data,
    };

    let (answers, mut outbox) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(answer) = outbox.recv().await {
            let mut line = answer.to_string();
            line.push('\n');
            if stdout.write_all(line.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
                break;
            }
        }
    });
    let _ = answers.send(json!({"ready": true, "handshake": handshake}));

    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut in_flight = tokio::task::JoinSet::new();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                let _ = answers.send(json!({"id": null, "error": format!("reading stdin: {e}")}));
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let clients = clients.clone();
        let answers = answers.clone();
        in_flight.spawn(async move {
            let _ = answers.send(answer(&clients, &line).await);
        });
    }
    while in_flight.join_next().await.is_some() {}
    drop(answers);
    let _ = writer.await;
    let _ = std::io::stdout().flush();
    Ok(())
}

/// Answers one request line; every failure becomes `{"id":..,"error":..}`.
async fn answer(clients: &Clients, line: &str) -> Value {
    let request: Value = match serde_json::from_str(line) {
        Ok(request @ Value::Object(_)) => request,
        Ok(_) => return json!({"id": null, "error": "request is not a json object"}),
        Err(e) => return json!({"id": null, "error": format!("request is not json: {e}")}),
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let outcome = match request.get("method").and_then(Value::as_str) {
        Some("query") => query(clients, &request).await,
        Some("resource") => resource(clients, &request).await,
        Some("health") => health(clients, &request).await,
        Some(other) => Err(format!(
            "unknown method {other:?}; expected query, resource or health"
        )),
        None => Err("request has no \"method\" string".into()),
    };
    let mut reply = match outcome {
        Ok(Value::Object(fields)) => fields,
        Ok(other) => Map::from_iter([("result".to_string(), other)]),
        Err(error) => Map::from_iter([("error".to_string(), Value::String(error))]),
    };
    reply.insert("id".into(), id);
    Value::Object(reply)
}

/// The plugin context Grafana sends for the data source, for one request.
fn plugin_context(clients: &Clients, request: &Value) -> Result<pluginv2::PluginContext, String> {
    let json_data = match request.get("jsonData") {
        None | Some(Value::Null) => clients.default_json_data.clone(),
        Some(value @ Value::Object(_)) => value.clone(),
        Some(other) => return Err(format!("\"jsonData\" must be an object, got {other}")),
    };
    let role = match request.get("role") {
        None | Some(Value::Null) => "Admin",
        Some(Value::String(role)) => role.as_str(),
        Some(other) => return Err(format!("\"role\" must be a string, got {other}")),
    };
    let json_data =
        serde_json::to_vec(&json_data).map_err(|e| format!("encoding jsonData: {e}"))?;
    Ok(pluginv2::PluginContext {
        org_id: 1,
        plugin_id: "arenawatt-energy-datasource".into(),
        user: Some(pluginv2::User {
            login: format!("{}-user", role.to_lowercase()),
            name: format!("{role} user"),
            email: format!("{}@example.org", role.to_lowercase()),
            role: role.to_string(),
        }),
        app_instance_settings: None,
        data_source_instance_settings: Some(pluginv2::DataSourceInstanceSettings {
            id: 1,
            uid: DATASOURCE_UID.into(),
            name: DATASOURCE_UID.into(),
            json_data,
            last_updated_ms: 1_700_000_000_000,
            ..Default::default()
        }),
    })
}

/// An epoch-millisecond bound given as a number or a numeric string.
fn epoch_ms(range: &Value, key: &str) -> Result<Option<i64>, String> {
    match range.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("range.{key} {n} is not an epoch in milliseconds")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("range.{key} {s:?} is not an epoch in milliseconds")),
        Some(other) => Err(format!("range.{key} must be a number, got {other}")),
    }
}

fn time_range(request: &Value) -> Result<pluginv2::TimeRange, String> {
    let now = chrono::Utc::now().timestamp_millis();
    let range = request.get("range").cloned().unwrap_or(Value::Null);
    let to = epoch_ms(&range, "to")?.unwrap_or(now);
    let from = epoch_ms(&range, "from")?.unwrap_or(to - DEFAULT_RANGE_DAYS * 86_400_000);
    Ok(pluginv2::TimeRange {
        from_epoch_ms: from,
        to_epoch_ms: to,
    })
}

async fn query(clients: &Clients, request: &Value) -> Result<Value, String> {
    let queries = request
        .get("queries")
        .and_then(Value::as_array)
        .ok_or("a query request needs a \"queries\" array")?;
    let time_range = time_range(request)?;
    let mut data_queries = Vec::with_capacity(queries.len());
    for (index, query) in queries.iter().enumerate() {
        let ref_id = query
            .get("refId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("queries[{index}] has no \"refId\" string"))?;
        let integer =
            |key: &str, default: i64| query.get(key).and_then(Value::as_i64).unwrap_or(default);
        data_queries.push(pluginv2::DataQuery {
            ref_id: ref_id.to_string(),
            max_data_points: integer("maxDataPoints", 1000),
            interval_ms: integer("intervalMs", 1000),
            time_range: Some(time_range),
            json: serde_json::to_vec(query)
                .map_err(|e| format!("encoding queries[{index}]: {e}"))?,
            query_type: query
                .get("queryType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    let grpc_request = pluginv2::QueryDataRequest {
        plugin_context: Some(plugin_context(clients, request)?),
        headers: HashMap::new(),
        queries: data_queries,
    };
    let responses = clients
        .data
        .clone()
        .query_data(grpc_request)
        .await
        .map_err(|status| format!("QueryData failed at the grpc level: {status}"))?
        .into_inner()
        .responses;
    // Grafana writes the refIds in sorted order.
    let mut ref_ids: Vec<&String> = responses.keys().collect();
    ref_ids.sort();
    let mut results = Map::new();
    for ref_id in ref_ids {
        let response = &responses[ref_id];
        results.insert(ref_id.clone(), data_response_json(ref_id, response)?);
    }
    Ok(json!({ "results": results }))
}

/// One refId's answer in `/api/ds/query` form, as the Go SDK's encoder
/// writes it: `error` and `errorSource` when the query failed, `status` (an
/// unset one is 200 without an error and 500 with one), and `frames`, which
/// Grafana always has (decoding the plugin's frames gives a list, empty for a
/// failed query). The Rust SDK's protocol carries no error source, so it is
/// empty, as Grafana would receive it.
fn data_response_json(ref_id: &str, response: &pluginv2::DataResponse) -> Result<Value, String> {
    let status = match response.status {
        0 if response.error.is_empty() => 200,
        0 => 500,
        status => status,
    };
    let mut out = Map::new();
    if !response.error.is_empty() {
        out.insert("error".into(), Value::String(response.error.clone()));
        out.insert("errorSource".into(), Value::String(String::new()));
    }
    out.insert("status".into(), Value::from(status));
    let mut frames = Vec::with_capacity(response.frames.len());
    for (index, bytes) in response.frames.iter().enumerate() {
        frames.push(
            frame_json::frame_json(bytes)
                .map_err(|e| format!("refId {ref_id}, frame {index}: {e}"))?,
        );
    }
    out.insert("frames".into(), Value::Array(frames));
    Ok(Value::Object(out))
}

fn headers_json(headers: &HashMap<String, pluginv2::StringList>) -> Value {
    let mut names: Vec<&String> = headers.keys().collect();
    names.sort();
    let mut out = Map::new();
    for name in names {
        out.insert(name.clone(), Value::from(headers[name].values.clone()));
    }
    Value::Object(out)
}

async fn resource(clients: &Clients, request: &Value) -> Result<Value, String> {
    let path = request
        .get("path")
        .and_then(Value::as_str)
        .ok_or("a resource request needs a \"path\" string")?
        .trim_start_matches('/')
        .to_string();
    let query = request
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let method = request
        .get("httpMethod")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_uppercase();
    let body = match request.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(value) => value.to_string().into_bytes(),
    };
    let mut headers = HashMap::new();
    if !body.is_empty() {
        headers.insert(
            "Content-Type".to_string(),
            pluginv2::StringList {
                values: vec!["application/json".into()],
            },
        );
    }
    let url = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{}", query.trim_start_matches('?'))
    };
    let grpc_request = pluginv2::CallResourceRequest {
        plugin_context: Some(plugin_context(clients, request)?),
        path,
        method: method.clone(),
        url: url.clone(),
        headers,
        body: body.into(),
    };
    let mut stream = clients
        .resources
        .clone()
        .call_resource(grpc_request)
        .await
        .map_err(|status| {
            format!("CallResource {method} {url} failed at the grpc level: {status}")
        })?
        .into_inner();
    let mut first: Option<pluginv2::CallResourceResponse> = None;
    let mut body = Vec::new();
    while let Some(chunk) = stream
        .message()
        .await
        .map_err(|status| format!("CallResource {method} {url}: {status}"))?
    {
        body.extend_from_slice(&chunk.body);
        first.get_or_insert(chunk);
    }
    let first = first.ok_or_else(|| format!("CallResource {method} {url}: empty answer"))?;
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    Ok(json!({
        "status": first.code,
        "headers": headers_json(&first.headers),
        "body": body,
    }))
}

async fn health(clients: &Clients, request: &Value) -> Result<Value, String> {
    let response = clients
        .diagnostics
        .clone()
        .check_health(pluginv2::CheckHealthRequest {
            plugin_context: Some(plugin_context(clients, request)?),
            headers: HashMap::new(),
        })
        .await
        .map_err(|status| format!("CheckHealth failed at the grpc level: {status}"))?
        .into_inner();
    let status = pluginv2::check_health_response::HealthStatus::try_from(response.status)
        .map(|s| s.as_str_name())
        .unwrap_or("UNKNOWN");
    let details = if response.json_details.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.json_details).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&response.json_details).into_owned())
        })
    };
    Ok(json!({
        "status": status,
        "message": response.message,
        "jsonDetails": details,
    }))
}
