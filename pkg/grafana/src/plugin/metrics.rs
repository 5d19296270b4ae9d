//! Prometheus metrics for Grafana's `/api/plugins/<id>/metrics` (plugin.json
//! has `"metrics": true`): queries and resource calls served, by type and
//! outcome, and the time spent answering them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Counters per (kind, outcome), e.g. ("scatter", "ok").
#[derive(Default)]
pub struct Metrics {
    queries: Mutex<BTreeMap<(String, &'static str), (u64, f64)>>,
    resources: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    pub fn query(&self, query_type: &str, ok: bool, elapsed: Duration) {
        let mut map = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry((query_type.to_string(), if ok { "ok" } else { "error" }))
            .or_default();
        entry.0 += 1;
        entry.1 += elapsed.as_secs_f64();
    }

    pub fn resource(&self, path: &str, status: u16) {
        let mut map = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((path.to_string(), status)).or_default() += 1;
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP arenawatt_queries_total Queries answered, by query type and outcome.\n",
        );
        out.push_str("# TYPE arenawatt_queries_total counter\n");
        for ((kind, outcome), (count, _)) in queries.iter() {
            let _ = writeln!(
                out,
                "arenawatt_queries_total{{query_type=\"{}\",outcome=\"{outcome}\"}} {count}",
                escape(kind)
            );
        }
        out.push_str(
            "# HELP arenawatt_query_seconds_total Time spent answering queries, seconds.\n",
        );
        out.push_str("# TYPE arenawatt_query_seconds_total counter\n");
        for ((kind, outcome), (_, seconds)) in queries.iter() {
            let _ = writeln!(out, "arenawatt_query_seconds_total{{query_type=\"{}\",outcome=\"{outcome}\"}} {seconds}", escape(kind));
        }
        let resources = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP arenawatt_resource_calls_total Resource calls, by path and HTTP status.\n",
        );
        out.push_str("# TYPE arenawatt_resource_calls_total counter\n");
        for ((path, status), count) in resources.iter() {
            let _ = writeln!(
                out,
                "arenawatt_resource_calls_total{{path=\"{}\",status=\"{status}\"}} {count}",
                escape(path)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_text_format() {
        let m = Metrics::default();
        m.query("scatter", true, Duration::from_millis(20));
        m.query("scatter", true, Duration::from_millis(30));
        m.query("model", false, Duration::from_millis(1));
        m.resource("models", 200);
        let text = m.render();
        assert!(
            text.contains("arenawatt_queries_total{query_type=\"scatter\",outcome=\"ok\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("arenawatt_queries_total{query_type=\"model\",outcome=\"error\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "arenawatt_query_seconds_total{query_type=\"scatter\",outcome=\"ok\"} 0.05"
            ),
            "{text}"
        );
        assert!(
            text.contains("arenawatt_resource_calls_total{path=\"models\",status=\"200\"} 1"),
            "{text}"
        );
    }
}
