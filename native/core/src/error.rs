//! The outcome of a failed export: one error of one category (spec EXP-ERR-1).

use std::fmt;

/// The error categories of spec EXP-ERR-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    InvalidArgument,
    MalformedInput,
    GraphTooLarge,
    WriteFailed,
    Internal,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::InvalidArgument => "INVALID_ARGUMENT",
            Category::MalformedInput => "MALFORMED_INPUT",
            Category::GraphTooLarge => "GRAPH_TOO_LARGE",
            Category::WriteFailed => "WRITE_FAILED",
            Category::Internal => "INTERNAL",
        }
    }
}

/// A failed export. `subject` names the argument (`graph`, `saver_def`, ...),
/// the input that did not decode, or the path that could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    pub category: Category,
    pub subject: String,
    pub message: String,
    /// The encoded size, for `GRAPH_TOO_LARGE`.
    pub size: Option<u64>,
}

impl ExportError {
    pub fn invalid(subject: &str, message: impl Into<String>) -> Self {
        Self::new(Category::InvalidArgument, subject, message)
    }

    pub fn malformed(subject: &str, message: impl Into<String>) -> Self {
        Self::new(Category::MalformedInput, subject, message)
    }

    pub fn write_failed(path: &str, message: impl Into<String>) -> Self {
        Self::new(Category::WriteFailed, path, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Category::Internal, "", message)
    }

    pub fn too_large(size: u64) -> Self {
        let mut error = Self::new(
            Category::GraphTooLarge,
            "graph",
            format!("the MetaGraphDef would be {size} bytes; protobuf's limit is 2 GiB (2147483648 bytes)"),
        );
        error.size = Some(size);
        error
    }

    fn new(category: Category, subject: &str, message: impl Into<String>) -> Self {
        Self {
            category,
            subject: subject.to_string(),
            message: message.into(),
            size: None,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.subject.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.subject, self.message)
        }
    }
}

impl std::error::Error for ExportError {}

/// Why an export did not happen: an error of the specification, a scope
/// this implementation declines (spec EXP-SCOPE-7: regex-dependent scopes),
/// or a [`crate::Cancel`] raised by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Error(ExportError),
    Unsupported(String),
    Cancelled,
}

impl From<ExportError> for Failure {
    fn from(error: ExportError) -> Self {
        Failure::Error(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(error) => write!(f, "{}: {error}", error.category.name()),
            Failure::Unsupported(reason) => write!(f, "unsupported: {reason}"),
            Failure::Cancelled => write!(f, "cancelled"),
        }
    }
}

/// Python's `repr` of a str, for messages that quote names as the reference does.
pub fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
