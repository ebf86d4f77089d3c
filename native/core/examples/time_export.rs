//! Times the phases of one export of a serialized ExportArguments file:
//! `cargo run --release --example time_export -- FILE`.
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use metagraph_export_core::gen::metagraph_export::api::v1::ExportArguments;
use prost::Message;

fn main() {
    sizes();
    let path = std::env::args().nth(1).expect("an ExportArguments file");
    let data = std::fs::read(path).expect("readable");
    let start = Instant::now();
    let arguments = ExportArguments::decode(data.as_slice()).expect("decodes");
    let decoded = start.elapsed();
    let start = Instant::now();
    let exported = metagraph_export_core::export(arguments, Vec::new()).expect("exports");
    let total = start.elapsed();
    let start = Instant::now();
    let again = exported.meta_graph_def_bytes();
    let encoded = start.elapsed();
    println!(
        "decode {decoded:?}, export {total:?}, encoding {encoded:?}, {} bytes",
        again.len()
    );
    let start = Instant::now();
    drop(exported);
    println!("drop {:?}", start.elapsed());
}

/// The in-memory sizes of the messages every node is made of.
fn sizes() {
    use metagraph_export_core::gen::tensorflow::*;
    println!(
        "AttrValue {} NodeDef {} TensorShapeProto {} NameAttrList {} OutputShapes {}",
        std::mem::size_of::<AttrValue>(),
        std::mem::size_of::<NodeDef>(),
        std::mem::size_of::<TensorShapeProto>(),
        std::mem::size_of::<NameAttrList>(),
        std::mem::size_of::<metagraph_export_core::gen::metagraph_export::snapshot::v1::OutputShapes>(
        )
    );
}
