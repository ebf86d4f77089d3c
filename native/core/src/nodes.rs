//! Node rewriting for export_scope and clear_devices (spec EXP-SCOPE-8 to
//! EXP-SCOPE-14, EXP-DEV-1), and the scopes clear_extraneous_savers removes
//! (EXP-SAVERS-1 to EXP-SAVERS-4).

use std::collections::HashSet;

use crate::error::{py_repr, ExportError};
use crate::gen::tensorflow::attr_value::{ListValue, Value};
use crate::gen::tensorflow::{AttrValue, NodeDef, SaverDef};
use crate::scope::{mark_unbound, Scope};

const SAVE_AND_RESTORE_OPS: &[&str] = &[
    "SaveV2",
    "Save",
    "SaveSlice",
    "LegacySave",
    "LegacySaveSlice",
    "RestoreV2",
    "Restore",
    "RestoreSlice",
    "LegacyRestore",
    "LegacyRestoreSlice",
];

/// TensorFlow's `meta_graph._node_def` applied in place to the exporter's own
/// node; returns the node's original name when the scope changed it.
pub fn rewrite_node(
    node: &mut NodeDef,
    scope: &Scope,
    unbound_inputs: &mut Vec<String>,
    clear_devices: bool,
) -> Result<Option<String>, ExportError> {
    let scoped = scope.is_set();
    let mut original = None;
    if scoped {
        let prefix = scope.text().unwrap_or("");
        for input in &mut node.input {
            if input.trim_start_matches('^').starts_with(prefix) {
                *input = scope.strip(input);
            } else {
                let unbound = mark_unbound(input);
                unbound_inputs.push(unbound.clone());
                *input = unbound;
            }
        }
        let stripped = scope.strip(&node.name);
        original = Some(std::mem::replace(&mut node.name, stripped));
    }
    if let Some(class) = node.attr.get("_class") {
        let source_name = original.as_deref().unwrap_or(&node.name).to_string();
        let entries: &[Vec<u8>] = match &class.value {
            Some(Value::List(list)) => &list.s,
            _ => &[],
        };
        let mut locations = Vec::with_capacity(entries.len());
        for entry in entries {
            if !scoped {
                locations.push(entry.clone());
                continue;
            }
            let text = utf8(entry, &source_name, "_class")?;
            let mut parts = text.split('@');
            parts.next();
            let Some(location) = parts.next() else {
                return Err(ExportError::invalid(
                    "graph",
                    format!(
                        "node {}: _class entry {} has no '@', so it cannot be tested against export_scope",
                        py_repr(&source_name),
                        py_repr(text)
                    ),
                ));
            };
            if scope.prefix_of(location) {
                locations.push(scope.strip(text).into_bytes());
            }
        }
        // Rebuilt as a list of strings alone, as TensorFlow does.
        node.attr.insert(
            "_class".to_string(),
            AttrValue {
                value: Some(Value::List(Box::new(ListValue {
                    s: locations,
                    ..Default::default()
                }))),
            },
        );
    }
    if (node.op == "Enter" || node.op == "RefEnter") && node.attr.contains_key("frame_name") {
        let source_name = original.as_deref().unwrap_or(&node.name).to_string();
        let mut frame_name = match &node.attr["frame_name"].value {
            Some(Value::S(s)) => s.clone(),
            _ => Vec::new(),
        };
        if scoped {
            let frame = utf8(&frame_name, &source_name, "frame_name")?;
            if !scope.prefix_of(frame) {
                // TensorFlow fails here, on a variable it never assigned.
                return Err(ExportError::invalid(
                    "export_scope",
                    format!(
                        "node {} is in the scope but its frame_name {} is not",
                        py_repr(&source_name),
                        py_repr(frame)
                    ),
                ));
            }
            frame_name = scope.strip(frame).into_bytes();
        }
        node.attr.insert(
            "frame_name".to_string(),
            AttrValue {
                value: Some(Value::S(frame_name)),
            },
        );
    }
    if clear_devices {
        node.device.clear();
    }
    Ok(original)
}

fn utf8<'a>(value: &'a [u8], node: &str, attr: &str) -> Result<&'a str, ExportError> {
    std::str::from_utf8(value).map_err(|_| {
        ExportError::invalid(
            "graph",
            format!(
                "node {}: attribute {} holds bytes that are not UTF-8",
                py_repr(node),
                py_repr(attr)
            ),
        )
    })
}

/// TensorFlow's `tensor.get_op_name` (EXP-SAVERS-1).
pub fn op_name<'a>(tensor_name: &'a str, subject: &str) -> Result<&'a str, ExportError> {
    if tensor_name.is_empty() {
        return Err(ExportError::invalid(subject, "a tensor name is empty"));
    }
    let name = tensor_name.strip_prefix('^').unwrap_or(tensor_name);
    let mut parts = name.split(':');
    let first = parts.next().unwrap_or("");
    match (parts.next(), parts.next()) {
        (None, _) => Ok(name),
        (Some(_), None) => Ok(first),
        _ => Err(ExportError::invalid(
            subject,
            format!("tensor name {} has more than one ':'", py_repr(name)),
        )),
    }
}

/// TensorFlow's `meta_graph._get_scope` (EXP-SAVERS-2).
pub fn name_scope_of<'a>(name: &'a str, subject: &str) -> Result<&'a str, ExportError> {
    if name.is_empty() {
        return Err(ExportError::invalid(subject, "a node name is empty"));
    }
    let name = name.strip_prefix('^').unwrap_or(name);
    Ok(name.rsplit_once('/').map_or("", |(scope, _)| scope))
}

/// The nodes in the name scopes of save/restore ops that `saver_def` does not use (EXP-SAVERS-4).
pub fn extraneous_saver_nodes(
    nodes: &[NodeDef],
    saver_def: Option<&SaverDef>,
) -> Result<HashSet<String>, ExportError> {
    for node in nodes {
        for input in &node.input {
            op_name(
                input,
                &format!("graph: input of node {}", py_repr(&node.name)),
            )?;
        }
    }
    let mut retained: HashSet<String> = HashSet::new();
    if let Some(saver_def) = saver_def {
        let save_op = op_name(&saver_def.save_tensor_name, "saver_def.save_tensor_name")?;
        let restore_op = op_name(&saver_def.restore_op_name, "saver_def.restore_op_name")?;
        retained.insert(format!(
            "{}/",
            name_scope_of(restore_op, "saver_def.restore_op_name")?
        ));
        retained.insert(format!(
            "{}/",
            name_scope_of(save_op, "saver_def.save_tensor_name")?
        ));
    }
    let saver_nodes: HashSet<&str> = nodes
        .iter()
        .filter(|node| SAVE_AND_RESTORE_OPS.contains(&node.op.as_str()))
        .map(|node| node.name.as_str())
        .collect();
    let mut scopes: HashSet<&str> = HashSet::new();
    for name in &saver_nodes {
        scopes.insert(name_scope_of(name, "graph")?);
    }
    let extraneous: Vec<String> = scopes
        .into_iter()
        .filter(|scope| !saver_nodes.contains(scope))
        .map(|scope| format!("{scope}/"))
        .filter(|scope| !retained.contains(scope))
        .collect();
    if extraneous.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(nodes
        .iter()
        .filter(|node| {
            extraneous
                .iter()
                .any(|scope| node.name.starts_with(scope.as_str()))
        })
        .map(|node| node.name.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_names() {
        assert_eq!(op_name("^a", "x").unwrap(), "a");
        assert_eq!(op_name("a:0", "x").unwrap(), "a");
        assert!(op_name("a:0:1", "x").is_err());
        assert!(op_name("", "x").is_err());
        assert_eq!(name_scope_of("^s/a/b", "x").unwrap(), "s/a");
        assert_eq!(name_scope_of("b", "x").unwrap(), "");
    }
}
