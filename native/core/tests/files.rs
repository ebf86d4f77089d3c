//! All-or-nothing writes when a file's content is produced as it is written.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use metagraph_export_core::files::{write_files, Content};

fn fresh_directory(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("mge-files-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&directory);
    fs::create_dir_all(&directory).unwrap();
    directory
}

fn names(directory: &PathBuf) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_encoding_that_fails_halfway_leaves_every_file_as_it_was() {
    let directory = fresh_directory("halfway");
    let meta = directory.join("model.meta");
    let debug = directory.join("model.debug");
    fs::write(&meta, b"previous content").unwrap();
    let halfway = |out: &mut dyn Write| -> io::Result<()> {
        out.write_all(&[7; 4096])?;
        Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
    };
    let (meta_path, debug_path) = (meta.to_str().unwrap(), debug.to_str().unwrap());
    let error = write_files(&[
        (debug_path, Content::Bytes(b"debug")),
        (meta_path, Content::Written(&halfway)),
    ])
    .unwrap_err();
    assert_eq!(error.subject, meta_path);
    assert!(error.message.contains("disk full"), "{}", error.message);
    assert_eq!(fs::read(&meta).unwrap(), b"previous content");
    // No temporary file left, and the debug file staged first is not written.
    assert_eq!(names(&directory), ["model.meta"]);
    fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn an_encoding_written_whole_is_the_file() {
    let directory = fresh_directory("whole");
    let meta = directory.join("model.meta");
    let encode = |out: &mut dyn Write| -> io::Result<()> {
        for chunk in 0..=255u8 {
            out.write_all(&[chunk; 300])?;
        }
        Ok(())
    };
    write_files(&[(meta.to_str().unwrap(), Content::Written(&encode))]).unwrap();
    let written = fs::read(&meta).unwrap();
    assert_eq!(written.len(), 256 * 300);
    assert!(written
        .chunks(300)
        .enumerate()
        .all(|(i, c)| c.iter().all(|&b| b as usize == i)));
    assert_eq!(names(&directory), ["model.meta"]);
    fs::remove_dir_all(&directory).unwrap();
}
