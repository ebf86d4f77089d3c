//! A raised Cancel stops an export with Failure::Cancelled; an unraised one
//! changes nothing.

use metagraph_export_core::gen::metagraph_export::api::v1::ExportArguments;
use metagraph_export_core::gen::metagraph_export::snapshot::v1::GraphSnapshot;
use metagraph_export_core::gen::tensorflow::{GraphDef, NodeDef};
use metagraph_export_core::{export_bytes, export_cancellable, Cancel, Failure};
use prost::Message;

fn arguments(clear_devices: bool) -> Vec<u8> {
    let node = |name: &str| NodeDef {
        name: name.to_string(),
        op: "NoOp".to_string(),
        device: "/cpu:0".to_string(),
        ..Default::default()
    };
    ExportArguments {
        graph: Some(GraphSnapshot {
            graph_def: Some(GraphDef {
                node: vec![node("a"), node("b")],
                ..Default::default()
            }),
            ..Default::default()
        }),
        clear_devices,
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn a_raised_cancel_stops_the_export() {
    for clear_devices in [false, true] {
        let cancel = Cancel::new();
        cancel.cancel();
        assert!(cancel.is_cancelled());
        let outcome = export_cancellable(&arguments(clear_devices), None, &cancel);
        assert_eq!(outcome.unwrap_err(), Failure::Cancelled);
    }
}

#[test]
fn an_unraised_cancel_changes_nothing() {
    for clear_devices in [false, true] {
        let data = arguments(clear_devices);
        let cancel = Cancel::new();
        let with = export_cancellable(&data, None, &cancel).unwrap();
        let without = export_bytes(&data, None).unwrap();
        assert_eq!(with.meta_graph_def_bytes(), without.meta_graph_def_bytes());
        assert!(!cancel.is_cancelled());
    }
}
