//! Copies the op registry data file into OUT_DIR. It lives with the Python
//! reference (`python/metagraph_export/data/`); a source distribution of the
//! extension carries a copy in `data/`.
use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../../python/metagraph_export/data/op_registry.binpb"),
        manifest.join("data/op_registry.binpb"),
    ];
    let source = candidates
        .iter()
        .find(|path| path.exists())
        .expect("op_registry.binpb: neither python/metagraph_export/data/ nor data/ has it");
    println!("cargo:rerun-if-changed={}", source.display());
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("op_registry.binpb");
    std::fs::copy(source, out).expect("copy op_registry.binpb");
}
