//! The Grafana backend plugin binary. Grafana starts it, reads the go-plugin
//! handshake line it prints on stdout, and talks to it over gRPC; logs go to
//! stderr as hclog JSON. Everything else lives in [`arenawatt::plugin`].

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
        arenawatt::plugin::init_logging();
        arenawatt::plugin::protocol::serve(arenawatt::plugin::ArenawattPlugin::new()).await
    });
    if let Err(e) = outcome {
        // Grafana reads stderr as hclog JSON; the logger is installed by now.
        tracing::error!("gpx_arenawatt: {e}");
        std::process::exit(1);
    }
}
