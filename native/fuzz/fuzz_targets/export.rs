//! Bytes in, an export or a typed error out: never a panic, a hang or an
//! allocation out of proportion to the input. Successful exports must
//! re-decode to the returned message and print as text (or fail as malformed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use metagraph_export_core::gen::tensorflow::MetaGraphDef;
use metagraph_export_core::{export_bytes, text::to_text, Category, Failure};
use prost::Message;

fuzz_target!(|data: &[u8]| {
    match export_bytes(data, None) {
        Ok(exported) => {
            let bytes = exported.meta_graph_def_bytes();
            let decoded =
                MetaGraphDef::decode(bytes.as_slice()).expect("the canonical encoding decodes");
            // NaN compares unequal: compare encodings instead of messages.
            assert_eq!(metagraph_export_core::canon::encode(&decoded), bytes);
            let mut streamed = Vec::new();
            exported
                .write_meta_graph_def(&mut streamed)
                .expect("writing to memory");
            assert_eq!(streamed, bytes);
            assert_eq!(exported.meta_graph_def_len(), bytes.len() as u64);
            let _ = to_text(exported.meta_graph_def());
        }
        Err(Failure::Error(error)) => assert_ne!(error.category, Category::Internal, "{error}"),
        Err(Failure::Unsupported(_)) => {}
        Err(Failure::Cancelled) => panic!("cancelled with no Cancel raised"),
    }
});
