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
            let decoded = MetaGraphDef::decode(exported.meta_graph_def_bytes.as_slice())
                .expect("the canonical encoding decodes");
            // NaN compares unequal: compare encodings instead of messages.
            assert_eq!(
                metagraph_export_core::canon::encode(&decoded),
                exported.meta_graph_def_bytes
            );
            let _ = to_text(&exported.meta_graph_def);
        }
        Err(Failure::Error(error)) => assert_ne!(error.category, Category::Internal, "{error}"),
        Err(Failure::Unsupported(_)) => {}
        Err(Failure::Cancelled) => panic!("cancelled with no Cancel raised"),
    }
});
