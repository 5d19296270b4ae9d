//! The Grafana backend plugin binary. (Skeleton: implemented by the plugin work.)

fn main() {
    eprintln!("gpx_arenawatt: not implemented yet");
    std::process::exit(1);
}
