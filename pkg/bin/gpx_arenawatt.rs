//! The Grafana backend plugin binary. Grafana starts it, reads the go-plugin
//! handshake line it prints on stdout, and talks to it over gRPC; logs go to
//! stderr as hclog JSON. Everything else lives in [`arenawatt_grafana::plugin`].

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_name("gpx-arenawatt")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("gpx_arenawatt: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let outcome = runtime.block_on(async {
        arenawatt_grafana::plugin::init_logging();
        arenawatt_grafana::plugin::protocol::serve(
                arenawatt_grafana::plugin::ArenawattPlugin::new(),
            )
            .await
    });
    if let Err(e) = outcome {
        // Grafana reads stderr as hclog JSON; the logger is installed by now.
        tracing::error!("gpx_arenawatt: {e}");
        std::process::exit(1);
    }
}
