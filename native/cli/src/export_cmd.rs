//! `metagraph-export-native export`: the flags of `metagraph-export export`.
//!
//! INPUT is a GraphDef or a graph snapshot, in binary or text format
//! (`crate::input` reads it).

use std::io::Write;

use clap::{Args, ValueEnum};
use metagraph_export_core::gen::metagraph_export::api::v1::{CollectionList, ExportArguments};
use metagraph_export_core::gen::tensorflow::{meta_graph_def::MetaInfoDef, OpList, SaverDef};
use metagraph_export_core::{export, Failure};

use crate::input::{load, load_input, Input, GRAPH_DEF};

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

pub fn run(command: ExportCommand) -> Result<(), Failure> {
    let mut arguments = ExportArguments {
        filename: Some(command.output.clone()),
        ..Default::default()
    };
    match load_input(&command.input, command.input_type, command.input_format)? {
        Input::GraphDef(graph_def) => arguments.graph_def = Some(*graph_def),
        Input::Snapshot(snapshot) => arguments.graph = Some(*snapshot),
    }
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

    // Never freed: the process ends right after, and the OS takes the pages
    // back at once, where dropping a large graph frees it node by node.
    let exported = std::mem::ManuallyDrop::new(export(arguments, Vec::new())?);
    exported.write_files()?;

    let meta_graph_def = exported.meta_graph_def();
    let graph = meta_graph_def.graph_def.as_ref();
    let nodes = graph.map_or(0, |g| g.node.len());
    let functions = graph
        .and_then(|g| g.library.as_ref())
        .map_or(0, |l| l.function.len());
    let ops = meta_graph_def
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
            "collections": meta_graph_def.collection_def.keys().collect::<Vec<_>>(),
            "files": exported.file_sizes().iter().map(|(path, size)| serde_json::json!({"path": path, "bytes": size})).collect::<Vec<_>>(),
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
    for (path, size) in exported.file_sizes() {
        let _ = writeln!(out, "wrote {path} ({} bytes)", thousands(size));
    }
    let _ = writeln!(
        out,
        "nodes: {nodes}, functions: {functions}, ops: {ops}, collections: {}",
        meta_graph_def.collection_def.len()
    );
    for diagnostic in &exported.diagnostics {
        if diagnostic.severity() == "warning" || command.verbose {
            let _ = writeln!(out, "{}: {}", diagnostic.severity(), diagnostic.message);
        }
    }
    Ok(())
}

fn thousands(value: u64) -> String {
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
