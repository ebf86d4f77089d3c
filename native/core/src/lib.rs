//! TensorFlow's `export_meta_graph`, natively, as the metagraph-export
//! specification (`spec/`) defines it.

pub mod attrs;
pub mod canon;
pub mod collections;
pub mod error;
pub mod export;
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod gen;
#[path = "gen/canon.rs"]
mod gen_canon;
pub mod nodes;
pub mod registry;
pub mod scope;
pub mod text;

pub use error::{Category, ExportError, Failure};
pub use export::{export, export_bytes, Diagnostic, Exported, OutputFile};
pub mod files;
