//! The export command reads INPUT as the right type, in binary and text, and
//! writes exactly what the library exports from that message.

use std::path::{Path, PathBuf};
use std::process::Command;

use metagraph_export_core::gen::metagraph_export::api::v1::ExportArguments;
use metagraph_export_core::gen::metagraph_export::snapshot::v1::GraphSnapshot;
use metagraph_export_core::gen::tensorflow::GraphDef;
use metagraph_export_core::text::to_text;
use metagraph_export_core::{export, DESCRIPTORS};
use prost::Message;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/mlp.snapshot.binpb"
);

fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("mge-native-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn run(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_metagraph-export-native"))
        .arg("export")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--clear-devices")
        .args(extra)
        .output()
        .unwrap()
}

fn expected(arguments: ExportArguments) -> Vec<u8> {
    export(
        ExportArguments {
            clear_devices: true,
            filename: Some("out.meta".into()),
            ..arguments
        },
        Vec::new(),
    )
    .unwrap()
    .meta_graph_def_bytes()
}

#[test]
fn binary_and_text_of_both_types_are_read_as_what_they_are() {
    assert!(!DESCRIPTORS.is_empty());
    let directory = scratch("types");
    let snapshot = GraphSnapshot::decode(std::fs::read(EXAMPLE).unwrap().as_slice()).unwrap();
    let graph_def = snapshot.graph_def.clone().unwrap();
    let from_snapshot = expected(ExportArguments {
        graph: Some(snapshot.clone()),
        ..Default::default()
    });
    let from_graph_def = expected(ExportArguments {
        graph_def: Some(graph_def.clone()),
        ..Default::default()
    });
    assert_ne!(from_snapshot, from_graph_def);
    let files = [
        ("snapshot.binpb", snapshot.encode_to_vec(), &from_snapshot),
        (
            "snapshot.pbtxt",
            to_text(&snapshot).unwrap(),
            &from_snapshot,
        ),
        ("graph.pb", graph_def.encode_to_vec(), &from_graph_def),
        ("graph.pbtxt", to_text(&graph_def).unwrap(), &from_graph_def),
    ];
    for (name, content, want) in files {
        let input = directory.join(name);
        std::fs::write(&input, content).unwrap();
        let output = directory.join(format!("{name}.meta"));
        let ran = run(&input, &output, &[]);
        assert!(
            ran.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        assert_eq!(&std::fs::read(&output).unwrap(), want, "{name}");
    }
    // Told which type it is, the command reads a GraphDef as one.
    let output = directory.join("typed.meta");
    let ran = run(
        &directory.join("graph.pb"),
        &output,
        &["--input-type", "graph_def"],
    );
    assert!(ran.status.success());
    assert_eq!(std::fs::read(&output).unwrap(), from_graph_def);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn what_is_neither_type_is_a_clear_error_and_writes_nothing() {
    let directory = scratch("neither");
    let mut graph = GraphDef::default().encode_to_vec();
    graph.extend([0xf8, 0x3e, 0x01]); // field 999: unknown to both types
    for (name, content) in [("unknown.pb", graph), ("broken.pb", vec![0x0a, 0x05, 0x01])] {
        let input = directory.join(name);
        std::fs::write(&input, content).unwrap();
        let output = directory.join("out.meta");
        let ran = run(&input, &output, &[]);
        assert!(!ran.status.success(), "{name}");
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(
            stderr.contains("is none of snapshot, graph_def"),
            "{name}: {stderr}"
        );
        assert!(!output.exists(), "{name}");
    }
    std::fs::remove_dir_all(&directory).unwrap();
}
