"""Test support for code that produces or consumes ``export_meta_graph`` output.

:mod:`metagraph_export.testing.strategies`
    Hypothesis strategies: valid graph snapshots (nested and colliding name
    scopes, devices, colocation, control flow frames, function libraries,
    attributes of every kind, collections of every kind), export options that
    fit a snapshot, and descriptions of TensorFlow graphs.

:mod:`metagraph_export.testing.profiles`
    Hypothesis settings profiles: ``ci`` (bounded and derandomized, the
    default of this package's property tests), ``dev`` and ``deep``.

:func:`build_tf_graph` turns a :class:`GraphDescription` (plain data) into a
real ``tf.Graph``; it needs TensorFlow and imports it on first use.

Hypothesis is not a dependency of the package: install the test extra,
``pip install 'metagraph-export[test]'``. This module itself imports neither
Hypothesis nor TensorFlow.
"""

from __future__ import annotations

from ._descriptions import (
    BuiltGraph,
    GraphDescription,
    OpDescription,
    build_tf_graph,
)

__all__ = ["BuiltGraph", "GraphDescription", "OpDescription", "build_tf_graph"]
