//! Reading the command's input files: a message of a known type, or, for
//! INPUT, a GraphDef or a graph snapshot told apart as the Python command
//! does: the type that reads the file without unknown fields and, where both
//! do, the one that interprets more of it as structure (its fields counted in
//! the first 64 items of each repeated field).
//!
//! Text is parsed through the schema (prost-reflect). Binary input is judged
//! by walking its wire format against each candidate's schema, without
//! decoding it, and is then decoded once, straight into the chosen type: a
//! graph of any size is held as its bytes and its decoded messages only.

use std::collections::HashMap;
use std::sync::OnceLock;

use metagraph_export_core::gen::metagraph_export::snapshot::v1::GraphSnapshot;
use metagraph_export_core::gen::tensorflow::GraphDef;
use metagraph_export_core::{ExportError, DESCRIPTORS};
use prost::bytes::Bytes;
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, Value,
};

use crate::export_cmd::{InputFormat, InputType};

/// Each repeated field and map is judged by its first items only.
const SAMPLE: usize = 64;
/// Deeper than any message the schema nests; what is deeper is not judged.
const MAX_DEPTH: u32 = 100;

pub const SNAPSHOT: &str = "metagraph_export.snapshot.v1.GraphSnapshot";
pub const GRAPH_DEF: &str = "tensorflow.GraphDef";

/// The export's input graph.
pub enum Input {
    Snapshot(Box<GraphSnapshot>),
    GraphDef(Box<GraphDef>),
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(DESCRIPTORS).expect("the embedded schema decodes"))
}

fn descriptor(type_name: &str) -> MessageDescriptor {
    pool().get_message_by_name(type_name).expect("a known type")
}

pub fn read(path: &str) -> Result<Vec<u8>, ExportError> {
    if path == "-" {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)
            .map_err(|e| ExportError::malformed(path, e.to_string()))?;
        return Ok(data);
    }
    std::fs::read(path).map_err(|error| ExportError::invalid(path, format!("cannot read: {error}")))
}

/// The file at `path` as a `M` (`type_name`), text or binary.
pub fn load<M: Message + Default>(path: &str, type_name: &str) -> Result<M, ExportError> {
    let data = read(path)?;
    let mut errors = Vec::new();
    if let Some(bytes) = text(&data, type_name, &mut errors).map(|(bytes, _)| bytes) {
        return decoded(&bytes, path);
    }
    M::decode(data.as_slice()).map_err(|error| {
        errors.push(format!("binary format: {error}"));
        ExportError::malformed(
            path,
            format!("not a valid {type_name} ({})", errors.join("; ")),
        )
    })
}

fn decoded<M: Message + Default>(bytes: &[u8], path: &str) -> Result<M, ExportError> {
    M::decode(bytes).map_err(|error| ExportError::malformed(path, error.to_string()))
}

/// `data` parsed as text format of `type_name`, in binary, with the parse;
/// None (and the reason in `errors`) where it is not such text.
fn text(
    data: &[u8],
    type_name: &str,
    errors: &mut Vec<String>,
) -> Option<(Vec<u8>, DynamicMessage)> {
    match std::str::from_utf8(data) {
        Err(_) => errors.push("text format: not UTF-8".to_string()),
        Ok(text) => match DynamicMessage::parse_text_format(descriptor(type_name), text) {
            Ok(message) => return Some((message.encode_to_vec(), message)),
            Err(error) => errors.push(format!("text format: {error}")),
        },
    }
    None
}

/// How one candidate type reads the file.
enum Reading {
    /// Text, already in binary.
    Text(Vec<u8>),
    /// Binary: the file itself.
    Binary,
}

/// INPUT as `kind` in `format` (each "auto": see the module documentation).
pub fn load_input(path: &str, kind: InputType, format: InputFormat) -> Result<Input, ExportError> {
    let data = read(path)?;
    let candidates: &[(InputType, &str, &str)] = match kind {
        InputType::Snapshot => &[(InputType::Snapshot, SNAPSHOT, "snapshot")],
        InputType::GraphDef => &[(InputType::GraphDef, GRAPH_DEF, "graph_def")],
        InputType::Auto => &[
            (InputType::Snapshot, SNAPSHOT, "snapshot"),
            (InputType::GraphDef, GRAPH_DEF, "graph_def"),
        ],
    };
    let single = candidates.len() == 1;
    let mut readings: Vec<(usize, InputType, &str, Reading)> = Vec::new();
    let mut reasons = Vec::new();
    for &(candidate, type_name, label) in candidates {
        let mut errors = Vec::new();
        if format != InputFormat::Binary {
            if let Some((bytes, message)) = text(&data, type_name, &mut errors) {
                if !single && has_unknown_fields(&message) {
                    reasons.push(format!("as {label}: fields unknown to {type_name}"));
                } else {
                    readings.push((
                        field_count(&message),
                        candidate,
                        type_name,
                        Reading::Text(bytes),
                    ));
                }
                continue;
            }
        }
        if format != InputFormat::Text {
            if single {
                // Its only reading: the decoder says what is wrong, if anything.
                readings.push((0, candidate, type_name, Reading::Binary));
                continue;
            }
            match binary_score(&data, &descriptor(type_name), 0) {
                Judged::Fields(score) => {
                    readings.push((score, candidate, type_name, Reading::Binary));
                    continue;
                }
                Judged::Unknown => {
                    reasons.push(format!("as {label}: fields unknown to {type_name}"));
                    continue;
                }
                Judged::Broken => errors.push("binary format: not a valid encoding".to_string()),
            }
        }
        if single {
            return Err(ExportError::malformed(
                path,
                format!("not a valid {type_name} ({})", errors.join("; ")),
            ));
        }
        reasons.push(format!("as {label}: {}", errors.join("; ")));
    }
    // The best reading first; the first candidate wins a tie.
    readings.sort_by_key(|reading| std::cmp::Reverse(reading.0));
    // Decoded from a shared buffer: a tensor's contents stay slices of it.
    let data = Bytes::from(data);
    for (_, candidate, type_name, reading) in readings {
        let bytes = match reading {
            Reading::Text(bytes) => Bytes::from(bytes),
            Reading::Binary => data.clone(),
        };
        let input = match candidate {
            InputType::GraphDef => GraphDef::decode(bytes).map(|g| Input::GraphDef(Box::new(g))),
            _ => GraphSnapshot::decode(bytes).map(|s| Input::Snapshot(Box::new(s))),
        };
        match input {
            Ok(input) => return Ok(input),
            Err(error) if single => {
                return Err(ExportError::malformed(
                    path,
                    format!("not a valid {type_name} (binary format: {error})"),
                ))
            }
            Err(error) => reasons.push(format!("as {type_name}: binary format: {error}")),
        }
    }
    Err(ExportError::malformed(
        path,
        format!(
            "is none of snapshot, graph_def in binary or text format ({})",
            reasons.join("; ")
        ),
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

/// The fields a parse filled, as the reference counts them: a scalar field
/// (repeated or not) once, a map by its entries, a message as one plus its
/// own, a repeated message field by its first items.
fn field_count(message: &DynamicMessage) -> usize {
    message
        .fields()
        .map(|(field, value)| match value {
            Value::Message(inner) => 1 + field_count(inner),
            Value::Map(map) => map.len(),
            Value::List(items) if is_message(&field) => items
                .iter()
                .take(SAMPLE)
                .map(|v| match v {
                    Value::Message(m) => 1 + field_count(m),
                    _ => 1,
                })
                .sum(),
            _ => 1,
        })
        .sum()
}

fn is_message(field: &FieldDescriptor) -> bool {
    matches!(field.kind(), Kind::Message(_))
}

/// What a walk over binary bytes as one type found.
#[derive(Debug, PartialEq, Eq)]
enum Judged {
    /// Read without unknown fields: the fields it fills, counted as
    /// [`field_count`] counts them.
    Fields(usize),
    /// A field the type does not know, or one of a wire type its schema
    /// does not give it (protobuf keeps such a field as unknown).
    Unknown,
    /// Not the wire format at all.
    Broken,
}

fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The wire type a field of `kind` is written with (unpacked).
fn wire_type(kind: &Kind) -> u64 {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => 1,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => 5,
        Kind::String | Kind::Bytes | Kind::Message(_) => 2,
        _ => 0,
    }
}

/// Judges `data` as a binary `message` without decoding it: fields are
/// checked against the schema, and messages entered, in the first
/// [`SAMPLE`] items of each repeated field and map only.
fn binary_score(data: &[u8], message: &MessageDescriptor, depth: u32) -> Judged {
    if depth > MAX_DEPTH {
        return Judged::Fields(0);
    }
    let mut pos = 0;
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut count = 0;
    while pos < data.len() {
        let Some(key) = varint(data, &mut pos) else {
            return Judged::Broken;
        };
        let (number, wire) = (key >> 3, key & 7);
        let body = match wire {
            0 => match varint(data, &mut pos) {
                Some(_) => &data[..0],
                None => return Judged::Broken,
            },
            1 | 5 => {
                let width = if wire == 1 { 8 } else { 4 };
                if data.len() - pos < width {
                    return Judged::Broken;
                }
                pos += width;
                &data[..0]
            }
            2 => {
                let Some(length) = varint(data, &mut pos) else {
                    return Judged::Broken;
                };
                match usize::try_from(length)
                    .ok()
                    .filter(|l| *l <= data.len() - pos)
                {
                    Some(length) => {
                        pos += length;
                        &data[pos - length..pos]
                    }
                    None => return Judged::Broken,
                }
            }
            _ => return Judged::Unknown, // groups: no field of the schema is one
        };
        let Some(field) = u32::try_from(number)
            .ok()
            .and_then(|number| message.get_field(number))
        else {
            return Judged::Unknown;
        };
        let kind = field.kind();
        let packed = field.is_list() && wire == 2 && wire_type(&kind) != 2;
        if wire != wire_type(&kind) && !packed {
            return Judged::Unknown;
        }
        let occurrence = seen.entry(field.number()).or_insert(0);
        *occurrence += 1;
        let first = *occurrence == 1;
        let sampled = *occurrence <= SAMPLE;
        match &kind {
            Kind::Message(inner) if field.is_map() => {
                count += 1;
                if sampled {
                    match binary_score(body, inner, depth + 1) {
                        Judged::Fields(_) => {}
                        other => return other,
                    }
                }
            }
            Kind::Message(inner) => {
                if sampled || !field.is_list() {
                    match binary_score(body, inner, depth + 1) {
                        Judged::Fields(fields) => {
                            if field.is_list() || first {
                                count += 1 + fields;
                            }
                        }
                        other => return other,
                    }
                }
            }
            _ => {
                if first {
                    count += 1;
                }
            }
        }
    }
    Judged::Fields(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use metagraph_export_core::gen::tensorflow::{attr_value, AttrValue, NodeDef};

    fn graph() -> GraphDef {
        let mut node = NodeDef {
            name: "a".into(),
            op: "Const".into(),
            input: vec!["x".into(), "y".into()],
            ..Default::default()
        };
        node.attr.insert(
            "k".into(),
            AttrValue {
                value: Some(attr_value::Value::I(3)),
            },
        );
        GraphDef {
            node: vec![node.clone(), node],
            ..Default::default()
        }
    }

    /// The walk counts what a full parse counts.
    #[test]
    fn the_walk_agrees_with_the_parse() {
        for (type_name, data) in [
            (GRAPH_DEF, graph().encode_to_vec()),
            (
                SNAPSHOT,
                GraphSnapshot {
                    graph_def: Some(graph()),
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ] {
            let parsed = DynamicMessage::decode(descriptor(type_name), data.as_slice()).unwrap();
            assert!(!has_unknown_fields(&parsed));
            assert_eq!(
                binary_score(&data, &descriptor(type_name), 0),
                Judged::Fields(field_count(&parsed))
            );
        }
    }

    #[test]
    fn unknown_fields_and_broken_bytes_are_told_apart() {
        let mut data = graph().encode_to_vec();
        data.extend([0xf8, 0x3e, 0x01]); // field 999, varint 1
        assert_eq!(
            binary_score(&data, &descriptor(GRAPH_DEF), 0),
            Judged::Unknown
        );
        // node (field 1) written as a varint: a wire type its schema does not give it.
        assert_eq!(
            binary_score(&[0x08, 0x01], &descriptor(GRAPH_DEF), 0),
            Judged::Unknown
        );
        assert_eq!(
            binary_score(&[0x0a, 0x05, 0x01], &descriptor(GRAPH_DEF), 0),
            Judged::Broken
        );
    }

    #[test]
    fn a_snapshot_is_not_read_as_a_graph_def() {
        let data = GraphSnapshot {
            graph_def: Some(graph()),
            ..Default::default()
        }
        .encode_to_vec();
        let as_snapshot = binary_score(&data, &descriptor(SNAPSHOT), 0);
        let as_graph_def = binary_score(&data, &descriptor(GRAPH_DEF), 0);
        match (as_snapshot, as_graph_def) {
            (Judged::Fields(snapshot), Judged::Fields(graph_def)) => assert!(snapshot > graph_def),
            (Judged::Fields(_), _) => {}
            other => panic!("{other:?}"),
        }
    }
}
