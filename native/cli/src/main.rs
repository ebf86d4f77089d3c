//! `metagraph-export-native`: TensorFlow's export_meta_graph as a native program.
//!
//! `metagraph-export-native --testee` speaks the conformance protocol on
//! stdin/stdout; `metagraph-export-native export INPUT -o OUT ...` exports a
//! file with the flags of `metagraph-export export`.

mod testee;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--testee") | Some("testee") => match testee::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("metagraph-export-native: {error}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: metagraph-export-native --testee | export INPUT -o OUT [options]");
            ExitCode::from(2)
        }
    }
}
