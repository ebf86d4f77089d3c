//! Stopping an export from another thread: a server abandons an export whose
//! call has ended (deadline, cancellation, shutdown) rather than finish work
//! no one will read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::Failure;

/// A flag that another thread raises to stop an export. The export looks at
/// it between its steps and at every node of the long loops, and then fails
/// with [`Failure::Cancelled`]; it never writes a file either way.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not raised yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Raises the flag; the export stops at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Failure::Cancelled)` once the flag is raised.
    pub fn check(&self) -> Result<(), Failure> {
        if self.is_cancelled() {
            Err(Failure::Cancelled)
        } else {
            Ok(())
        }
    }
}
