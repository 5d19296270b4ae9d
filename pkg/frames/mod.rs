//! Query rows turned into Grafana data frames: field names, types, units and
//! frame metadata. (Skeleton: implemented by the plugin work.)
