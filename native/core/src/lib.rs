//! TensorFlow's `export_meta_graph`, natively, as the metagraph-export
//! specification (`spec/`) defines it.

pub mod attrs;
pub mod cancel;
pub mod canon;
pub mod collections;
pub mod error;
pub mod export;
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod gen;
#[rustfmt::skip]
#[path = "gen/canon.rs"]
mod gen_canon;
pub mod nodes;
pub mod registry;
pub mod scope;
pub mod text;

pub use cancel::Cancel;
pub use error::{Category, ExportError, Failure};
pub use export::{
    decode_arguments, decode_ops, export, export_bytes, export_cancellable, export_decoded,
    Diagnostic, Exported, OutputFile,
};
pub mod files;

/// The schema of every message, as a serialized `FileDescriptorSet`.
pub static DESCRIPTORS: &[u8] = include_bytes!("gen/descriptors.binpb");
