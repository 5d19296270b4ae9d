//! The Grafana SDK services (data, diagnostics, resources) over the query
//! engine, and the data source instance settings. (Skeleton: implemented by the
//! plugin work.)
