//! The op registry: TensorFlow 2.21's OpDefs (spec REG-1 to REG-7), bundled
//! from the reference's data file, plus an export's custom ops.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost::Message;

use crate::error::{py_repr, ExportError};
use crate::gen::metagraph_export::registry::v1::OpRegistry as OpRegistryProto;
use crate::gen::tensorflow::OpDef;

/// `spec/registry/op_registry.binpb` (spec REG-6), the one file both
/// implementations read, copied into `data/` by `cargo run -p xtask -- codegen`
/// (whose `--check` fails when the copy is stale).
static BUNDLED: &[u8] = include_bytes!("../data/op_registry.binpb");

pub struct Registry {
    ops: HashMap<String, OpDef>,
    pub tensorflow_version: String,
    pub tensorflow_git_version: String,
}

/// A registry with an export's custom ops over the bundled one.
pub struct Ops<'a> {
    base: &'a Registry,
    extra: HashMap<String, OpDef>,
}

impl Registry {
    /// TensorFlow 2.21's registry, decoded on first use.
    pub fn bundled() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            let proto = OpRegistryProto::decode(BUNDLED).expect("the bundled op registry decodes");
            let ops = proto
                .op_list
                .unwrap_or_default()
                .op
                .into_iter()
                .map(|op| (op.name.clone(), op))
                .collect();
            Registry {
                ops,
                tensorflow_version: proto.tensorflow_version,
                tensorflow_git_version: proto.tensorflow_git_version,
            }
        })
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// This registry plus custom ops; a name already registered with another
    /// definition is refused, as TensorFlow refuses to register an op twice (REG-7).
    pub fn with_ops(&self, custom: Vec<OpDef>) -> Result<Ops<'_>, ExportError> {
        let mut extra: HashMap<String, OpDef> = HashMap::new();
        for op in custom {
            if op.name.is_empty() {
                return Err(ExportError::invalid("op_defs", "an OpDef has no name"));
            }
            let existing = extra.get(&op.name).or_else(|| self.ops.get(&op.name));
            match existing {
                Some(existing) if *existing != op => {
                    return Err(ExportError::invalid(
                        "op_defs",
                        format!(
                            "op {} is already registered with another definition",
                            py_repr(&op.name)
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    extra.insert(op.name.clone(), op);
                }
            }
        }
        Ok(Ops { base: self, extra })
    }
}

impl Ops<'_> {
    pub fn get(&self, name: &str) -> Option<&OpDef> {
        self.extra.get(name).or_else(|| self.base.ops.get(name))
    }

    pub fn versions(&self) -> (&str, &str) {
        (
            &self.base.tensorflow_version,
            &self.base.tensorflow_git_version,
        )
    }
}
