//! Code generation for the native exporter: `cargo run -p xtask -- codegen [--check]`.
//!
//! One command turns `proto/` into the Rust sources of `core/src/gen/`:
//! the message structs (prost-build, from a descriptor set that protox, a
//! pure-Rust protoc, compiles) and, for every message, the canonical binary
//! encoder and the text printer of spec/encoding.md (`canon.rs`), which
//! prost's own encoder cannot give (upb's map order, Any expansion). With
//! `--check` nothing is written and any difference from the committed files
//! fails. It also copies the op registry data file into `core/data/`.

mod canon;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Well-known types beyond those `proto/` imports: text format expands an
/// `Any` of any of them (spec EXP-ENC-16).
const WELL_KNOWN: &[&str] = &[
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => run(false),
        ["codegen", "--check"] => run(true),
        _ => {
            eprintln!("usage: cargo run -p xtask -- codegen [--check]");
            ExitCode::from(2)
        }
    }
}

fn run(check: bool) -> ExitCode {
    match generate() {
        Ok(files) => {
            let target = native_dir().join("core/src/gen");
            // The op registry both implementations read, copied from the
            // specification (spec/registry/, REG-6) so that the crate builds on its own.
            let registry = native_dir().join("../spec/registry/op_registry.binpb");
            let registry = match fs::read(&registry) {
                Ok(bytes) => BTreeMap::from([("op_registry.binpb".to_string(), bytes)]),
                Err(error) => {
                    eprintln!("{}: {error}", registry.display());
                    return ExitCode::FAILURE;
                }
            };
            let data = native_dir().join("core/data");
            let outcomes = if check {
                [compare(&target, &files), compare(&data, &registry)]
            } else {
                [write(&target, &files), write(&data, &registry)]
            };
            if outcomes.iter().all(|o| *o == ExitCode::SUCCESS) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("codegen failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn native_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in native/")
        .to_path_buf()
}

fn proto_files(root: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "proto") {
                let relative = path.strip_prefix(root).map_err(|e| e.to_string())?;
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The generated files, by name.
fn generate() -> Result<BTreeMap<String, Vec<u8>>, String> {
    let proto_root = native_dir().join("../proto");
    let mut files = proto_files(&proto_root)?;
    files.extend(WELL_KNOWN.iter().map(|name| name.to_string()));
    let descriptors = protox::compile(&files, [&proto_root]).map_err(|e| e.to_string())?;

    let scratch =
        std::env::temp_dir().join(format!("metagraph-export-codegen-{}", std::process::id()));
    fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let mut config = prost_build::Config::new();
    config
        .out_dir(&scratch)
        // Maps are BTreeMaps (printed in key order without sorting), except
        // the large, per-node ones: the snapshot's maps keyed by node name,
        // only looked up, and `NodeDef.attr`, where a BTreeMap's node costs
        // most of a node's memory; those hash and are sorted when written.
        .btree_map(ordered_maps(&descriptors))
        // An AttrValue is in every attribute of every node: its large
        // variants live on the heap, so that the common ones stay small.
        .boxed(".tensorflow.AttrValue.value.tensor")
        .boxed(".tensorflow.AttrValue.value.list")
        // A tensor's contents, the bulk of a large graph, decoded from a
        // buffer as a slice of it rather than a copy.
        .bytes([".tensorflow.TensorProto.tensor_content"])
        .compile_well_known_types()
        .include_file("mod.rs");
    config
        .compile_fds(descriptors.clone())
        .map_err(|e| e.to_string())?;

    let mut generated = BTreeMap::new();
    for entry in fs::read_dir(&scratch).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read(&path).map_err(|e| e.to_string())?;
        generated.insert(name, text);
    }
    fs::remove_dir_all(&scratch).map_err(|e| e.to_string())?;
    generated.insert(
        "canon.rs".to_string(),
        canon::generate(&descriptors).into_bytes(),
    );
    // The schema itself, for the command line's text-format input.
    generated.insert(
        "descriptors.binpb".to_string(),
        prost::Message::encode_to_vec(&descriptors),
    );
    Ok(generated)
}

/// The map fields that are BTreeMaps.
fn ordered_maps(set: &prost_types::FileDescriptorSet) -> Vec<String> {
    fn walk(prefix: &str, message: &prost_types::DescriptorProto, out: &mut Vec<String>) {
        let name = format!("{prefix}.{}", message.name());
        let entries: Vec<String> = message
            .nested_type
            .iter()
            .filter(|nested| nested.options.as_ref().is_some_and(|o| o.map_entry()))
            .map(|nested| format!("{name}.{}", nested.name()))
            .collect();
        for field in &message.field {
            if entries.iter().any(|entry| entry == field.type_name()) {
                out.push(format!("{name}.{}", field.name()));
            }
        }
        for nested in &message.nested_type {
            walk(&name, nested, out);
        }
    }
    let mut out = Vec::new();
    for file in &set.file {
        let prefix = if file.package().is_empty() {
            String::new()
        } else {
            format!(".{}", file.package())
        };
        for message in &file.message_type {
            walk(&prefix, message, &mut out);
        }
    }
    out.retain(|path| {
        path != ".tensorflow.NodeDef.attr" && !path.starts_with(".metagraph_export.snapshot.")
    });
    out
}

fn write(target: &Path, files: &BTreeMap<String, Vec<u8>>) -> ExitCode {
    if let Err(error) = fs::create_dir_all(target) {
        eprintln!("{}: {error}", target.display());
        return ExitCode::FAILURE;
    }
    if let Ok(entries) = fs::read_dir(target) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !files.contains_key(&name) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    for (name, text) in files {
        if let Err(error) = fs::write(target.join(name), text) {
            eprintln!("{name}: {error}");
            return ExitCode::FAILURE;
        }
    }
    println!("wrote {} files to {}", files.len(), target.display());
    ExitCode::SUCCESS
}

fn compare(target: &Path, files: &BTreeMap<String, Vec<u8>>) -> ExitCode {
    let mut drift = Vec::new();
    for (name, text) in files {
        match fs::read(target.join(name)) {
            Ok(existing) if &existing == text => {}
            _ => drift.push(name.clone()),
        }
    }
    if let Ok(entries) = fs::read_dir(target) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !files.contains_key(&name) {
                drift.push(format!("{name} (not generated)"));
            }
        }
    }
    if drift.is_empty() {
        println!("generated code is up to date");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "generated code differs from proto/ in: {}; run `cargo run -p xtask -- codegen`",
            drift.join(", ")
        );
        ExitCode::FAILURE
    }
}
