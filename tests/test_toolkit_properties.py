"""Properties of diff, canonical_bytes and content_hash on generated meta graphs.

The meta graphs are exports of generated snapshots
(:func:`metagraph_export.testing.strategies.graph_snapshots`), so they carry
what real exports carry: variables, savers, queue runners and control flow
contexts in typed collections, functions, op lists. The central property:
``diff(a, b).equal`` exactly when ``content_hash(a) == content_hash(b)``.
"""

from __future__ import annotations

import random

import metagraph_export
from google.protobuf import message as _message
from hypothesis import assume, event, given
from hypothesis import strategies as st
from metagraph_export._collections import TYPED_KEYS
from metagraph_export.testing import strategies
from metagraph_export.testing.profiles import settings_for
from metagraph_export.tf.control_flow_pb2 import CondContextDef, ValuesDef, WhileContextDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef

SNAPSHOTS = strategies.graph_snapshots(max_nodes=8)


def _meta_graph(snapshot: metagraph_export.GraphSnapshot) -> MetaGraphDef:
    return metagraph_export.export_meta_graph(graph=snapshot)


META_GRAPHS = SNAPSHOTS.map(_meta_graph)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _pieces(message: _message.Message, rng: random.Random) -> list[bytes]:
    """Encodings of parts of ``message`` that parse, concatenated in any order,
    back into ``message``: one per field, one per map entry, and a singular
    submessage's own parts each wrapped in its field. This is how a
    serializer that walks maps in hash order (TensorFlow's, for the
    ``external_values`` of control flow contexts) can encode a message."""
    pieces: list[bytes] = []
    for field, value in message.ListFields():
        holder = type(message)()
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            for key in value:
                single = type(message)()
                if field.message_type.fields_by_name["value"].message_type is None:
                    getattr(single, field.name)[key] = value[key]
                else:
                    getattr(single, field.name)[key].CopyFrom(value[key])
                pieces.append(single.SerializeToString())
        elif field.message_type is not None and not field.is_repeated:
            tag = _varint(field.number << 3 | 2)
            parts = _pieces(value, rng) or [b""]
            pieces += [tag + _varint(len(part)) + part for part in parts]
        else:
            if field.is_repeated:
                getattr(holder, field.name).extend(value)
            else:
                setattr(holder, field.name, value)
            pieces.append(holder.SerializeToString(deterministic=True))
    return pieces


def scrambled(message: _message.Message, rng: random.Random) -> bytes:
    pieces = _pieces(message, rng)
    rng.shuffle(pieces)
    return b"".join(pieces)


def _reencoded_items(meta_graph_def: MetaGraphDef, rng: random.Random) -> MetaGraphDef:
    """The typed collection items encoded in another (valid) field order."""
    result = MetaGraphDef()
    result.CopyFrom(meta_graph_def)
    types: dict[str, type[_message.Message]] = {
        "cond_context": CondContextDef,
        "while_context": WhileContextDef,
    }
    for key, collection in result.collection_def.items():
        if key not in TYPED_KEYS or collection.WhichOneof("kind") != "bytes_list":
            continue
        values = collection.bytes_list.value
        for index, data in enumerate(values):
            cls = types.get(key)
            if cls is None:
                continue
            item = cls()
            item.ParseFromString(data)
            values[index] = scrambled(item, rng)
    return result


def _shuffled(meta_graph_def: MetaGraphDef, rng: random.Random) -> MetaGraphDef:
    result = MetaGraphDef()
    result.CopyFrom(meta_graph_def)
    result.graph_def.node.sort(key=lambda _: rng.random())
    result.graph_def.library.function.sort(key=lambda _: rng.random())
    return result


@settings_for("slow")
@given(META_GRAPHS, st.randoms(use_true_random=False), st.booleans())
def test_meaningless_differences_are_equal(
    meta_graph_def: MetaGraphDef, rng: random.Random, new_version: bool
) -> None:
    """Node and function order, the encoding of control flow contexts and the
    writer's version: diff finds nothing, the canonical bytes are the same."""
    other = _reencoded_items(_shuffled(meta_graph_def, rng), rng)
    if new_version:
        other.meta_info_def.tensorflow_version = "2.99.0"
        other.meta_info_def.tensorflow_git_version = "v2.99.0-0-g0"
    result = metagraph_export.diff(meta_graph_def, other)
    assert result.equal, result.to_text()
    assert metagraph_export.canonical_bytes(meta_graph_def) == metagraph_export.canonical_bytes(
        other
    )
    assert metagraph_export.content_hash(meta_graph_def) == metagraph_export.content_hash(other)
    strict = metagraph_export.diff(meta_graph_def, other, include_versions=True)
    versions_differ = new_version and (meta_graph_def.meta_info_def.tensorflow_version != "2.99.0")
    assert strict.equal != versions_differ
    assert (
        metagraph_export.content_hash(meta_graph_def, include_versions=True)
        == metagraph_export.content_hash(other, include_versions=True)
    ) == strict.equal


def _mutate(meta_graph_def: MetaGraphDef, choice: int) -> tuple[MetaGraphDef, str, str]:
    """One change of meaning; returns the changed copy, the section and the
    entry name diff must report."""
    result = MetaGraphDef()
    result.CopyFrom(meta_graph_def)
    nodes = result.graph_def.node
    node = nodes[choice % len(nodes)]
    kind = choice % 4
    if kind == 0:
        node.device = node.device + "/device:GPU:7"
        return result, "nodes", node.name
    if kind == 1:
        node.attr["_toolkit_mark"].i = choice
        return result, "nodes", node.name
    if kind == 2:
        name = node.name
        del nodes[choice % len(nodes)]
        return result, "nodes", name
    result.collection_def["toolkit_extra"].int64_list.value.append(choice)
    return result, "collections", '"toolkit_extra"'


@settings_for("slow")
@given(META_GRAPHS, st.integers(0, 1000))
def test_changes_of_meaning_are_reported(meta_graph_def: MetaGraphDef, choice: int) -> None:
    assume(len(meta_graph_def.graph_def.node) > 0)
    assume("toolkit_extra" not in meta_graph_def.collection_def)
    other, section, name = _mutate(meta_graph_def, choice)
    assume(
        len({node.name for node in meta_graph_def.graph_def.node})
        == len(meta_graph_def.graph_def.node)
    )
    result = metagraph_export.diff(meta_graph_def, other)
    assert not result.equal
    assert name in [entry.name for entry in result.section(section)], result.to_text()
    assert metagraph_export.content_hash(meta_graph_def) != metagraph_export.content_hash(other)
    # Seen the other way round, what was removed is added.
    swap = {"added": "removed", "removed": "added", "changed": "changed"}
    back = metagraph_export.diff(other, meta_graph_def)
    assert [(e.section, e.name, swap[e.status]) for e in back.entries] == [
        (e.section, e.name, e.status) for e in result.entries
    ]


@settings_for("slow")
@given(META_GRAPHS, META_GRAPHS)
def test_equal_exactly_when_hashes_are(a: MetaGraphDef, b: MetaGraphDef) -> None:
    result = metagraph_export.diff(a, b)
    assert result.equal == (metagraph_export.content_hash(a) == metagraph_export.content_hash(b))
    assert result.equal == (not result.entries)
    # Every reported change is a real one: no entry without a difference.
    for entry in result.entries:
        assert entry.status != "changed" or entry.changes, entry


@settings_for("fast")
@given(META_GRAPHS)
def test_diff_and_hash_change_no_argument(meta_graph_def: MetaGraphDef) -> None:
    before = meta_graph_def.SerializeToString(deterministic=True)
    metagraph_export.diff(meta_graph_def, meta_graph_def)
    metagraph_export.content_hash(meta_graph_def)
    metagraph_export.summarize(meta_graph_def)
    assert meta_graph_def.SerializeToString(deterministic=True) == before


def test_scrambled_encoding_differs_yet_parses_equal() -> None:
    """The re-encoding above really produces other bytes for a context with
    several external values (else the properties would prove nothing)."""
    context = CondContextDef(context_name="c", pred_name="p", pivot_name="v")
    context.values_def.CopyFrom(
        ValuesDef(values=["a", "b"], external_values={"a": "x", "b": "y", "c": "z"})
    )
    deterministic = context.SerializeToString(deterministic=True)
    encodings = {scrambled(context, random.Random(seed)) for seed in range(20)}
    assert len(encodings - {deterministic}) > 0
    for data in encodings:
        parsed = CondContextDef()
        parsed.ParseFromString(data)
        assert parsed == context


@settings_for("slow")
@given(META_GRAPHS, st.data())
def test_prune_keeps_collections_consistent(
    meta_graph_def: MetaGraphDef, data: st.DataObject
) -> None:
    """After a cut, no collection item, saver or op list entry names what was
    cut, and what the cut kept keeps its items in order."""
    names = [node.name for node in meta_graph_def.graph_def.node]
    assume(names)
    outputs = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
    try:
        pruned = metagraph_export.prune(meta_graph_def, outputs)
    except metagraph_export.InvalidArgumentError as error:
        # Only an input naming no node of the graph stops the cut.
        assert "which no node of the graph is" in str(error)
        event("an input names no node")
        return
    event("cut" if len(pruned.graph_def.node) < len(names) else "nothing cut")
    kept = {node.name for node in pruned.graph_def.node}
    cut = set(names) - kept
    assert set(outputs) <= kept
    for key, collection in pruned.collection_def.items():
        original = meta_graph_def.collection_def[key]
        if collection.WhichOneof("kind") == "node_list":
            values = list(collection.node_list.value)
            assert not {v.lstrip("^").split(":")[0] for v in values} & cut, key
            # A subsequence of the original, in order.
            remaining = iter(original.node_list.value)
            assert all(value in remaining for value in values), key
        assert collection.ByteSize() or not original.ByteSize(), key
    if pruned.HasField("saver_def"):
        assert pruned.saver_def.filename_tensor_name.split(":")[0] not in cut
    used = {node.op for node in pruned.graph_def.node} | {
        node.op for function in pruned.graph_def.library.function for node in function.node_def
    }
    assert {op.name for op in pruned.meta_info_def.stripped_op_list.op} <= used
    assert pruned.graph_def.library == meta_graph_def.graph_def.library
