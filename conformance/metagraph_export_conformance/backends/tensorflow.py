"""TensorFlow 2.21 itself, as the suite's reference point (TensorFlow environment).

TensorFlow cannot take a snapshot: it exports live graphs. So this backend
runs each case from its recipe in conformance/generator/: it builds the graph
with TensorFlow, checks that capturing it gives exactly the case's input
(the snapshot in the case file is TensorFlow's graph), and calls
``tf.compat.v1.train.export_meta_graph`` with the case's arguments. What
TensorFlow returns and writes is then judged like any implementation's
output; the cases it fails are the specification's deliberate differences
(conformance/failure_lists/tensorflow.txt).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from metagraph_export.api.v1.export_pb2 import ExportArguments

from .. import CONFORMANCE_DIR
from . import (
    FILESYSTEM,
    IMPORT,
    SYNTHESIZED,
    Backend,
    BackendError,
    Broken,
    Call,
    Exported,
    Failed,
    Imported,
    Outcome,
)


class TensorFlowBackend(Backend):
    name = "tensorflow"
    capabilities = frozenset({FILESYSTEM, SYNTHESIZED, IMPORT})

    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}
        self.imports: dict[str, Any] = {}
        self.tf_import: Any = None
        self.session: Any = None
        self.tf_run: Any = None

    def start(self) -> str:
        if os.environ.get("PYTHONHASHSEED") != "0":
            raise BackendError(
                "the tensorflow backend needs PYTHONHASHSEED=0 (TensorFlow adds variables "
                "to collections in set order)"
            )
        try:
            import tensorflow as tf
        except ImportError:
            raise BackendError(
                "TensorFlow is not installed here; run the tensorflow backend in the "
                "TensorFlow environment (tools/make-tf-env)"
            ) from None
        if not (CONFORMANCE_DIR / "generator").is_dir():
            raise BackendError("conformance/generator/ is not here (a source checkout is needed)")
        if str(CONFORMANCE_DIR) not in sys.path:
            sys.path.insert(0, str(CONFORMANCE_DIR))
        from generator import catalog, tf_import, tf_run

        self.definitions = {definition.id: definition for definition in catalog.all_cases()}
        self.imports = {definition.id: definition for definition in catalog.all_import_cases()}
        self.tf_import = tf_import
        self.session = tf_run.Session()
        self.tf_run = tf_run
        return (
            f"TensorFlow {tf.__version__}, tf.compat.v1.train.export_meta_graph and "
            "import_meta_graph on the graphs of conformance/generator"
        )

    def skip_reason(self, case_id: str) -> str | None:
        if case_id not in self.definitions and case_id not in self.imports:
            return "conformance/generator has no recipe for this case"
        return None

    def run(self, call: Call) -> Outcome:
        if call.is_import:
            return self._import(call)
        definition = self.definitions[call.case_id]
        tf_run = self.tf_run
        try:
            if definition.synthesized is not None:
                observation = tf_run.observe_synthesized(definition, run_tensorflow=True)
            else:
                observation = tf_run.observe(definition, self.session, faithful=True)
        except tf_run.GeneratorError as error:
            return Broken(f"TensorFlow did something the recipe does not allow for: {error}")
        drift = _input_drift(call, observation, definition)
        if drift is not None:
            return Broken(
                f"the case's input is not what TensorFlow's graph gives ({drift}); "
                "regenerate the cases"
            )
        if observation.changed:
            return Broken(f"TensorFlow modified its arguments: {', '.join(observation.changed)}")
        files = dict(observation.sandbox_after)
        if observation.outcome == "error":
            return Failed(observation.category, observation.message, files=files)
        return Exported(
            observation.meta_graph_def,
            tuple(observation.diagnostics),
            files=files,
        )

    def _import(self, call: Call) -> Outcome:
        """TensorFlow's own import_meta_graph, Saver and all (no deliberate
        difference applied), on the recipe's meta graph and target."""
        definition = self.imports[call.case_id]
        try:
            observation = self.tf_import.observe(definition, self.session, faithful=True)
        except self.tf_run.GeneratorError as error:
            return Broken(f"TensorFlow did something the recipe does not allow for: {error}")
        if observation.raw_arguments is not None:
            if observation.raw_arguments != call.raw_import_arguments:
                return Broken("the case's raw arguments are not the recipe's; regenerate")
        elif call.import_arguments is None or observation.arguments.SerializeToString(
            deterministic=True
        ) != call.import_arguments.SerializeToString(deterministic=True):
            return Broken(
                "the case's import arguments are not what TensorFlow's graphs give; "
                "regenerate the cases"
            )
        if observation.outcome == "error":
            return Failed(observation.category, observation.message)
        return Imported(
            observation.snapshot,
            observation.saver_def,
            None if observation.return_elements is None else tuple(observation.return_elements),
            tuple(observation.diagnostics),
        )


def _input_drift(call: Call, observation: Any, definition: Any) -> str | None:
    if definition.synthesized is not None:
        return None
    if call.raw_arguments is not None:
        if observation.raw_arguments != call.raw_arguments:
            return "the raw arguments differ"
        return None
    assert call.arguments is not None
    if observation.raw_arguments is not None:
        return "the case gives arguments where the recipe gives bytes"
    expected = ExportArguments()
    expected.CopyFrom(observation.arguments)
    if expected.SerializeToString(deterministic=True) != call.arguments.SerializeToString(
        deterministic=True
    ):
        from ..compare import first_difference

        return first_difference(expected, call.arguments) or "the encodings differ"
    return None
