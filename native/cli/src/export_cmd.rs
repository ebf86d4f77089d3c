//! `metagraph-export-native export`: the flags of `metagraph-export export`.
//!
//! INPUT is a GraphDef or a graph snapshot, in binary or text format; "auto"
//! takes a type that parses without unknown fields and, where both do, the
//! one that reads more fields into its schema (as the Python command does).

use std::io::Write;
use std::sync::OnceLock;

use clap::{Args, ValueEnum};
use metagraph_export_core::files::write_files;
use metagraph_export_core::gen::metagraph_export::api::v1::{CollectionList, ExportArguments};
use metagraph_export_core::gen::metagraph_export::snapshot::v1::GraphSnapshot;
use metagraph_export_core::gen::tensorflow::{
    meta_graph_def::MetaInfoDef, GraphDef, OpList, SaverDef,
};
use metagraph_export_core::{export, ExportError, Failure, DESCRIPTORS};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Value};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Auto,
    Binary,
    Text,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum InputType {
    Auto,
    GraphDef,
    Snapshot,
}

#[derive(Args)]
pub struct ExportCommand {
    /// a GraphDef or GraphSnapshot file
    #[arg(value_name = "INPUT")]
    input: String,
    /// the MetaGraphDef file to write (filename=)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: String,
    /// encoding of the input
    #[arg(long, value_enum, default_value = "auto")]
    input_format: InputFormat,
    /// message type of the input
    #[arg(long, value_enum, default_value = "auto")]
    input_type: InputType,
    /// a GraphDef to export instead of the snapshot's own (graph_def=)
    #[arg(long, value_name = "FILE")]
    graph_def: Option<String>,
    /// a MetaInfoDef (meta_info_def=)
    #[arg(long, value_name = "FILE")]
    meta_info_def: Option<String>,
    /// a SaverDef (saver_def=)
    #[arg(long, value_name = "FILE")]
    saver_def: Option<String>,
    /// export this collection; repeat for more (collection_list=)
    #[arg(
        long = "collection",
        value_name = "KEY",
        conflicts_with = "no_collections"
    )]
    collections: Vec<String>,
    /// export no collection (collection_list=[])
    #[arg(long)]
    no_collections: bool,
    /// write text format (as_text=)
    #[arg(long)]
    as_text: bool,
    /// export_scope=
    #[arg(long, value_name = "SCOPE", allow_hyphen_values = true)]
    export_scope: Option<String>,
    /// clear_devices=True
    #[arg(long)]
    clear_devices: bool,
    /// clear_extraneous_savers=True
    #[arg(long)]
    clear_extraneous_savers: bool,
    /// strip_default_attrs=True
    #[arg(long)]
    strip_default_attrs: bool,
    /// also write <output without extension>.debug (save_debug_info=)
    #[arg(long)]
    save_debug_info: bool,
    /// the collection of inputs that leave the scope
    #[arg(
        long,
        value_name = "NAME",
        default_value = "unbound_inputs",
        conflicts_with = "no_unbound_inputs_col"
    )]
    unbound_inputs_col_name: String,
    /// do not record inputs that leave the scope
    #[arg(long)]
    no_unbound_inputs_col: bool,
    /// an OpList of custom ops (binary or text); repeat for more
    #[arg(long = "op-defs", value_name = "FILE")]
    op_defs: Vec<String>,
    /// print the summary as JSON
    #[arg(long)]
    json: bool,
    /// also print informational diagnostics
    #[arg(short, long)]
    verbose: bool,
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(DESCRIPTORS).expect("the embedded schema decodes"))
}

/// Each repeated field and map is judged by its first items only.
const SAMPLE: usize = 64;

fn read(path: &str) -> Result<Vec<u8>, ExportError> {
    if path == "-" {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)
            .map_err(|e| ExportError::malformed(path, e.to_string()))?;
        return Ok(data);
    }
    std::fs::read(path).map_err(|error| ExportError::invalid(path, format!("cannot read: {error}")))
}

/// The file as a message of `type_name`, in its canonical binary form, and
/// the parse (for telling types apart).
fn parse(
    data: &[u8],
    type_name: &str,
    path: &str,
    format: InputFormat,
) -> Result<(Vec<u8>, DynamicMessage), ExportError> {
    let descriptor = pool().get_message_by_name(type_name).expect("a known type");
    let mut errors = Vec::new();
    if format != InputFormat::Binary {
        match std::str::from_utf8(data) {
            Err(_) => errors.push("text format: not UTF-8".to_string()),
            Ok(text) => match DynamicMessage::parse_text_format(descriptor.clone(), text) {
                Ok(message) => return Ok((message.encode_to_vec(), message)),
                Err(error) => errors.push(format!("text format: {error}")),
            },
        }
    }
    if format != InputFormat::Text {
        match DynamicMessage::decode(descriptor, data) {
            Ok(message) => return Ok((data.to_vec(), message)),
            Err(error) => errors.push(format!("binary format: {error}")),
        }
    }
    Err(ExportError::malformed(
        path,
        format!("not a valid {type_name} ({})", errors.join("; ")),
    ))
}

fn has_unknown_fields(message: &DynamicMessage) -> bool {
    if message.unknown_fields().next().is_some() {
        return true;
    }
    message.fields().any(|(_, value)| match value {
        Value::Message(inner) => has_unknown_fields(inner),
        Value::List(items) => items
            .iter()
            .take(SAMPLE)
            .any(|v| matches!(v, Value::Message(m) if has_unknown_fields(m))),
        Value::Map(map) => map
            .values()
            .take(SAMPLE)
            .any(|v| matches!(v, Value::Message(m) if has_unknown_fields(m))),
        _ => false,
    })
}

fn field_count(message: &DynamicMessage) -> usize {
    message
        .fields()
        .map(|(_, value)| match value {
            Value::Message(inner) => 1 + field_count(inner),
            Value::List(items) => items
                .iter()
                .take(SAMPLE)
                .map(|v| match v {
                    Value::Message(m) => 1 + field_count(m),
                    _ => 1,
                })
                .sum(),
            Value::Map(map) => map.len(),
            _ => 1,
        })
        .sum()
}

const SNAPSHOT: &str = "metagraph_export.snapshot.v1.GraphSnapshot";
const GRAPH_DEF: &str = "tensorflow.GraphDef";

fn load_input(
    path: &str,
    kind: InputType,
    format: InputFormat,
) -> Result<(InputType, Vec<u8>), ExportError> {
    let data = read(path)?;
    let candidates = match kind {
        InputType::Snapshot => return Ok((kind, parse(&data, SNAPSHOT, path, format)?.0)),
        InputType::GraphDef => return Ok((kind, parse(&data, GRAPH_DEF, path, format)?.0)),
        InputType::Auto => [
            (InputType::Snapshot, SNAPSHOT, "snapshot"),
            (InputType::GraphDef, GRAPH_DEF, "graph_def"),
        ],
    };
    let mut best: Option<(usize, InputType, Vec<u8>)> = None;
    let mut reasons = Vec::new();
    for (candidate, type_name, label) in candidates {
        match parse(&data, type_name, path, format) {
            Err(error) => reasons.push(format!("as {label}: {}", error.message)),
            Ok((bytes, message)) => {
                if has_unknown_fields(&message) {
                    reasons.push(format!("as {label}: fields unknown to {type_name}"));
                    continue;
                }
                let score = field_count(&message);
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, candidate, bytes));
                }
            }
        }
    }
    match best {
        Some((_, kind, bytes)) => Ok((kind, bytes)),
        None => Err(ExportError::malformed(
            path,
            format!(
                "is none of snapshot, graph_def in binary or text format ({})",
                reasons.join("; ")
            ),
        )),
    }
}

fn decoded<M: Message + Default>(bytes: &[u8], path: &str) -> Result<M, ExportError> {
    M::decode(bytes).map_err(|error| ExportError::malformed(path, error.to_string()))
}

fn load<M: Message + Default>(path: &str, type_name: &str) -> Result<M, ExportError> {
    let data = read(path)?;
    decoded(&parse(&data, type_name, path, InputFormat::Auto)?.0, path)
}

pub fn run(command: ExportCommand) -> Result<(), Failure> {
    let (kind, bytes) = load_input(&command.input, command.input_type, command.input_format)?;
    let mut arguments = ExportArguments {
        filename: Some(command.output.clone()),
        ..Default::default()
    };
    match kind {
        InputType::GraphDef => {
            arguments.graph_def = Some(decoded::<GraphDef>(&bytes, &command.input)?)
        }
        _ => arguments.graph = Some(decoded::<GraphSnapshot>(&bytes, &command.input)?),
    }
    drop(bytes);
    if let Some(path) = &command.graph_def {
        arguments.graph_def = Some(load(path, GRAPH_DEF)?);
    }
    if let Some(path) = &command.meta_info_def {
        arguments.meta_info_def = Some(load::<MetaInfoDef>(
            path,
            "tensorflow.MetaGraphDef.MetaInfoDef",
        )?);
    }
    if let Some(path) = &command.saver_def {
        arguments.saver_def = Some(load::<SaverDef>(path, "tensorflow.SaverDef")?);
    }
    let mut custom = OpList::default();
    for path in &command.op_defs {
        custom
            .op
            .extend(load::<OpList>(path, "tensorflow.OpList")?.op);
    }
    if !command.op_defs.is_empty() {
        arguments.op_defs = Some(custom);
    }
    if command.no_collections {
        arguments.collection_list = Some(CollectionList::default());
    } else if !command.collections.is_empty() {
        arguments.collection_list = Some(CollectionList {
            keys: command.collections.clone(),
        });
    }
    arguments.as_text = command.as_text;
    arguments.export_scope = command.export_scope.clone();
    arguments.clear_devices = command.clear_devices;
    arguments.clear_extraneous_savers = command.clear_extraneous_savers;
    arguments.strip_default_attrs = command.strip_default_attrs;
    arguments.save_debug_info = command.save_debug_info;
    arguments.unbound_inputs_col_name = Some(if command.no_unbound_inputs_col {
        String::new()
    } else {
        command.unbound_inputs_col_name.clone()
    });

    let exported = export(arguments, Vec::new())?;
    write_files(&exported.file_contents())?;

    let graph = exported.meta_graph_def.graph_def.as_ref();
    let nodes = graph.map_or(0, |g| g.node.len());
    let functions = graph
        .and_then(|g| g.library.as_ref())
        .map_or(0, |l| l.function.len());
    let ops = exported
        .meta_graph_def
        .meta_info_def
        .as_ref()
        .and_then(|i| i.stripped_op_list.as_ref())
        .map_or(0, |l| l.op.len());
    // A closed stdout (`| head`) must not fail an export that wrote its files.
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if command.json {
        let summary = serde_json::json!({
            "nodes": nodes,
            "functions": functions,
            "ops": ops,
            "collections": exported.meta_graph_def.collection_def.keys().collect::<Vec<_>>(),
            "files": exported.file_contents().iter().map(|(path, content)| serde_json::json!({"path": path, "bytes": content.len()})).collect::<Vec<_>>(),
            "diagnostics": exported.diagnostics.iter().map(|d| serde_json::json!({
                "code": d.code, "severity": d.severity(), "subject": d.subject, "message": d.message,
            })).collect::<Vec<_>>(),
        });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&summary).expect("JSON")
        );
        return Ok(());
    }
    for (path, content) in exported.file_contents() {
        let _ = writeln!(out, "wrote {path} ({} bytes)", thousands(content.len()));
    }
    let _ = writeln!(
        out,
        "nodes: {nodes}, functions: {functions}, ops: {ops}, collections: {}",
        exported.meta_graph_def.collection_def.len()
    );
    for diagnostic in &exported.diagnostics {
        if diagnostic.severity() == "warning" || command.verbose {
            let _ = writeln!(out, "{}: {}", diagnostic.severity(), diagnostic.message);
        }
    }
    Ok(())
}

fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
