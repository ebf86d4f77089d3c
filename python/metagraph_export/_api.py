"""The public entry points, each a front of the pipeline (``_pipeline``)."""

from __future__ import annotations

from ._pipeline import Arguments, ExportResult, export_arguments, run, taking
from .tf.meta_graph_pb2 import MetaGraphDef

__all__ = ["ExportResult", "export", "export_meta_graph"]


@taking(export_arguments)
def export(arguments: Arguments) -> ExportResult:
    """Like :func:`export_meta_graph`, returning an :class:`ExportResult`: the
    message, the diagnostics (what TensorFlow would only log or do silently),
    the debug info and the files written."""
    return run(arguments)


@taking(export_arguments)
def export_meta_graph(arguments: Arguments) -> MetaGraphDef:
    """Returns the ``MetaGraphDef`` TensorFlow 2.21's ``export_meta_graph`` returns,
    and writes it to ``filename`` when one is given.

    The arguments are TensorFlow's, with TensorFlow's defaults: ``filename,
    meta_info_def, graph_def, saver_def, collection_list, as_text, graph,
    export_scope, clear_devices, clear_extraneous_savers, strip_default_attrs,
    save_debug_info, **kwargs``. ``graph`` is a :class:`GraphSnapshot` or,
    where TensorFlow is installed, a ``tf.Graph``. Beyond TensorFlow's,
    ``kwargs`` take ``unbound_inputs_col_name`` (as TensorFlow's do),
    ``op_defs`` (custom OpDefs, an ``OpList`` or an iterable of ``OpDef``) and
    ``op_registry``. No argument is ever changed. See :func:`export` for
    diagnostics.
    """
    return run(arguments).meta_graph_def
