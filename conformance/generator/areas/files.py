"""The cases in conformance/cases/files/ (their IDs: <level>.Files.<name>).

The files written: binary, text, parent directories, what is refused and left
alone.
"""

from __future__ import annotations

from ..recipes import Area

AREA = Area("Files")
case = AREA.case

# Files.

case(
    "Required.Files.ParentsCreated",
    ("files.parents_created",),
    "Missing parent directories are created.",
    graph="small",
    options={"filename": "a/b/c/model.meta"},
)
case(
    "Required.Files.Overwrite",
    ("files.overwrite",),
    "An existing file is replaced.",
    graph="small",
    options={"filename": "model.meta"},
    sandbox=(("model.meta", b"old content"),),
    tags=("filesystem",),
)
case(
    "Required.Files.OtherFilesUntouched",
    ("files.overwrite",),
    "Files beside the output stay as they were.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True},
    sandbox=(("keep.txt", b"keep"), ("model.txt", b"also")),
    tags=("filesystem",),
)
case(
    "Required.Files.EmptyFilename",
    ("files.empty_filename",),
    'filename "" writes nothing.',
    graph="small",
    options={"filename": "", "save_debug_info": True},
)
case(
    "Required.Files.FilenameIsDirectory",
    ("files.write_failed", "files.atomic_failure"),
    "filename names a directory: the write fails, nothing is left behind.",
    graph="small",
    options={"filename": "out"},
    sandbox=(("out", None),),
    tags=("filesystem",),
)
case(
    "Required.Files.ParentIsFile",
    ("files.write_failed", "files.atomic_failure"),
    "A parent of filename is a file: the write fails.",
    graph="small",
    options={"filename": "blocker/model.meta"},
    sandbox=(("blocker", b"a file"),),
    tags=("filesystem",),
)
case(
    "Required.Files.TrailingSlash",
    ("files.write_failed",),
    "filename ending in /: the write fails.",
    graph="small",
    options={"filename": "trail/"},
    tags=("filesystem",),
)
case(
    "Required.Files.DebugFileBlocked",
    ("files.staged", "files.write_failed"),
    "The debug file's path is a directory: the export fails; the meta graph file may "
    "remain only if the debug file's rename is what failed.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True},
    sandbox=(("model.debug", None),),
    tags=("filesystem",),
)
case(
    "Required.Files.FailureKeepsExisting",
    ("files.atomic_failure",),
    "A failed export leaves an existing file untouched.",
    graph="variables",
    options={"filename": "model.meta", "export_scope": "a("},
    sandbox=(("model.meta", b"previous"),),
    tags=("filesystem",),
)
case(
    "Required.Files.TextFloats",
    ("text.format", "files.text"),
    "Text format: floats in shortest round-trip form, strings with escapes.",
    graph="strings_and_bytes",
    options={"filename": "t.pbtxt", "as_text": True, "clear_devices": True},
)
case(
    "Required.Files.TextWithFunctions",
    ("files.text",),
    "Text format of a graph with functions.",
    graph="functions",
    options={"filename": "f.pbtxt", "as_text": True},
)
case(
    "Required.Files.BinaryWithFunctions",
    ("files.binary",),
    "Binary format of a graph with functions and shapes.",
    graph="functions",
    options={"filename": "f.pb"},
)
case(
    "Required.Files.EmptyGraphText",
    ("files.text",),
    "The empty graph as text.",
    graph="empty",
    options={"filename": "e.pbtxt", "as_text": True},
)
