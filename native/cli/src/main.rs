//! `metagraph-export-native`: TensorFlow's export_meta_graph as a native program.
//!
//! `metagraph-export-native --testee` (or `testee`) speaks the conformance
//! protocol on stdin/stdout; `metagraph-export-native export INPUT -o OUT ...`
//! exports a file with the flags of `metagraph-export export`.

mod export_cmd;
mod input;

// Decoding a graph allocates a string or map per field; mimalloc makes that
// markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod testee;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use metagraph_export_core::Failure;

#[derive(Parser)]
#[command(
    name = "metagraph-export-native",
    version,
    about = "TensorFlow 2.21's export_meta_graph, natively"
)]
struct Cli {
    /// speak the conformance protocol on stdin/stdout
    #[arg(long, exclusive = true)]
    testee: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// export a graph as a MetaGraphDef file
    Export(Box<export_cmd::ExportCommand>),
    /// speak the conformance protocol on stdin/stdout
    Testee,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = if cli.testee {
        Some(Command::Testee)
    } else {
        cli.command
    };
    match command {
        Some(Command::Testee) => match testee::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("metagraph-export-native: {error}");
                ExitCode::FAILURE
            }
        },
        Some(Command::Export(export)) => match export_cmd::run(*export) {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::Error(error)) => {
                eprintln!("metagraph-export-native: error: {error}");
                ExitCode::FAILURE
            }
            Err(Failure::Unsupported(reason)) => {
                eprintln!("metagraph-export-native: error: {reason}; the Python exporter (metagraph-export) supports it");
                ExitCode::FAILURE
            }
            // The command line raises no Cancel; the match stays total.
            Err(Failure::Cancelled) => {
                eprintln!("metagraph-export-native: cancelled");
                ExitCode::FAILURE
            }
        },
        None => {
            eprintln!("metagraph-export-native: a command is required: export, or --testee");
            ExitCode::from(2)
        }
    }
}
