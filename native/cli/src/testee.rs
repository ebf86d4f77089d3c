//! The conformance testee: the stdin/stdout protocol of
//! `proto/metagraph_export/conformance/v1/protocol.proto`. Every message is a
//! 4-byte little-endian length and a serialized TesteeRequest/TesteeResponse.

use std::io::{self, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use metagraph_export_core::gen::metagraph_export::api::v1::Diagnostic as DiagnosticProto;
use metagraph_export_core::gen::metagraph_export::conformance::v1::{
    case_result, testee_request, testee_response, CaseResult, ErrorCategory,
    Exported as ExportedProto, Failed, HelloReply, ProtocolVersion, RunCase, TesteeRequest,
    TesteeResponse,
};
use metagraph_export_core::{canon, export_bytes, Category, Failure};
use prost::Message;

pub fn run() -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut output = stdout.lock();
    while let Some(frame) = read_frame(&mut input)? {
        let request = match TesteeRequest::decode(frame.as_slice()) {
            Ok(request) => request,
            Err(error) => {
                eprintln!("a request that does not parse: {error}");
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
        };
        let response = match request.request {
            Some(testee_request::Request::Hello(_)) => {
                testee_response::Response::Hello(HelloReply {
                    protocol_version: ProtocolVersion::ProtocolVersion1 as i32,
                    implementation: format!(
                        "metagraph-export-native {}",
                        env!("CARGO_PKG_VERSION")
                    ),
                    // Export only: the runner skips the import cases.
                    capabilities: Vec::new(),
                })
            }
            Some(testee_request::Request::Run(run)) => {
                testee_response::Response::Result(run_case(run))
            }
            None => testee_response::Response::Result(CaseResult {
                result: Some(case_result::Result::RuntimeError(
                    "an empty request".to_string(),
                )),
            }),
        };
        // The canonical encoder, not prost's: it writes what prost's
        // implicit presence would drop, such as a -0.0 (spec EXP-ENC-3).
        let bytes = canon::encode(&TesteeResponse {
            response: Some(response),
        });
        output.write_all(&(bytes.len() as u32).to_le_bytes())?;
        output.write_all(&bytes)?;
        output.flush()?;
    }
    Ok(())
}

fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let mut body = vec![0u8; u32::from_le_bytes(header) as usize];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

fn run_case(run: RunCase) -> CaseResult {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<_, Failure> {
        let exported = export_bytes(&run.arguments, None)?;
        exported.write_files()?;
        Ok(exported)
    }));
    let result = match outcome {
        Ok(Ok(mut exported)) => case_result::Result::Exported(ExportedProto {
            diagnostics: std::mem::take(&mut exported.diagnostics)
                .into_iter()
                .map(|d| DiagnosticProto {
                    code: d.code.to_string(),
                    severity: d.severity().to_string(),
                    subject: d.subject,
                    message: d.message,
                })
                .collect(),
            meta_graph_def: Some(exported.into_meta_graph_def()),
        }),
        Ok(Err(Failure::Error(error))) => {
            let category = match error.category {
                Category::InvalidArgument => ErrorCategory::InvalidArgument,
                Category::MalformedInput => ErrorCategory::MalformedInput,
                Category::GraphTooLarge => ErrorCategory::GraphTooLarge,
                Category::WriteFailed => ErrorCategory::WriteFailed,
                Category::Internal => {
                    return CaseResult {
                        result: Some(case_result::Result::RuntimeError(error.to_string())),
                    }
                }
            };
            case_result::Result::Failed(Failed {
                category: category as i32,
                message: error.to_string(),
            })
        }
        // A non-portable scope is rejected as the specification allows an
        // implementation without Python's regular expressions to (EXP-SCOPE-7).
        Ok(Err(Failure::Unsupported(reason))) => case_result::Result::Failed(Failed {
            category: ErrorCategory::InvalidArgument as i32,
            message: format!("export_scope: rejected (EXP-SCOPE-7): {reason}"),
        }),
        // The testee raises no Cancel; the match stays total.
        Ok(Err(Failure::Cancelled)) => {
            case_result::Result::RuntimeError("the export was cancelled".to_string())
        }
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            case_result::Result::RuntimeError(format!("internal error (panic): {text}"))
        }
    };
    CaseResult {
        result: Some(result),
    }
}
