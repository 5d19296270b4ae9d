//! The protocol harness: plays Grafana's part against the real
//! `gpx_arenawatt` binary, with no Grafana server.
//!
//! It spawns the plugin with the environment Grafana gives a backend plugin,
//! reads the go-plugin handshake (`1|2|tcp|ADDR|grpc`) from its stdout,
//! connects the SDK's generated gRPC clients, and decodes the Arrow IPC frames
//! of QueryData answers with arrow-rs (the SDK writes the Arrow *file* format),
//! exposing each frame's name, refId, meta and fields (type, labels, config).
//! The plugin's stderr (hclog JSON) is kept so failures can print it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use grafana_plugin_sdk::pluginv2::{
    self, data_client::DataClient, diagnostics_client::DiagnosticsClient,
    resource_client::ResourceClient,
};
use serde_json::{json, Value};
use tonic::transport::Channel;

/// The demo store shared by all tests (built once, by the first plugin).
pub fn demo_store_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-tests-demo.sqlite")
}

/// A running plugin process.
pub struct Plugin {
    child: Child,
    pub address: String,
    pub handshake: String,
    pub handshake_after: Duration,
    stderr: Arc<Mutex<String>>,
    /// The folder of a copied binary ([`Plugin::start_as`]), removed on drop.
    copy_folder: Option<PathBuf>,
}

impl Plugin {
    /// Spawns the plugin with Grafana's environment and waits for its handshake.
    pub fn start() -> Plugin {
        Plugin::start_with(&[])
    }

    pub fn start_with(extra_env: &[(&str, &str)]) -> Plugin {
        Plugin::start_as(extra_env, None)
    }

    /// Spawns the plugin as user and group `uid` (tests that run as root use
    /// it to see the permission checks a Grafana user would meet).
    pub fn start_as(extra_env: &[(&str, &str)], uid: Option<u32>) -> Plugin {
        // ARENAWATT_PLUGIN_BIN lets the benchmark run a copied release binary
        // (the shared release target dir is rebuilt by others meanwhile).
        let built = env!("CARGO_BIN_EXE_gpx_arenawatt").to_string();
        let binary = std::env::var("ARENAWATT_PLUGIN_BIN").unwrap_or(built);
        // Another user may not reach the build folder (a checkout under
        // /root): run a copy from a folder everyone can read.
        let binary = match uid {
            Some(_) => copy_for_everyone(Path::new(&binary)),
            None => PathBuf::from(binary),
        };
        let copy_folder = uid.and_then(|_| binary.parent().map(Path::to_path_buf));
        let binary = binary.display().to_string();
        let binary = binary.as_str();
        let started = Instant::now();
        let mut command = Command::new(binary);
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
            .env("ARENAWATT_DEMO_STORE", demo_store_path())
            .env("RUST_LOG", "info,arenawatt=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        #[cfg(unix)]
        if let Some(uid) = uid {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(uid);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {binary}: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let sink = Arc::clone(&stderr);
            let mut pipe = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the plugin never blocks on a full pipe.
            for _ in lines {}
        });
        let handshake = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "no handshake from the plugin within 30 s; stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        let handshake_after = started.elapsed();
        let parts: Vec<&str> = handshake.trim().split('|').collect();
        assert_eq!(parts.len(), 5, "handshake {handshake:?}");
        assert_eq!(parts[0], "1", "core protocol version in {handshake:?}");
        assert_eq!(parts[1], "2", "app protocol version in {handshake:?}");
        assert_eq!(parts[2], "tcp", "network in {handshake:?}");
        assert_eq!(parts[4], "grpc", "protocol in {handshake:?}");
        Plugin {
            address: parts[3].to_string(),
            handshake: handshake.trim().to_string(),
            handshake_after,
            child,
            stderr,
            copy_folder,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    async fn channel(&self) -> Channel {
        Channel::from_shared(self.endpoint())
            .unwrap()
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.address))
    }

    pub async fn data(&self) -> DataClient<Channel> {
        DataClient::new(self.channel().await).max_decoding_message_size(64 << 20)
    }

    pub async fn diagnostics(&self) -> DiagnosticsClient<Channel> {
        DiagnosticsClient::new(self.channel().await)
    }

    pub async fn resources(&self) -> ResourceClient<Channel> {
        ResourceClient::new(self.channel().await).max_encoding_message_size(64 << 20)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(folder) = &self.copy_folder {
            let _ = std::fs::remove_dir_all(folder);
        }
        if std::thread::panicking() {
            eprintln!("---- plugin stderr ----\n{}", self.stderr());
        }
    }
}

/// A copy of `binary` in a fresh temp folder, both readable and executable
/// by every user.
fn copy_for_everyone(binary: &Path) -> PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "arenawatt-plugin-copy-{}-{}",
        std::process::id(),
        COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
    let copy = folder.join("gpx_arenawatt");
    std::fs::copy(binary, &copy)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", binary.display(), copy.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    copy
}

static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A Grafana user with a basic role (`Admin`, `Editor`, `Viewer`, `None`).
pub fn user(role: &str) -> pluginv2::User {
    pluginv2::User {
        login: format!("{}-user", role.to_lowercase()),
        name: format!("{role} user"),
        email: format!("{}@example.org", role.to_lowercase()),
        role: role.to_string(),
    }
}

/// The plugin context Grafana sends for the data source with this jsonData.
pub fn context(json_data: &Value, role: Option<&str>) -> pluginv2::PluginContext {
    pluginv2::PluginContext {
        org_id: 1,
        plugin_id: "arenawatt-energy-datasource".into(),
        user: role.map(user),
        app_instance_settings: None,
        data_source_instance_settings: Some(pluginv2::DataSourceInstanceSettings {
            id: 7,
            uid: "arenawatt".into(),
            name: "arenawatt".into(),
            json_data: serde_json::to_vec(json_data).unwrap(),
            last_updated_ms: 1_700_000_000_000,
            ..Default::default()
        }),
    }
}

/// The demo data source (empty `path`).
pub fn demo_context(role: Option<&str>) -> pluginv2::PluginContext {
    context(&json!({}), role)
}

/// The last 400 days up to now, in epoch milliseconds.
pub fn recent_range() -> pluginv2::TimeRange {
    let now = chrono::Utc::now().timestamp_millis();
    pluginv2::TimeRange {
        from_epoch_ms: now - 400 * 86_400_000,
        to_epoch_ms: now,
    }
}

pub fn data_query(ref_id: &str, json: &Value) -> pluginv2::DataQuery {
    raw_query(ref_id, serde_json::to_vec(json).unwrap(), "")
}

pub fn raw_query(ref_id: &str, json: Vec<u8>, query_type: &str) -> pluginv2::DataQuery {
    pluginv2::DataQuery {
        ref_id: ref_id.into(),
        max_data_points: 1000,
        interval_ms: 86_400_000,
        time_range: Some(recent_range()),
        json,
        query_type: query_type.into(),
    }
}

pub fn query_request(
    context: pluginv2::PluginContext,
    queries: Vec<pluginv2::DataQuery>,
) -> pluginv2::QueryDataRequest {
    pluginv2::QueryDataRequest {
        plugin_context: Some(context),
        headers: HashMap::new(),
        queries,
    }
}

/// Sends one QueryData request; panics (with context) on a gRPC error.
pub async fn query_data(
    plugin: &Plugin,
    request: pluginv2::QueryDataRequest,
) -> HashMap<String, pluginv2::DataResponse> {
    let mut client = plugin.data().await;
    match client.query_data(request).await {
        Ok(r) => r.into_inner().responses,
        Err(status) => panic!(
            "QueryData failed at the gRPC level: {status}\nstderr:\n{}",
            plugin.stderr()
        ),
    }
}

/// Runs queries against the demo data source and returns the responses.
pub async fn demo_queries(
    plugin: &Plugin,
    queries: &[(&str, Value)],
) -> HashMap<String, pluginv2::DataResponse> {
    let queries = queries.iter().map(|(r, q)| data_query(r, q)).collect();
    query_data(plugin, query_request(demo_context(Some("Viewer")), queries)).await
}

/// One field of a decoded frame.
pub struct DecodedField {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub labels: Option<Value>,
    pub config: Option<Value>,
    pub values: ArrayRef,
}

impl DecodedField {
    pub fn display_name(&self) -> Option<String> {
        let config = self.config.as_ref()?;
        config
            .get("displayName")
            .or_else(|| config.get("displayNameFromDS"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    pub fn unit(&self) -> Option<String> {
        self.config
            .as_ref()?
            .get("unit")?
            .as_str()
            .map(str::to_string)
    }

    pub fn is_numeric(&self) -> bool {
        self.data_type.is_numeric()
    }

    /// Numeric values as f64 (nulls as None).
    pub fn numbers(&self) -> Vec<Option<f64>> {
        let cast = arrow::compute::cast(&self.values, &DataType::Float64).unwrap_or_else(|e| {
            panic!(
                "field {} ({}) is not numeric: {e}",
                self.name, self.data_type
            )
        });
        let floats = cast.as_primitive::<arrow::datatypes::Float64Type>();
        (0..floats.len())
            .map(|i| (!floats.is_null(i)).then(|| floats.value(i)))
            .collect()
    }

    pub fn strings(&self) -> Vec<Option<String>> {
        let strings = self
            .values
            .as_string_opt::<i32>()
            .map(|a| {
                (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
                    .collect()
            })
            .or_else(|| {
                self.values.as_string_opt::<i64>().map(|a| {
                    (0..a.len())
                        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
                        .collect()
                })
            });
        strings.unwrap_or_else(|| panic!("field {} is {}, not a string", self.name, self.data_type))
    }

    pub fn strings_opt(&self) -> Option<Vec<Option<String>>> {
        matches!(self.data_type, DataType::Utf8 | DataType::LargeUtf8).then(|| self.strings())
    }

    pub fn bools_opt(&self) -> Option<Vec<Option<bool>>> {
        (self.data_type == DataType::Boolean).then(|| self.bools())
    }

    pub fn bools(&self) -> Vec<Option<bool>> {
        let a = self
            .values
            .as_boolean_opt()
            .unwrap_or_else(|| panic!("field {} is {}, not a boolean", self.name, self.data_type));
        (0..a.len())
            .map(|i| (!a.is_null(i)).then(|| a.value(i)))
            .collect()
    }

    pub fn non_null(&self) -> usize {
        self.values.len() - self.values.null_count()
    }
}

/// A frame as Grafana reads it from the Arrow bytes.
pub struct DecodedFrame {
    pub name: String,
    pub ref_id: String,
    pub meta: Option<Value>,
    pub fields: Vec<DecodedField>,
    pub rows: usize,
}

impl DecodedFrame {
    pub fn field(&self, name: &str) -> &DecodedField {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "frame {:?} has no field {name:?}; fields: {:?}",
                    self.name,
                    self.field_names()
                )
            })
    }

    pub fn try_field(&self, name: &str) -> Option<&DecodedField> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.clone()).collect()
    }
}

/// Decodes one Arrow IPC frame as written by the SDK.
pub fn decode_frame(bytes: &[u8]) -> DecodedFrame {
    let reader =
        arrow::ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes.to_vec()), None)
            .unwrap_or_else(|e| panic!("frame is not an Arrow IPC file: {e}"));
    let schema = reader.schema();
    let batches: Vec<_> = reader
        .collect::<Result<_, _>>()
        .expect("arrow record batches");
    let metadata = schema.metadata();
    let meta = metadata
        .get("meta")
        .map(|m| serde_json::from_str(m).expect("frame meta is JSON"));
    let mut fields = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
        let values = if arrays.is_empty() {
            arrow::array::new_empty_array(field.data_type())
        } else {
            arrow::compute::concat(&arrays).expect("concatenating batches")
        };
        let md = field.metadata();
        fields.push(DecodedField {
            name: field.name().clone(),
            data_type: field.data_type().clone(),
            nullable: field.is_nullable(),
            labels: md
                .get("labels")
                .map(|l| serde_json::from_str(l).expect("labels JSON")),
            config: md
                .get("config")
                .map(|c| serde_json::from_str(c).expect("config JSON")),
            values,
        });
    }
    let rows = fields.first().map(|f| f.values.len()).unwrap_or(0);
    DecodedFrame {
        name: metadata.get("name").cloned().unwrap_or_default(),
        ref_id: metadata.get("refId").cloned().unwrap_or_default(),
        meta,
        fields,
        rows,
    }
}

/// The frames of a successful response; panics with the error otherwise.
pub fn frames_of(
    responses: &HashMap<String, pluginv2::DataResponse>,
    ref_id: &str,
) -> Vec<DecodedFrame> {
    let response = responses
        .get(ref_id)
        .unwrap_or_else(|| panic!("no response for refId {ref_id}; got {:?}", responses.keys()));
    assert!(
        response.error.is_empty(),
        "refId {ref_id} failed with status {}: {}",
        response.status,
        response.error
    );
    assert_eq!(response.status, 200, "refId {ref_id}");
    response.frames.iter().map(|f| decode_frame(f)).collect()
}

/// Sends a resource call; returns (status, JSON body or the text).
pub async fn call_resource(
    plugin: &Plugin,
    context: pluginv2::PluginContext,
    method: &str,
    url: &str,
    body: Vec<u8>,
) -> (i32, Value) {
    let mut client = plugin.resources().await;
    let path = url.split('?').next().unwrap_or_default().to_string();
    let request = pluginv2::CallResourceRequest {
        plugin_context: Some(context),
        path,
        method: method.into(),
        url: url.into(),
        headers: HashMap::new(),
        body: body.into(),
    };
    let mut stream = match client.call_resource(request).await {
        Ok(r) => r.into_inner(),
        Err(status) => panic!(
            "CallResource {method} {url} failed at the gRPC level: {status}\nstderr:\n{}",
            plugin.stderr()
        ),
    };
    let first = stream
        .message()
        .await
        .unwrap_or_else(|s| panic!("CallResource {method} {url}: {s}"))
        .unwrap_or_else(|| panic!("CallResource {method} {url}: empty stream"));
    let body = serde_json::from_slice(&first.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&first.body).into_owned()));
    (first.code, body)
}

/// Asserts that a health check failed, printing its message otherwise.
pub fn assert_health_error(health: &pluginv2::CheckHealthResponse) {
    assert_eq!(
        health.status,
        pluginv2::check_health_response::HealthStatus::Error as i32,
        "{}",
        health.message
    );
}

pub async fn check_health(
    plugin: &Plugin,
    context: pluginv2::PluginContext,
) -> pluginv2::CheckHealthResponse {
    let mut client = plugin.diagnostics().await;
    client
        .check_health(pluginv2::CheckHealthRequest {
            plugin_context: Some(context),
            headers: HashMap::new(),
        })
        .await
        .unwrap_or_else(|s| {
            panic!(
                "CheckHealth failed at the gRPC level: {s}\nstderr:\n{}",
                plugin.stderr()
            )
        })
        .into_inner()
}

/// A copy of the demo store in `dir`, for tests that write.
pub fn copy_of_demo_store(dir: &Path) -> PathBuf {
    // Building happens in the plugin; make sure it exists by asking one.
    let target = dir.join("store.sqlite");
    std::fs::copy(demo_store_path(), &target).unwrap_or_else(|e| {
        panic!(
            "copying the demo store {}: {e}",
            demo_store_path().display()
        )
    });
    target
}
