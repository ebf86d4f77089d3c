//! `metagraph_export_native`: the native exporter behind one function, the
//! seam the Python package calls.
//!
//! `export(arguments, registry=None, cancel=None)` takes a serialized
//! `metagraph_export.api.v1.ExportArguments`, as one bytes object or a list
//! of bytes objects whose concatenation it is (read in place, not joined), and
//! optionally a serialized `tensorflow.OpList` of custom ops, and returns a
//! `NativeResult`. It never writes a file: with `filename` set it builds what
//! would be written (the file bytes, the debug info) and the caller writes it.
//! It runs without the GIL; another thread stops it by calling
//! `cancel.cancel()` on the `Cancel` it was given, and it then raises
//! `Cancelled`. With `lossless=True`, for
//! bytes serialized from a message, it declines (`Unsupported`) arguments
//! whose decoding dropped unknown fields, which the reference would keep.

use std::panic::{catch_unwind, AssertUnwindSafe};

mod pieces;

// Decoding a graph allocates a string or map per field; mimalloc makes that
// markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use metagraph_export_core::canon::encode;
use metagraph_export_core::canon::encoded_len;
use metagraph_export_core::export::text_bytes;
use metagraph_export_core::{
    decode_arguments, decode_ops, export_decoded, Cancel as CoreCancel, ExportError, Exported,
    Failure,
};
use pieces::Pieces;
use prost::bytes::{Buf, Bytes};
use prost::Message;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

create_exception!(
    metagraph_export_native,
    ExportFailure,
    PyException,
    "An export failed: `category` (INVALID_ARGUMENT, MALFORMED_INPUT, GRAPH_TOO_LARGE, \
     WRITE_FAILED or INTERNAL), `argument` (what the error is about), `message`, and `size` \
     for GRAPH_TOO_LARGE."
);
create_exception!(
    metagraph_export_native,
    Unsupported,
    PyException,
    "The native exporter declines these arguments (a non-portable export_scope, spec \
     EXP-SCOPE-7); `reason` says why. The Python exporter handles them."
);
create_exception!(
    metagraph_export_native,
    Cancelled,
    PyException,
    "The export stopped because its Cancel was cancelled; it produced nothing."
);

/// A flag that stops an export running in another thread at its next check
/// (between its steps and at every node of its long loops).
#[pyclass(frozen, module = "metagraph_export_native")]
struct Cancel(CoreCancel);

#[pymethods]
impl Cancel {
    #[new]
    fn new() -> Self {
        Cancel(CoreCancel::new())
    }

    /// Stops the exports given this flag; safe from any thread, at any time.
    fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether `cancel` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// What one export produced.
#[pyclass(frozen, module = "metagraph_export_native")]
struct NativeResult {
    /// The MetaGraphDef, canonical binary encoding.
    #[pyo3(get)]
    meta_graph_def: Py<PyBytes>,
    /// The meta graph file's bytes (binary or text per as_text); None only
    /// without a filename when the text format cannot be made.
    #[pyo3(get)]
    file_bytes: Option<Py<PyBytes>>,
    /// The GraphDebugInfo (canonical binary), when a debug file is due.
    #[pyo3(get)]
    debug_info: Option<Py<PyBytes>>,
    /// The debug file's bytes, when a debug file is due.
    #[pyo3(get)]
    debug_info_file_bytes: Option<Py<PyBytes>>,
    /// (code, severity, subject, message) in the order emitted.
    #[pyo3(get)]
    diagnostics: Vec<(String, String, String, String)>,
}

struct Outcome {
    exported: Exported,
    file_bytes: Option<Vec<u8>>,
    debug_info: Option<Vec<u8>>,
    debug_file_bytes: Option<Vec<u8>>,
    same_as_meta: bool,
}

fn run(
    arguments: Pieces,
    registry: Option<&[u8]>,
    cancel: &CoreCancel,
    lossless: bool,
) -> Result<Outcome, Failure> {
    let length = arguments.remaining() as u64;
    let arguments = decode_arguments(arguments)?;
    // Bytes a Python message serialized are exactly as long as the canonical
    // encoding of what they decode to, unless decoding dropped something:
    // unknown fields, which the reference keeps and these structs cannot.
    // prost's own length, quicker to compute, is at most the canonical one
    // (it leaves out default map keys and values, which Python writes), so
    // where it already matches, the canonical one does too.
    if lossless && arguments.encoded_len() as u64 != length && encoded_len(&arguments) != length {
        return Err(Failure::Unsupported(
            "the arguments hold fields unknown to this implementation, which it would drop"
                .to_string(),
        ));
    }
    let extra = decode_ops(registry)?;
    cancel.check()?;
    let mut exported = export_decoded(arguments, extra, cancel)?;
    let mut files = std::mem::take(&mut exported.files).into_iter();
    let (file_bytes, same_as_meta) = match files.next() {
        Some(file) => {
            let same = file.content.is_none();
            (file.content, same)
        }
        None => {
            // No file is due; the file's bytes are those it would have.
            if exported.as_text {
                (text_bytes(exported.meta_graph_def()).ok(), false)
            } else {
                (None, true)
            }
        }
    };
    let debug_file_bytes = files.next().and_then(|file| file.content);
    let debug_info = exported.debug_info.as_ref().map(encode);
    Ok(Outcome {
        exported,
        file_bytes,
        debug_info,
        debug_file_bytes,
        same_as_meta,
    })
}

fn failure(py: Python<'_>, error: ExportError) -> PyErr {
    let err = ExportFailure::new_err(error.to_string());
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("category", error.category.name())?;
        value.setattr("argument", &error.subject)?;
        value.setattr("message", &error.message)?;
        value.setattr("size", error.size)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// The bytes objects the arguments arrive in, shared rather than copied.
fn in_place(arguments: &Bound<'_, PyAny>) -> PyResult<Vec<Bytes>> {
    let shared = |piece: Bound<'_, PyBytes>| Bytes::from_owner(PyBackedBytes::from(piece));
    if let Ok(whole) = arguments.downcast::<PyBytes>() {
        return Ok(vec![shared(whole.clone())]);
    }
    arguments
        .try_iter()?
        .map(|piece| Ok(shared(piece?.downcast_into::<PyBytes>()?)))
        .collect()
}

/// `body`'s result, a panic turned into an INTERNAL error.
fn guarded<T>(body: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string());
        Err(internal(&text))
    })
}

fn internal(what: &str) -> Failure {
    Failure::Error(ExportError::internal(format!("internal error: {what}")))
}

/// Writes the meta graph's encoding into `buffer`, exactly as long as it.
fn fill(exported: &Exported, buffer: &mut [u8]) -> Result<(), Failure> {
    let mut rest = &mut buffer[..];
    exported
        .write_meta_graph_def(&mut rest)
        .map_err(|error| internal(&format!("encoding the meta graph: {error}")))?;
    if !rest.is_empty() {
        return Err(internal(
            "the meta graph's encoding is shorter than measured",
        ));
    }
    Ok(())
}

/// The Python exception for a failure.
fn raise(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Error(error) => self::failure(py, error),
        Failure::Unsupported(reason) => {
            let err = Unsupported::new_err(reason.clone());
            match err.value(py).setattr("reason", reason) {
                Ok(()) => err,
                Err(other) => other,
            }
        }
        Failure::Cancelled => Cancelled::new_err("the export was cancelled"),
    }
}

/// Exports serialized `ExportArguments`; see the module documentation.
#[pyfunction]
#[pyo3(signature = (arguments, registry = None, cancel = None, lossless = false))]
fn export(
    py: Python<'_>,
    arguments: &Bound<'_, PyAny>,
    registry: Option<&Bound<'_, PyBytes>>,
    cancel: Option<&Bound<'_, Cancel>>,
    lossless: bool,
) -> PyResult<NativeResult> {
    let arguments = Pieces::new(in_place(arguments)?);
    let registry = registry.map(|r| r.as_bytes());
    let cancel = cancel.map_or_else(CoreCancel::new, |c| c.get().0.clone());
    let outcome = py
        .allow_threads(|| guarded(|| run(arguments, registry, &cancel, lossless)))
        .map_err(|failure| raise(py, failure))?;
    let exported = &outcome.exported;
    let size = usize::try_from(exported.meta_graph_def_len())
        .map_err(|_| raise(py, internal("the meta graph's size overflows")))?;
    // Encoded straight into the bytes object Python gets, not into a buffer
    // then copied: the object is this call's alone until it returns, so it is
    // filled without the GIL.
    let meta_graph_def = PyBytes::new_with(py, size, |buffer| {
        py.allow_threads(|| guarded(|| fill(exported, buffer)))
            .map_err(|failure| raise(py, failure))
    })?
    .unbind();
    let file_bytes = if outcome.same_as_meta {
        Some(meta_graph_def.clone_ref(py))
    } else {
        outcome.file_bytes.map(|b| PyBytes::new(py, &b).unbind())
    };
    Ok(NativeResult {
        meta_graph_def,
        file_bytes,
        debug_info: outcome.debug_info.map(|b| PyBytes::new(py, &b).unbind()),
        debug_info_file_bytes: outcome
            .debug_file_bytes
            .map(|b| PyBytes::new(py, &b).unbind()),
        diagnostics: outcome
            .exported
            .diagnostics
            .into_iter()
            .map(|d| {
                (
                    d.code.to_string(),
                    d.severity().to_string(),
                    d.subject,
                    d.message,
                )
            })
            .collect(),
    })
}

#[pymodule]
fn metagraph_export_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(export, m)?)?;
    m.add_class::<NativeResult>()?;
    m.add_class::<Cancel>()?;
    m.add("Cancelled", m.py().get_type::<Cancelled>())?;
    m.add("ExportFailure", m.py().get_type::<ExportFailure>())?;
    m.add("Unsupported", m.py().get_type::<Unsupported>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
