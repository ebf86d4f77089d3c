//! Writing the meta graph and debug files: all or nothing (spec EXP-FILE-3 to
//! EXP-FILE-8). Every file is written in full to a temporary file beside its
//! target and flushed to disk; only when all are complete are they renamed
//! into place, meta graph first. A failure before that leaves every target as
//! it was and no temporary file behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ExportError;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// What a file holds: bytes, or what a function writes (an encoding produced
/// as it is written, never held whole).
pub enum Content<'a> {
    Bytes(&'a [u8]),
    Written(&'a dyn Fn(&mut dyn Write) -> io::Result<()>),
}

/// Writes each file atomically, creating parent directories.
pub fn write_files(files: &[(&str, Content<'_>)]) -> Result<(), ExportError> {
    let mut staged: Vec<(PathBuf, &str)> = Vec::new();
    let result = (|| {
        for (path, content) in files {
            staged.push((stage(path, content)?, path));
        }
        for (temporary, path) in &staged {
            fs::rename(temporary, path).map_err(|error| failure(path, &error))?;
        }
        Ok(())
    })();
    for (temporary, _) in &staged {
        if fs::symlink_metadata(temporary).is_ok() {
            let _ = fs::remove_file(temporary);
        }
    }
    result
}

fn failure(path: &str, error: &io::Error) -> ExportError {
    ExportError::write_failed(path, error.to_string())
}

fn stage(path: &str, content: &Content<'_>) -> Result<PathBuf, ExportError> {
    let target = Path::new(path);
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Err(error) = fs::create_dir_all(&directory) {
        let reason = if directory.exists() && !directory.is_dir() {
            format!("{} is not a directory", directory.display())
        } else {
            format!("cannot create directory {}: {error}", directory.display())
        };
        return Err(ExportError::write_failed(path, reason));
    }
    if path.ends_with('/') || target.is_dir() {
        return Err(ExportError::write_failed(path, "it is a directory"));
    }
    let base = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let (temporary, mut file) =
        create_temporary(&directory, &base).map_err(|error| failure(path, &error))?;
    let written = (|| -> io::Result<()> {
        match content {
            Content::Bytes(bytes) => file.write_all(bytes)?,
            Content::Written(write) => write(&mut file)?,
        }
        file.sync_all()
    })();
    drop(file);
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(failure(path, &error));
    }
    Ok(temporary)
}

fn create_temporary(directory: &Path, base: &str) -> io::Result<(PathBuf, File)> {
    loop {
        let serial = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(".{base}.{}.{serial}.tmp", std::process::id());
        let candidate = directory.join(name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // The mode an ordinary creation gives, the umask applied (EXP-FILE-8).
            options.mode(0o666);
        }
        match options.open(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
}
