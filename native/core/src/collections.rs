//! Collections: which items are exported and how (spec EXP-COLL-1 to EXP-COLL-22).
//!
//! Items arrive as snapshot `CollectionItem`s, classified the way TensorFlow's
//! `add_collection_def` sees Python objects. A collection is exported whole or
//! dropped whole: an item its list kind cannot hold drops it, which
//! TensorFlow only logs and which is reported here as a diagnostic.

use std::collections::{BTreeMap, HashSet};

use crate::canon::encode;
use crate::error::py_repr;
use crate::gen::metagraph_export::snapshot::v1::collection_item::Kind;
use crate::gen::metagraph_export::snapshot::v1::CollectionItem;
use crate::gen::tensorflow::collection_def::{
    self, AnyList, BytesList, FloatList, Int64List, NodeList,
};
use crate::gen::tensorflow::{
    CollectionDef, CondContextDef, QueueRunnerDef, SaverDef, ValuesDef, VariableDef,
    WhileContextDef,
};
use crate::scope::{Scope, UNBOUND_INPUT_PREFIX};

pub const SAVERS_KEY: &str = "savers";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Typed {
    Variable,
    Saver,
    QueueRunner,
    Cond,
    While,
}

impl Typed {
    fn of_key(key: &str) -> Option<Typed> {
        Some(match key {
            "variables"
            | "trainable_variables"
            | "moving_average_variables"
            | "local_variables"
            | "model_variables"
            | "global_step"
            | "metric_variables" => Typed::Variable,
            SAVERS_KEY => Typed::Saver,
            "queue_runners" => Typed::QueueRunner,
            "cond_context" => Typed::Cond,
            "while_context" => Typed::While,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Typed::Variable => "variable",
            Typed::Saver => "saver",
            Typed::QueueRunner => "queue_runner",
            Typed::Cond => "cond_context",
            Typed::While => "while_context",
        }
    }
}

/// The `.name` of the Python object an item stands for (EXP-COLL-4).
pub fn object_name(item: &CollectionItem) -> Option<&str> {
    match item.kind.as_ref()? {
        Kind::Name(name) => Some(name),
        Kind::Variable(v) => Some(&v.variable_name),
        Kind::QueueRunner(q) => Some(&q.queue_name),
        Kind::CondContext(c) => Some(&c.context_name),
        Kind::WhileContext(w) => Some(&w.context_name),
        _ => None,
    }
}

/// TensorFlow's `_should_include_node` (EXP-SCOPE-2).
pub fn should_include(name: &str, scope: &Scope, exclude: &HashSet<String>) -> bool {
    if exclude.contains(name) {
        return false;
    }
    name.starts_with(UNBOUND_INPUT_PREFIX) || scope.contains(name)
}

fn include_item(item: &CollectionItem, scope: &Scope, exclude: &HashSet<String>) -> bool {
    if let Some(Kind::StringValue(text)) = &item.kind {
        return should_include(text, scope, exclude);
    }
    object_name(item).is_none_or(|name| should_include(name, scope, exclude))
}

fn kind_name(item: &CollectionItem) -> String {
    match &item.kind {
        None => "None".to_string(),
        Some(kind) => match kind {
            Kind::Name(_) => "name",
            Kind::StringValue(_) => "string_value",
            Kind::BytesValue(_) => "bytes_value",
            Kind::Int64Value(_) => "int64_value",
            Kind::FloatValue(_) => "float_value",
            Kind::AnyValue(_) => "any_value",
            Kind::Variable(_) => "variable",
            Kind::Saver(_) => "saver",
            Kind::QueueRunner(_) => "queue_runner",
            Kind::CondContext(_) => "cond_context",
            Kind::WhileContext(_) => "while_context",
            Kind::Unserializable(u) => return format!("unserializable ({})", u.description),
            Kind::BoolValue(_) => "bool_value",
            Kind::BigInteger(_) => "big_integer",
            Kind::NoProto(_) => "no_proto",
        }
        .to_string(),
    }
}

/// Adds one collection to `collection_def`; returns why it was dropped, or None.
pub fn add_collection(
    collection_def: &mut BTreeMap<String, CollectionDef>,
    key: &str,
    items: &[CollectionItem],
    scope: &Scope,
    exclude: &HashSet<String>,
) -> Option<String> {
    let kept: Vec<&CollectionItem> = items
        .iter()
        .filter(|item| include_item(item, scope, exclude))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let collection = collection_def.entry(key.to_string()).or_default();
    let outcome = match Typed::of_key(key) {
        Some(typed) => fill_typed(collection, typed, &kept, scope),
        None => fill_plain(collection, &kept, scope),
    };
    match outcome {
        Ok(()) => None,
        Err(reason) => {
            collection_def.remove(key);
            Some(reason)
        }
    }
}

fn bytes_list(collection: &mut CollectionDef) -> &mut Vec<Vec<u8>> {
    if !matches!(collection.kind, Some(collection_def::Kind::BytesList(_))) {
        collection.kind = Some(collection_def::Kind::BytesList(BytesList::default()));
    }
    match &mut collection.kind {
        Some(collection_def::Kind::BytesList(list)) => &mut list.value,
        _ => unreachable!(),
    }
}

fn fill_typed(
    collection: &mut CollectionDef,
    kind: Typed,
    items: &[&CollectionItem],
    scope: &Scope,
) -> Result<(), String> {
    for item in items {
        let encoded = match (&item.kind, kind) {
            (Some(Kind::NoProto(_)), _) => {
                if !scope.is_given() {
                    continue;
                }
                // A Saver without a SaverDef: TensorFlow's to_proto fails on
                // it as soon as there is a scope to test, even an empty one.
                return Err(format!(
                    "an item {} has no proto to test against the scope",
                    kind_name(item)
                ));
            }
            (Some(Kind::Variable(v)), Typed::Variable) => {
                variable_to_proto(v, scope)?.map(|m| encode(&m))
            }
            (Some(Kind::Saver(s)), Typed::Saver) => saver_to_proto(s, scope).map(|m| encode(&m)),
            (Some(Kind::QueueRunner(q)), Typed::QueueRunner) => {
                queue_runner_to_proto(q, scope).map(|m| encode(&m))
            }
            (Some(Kind::CondContext(c)), Typed::Cond) => {
                cond_to_proto(c, scope).map(|m| encode(&m))
            }
            (Some(Kind::WhileContext(w)), Typed::While) => {
                while_to_proto(w, scope).map(|m| encode(&m))
            }
            _ => {
                return Err(format!(
                    "an item of kind {} is not a {}, the type of this collection",
                    kind_name(item),
                    kind.name()
                ))
            }
        };
        if let Some(encoded) = encoded {
            bytes_list(collection).push(encoded);
        }
    }
    Ok(())
}

fn fill_plain(
    collection: &mut CollectionDef,
    items: &[&CollectionItem],
    scope: &Scope,
) -> Result<(), String> {
    match items[0].kind {
        Some(Kind::StringValue(_) | Kind::BytesValue(_)) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(match &item.kind {
                    Some(Kind::BytesValue(b)) => b.clone(),
                    Some(Kind::StringValue(s)) => s.as_bytes().to_vec(),
                    _ => {
                        return Err(format!(
                            "an item of kind {} is not str or bytes",
                            kind_name(item)
                        ))
                    }
                });
            }
            bytes_list(collection).extend(values);
        }
        Some(Kind::Int64Value(_) | Kind::BoolValue(_) | Kind::BigInteger(_)) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(match &item.kind {
                    Some(Kind::Int64Value(v)) => *v,
                    Some(Kind::BigInteger(text)) => {
                        return Err(format!("integer {text} is outside the int64 range"))
                    }
                    _ => return Err(format!("an item of kind {} is not an int", kind_name(item))),
                });
            }
            match &mut collection.kind {
                Some(collection_def::Kind::Int64List(list)) => list.value.extend(values),
                kind => *kind = Some(collection_def::Kind::Int64List(Int64List { value: values })),
            }
        }
        Some(Kind::FloatValue(_)) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(as_float32(item)?);
            }
            match &mut collection.kind {
                Some(collection_def::Kind::FloatList(list)) => list.value.extend(values),
                kind => *kind = Some(collection_def::Kind::FloatList(FloatList { value: values })),
            }
        }
        Some(Kind::AnyValue(_)) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match &item.kind {
                    Some(Kind::AnyValue(any)) => values.push(any.clone()),
                    _ => return Err(format!("an item of kind {} is not an Any", kind_name(item))),
                }
            }
            match &mut collection.kind {
                Some(collection_def::Kind::AnyList(list)) => list.value.extend(values),
                kind => *kind = Some(collection_def::Kind::AnyList(AnyList { value: values })),
            }
        }
        _ => {
            for item in items {
                let Some(name) = object_name(item) else {
                    return Err(format!("an item of kind {} has no name", kind_name(item)));
                };
                if !scope.is_set() || scope.prefix_of(name) {
                    let stripped = scope.strip(name);
                    match &mut collection.kind {
                        Some(collection_def::Kind::NodeList(list)) => list.value.push(stripped),
                        kind => {
                            *kind = Some(collection_def::Kind::NodeList(NodeList {
                                value: vec![stripped],
                            }))
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The IEEE round-to-nearest narrowing protobuf applies to a float field (EXP-COLL-17).
fn as_float32(item: &CollectionItem) -> Result<f32, String> {
    let value = match &item.kind {
        Some(Kind::FloatValue(v)) => *v,
        Some(Kind::Int64Value(v)) => *v as f64,
        Some(Kind::BoolValue(b)) => f64::from(u8::from(*b)),
        Some(Kind::BigInteger(text)) => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                // SNAP-12: an optional "-", then ASCII digits.
                return Err(format!(
                    "big_integer {} is not a decimal integer",
                    py_repr(text)
                ));
            }
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("integer {text} is too large for a float"))?
        }
        _ => {
            return Err(format!(
                "an item of kind {} is not a number",
                kind_name(item)
            ))
        }
    };
    Ok(value as f32)
}

// The registered to_proto functions, on full, unscoped protos (EXP-COLL-9 to EXP-COLL-13).

fn outside(scope: &Scope, name: &str) -> bool {
    scope.is_given() && !scope.prefix_of(name)
}

fn variable_to_proto(variable: &VariableDef, scope: &Scope) -> Result<Option<VariableDef>, String> {
    if outside(scope, &variable.variable_name) {
        return Ok(None);
    }
    let mut proto = variable.clone();
    proto.variable_name = scope.strip(&variable.variable_name);
    proto.initial_value_name = scope.strip(&variable.initial_value_name);
    proto.initializer_name = scope.strip(&variable.initializer_name);
    proto.snapshot_name = scope.strip(&variable.snapshot_name);
    if let Some(info) = &mut proto.save_slice_info_def {
        if outside(scope, &info.full_name) {
            // TensorFlow merges the None its SaveSliceInfo.to_proto returns, and fails.
            return Err(format!(
                "variable {} is in the scope but its save_slice_info full_name {} is not",
                py_repr(&variable.variable_name),
                py_repr(&info.full_name)
            ));
        }
        info.full_name = scope.strip(&info.full_name);
    }
    Ok(Some(proto))
}

fn saver_to_proto(saver: &SaverDef, scope: &Scope) -> Option<SaverDef> {
    if !scope.is_given() {
        return Some(saver.clone());
    }
    let names = [
        &saver.filename_tensor_name,
        &saver.save_tensor_name,
        &saver.restore_op_name,
    ];
    if !names.iter().all(|name| scope.prefix_of(name)) {
        return None;
    }
    let mut proto = saver.clone();
    proto.filename_tensor_name = scope.strip(&saver.filename_tensor_name);
    proto.save_tensor_name = scope.strip(&saver.save_tensor_name);
    proto.restore_op_name = scope.strip(&saver.restore_op_name);
    Some(proto)
}

fn queue_runner_to_proto(runner: &QueueRunnerDef, scope: &Scope) -> Option<QueueRunnerDef> {
    if outside(scope, &runner.queue_name) {
        return None;
    }
    let mut proto = runner.clone();
    proto.queue_name = scope.strip(&runner.queue_name);
    proto.enqueue_op_name = runner
        .enqueue_op_name
        .iter()
        .map(|n| scope.strip(n))
        .collect();
    proto.close_op_name = scope.strip(&runner.close_op_name);
    proto.cancel_op_name = scope.strip(&runner.cancel_op_name);
    Some(proto)
}

fn strip_values(values: &mut Option<ValuesDef>, scope: &Scope) {
    // Python reads `proto.values_def` for writing, which makes it present.
    let values = values.get_or_insert_with(ValuesDef::default);
    values.values = values.values.iter().map(|v| scope.strip(v)).collect();
    let external = std::mem::take(&mut values.external_values);
    for (key, value) in external {
        values
            .external_values
            .insert(scope.strip(&key), scope.strip(&value));
    }
}

fn cond_to_proto(context: &CondContextDef, scope: &Scope) -> Option<CondContextDef> {
    if outside(scope, &context.context_name) {
        return None;
    }
    let mut proto = context.clone();
    proto.context_name = scope.strip(&context.context_name);
    proto.pred_name = scope.strip(&context.pred_name);
    proto.pivot_name = scope.strip(&context.pivot_name);
    // Nested contexts stay unscoped: TensorFlow does not pass the scope on.
    strip_values(&mut proto.values_def, scope);
    Some(proto)
}

fn while_to_proto(context: &WhileContextDef, scope: &Scope) -> Option<WhileContextDef> {
    if outside(scope, &context.context_name) {
        return None;
    }
    let mut proto = context.clone();
    proto.context_name = scope.strip(&context.context_name);
    proto.maximum_iterations_name = scope.strip(&context.maximum_iterations_name);
    proto.pivot_for_pred_name = scope.strip(&context.pivot_for_pred_name);
    proto.pivot_for_body_name = scope.strip(&context.pivot_for_body_name);
    proto.pivot_name = scope.strip(&context.pivot_name);
    proto.loop_exit_names = context
        .loop_exit_names
        .iter()
        .map(|n| scope.strip(n))
        .collect();
    proto.loop_enter_names = context
        .loop_enter_names
        .iter()
        .map(|n| scope.strip(n))
        .collect();
    strip_values(&mut proto.values_def, scope);
    Some(proto)
}
