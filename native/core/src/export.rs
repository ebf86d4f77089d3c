//! The export algorithm of TensorFlow 2.21's `export_meta_graph`, on a
//! snapshot, step by step as spec EXP-ALGO-1 orders it: the order is
//! observable (which error wins, the order of diagnostics, the unbound-inputs
//! collection rebuilt before collections are exported, `stripped_op_list`
//! computed before defaults are stripped).

use std::collections::{HashMap, HashSet};
use std::io::Write;

use prost::Message;

use crate::attrs::attr_values_equal;
use crate::cancel::Cancel;
use crate::canon::{encode_measured, encoded_len, write_measured, Canon};
use crate::collections::{add_collection, SAVERS_KEY};
use crate::error::{py_repr, ExportError, Failure};
use crate::files::{write_files, Content};
use crate::gen::metagraph_export::api::v1::ExportArguments;
use crate::gen::metagraph_export::snapshot::v1::collection_item::Kind;
use crate::gen::metagraph_export::snapshot::v1::{CollectionItem, GraphSnapshot};
use crate::gen::tensorflow::attr_value::{ListValue, Value};
use crate::gen::tensorflow::graph_debug_info::{FileLineCol, StackTrace};
use crate::gen::tensorflow::{
    AttrValue, CollectionDef, FunctionDefLibrary, GraphDebugInfo, GraphDef, MetaGraphDef, NodeDef,
    OpDef, OpList, SaverDef,
};
use crate::nodes::{extraneous_saver_nodes, rewrite_node};
use crate::registry::{Ops, Registry};
use crate::scope::{Scope, UNBOUND_INPUT_PREFIX};
use crate::text::to_text;

/// Spec EXP-LIMIT-1.
pub const GRAPH_SIZE_LIMIT: u64 = 1 << 31;
const CALL_OPS: [&str; 2] = ["PartitionedCall", "StatefulPartitionedCall"];

/// Something TensorFlow would only log or do silently (spec EXP-DIAG-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub subject: String,
    pub message: String,
}

impl Diagnostic {
    pub fn severity(&self) -> &'static str {
        if self.code == "COLLECTION_KEY_NOT_STRING" {
            "info"
        } else {
            "warning"
        }
    }
}

/// A file to write: its path and exact content, or, for the binary meta
/// graph file, None: its content is the meta graph's encoding, written as it
/// is produced ([`Exported::write_files`]).
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub content: Option<Vec<u8>>,
}

/// What one export produced.
#[derive(Debug)]
pub struct Exported {
    meta_graph_def: MetaGraphDef,
    /// The length of every message in `meta_graph_def`, in pre-order: what
    /// its encoding needs ([`Canon::canon_len`]); valid while it is unchanged,
    /// hence private.
    sizes: Vec<u32>,
    /// The length of the canonical binary encoding of `meta_graph_def`.
    size: u64,
    /// The debug info, when a debug file is due (filename and save_debug_info).
    pub debug_info: Option<GraphDebugInfo>,
    pub diagnostics: Vec<Diagnostic>,
    /// The files due, meta graph first: empty without a filename.
    pub files: Vec<OutputFile>,
    /// Whether the files are (or would be) in text format.
    pub as_text: bool,
}

impl Exported {
    pub fn meta_graph_def(&self) -> &MetaGraphDef {
        &self.meta_graph_def
    }

    pub fn into_meta_graph_def(self) -> MetaGraphDef {
        self.meta_graph_def
    }

    /// The length of [`Exported::meta_graph_def_bytes`], without encoding.
    pub fn meta_graph_def_len(&self) -> u64 {
        self.size
    }

    /// The canonical binary encoding of the meta graph (spec EXP-ENC-1).
    pub fn meta_graph_def_bytes(&self) -> Vec<u8> {
        encode_measured(&self.meta_graph_def, &self.sizes, self.size)
    }

    /// Writes the canonical binary encoding to `out` as it is produced.
    pub fn write_meta_graph_def(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write_measured(&self.meta_graph_def, &self.sizes, out)
    }

    /// The files due and their lengths, meta graph first.
    pub fn file_sizes(&self) -> Vec<(&str, u64)> {
        self.files
            .iter()
            .map(|file| {
                let size = file
                    .content
                    .as_ref()
                    .map_or(self.size, |content| content.len() as u64);
                (file.path.as_str(), size)
            })
            .collect()
    }

    /// Writes the files due, all or nothing ([`crate::files::write_files`]);
    /// the binary meta graph is encoded straight into its file.
    pub fn write_files(&self) -> Result<(), ExportError> {
        let encode = |out: &mut dyn Write| self.write_meta_graph_def(out);
        let contents: Vec<(&str, Content<'_>)> = self
            .files
            .iter()
            .map(|file| {
                let content = match &file.content {
                    Some(bytes) => Content::Bytes(bytes),
                    None => Content::Written(&encode),
                };
                (file.path.as_str(), content)
            })
            .collect();
        write_files(&contents)
    }
}

/// Decodes serialized `ExportArguments` and exports them (no file is written
/// here: the files are returned).
pub fn export_bytes(arguments: &[u8], custom_ops: Option<&[u8]>) -> Result<Exported, Failure> {
    export_cancellable(arguments, custom_ops, &Cancel::new())
}

/// [`export_bytes`], stopped with [`Failure::Cancelled`] once `cancel` is raised.
pub fn export_cancellable(
    arguments: &[u8],
    custom_ops: Option<&[u8]>,
    cancel: &Cancel,
) -> Result<Exported, Failure> {
    let arguments = decode_arguments(arguments)?;
    let extra = decode_ops(custom_ops)?;
    cancel.check()?;
    export_decoded(arguments, extra, cancel)
}

/// Serialized `ExportArguments`, decoded (MALFORMED_INPUT where they do not decode).
/// Decoded from `Bytes`, a tensor's contents are slices of them, not copies.
pub fn decode_arguments(arguments: impl prost::bytes::Buf) -> Result<ExportArguments, ExportError> {
    ExportArguments::decode(arguments).map_err(|error| {
        ExportError::malformed(
            "arguments",
            format!("not a valid metagraph_export.api.v1.ExportArguments ({error})"),
        )
    })
}

/// A serialized `tensorflow.OpList` of custom ops, decoded; none for None.
pub fn decode_ops(custom_ops: Option<&[u8]>) -> Result<Vec<OpDef>, ExportError> {
    match custom_ops {
        None => Ok(Vec::new()),
        Some(bytes) => Ok(OpList::decode(bytes)
            .map_err(|error| {
                ExportError::malformed(
                    "op_defs",
                    format!("not a valid tensorflow.OpList ({error})"),
                )
            })?
            .op),
    }
}

/// Exports `arguments`, with `extra_ops` added to the registry after `op_defs`.
pub fn export(arguments: ExportArguments, extra_ops: Vec<OpDef>) -> Result<Exported, Failure> {
    export_decoded(arguments, extra_ops, &Cancel::new())
}

/// [`export`], stopped with [`Failure::Cancelled`] once `cancel` is raised.
pub fn export_decoded(
    arguments: ExportArguments,
    extra_ops: Vec<OpDef>,
    cancel: &Cancel,
) -> Result<Exported, Failure> {
    let ExportArguments {
        filename,
        meta_info_def,
        mut graph_def,
        saver_def,
        collection_list,
        as_text,
        graph,
        export_scope,
        clear_devices,
        clear_extraneous_savers,
        strip_default_attrs,
        save_debug_info,
        unbound_inputs_col_name,
        op_defs,
    } = arguments;

    // Step 1: the arguments and the registry (EXP-ARGS-10).
    let unbound_inputs_col_name = match unbound_inputs_col_name {
        None => Some("unbound_inputs".to_string()),
        Some(name) if name.is_empty() => None,
        Some(name) => Some(name),
    };
    if filename.as_deref().is_some_and(|f| f.contains('\0')) {
        return Err(ExportError::invalid("filename", "contains a NUL character").into());
    }
    let filename = filename.filter(|f| !f.is_empty());
    let mut custom = op_defs.map(|list| list.op).unwrap_or_default();
    custom.extend(extra_ops);
    let registry = Registry::bundled().with_ops(custom)?;
    if graph.is_none() && graph_def.is_none() {
        return Err(ExportError::invalid(
            "graph",
            "there is no default graph here: pass graph= (a GraphSnapshot or a tf.Graph) or graph_def=",
        )
        .into());
    }
    let scope = Scope::new(export_scope)?;
    let mut snapshot = graph.unwrap_or_default();
    let collection_list = collection_list.map(|list| list.keys);
    let writing_debug = filename.is_some() && save_debug_info;

    // Step 2: the snapshot's collections; a key listed twice keeps its last items.
    let mut diagnostics = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let mut collections: HashMap<String, Vec<CollectionItem>> = HashMap::new();
    for collection in std::mem::take(&mut snapshot.collections) {
        if !collections.contains_key(&collection.key) {
            order.push(collection.key.clone());
        }
        collections.insert(collection.key, collection.items);
    }
    for key in &snapshot.non_string_collection_keys {
        diagnostics.push(Diagnostic {
            code: "COLLECTION_KEY_NOT_STRING",
            subject: key.clone(),
            message: format!("collection key {key} is not a string; it is not exported"),
        });
    }

    // The debug info looks operations up in the snapshot's own graph.
    let operations: Option<HashSet<String>> = writing_debug.then(|| {
        snapshot
            .graph_def
            .as_ref()
            .map(|g| g.node.iter().map(|n| n.name.clone()).collect())
            .unwrap_or_default()
    });

    // Step 3: the rewriting path.
    cancel.check()?;
    let rewriting = scope.is_set() || clear_extraneous_savers || clear_devices;
    let mut exclude: HashSet<String> = HashSet::new();
    let mut exported_graph: GraphDef;
    if rewriting {
        let from_snapshot = graph_def.is_none();
        let source = match graph_def.take() {
            Some(g) => g,
            None => snapshot.graph_def.take().unwrap_or_default(),
        };
        if clear_extraneous_savers {
            exclude = extraneous_saver_nodes(&source.node, saver_def.as_ref())?;
        }
        let (graph, unbound_inputs) = rewritten_graph(
            source,
            &mut snapshot,
            from_snapshot,
            &scope,
            &exclude,
            clear_devices,
            cancel,
        )?;
        exported_graph = graph;
        if let Some(text) = scope.text().filter(|text| !text.is_empty()) {
            if exported_graph.node.is_empty() {
                // EXP-DIAG-6: TensorFlow exports the empty graph silently.
                diagnostics.push(Diagnostic {
                    code: "SCOPE_MATCHES_NOTHING",
                    subject: text.to_string(),
                    message: format!(
                        "export scope {} matches no node: the exported graph is empty",
                        py_repr(text)
                    ),
                });
            }
        }
        if let Some(name) = &unbound_inputs_col_name {
            // TensorFlow clears and refills this collection of the graph
            // itself; here the change stays local to this export.
            if collections.remove(name).is_some() {
                order.retain(|key| key != name);
            }
            if !unbound_inputs.is_empty() {
                order.push(name.clone());
                collections.insert(
                    name.clone(),
                    unbound_inputs
                        .into_iter()
                        .map(|n| CollectionItem {
                            kind: Some(Kind::StringValue(n)),
                        })
                        .collect(),
                );
            }
        }
    } else {
        exported_graph = GraphDef::default();
    }

    // Step 4: EXP-SCOPE-15 cannot fail for a portable scope.

    // Step 5: meta_info_def.
    let mut info = meta_info_def.unwrap_or_default();
    let (version, git_version) = registry.versions();
    info.tensorflow_version = version.to_string();
    info.tensorflow_git_version = git_version.to_string();

    // Step 6: the direct path's graph.
    if !rewriting {
        exported_graph = match graph_def.take() {
            Some(g) => g,
            None => graph_with_shapes(&mut snapshot, cancel)?,
        };
    }

    // Step 7: stripped_op_list.
    cancel.check()?;
    if info
        .stripped_op_list
        .as_ref()
        .is_none_or(|list| list.op.is_empty())
    {
        let (ops, unregistered) = stripped_op_list(&mut exported_graph, &registry, cancel)?;
        info.stripped_op_list = Some(OpList { op: ops });
        for op in unregistered {
            diagnostics.push(Diagnostic {
                code: "OP_NOT_REGISTERED",
                message: format!(
                    "op {} is not in the op registry: it is left out of stripped_op_list and its default \
                     attributes are not stripped",
                    py_repr(&op)
                ),
                subject: op,
            });
        }
    }

    // Step 8: default attributes.
    if strip_default_attrs {
        strip_defaults(&mut exported_graph, &registry, cancel)?;
        info.stripped_default_attrs = true;
    }

    let mut meta_graph_def = MetaGraphDef {
        meta_info_def: Some(info),
        graph_def: Some(exported_graph),
        // Step 9.
        saver_def: saver_def.clone(),
        ..Default::default()
    };

    // Step 10: collections, key by key. A key listed again adds exactly what
    // its first occurrence added (EXP-COLL-2): repeats are counted here and
    // materialized only once the size is known to be within the limit, so a
    // small input cannot make the exporter allocate without bound.
    let listed = collection_list.is_some();
    let keys = collection_list.unwrap_or_else(|| order.clone());
    let mut outcomes: HashMap<&str, Option<String>> = HashMap::new();
    let mut repeats: HashMap<&str, u64> = HashMap::new();
    for key in &keys {
        let retained;
        let items: &[CollectionItem] = if clear_extraneous_savers && key == SAVERS_KEY {
            retained = [retained_saver(saver_def.as_ref())?];
            &retained
        } else if let Some(items) = collections.get(key) {
            items.as_slice()
        } else {
            if listed {
                // EXP-DIAG-7: TensorFlow skips such a key silently.
                diagnostics.push(Diagnostic {
                    code: "COLLECTION_NOT_FOUND",
                    subject: key.clone(),
                    message: format!(
                        "collection_list names {}, and the graph has no such collection",
                        py_repr(key)
                    ),
                });
            }
            &[]
        };
        let reason = match outcomes.get(key.as_str()) {
            Some(reason) => {
                if reason.is_none() {
                    *repeats.entry(key).or_insert(1) += 1;
                }
                reason.clone()
            }
            None => {
                let reason = add_collection(
                    &mut meta_graph_def.collection_def,
                    key,
                    items,
                    &scope,
                    &exclude,
                );
                outcomes.insert(key, reason.clone());
                reason
            }
        };
        if let Some(reason) = reason {
            diagnostics.push(Diagnostic {
                code: "COLLECTION_DROPPED",
                subject: key.clone(),
                message: format!("collection {} is not exported: {reason}", py_repr(key)),
            });
        }
    }
    if !repeats.is_empty() {
        let mut size = encoded_len(&meta_graph_def);
        for (key, count) in &repeats {
            if let Some(entry) = meta_graph_def.collection_def.get(*key) {
                size += collection_entry_size(key, entry, *count)
                    - collection_entry_size(key, entry, 1);
            }
        }
        if size >= GRAPH_SIZE_LIMIT {
            return Err(ExportError::too_large(size).into());
        }
        for (key, count) in repeats {
            if let Some(entry) = meta_graph_def.collection_def.get_mut(key) {
                repeat_entry(entry, count);
            }
        }
    }

    // Step 11: the size limit, measured without encoding.
    cancel.check()?;
    let mut sizes = Vec::new();
    let size = meta_graph_def.canon_len(&mut sizes);
    if size >= GRAPH_SIZE_LIMIT {
        return Err(ExportError::too_large(size).into());
    }

    // Step 12: the files.
    cancel.check()?;
    let mut files = Vec::new();
    let mut debug_info = None;
    if let Some(path) = filename {
        let content = if as_text {
            Some(text_bytes(&meta_graph_def)?)
        } else {
            None
        };
        files.push(OutputFile {
            path: path.clone(),
            content,
        });
        if save_debug_info {
            let info = build_debug_info(
                &meta_graph_def,
                &snapshot,
                operations.as_ref().unwrap(),
                &scope,
            )?;
            let content = Some(if as_text {
                text_bytes(&info)?
            } else {
                crate::canon::encode(&info)
            });
            files.push(OutputFile {
                path: debug_file_name(&path),
                content,
            });
            debug_info = Some(info);
        }
    } else if save_debug_info {
        diagnostics.push(Diagnostic {
            code: "DEBUG_INFO_NOT_WRITTEN",
            subject: String::new(),
            message: "save_debug_info has no effect without a filename".to_string(),
        });
    }
    Ok(Exported {
        meta_graph_def,
        sizes,
        size,
        debug_info,
        diagnostics,
        files,
        as_text,
    })
}

/// The encoded size, within a MetaGraphDef, of the `collection_def` entry
/// `key` whose list holds `count` copies of `entry`'s items.
fn collection_entry_size(key: &str, entry: &CollectionDef, count: u64) -> u64 {
    use crate::canon::{ldlen, vlen};
    use crate::gen::tensorflow::collection_def::Kind as ListKind;
    let list = match &entry.kind {
        None => None,
        Some(ListKind::NodeList(list)) => Some(
            count
                * list
                    .value
                    .iter()
                    .map(|v| 1 + ldlen(v.len() as u64))
                    .sum::<u64>(),
        ),
        Some(ListKind::BytesList(list)) => Some(
            count
                * list
                    .value
                    .iter()
                    .map(|v| 1 + ldlen(v.len() as u64))
                    .sum::<u64>(),
        ),
        Some(ListKind::AnyList(list)) => Some(
            count
                * list
                    .value
                    .iter()
                    .map(|v| 1 + ldlen(encoded_len(v)))
                    .sum::<u64>(),
        ),
        Some(ListKind::Int64List(list)) => {
            let body = count * list.value.iter().map(|v| vlen(*v as u64)).sum::<u64>();
            Some(if body == 0 { 0 } else { 1 + ldlen(body) })
        }
        Some(ListKind::FloatList(list)) => {
            let body = count * 4 * list.value.len() as u64;
            Some(if body == 0 { 0 } else { 1 + ldlen(body) })
        }
    };
    let collection = list.map_or(0, |list| 1 + ldlen(list));
    let entry = 1 + ldlen(key.len() as u64) + 1 + ldlen(collection);
    1 + ldlen(entry)
}

/// Repeats the items of a collection entry `count` times in all.
fn repeat_entry(entry: &mut CollectionDef, count: u64) {
    use crate::gen::tensorflow::collection_def::Kind as ListKind;
    fn repeat<T: Clone>(values: &mut Vec<T>, count: u64) {
        let unit = values.clone();
        for _ in 1..count {
            values.extend_from_slice(&unit);
        }
    }
    match &mut entry.kind {
        None => {}
        Some(ListKind::NodeList(list)) => repeat(&mut list.value, count),
        Some(ListKind::BytesList(list)) => repeat(&mut list.value, count),
        Some(ListKind::AnyList(list)) => repeat(&mut list.value, count),
        Some(ListKind::Int64List(list)) => repeat(&mut list.value, count),
        Some(ListKind::FloatList(list)) => repeat(&mut list.value, count),
    }
}

/// The text format of a message, or `MALFORMED_INPUT` for an `Any` whose value
/// does not decode as its type (spec EXP-ERR-3).
pub fn text_bytes<M: Canon>(message: &M) -> Result<Vec<u8>, ExportError> {
    to_text(message).map_err(|error| ExportError::malformed("meta_graph_def", error.to_string()))
}

/// The rewriting path (EXP-GRAPH-5 to EXP-GRAPH-8); returns the graph and the unbound inputs.
fn rewritten_graph(
    source: GraphDef,
    snapshot: &mut GraphSnapshot,
    from_snapshot: bool,
    scope: &Scope,
    exclude: &HashSet<String>,
    clear_devices: bool,
    cancel: &Cancel,
) -> Result<(GraphDef, Vec<String>), Failure> {
    let GraphDef {
        node: nodes,
        versions,
        library,
        ..
    } = source;
    let mut out = GraphDef {
        versions: Some(versions.unwrap_or_default()),
        ..Default::default()
    };
    if from_snapshot {
        let library = match snapshot.registered_library.take() {
            Some(library) => library,
            None => library.unwrap_or_default(),
        };
        // Function by function, as Graph._copy_functions_to_graph_def does:
        // a graph without functions gets no library field at all.
        if !library.function.is_empty() || !library.gradient.is_empty() {
            out.library = Some(FunctionDefLibrary {
                function: library.function,
                gradient: library.gradient,
                ..Default::default()
            });
        }
    } else {
        out.library = Some(library.unwrap_or_default());
    }
    let mut unbound_inputs = Vec::new();
    let scoped = scope.is_set();
    out.node.reserve(nodes.len());
    for mut node in nodes {
        cancel.check()?;
        let name = &node.name;
        if exclude.contains(name)
            || (scoped && !(name.starts_with(UNBOUND_INPUT_PREFIX) || scope.contains(name)))
        {
            continue;
        }
        if from_snapshot {
            if let Some(recorded) = snapshot.operation_inputs.get(name) {
                node.input = recorded.input.clone();
            }
        }
        let original = rewrite_node(&mut node, scope, &mut unbound_inputs, clear_devices)?;
        if from_snapshot {
            add_output_shapes(&mut node, original.as_deref(), snapshot, true)?;
        }
        out.node.push(node);
    }
    Ok((out, unbound_inputs))
}

/// Adds the snapshot's shapes of the node named `original` (or, when that is
/// None, its current name) as `_output_shapes` (EXP-GRAPH-4, EXP-GRAPH-7).
fn add_output_shapes(
    node: &mut NodeDef,
    original: Option<&str>,
    snapshot: &GraphSnapshot,
    strict: bool,
) -> Result<(), ExportError> {
    let name = original.unwrap_or(&node.name);
    let Some(shapes) = snapshot
        .output_shapes
        .get(name)
        .filter(|s| !s.shape.is_empty())
    else {
        return Ok(());
    };
    if strict && node.attr.contains_key("_output_shapes") {
        // TensorFlow asserts that the attribute is new on this path.
        return Err(ExportError::invalid(
            "graph",
            format!(
                "node {} already has an _output_shapes attribute",
                py_repr(name)
            ),
        ));
    }
    let attr = node.attr.entry("_output_shapes".to_string()).or_default();
    match &mut attr.value {
        Some(Value::List(list)) => list.shape.extend(shapes.shape.iter().cloned()),
        value => {
            *value = Some(Value::List(Box::new(ListValue {
                shape: shapes.shape.clone(),
                ..Default::default()
            })))
        }
    }
    Ok(())
}

/// `Graph.as_graph_def(add_shapes=True)` (EXP-GRAPH-4).
fn graph_with_shapes(snapshot: &mut GraphSnapshot, cancel: &Cancel) -> Result<GraphDef, Failure> {
    let mut out = snapshot.graph_def.take().unwrap_or_default();
    if !snapshot.output_shapes.is_empty() {
        for node in &mut out.node {
            cancel.check()?;
            add_output_shapes(node, None, snapshot, false).expect("not strict");
        }
    }
    if let Some(library) = snapshot.library_with_shapes.take() {
        out.library = Some(library);
    }
    Ok(out)
}

/// The savers collection under clear_extraneous_savers: `saver_def` alone (EXP-SAVERS-6, EXP-SAVERS-7).
fn retained_saver(saver_def: Option<&SaverDef>) -> Result<CollectionItem, ExportError> {
    let Some(saver_def) = saver_def else {
        return Err(ExportError::invalid(
            "saver_def",
            "clear_extraneous_savers exports the savers collection as saver_def alone, so saver_def \
             is required when that collection is exported",
        ));
    };
    if saver_def.save_tensor_name.is_empty() {
        return Err(ExportError::invalid(
            "saver_def",
            "saver_def must specify the save_tensor_name",
        ));
    }
    if saver_def.restore_op_name.is_empty() {
        return Err(ExportError::invalid(
            "saver_def",
            "saver_def must specify the restore_op_name",
        ));
    }
    Ok(CollectionItem {
        kind: Some(Kind::Saver(saver_def.clone())),
    })
}

/// `stripped_op_list_for_graph` (EXP-OPS-2 to EXP-OPS-4): the OpDefs of the
/// used ops, and the used names missing from the registry.
fn stripped_op_list(
    graph: &mut GraphDef,
    registry: &Ops,
    cancel: &Cancel,
) -> Result<(Vec<OpDef>, Vec<String>), Failure> {
    let mut functions: HashMap<String, usize> = HashMap::new();
    if let Some(library) = &graph.library {
        for (index, function) in library.function.iter().enumerate() {
            let name = function.signature.as_ref().map_or("", |s| s.name.as_str());
            functions.insert(name.to_string(), index);
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut pending: Vec<usize> = Vec::new();
    let mark = |op: &str, used: &mut HashSet<String>, pending: &mut Vec<usize>| {
        if !used.contains(op) {
            if let Some(index) = functions.get(op) {
                pending.push(*index);
            }
            used.insert(op.to_string());
        }
    };
    // Reading attr["f"] inserts an empty value where there was none (EXP-OPS-3).
    let called = |node: &mut NodeDef| -> Option<String> {
        if !CALL_OPS.contains(&node.op.as_str()) {
            return None;
        }
        let attr = node.attr.entry("f".to_string()).or_default();
        Some(match &attr.value {
            Some(Value::Func(func)) => func.name.clone(),
            _ => String::new(),
        })
    };
    for node in &mut graph.node {
        cancel.check()?;
        mark(&node.op, &mut used, &mut pending);
        if let Some(function) = called(node) {
            mark(&function, &mut used, &mut pending);
        }
    }
    while let Some(index) = pending.pop() {
        let library = graph
            .library
            .as_mut()
            .expect("a queued function is in the library");
        for node in &mut library.function[index].node_def {
            mark(&node.op, &mut used, &mut pending);
            if let Some(function) = called(node) {
                mark(&function, &mut used, &mut pending);
            }
        }
    }
    let mut names: Vec<&String> = used
        .iter()
        .filter(|op| !functions.contains_key(*op))
        .collect();
    names.sort();
    let mut ops = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match registry.get(name) {
            Some(op) => ops.push(op.clone()),
            None => missing.push(name.clone()),
        }
    }
    Ok((ops, missing))
}

/// `strip_default_attrs` (EXP-STRIP-1 to EXP-STRIP-3).
fn strip_defaults(graph: &mut GraphDef, registry: &Ops, cancel: &Cancel) -> Result<(), Failure> {
    let functions: HashSet<String> = graph
        .library
        .iter()
        .flat_map(|library| library.function.iter())
        .map(|function| {
            function
                .signature
                .as_ref()
                .map_or(String::new(), |s| s.name.clone())
        })
        .collect();
    let mut defaults_by_op: HashMap<String, Vec<(String, AttrValue)>> = HashMap::new();
    let mut strip = |node: &mut NodeDef| {
        if !defaults_by_op.contains_key(&node.op) {
            let mut defaults = Vec::new();
            let op_def = if functions.contains(&node.op) {
                None
            } else {
                registry.get(&node.op)
            };
            let mut seen = HashSet::new();
            for attr_def in op_def.map_or(&[][..], |op| op.attr.as_slice()) {
                // The first definition of a name is the one TensorFlow consults.
                if seen.insert(attr_def.name.as_str()) {
                    if let Some(default) = &attr_def.default_value {
                        defaults.push((attr_def.name.clone(), default.clone()));
                    }
                }
            }
            defaults_by_op.insert(node.op.clone(), defaults);
        }
        for (name, default) in &defaults_by_op[&node.op] {
            if node
                .attr
                .get(name)
                .is_some_and(|value| attr_values_equal(value, default))
            {
                node.attr.remove(name);
            }
        }
    };
    for node in &mut graph.node {
        cancel.check()?;
        strip(node);
    }
    if let Some(library) = &mut graph.library {
        for function in &mut library.function {
            cancel.check()?;
            for node in &mut function.node_def {
                strip(node);
            }
        }
    }
    Ok(())
}

/// The debug info of the exported nodes (EXP-DEBUG-4 to EXP-DEBUG-8).
fn build_debug_info(
    meta_graph_def: &MetaGraphDef,
    snapshot: &GraphSnapshot,
    operations: &HashSet<String>,
    scope: &Scope,
) -> Result<GraphDebugInfo, ExportError> {
    let mut debug_info = GraphDebugInfo::default();
    let mut file_index: HashMap<&str, i32> = HashMap::new();
    let mut frame_ids: HashMap<(i32, i32, &str), u64> = HashMap::new();
    let mut trace_ids: HashMap<Vec<u64>, u64> = HashMap::new();
    let nodes = meta_graph_def
        .graph_def
        .as_ref()
        .map_or(&[][..], |g| g.node.as_slice());
    for node in nodes {
        let name = scope.prepend(&node.name)?;
        if !operations.contains(&name) {
            return Err(ExportError::invalid(
                "graph",
                format!(
                    "save_debug_info looks up operation {} (exported as {}) and the graph has no such operation",
                    py_repr(&name),
                    py_repr(&node.name)
                ),
            ));
        }
        let Some(trace) = snapshot.stack_traces.get(&name) else {
            continue;
        };
        let mut frames = Vec::with_capacity(trace.frames.len());
        for frame in &trace.frames {
            let next = file_index.len() as i32;
            let index = *file_index.entry(frame.file.as_str()).or_insert_with(|| {
                debug_info.files.push(frame.file.clone());
                next
            });
            let key = (index, frame.line, frame.function.as_str());
            let next = frame_ids.len() as u64;
            let frame_id = *frame_ids.entry(key).or_insert_with(|| {
                debug_info.frames_by_id.insert(
                    next,
                    FileLineCol {
                        file_index: Some(index),
                        line: Some(frame.line),
                        func: Some(frame.function.clone()),
                        ..Default::default()
                    },
                );
                next
            });
            frames.push(frame_id);
        }
        let next = trace_ids.len() as u64;
        let trace_id = match trace_ids.get(&frames) {
            Some(id) => *id,
            None => {
                debug_info.traces_by_id.insert(
                    next,
                    StackTrace {
                        frame_id: frames.clone(),
                        ..Default::default()
                    },
                );
                trace_ids.insert(frames, next);
                next
            }
        };
        debug_info
            .name_to_trace_id
            .insert(format!("{name}@"), trace_id);
    }
    Ok(debug_info)
}

/// TensorFlow's debug file name: the extension replaced by `.debug` (EXP-DEBUG-2).
pub fn debug_file_name(filename: &str) -> String {
    let base_start = filename.rfind('/').map_or(0, |i| i + 1);
    let base = &filename[base_start..];
    let root = match base.rfind('.') {
        Some(dot) if base[..dot].chars().any(|c| c != '.') => &filename[..base_start + dot],
        _ => filename,
    };
    format!("{root}.debug")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_file_names() {
        for (name, debug) in [
            ("model.meta", "model.debug"),
            ("out/m.tar.meta", "out/m.tar.debug"),
            ("t.b/model", "t.b/model.debug"),
            (".meta", ".meta.debug"),
            ("model.", "model.debug"),
            ("a/..x", "a/..x.debug"),
        ] {
            assert_eq!(debug_file_name(name), debug, "{name}");
        }
    }
}
