"""The golden generator of the conformance suite (TensorFlow environment only).

It builds each case's graph with TensorFlow 2.21, captures it as a graph
snapshot, runs ``tf.compat.v1.train.export_meta_graph`` and records what
TensorFlow returned and wrote. ``python -m metagraph_export_conformance.generate``
runs it; see ``generate.py``.
"""
